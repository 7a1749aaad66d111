// `cirt case init|ingest|raw`: flags -> store::Case / store::Ingest.
#include "store/case.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include "aws/client.h"
#include "cli/anomaly_flags.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_line.h"
#include "cli/rule_flags.h"
#include "core/diagnostics.h"
#include "store/ingest.h"

namespace cirt::cli {

namespace {

struct CaseFlags {
  std::string dir;
  std::vector<std::string> inputs;
  std::vector<std::string> rules;
  bool no_builtin = false;
  std::vector<std::string> vars;
  bool quiet = false;
  std::vector<std::string> events;
  AnomalyFlags anomaly;
  bool rehunt = false;
};

int Fail(const Status& s) {
  std::fprintf(stderr, "cirt: %s\n", s.ToString().c_str());
  return s.code() == ErrorCode::kNotFound || s.code() == ErrorCode::kInvalidArgument ||
                 s.code() == ErrorCode::kConflict || s.code() == ErrorCode::kUnsupported
             ? kExitUsage
             : kExitFailed;
}

int RunInit(const CaseFlags& f) {
  auto c = store::Case::Init(f.dir);
  if (!c.ok()) return Fail(c.status());
  if (!f.quiet) std::fprintf(stderr, "cirt: case initialised in %s\n", f.dir.c_str());
  return kExitOk;
}

int RunIngest(const CaseFlags& f) {
  if (f.inputs.empty() && !f.rehunt) {
    std::fprintf(stderr, "cirt: case ingest needs PATH... (or --rehunt)\n");
    return kExitUsage;
  }
  auto c = store::Case::Open(f.dir);
  if (!c.ok()) return Fail(c.status());
  store::IngestOptions options;
  options.inputs = f.inputs;
  options.rehunt = f.rehunt;
  options.rule_paths = f.rules;
  options.builtin_rules = !f.no_builtin;
  bool usage_error = false;
  options.anomalies = AnomalyOptionsFromFlags(f.anomaly, &usage_error);
  if (usage_error) return kExitUsage;
  if (!AddRuleVars(f.vars, &options.load)) return kExitUsage;
  std::atomic<uint64_t> files_done{0}, files_total{0}, records{0};
  options.on_progress = [&](const store::IngestProgress& p) {
    files_done = p.files_done;
    files_total = p.files_total;
    records = p.records;
  };
  Diagnostics diagnostics(stderr);
  Result<store::IngestStats> result = Status::Internal("not run");
  {
    std::unique_ptr<ProgressLine> line;
    if (!f.quiet && isatty(STDERR_FILENO)) {
      line = std::make_unique<ProgressLine>([&](double secs) {
        return fmt::format("files {}/{}  {} events  {:.0f} events/s", files_done.load(),
                           files_total.load(), records.load(),
                           secs > 0 ? static_cast<double>(records.load()) / secs : 0);
      });
    }
    result = store::Ingest(&*c, options, &diagnostics);
  }
  if (!result.ok()) return Fail(result.status());
  const store::IngestStats& s = *result;
  if (!f.quiet) {
    std::fprintf(
        stderr, "%s",
        fmt::format("cirt: {} files: {} ingested, {} already in the case, {} skipped; {} events "
                    "({} resources, {} detections, {} of them by --rehunt; {} duplicates not stored), {} alerts; {} rules ({} correlation, {} with "
                    "aggregations, {} failed); {} derived detections over the case "
                    "(correlations, aggregations, anomalies; {:.2f}s); {:.2f}s ({:.0f} events/s; "
                    "indexing {:.2f}s = {:.0f} events/s; indexes {:.2f}s); skipped records: {}\n",
                    s.files, s.files_ingested, s.files_already, s.files_skipped, s.events,
                    s.resources, s.detections, s.rehunt_added, s.duplicates, s.alerts, s.rules.loaded, s.rules.correlation,
                    s.rules_aggregating, s.rules.errors, s.derived, s.seconds_derive, s.seconds,
                    s.seconds > 0 ? static_cast<double>(s.events) / s.seconds : 0, s.seconds_index,
                    s.seconds_index > 0 ? static_cast<double>(s.events) / s.seconds_index : 0,
                    s.seconds_indexes, s.read.records_skipped)
            .c_str());
  }
  if (s.rules.errors > 0) return kExitUsage;
  if (s.files_skipped || s.input_errors || s.read.any_skipped()) return kExitInputSkipped;
  return kExitOk;
}

int RunRaw(const CaseFlags& f) {
  auto c = store::Case::Open(f.dir);
  if (!c.ok()) return Fail(c.status());
  for (const std::string& id : f.events) {
    auto q = c->db().Prepare("SELECT id FROM events WHERE event_id = ?1 ORDER BY id");
    if (!q.ok()) return Fail(q.status());
    q->BindText(1, id);
    bool any = false;
    while (true) {
      auto row = q->Step();
      if (!row.ok()) return Fail(row.status());
      if (!*row) break;
      any = true;
      auto raw = store::RawEvent(&*c, q->Int(0));
      if (!raw.ok()) return Fail(raw.status());
      // Records keep issued session tokens (responseElements.credentials):
      // they never reach the output.
      const std::string redacted = aws::RedactBody(*raw);
      std::fwrite(redacted.data(), 1, redacted.size(), stdout);
      std::fputc('\n', stdout);
    }
    if (!any) return Fail(Status::NotFound(fmt::format("no event '{}' in the case", id)));
  }
  return kExitOk;
}

}  // namespace

Runner AddCase(CLI::App& app) {
  auto flags = std::make_shared<CaseFlags>();
  CLI::App* cmd = app.add_subcommand("case", "Create an incident case and ingest evidence into it");
  cmd->require_subcommand(1);
  CLI::App* init = cmd->add_subcommand("init", "Create a case folder (SQLite database, WAL)");
  init->add_option("dir", flags->dir, "Case folder")->required();
  init->add_flag("--quiet,-q", flags->quiet, "No message on stderr");
  CLI::App* ingest = cmd->add_subcommand(
      "ingest", "Index CloudTrail logs, hunt detections and GuardDuty/Security Hub findings");
  ingest->add_option("dir", flags->dir, "Case folder")->required();
  ingest->add_option("paths", flags->inputs,
                     "Files or folders (CloudTrail, findings; plain or gzip); optional with "
                     "--rehunt");
  ingest->add_flag("--rehunt", flags->rehunt,
                   "Also run the rules over every CloudTrail file already in the case and add "
                   "the detections not stored yet");
  ingest->add_option("--rules,-r", flags->rules, "Sigma rule file or folder (repeatable)")
      ->allow_extra_args(false);
  ingest->add_flag("--no-builtin-rules", flags->no_builtin, "Do not run cirt's built-in rule pack");
  ingest->add_option("--var", flags->vars, "Values for a rule placeholder: NAME=V1,V2")
      ->allow_extra_args(false);
  AddAnomalyFlags(ingest, &flags->anomaly);
  ingest->add_flag("--quiet,-q", flags->quiet, "No progress or statistics on stderr");
  CLI::App* raw = cmd->add_subcommand("raw", "Print the stored raw CloudTrail record of events");
  raw->add_option("dir", flags->dir, "Case folder")->required();
  raw->add_option("event_ids", flags->events, "CloudTrail eventID values")->required();
  return [flags, init, ingest, raw] {
    if (init->parsed()) return RunInit(*flags);
    if (ingest->parsed()) return RunIngest(*flags);
    if (raw->parsed()) return RunRaw(*flags);
    return kExitUsage;
  };
}

}  // namespace cirt::cli
