// `cirt rules check|list`: load rules and report which do not load, and why.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "detect/correlation.h"
#include "detect/hunt.h"
#include "detect/sigma/matcher.h"
#include "model/fields.h"

namespace cirt::cli {

namespace {

struct RulesFlags {
  std::vector<std::string> paths;
  bool builtin = false;
  bool list = false;
};

int RunRules(const RulesFlags& f) {
  std::vector<detect::sigma::Rule> rules;
  std::vector<detect::sigma::Correlation> correlations;
  detect::RuleSummary summary;
  bool builtin = f.builtin || f.paths.empty();
  Status st = detect::LoadAllRules(builtin, f.paths, {}, &rules, &correlations, &summary);
  if (!st.ok()) {
    std::fprintf(stderr, "cirt: %s\n", st.ToString().c_str());
    return kExitUsage;
  }
  // Compiling catches what parsing cannot (bad regex, bad CIDR, ...).
  model::FieldPlan plan;
  std::vector<detect::sigma::LoadOutcome> compile_errors;
  auto matcher = detect::sigma::Matcher::Compile(std::move(rules), &plan, &compile_errors);
  // Resolving references catches unknown or ambiguous rules, cycles, and
  // aliases or fields that do not fit.
  std::vector<std::unique_ptr<model::RuleInfo>> infos;
  auto engine = detect::CorrelationEngine::Build(*matcher, std::move(correlations), &plan, &infos,
                                                 &compile_errors);
  size_t failed = 0, other = 0;
  for (const auto& o : summary.outcomes) {
    using K = detect::sigma::LoadOutcome::Kind;
    if (o.kind == K::kError) {
      ++failed;
      std::printf("FAIL  %s: %s\n", o.file.c_str(), o.message.c_str());
    } else if (o.kind == K::kOtherLogsource) {
      ++other;
      if (f.list) std::printf("SKIP  %s: %s\n", o.file.c_str(), o.message.c_str());
    } else if (o.kind == K::kCorrelation) {
      continue;  // listed below once resolved
    } else if (!o.message.empty()) {
      std::printf("WARN  %s: %s\n", o.file.c_str(), o.message.c_str());
    }
  }
  for (const auto& o : compile_errors) {
    ++failed;
    std::printf("FAIL  %s: %s\n", o.file.c_str(), o.message.c_str());
  }
  if (f.list) {
    for (size_t i = 0; i < matcher->rule_count(); ++i) {
      const auto& r = matcher->rule(i);
      std::printf("OK    %s  %-13s %s  (%s)\n", r.id.c_str(),
                  std::string(model::LevelName(r.level)).c_str(), r.title.c_str(), r.file.c_str());
    }
    for (size_t i = 0; i < engine->size(); ++i) {
      const auto& c = engine->correlation(i);
      std::printf("OK    %s  %-13s %s [correlation %s]  (%s)\n", c.id.c_str(),
                  std::string(model::LevelName(c.level)).c_str(), c.title.c_str(),
                  std::string(detect::sigma::CorrelationTypeName(c.type)).c_str(), c.file.c_str());
    }
  }
  std::printf("%s", fmt::format("{} rules load, {} fail, {} skipped (other logsource), {} "
                                "correlation rules load; {} predicates\n",
                                matcher->rule_count(), failed, other, engine->size(),
                                matcher->predicate_count())
                        .c_str());
  return failed ? kExitUsage : kExitOk;
}

}  // namespace

Runner AddRules(CLI::App& app) {
  auto flags = std::make_shared<RulesFlags>();
  CLI::App* cmd = app.add_subcommand("rules", "Check or list Sigma rules");
  cmd->require_subcommand(1);
  CLI::App* check = cmd->add_subcommand("check", "List every rule that does not load, with the reason");
  check->add_option("paths", flags->paths, "Rule files or folders (default: the built-in pack)");
  check->add_flag("--builtin", flags->builtin, "Also check the built-in pack");
  CLI::App* list = cmd->add_subcommand("list", "List the rules that load");
  list->add_option("paths", flags->paths, "Rule files or folders (default: the built-in pack)");
  list->add_flag("--builtin", flags->builtin, "Also list the built-in pack");
  list->callback([flags] { flags->list = true; });
  return [flags] { return RunRules(*flags); };
}

}  // namespace cirt::cli
