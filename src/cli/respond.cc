// `cirt respond plan|apply|rollback|status|list`: flags -> aws::Session ->
// respond engine (plan, journaled apply, verified rollback) -> report
// writers. Exit codes: README "cirt respond".
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "aws/services/sts.h"
#include "cli/aws_flags.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "report/respond_writer.h"
#include "respond/engine.h"

namespace cirt::cli {

namespace {

using nlohmann::json;

struct RespondFlags {
  AwsFlags aws;
  std::string playbook;
  std::vector<std::string> inputs;  // k=v
  std::string case_dir;
  std::vector<std::string> playbook_dirs;
  std::string guardrails;
  std::string format = "table";
  bool yes = false;
  bool force = false;
  std::string run;  // rollback/status
  bool last = false;
};

void Error(const std::string& text) { std::fprintf(stderr, "cirt: %s\n", text.c_str()); }

Result<report::Format> OutputFormat(const std::string& name) {
  if (name == "table") return report::Format::kTable;
  if (name == "json") return report::Format::kJson;
  return Status::InvalidArgument("--format must be table or json");
}

// --guardrails FILE > $CIRT_GUARDRAILS > CASE/guardrails.yaml|json > defaults.
Result<respond::Guardrails> Guardrails(const RespondFlags& f) {
  std::string path = f.guardrails;
  if (path.empty()) {
    if (const char* env = std::getenv("CIRT_GUARDRAILS"); env != nullptr) path = env;
  }
  if (path.empty() && !f.case_dir.empty()) {
    for (const char* name : {"guardrails.yaml", "guardrails.yml", "guardrails.json"}) {
      std::filesystem::path candidate = std::filesystem::path(f.case_dir) / name;
      if (std::filesystem::exists(candidate)) {
        path = candidate.string();
        break;
      }
    }
  }
  if (path.empty()) return respond::Guardrails{};
  return respond::LoadGuardrails(path);
}

struct Connection {
  std::unique_ptr<aws::SystemEnvironment> env;
  std::unique_ptr<aws::Session> session;
  respond::ActionContext ctx;
  respond::CallerInfo caller;
};

// Opens the session and asks who we are (the identity guardrails protect).
Result<Connection> Connect(const AwsFlags& flags) {
  Connection c;
  c.env = std::make_unique<aws::SystemEnvironment>();
  CIRT_ASSIGN_OR_RETURN(c.session, OpenSession(flags, *c.env));
  aws::Client& client = c.session->client();
  CIRT_ASSIGN_OR_RETURN(aws::sts::CallerIdentity identity, aws::sts::GetCallerIdentity(client));
  c.caller = {identity.arn, identity.account};
  c.ctx.client = &client;
  c.ctx.account_id = identity.account;
  c.ctx.region = client.region();
  // arn:<partition>:...
  size_t colon = identity.arn.find(':', 4);
  if (identity.arn.rfind("arn:", 0) == 0 && colon != std::string::npos)
    c.ctx.partition = identity.arn.substr(4, colon - 4);
  c.ctx.now = std::chrono::system_clock::now();
  c.ctx.random_bytes = respond::SystemRandomBytes;
  return c;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseInputs(
    const std::vector<std::string>& inputs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& input : inputs) {
    size_t eq = input.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::InvalidArgument("--input needs NAME=VALUE, got '" + input + "'");
    out.emplace_back(input.substr(0, eq), input.substr(eq + 1));
  }
  return out;
}

int ExitFor(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kCorrupt:
      return kExitUsage;
    default:
      return kExitRespondFailed;
  }
}

std::string RollbackCommand(const RespondFlags& f, const std::string& run_id) {
  return fmt::format("cirt respond rollback {} --case {}{}", run_id, f.case_dir,
                     AwsFlagsText(f.aws));
}

// Plans (read-only); the plan is printed unless `quiet_table`.
int RunPlanOrApply(const RespondFlags& f, bool apply) {
  auto format = OutputFormat(f.format);
  if (!format.ok()) return Error(std::string(format.status().message())), kExitUsage;
  if (apply && f.case_dir.empty()) return Error("apply needs --case DIR (the journal goes there)"), kExitUsage;
  const respond::ActionRegistry& registry = respond::ActionRegistry::Builtin();
  auto playbook = respond::FindPlaybook(f.playbook, f.playbook_dirs, registry);
  if (!playbook.ok()) return Error(playbook.status().ToString()), kExitUsage;
  auto given = ParseInputs(f.inputs);
  if (!given.ok()) return Error(std::string(given.status().message())), kExitUsage;
  auto inputs = respond::BindInputs(*playbook, *given);
  if (!inputs.ok()) return Error(std::string(inputs.status().message())), kExitUsage;
  auto guardrails = Guardrails(f);
  if (!guardrails.ok()) return Error(guardrails.status().ToString()), kExitUsage;
  auto connection = Connect(f.aws);
  if (!connection.ok()) return Error(connection.status().ToString()), ExitFor(connection.status());
  respond::ActionContext& ctx = connection->ctx;
  auto plan = respond::MakePlan(ctx, *playbook, *inputs, *guardrails, f.force,
                                connection->caller, registry);
  if (!plan.ok()) return Error(plan.status().ToString()), kExitRespondFailed;
  json plan_json = respond::PlanToJson(*plan);
  if (!apply || *format == report::Format::kTable) {
    Status written = report::WriteRespondPlan(plan_json, *format, stdout);
    if (!written.ok()) return Error(written.ToString()), kExitUsage;
  }
  if (!plan->refusals.empty()) {
    Error("refused by the guardrails; nothing was changed");
    return kExitUsage;
  }
  if (plan->has_errors()) {
    Error("some steps cannot read their current state (see the plan); nothing was changed");
    return kExitRespondFailed;
  }
  if (!apply) {
    std::fprintf(stderr, "cirt: plan only, nothing was changed. To apply: cirt respond apply %s",
                 f.playbook.c_str());
    for (const std::string& input : f.inputs) std::fprintf(stderr, " --input %s", input.c_str());
    std::fprintf(stderr, " --case %s%s --yes\n", f.case_dir.empty() ? "DIR" : f.case_dir.c_str(),
                 AwsFlagsText(f.aws).c_str());
    return kExitOk;
  }
  if (!f.yes) {
    if (!isatty(STDIN_FILENO)) {
      Error("refusing to apply without --yes (stdin is not a terminal to confirm on)");
      return kExitUsage;
    }
    std::fprintf(stderr, "Type the playbook name (%s) to apply this plan: ", plan->playbook.c_str());
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != plan->playbook) {
      Error("not confirmed; nothing was changed");
      return kExitUsage;
    }
  }
  ctx.evidence_dir = (std::filesystem::path(f.case_dir) / "respond" / plan->run_id).string();
  std::string journal = respond::JournalPath(f.case_dir, plan->run_id);
  auto run = respond::Apply(ctx, *plan, registry, journal);
  if (!run.ok()) return Error(run.status().ToString()), ExitFor(run.status());
  Status written = report::WriteRespondRun(respond::RunResultToJson(*run), *format, stdout);
  if (!written.ok()) return Error(written.ToString()), kExitUsage;
  bool changed = false;
  for (const auto& step : run->steps) changed = changed || step.outcome == "applied";
  if (run->failed) {
    std::string done, not_done;
    for (const auto& step : run->steps) {
      if (step.outcome == "applied") done += " " + step.id;
      if (step.outcome == "failed" || step.outcome == "not-run") not_done += " " + step.id;
    }
    Error(fmt::format("run {} FAILED. Done:{}. Not done:{}.", run->run_id,
                      done.empty() ? " nothing" : done, not_done));
    std::fprintf(stderr, "cirt: to undo what was done: %s\n",
                 RollbackCommand(f, run->run_id).c_str());
    return kExitRespondFailed;
  }
  if (!changed) {
    std::fprintf(stderr, "cirt: already in effect: nothing changed (run %s journaled)\n",
                 run->run_id.c_str());
  } else {
    std::fprintf(stderr, "cirt: applied. To undo: %s\n", RollbackCommand(f, run->run_id).c_str());
  }
  return kExitOk;
}

Result<std::string> RunId(const RespondFlags& f) {
  if (f.case_dir.empty()) return Status::InvalidArgument("--case DIR is required");
  if (f.last == !f.run.empty()) return Status::InvalidArgument("give a RUN id or --last");
  if (f.last) return respond::LastRun(f.case_dir);
  return f.run;
}

int RunRollback(RespondFlags f) {
  auto format = OutputFormat(f.format);
  if (!format.ok()) return Error(std::string(format.status().message())), kExitUsage;
  auto run_id = RunId(f);
  if (!run_id.ok()) return Error(run_id.status().ToString()), kExitUsage;
  std::string journal = respond::JournalPath(f.case_dir, *run_id);
  auto status = respond::RunStatus(journal);  // verifies the chain
  if (!status.ok()) return Error(status.status().ToString()), kExitUsage;
  // The run's region unless --region says otherwise.
  if (f.aws.region.empty()) f.aws.region = status->value("region", "");
  auto connection = Connect(f.aws);
  if (!connection.ok()) return Error(connection.status().ToString()), ExitFor(connection.status());
  auto result = respond::Rollback(connection->ctx, journal, respond::ActionRegistry::Builtin());
  if (!result.ok()) return Error(result.status().ToString()), ExitFor(result.status());
  Status written = report::WriteRespondRun(respond::RunResultToJson(*result), *format, stdout);
  if (!written.ok()) return Error(written.ToString()), kExitUsage;
  if (result->steps.empty())
    std::fprintf(stderr, "cirt: nothing to undo in run %s\n", run_id->c_str());
  if (result->failed) {
    Error("rollback incomplete: see the failed or manual steps above");
    return kExitRespondFailed;
  }
  return kExitOk;
}

int RunStatus(const RespondFlags& f) {
  auto format = OutputFormat(f.format);
  if (!format.ok()) return Error(std::string(format.status().message())), kExitUsage;
  auto run_id = RunId(f);
  if (!run_id.ok()) return Error(run_id.status().ToString()), kExitUsage;
  auto status = respond::RunStatus(respond::JournalPath(f.case_dir, *run_id));
  if (!status.ok()) return Error(status.status().ToString()), kExitRespondFailed;
  Status written = report::WriteRespondStatus(*status, *format, stdout);
  if (!written.ok()) return Error(written.ToString()), kExitUsage;
  return kExitOk;
}

int RunList(const RespondFlags& f) {
  auto format = OutputFormat(f.format);
  if (!format.ok()) return Error(std::string(format.status().message())), kExitUsage;
  std::vector<std::string> errors;
  auto playbooks =
      respond::ListPlaybooks(f.playbook_dirs, respond::ActionRegistry::Builtin(), &errors);
  json list = json::array();
  for (const auto& p : playbooks) {
    json inputs = json::array();
    for (const auto& input : p.inputs) {
      inputs.push_back(json{{"name", input.name},
                            {"type", std::string(respond::InputTypeName(input.type))},
                            {"required", input.required},
                            {"default", input.default_value ? json(*input.default_value) : json()},
                            {"description", input.description}});
    }
    json steps = json::array();
    for (const auto& step : p.steps)
      steps.push_back(json{{"id", step.id}, {"action", step.action}});
    list.push_back(json{{"name", p.name},
                        {"description", p.description},
                        {"origin", p.origin},
                        {"inputs", inputs},
                        {"steps", steps}});
  }
  Status written = report::WritePlaybookList(list, *format, stdout);
  if (!written.ok()) return Error(written.ToString()), kExitUsage;
  for (const std::string& error : errors) Error(error);
  return errors.empty() ? kExitOk : kExitRespondFailed;
}

void AddPlaybookFlags(CLI::App* cmd, RespondFlags* f) {
  AddAwsFlags(cmd, &f->aws);
  cmd->add_option("playbook", f->playbook, "Playbook name (see `cirt respond list`) or file")
      ->required();
  cmd->add_option("--input,-i", f->inputs, "Playbook input NAME=VALUE (repeatable)");
  cmd->add_option("--playbooks", f->playbook_dirs, "Folder of your own playbooks (repeatable)");
  cmd->add_option("--guardrails", f->guardrails,
                  "Guardrails file (default: $CIRT_GUARDRAILS, then CASE/guardrails.yaml)");
  cmd->add_option("--format,-f", f->format, "table or json")->capture_default_str();
  cmd->add_flag("--force", f->force, "Allow more resources than max_resources");
}

}  // namespace

Runner AddRespond(CLI::App& app) {
  auto f = std::make_shared<RespondFlags>();
  CLI::App* cmd = app.add_subcommand(
      "respond", "Containment playbooks: plan, apply (journaled), roll back, status, list");
  cmd->require_subcommand(1);
  CLI::App* plan = cmd->add_subcommand(
      "plan", "Show the API calls a playbook would make, current vs intended state (read-only)");
  AddPlaybookFlags(plan, f.get());
  plan->add_option("--case", f->case_dir, "Case folder (for its guardrails.yaml)");
  CLI::App* apply = cmd->add_subcommand(
      "apply", "Run a playbook; every write is journaled in CASE/respond/<run>.jsonl");
  AddPlaybookFlags(apply, f.get());
  apply->add_option("--case", f->case_dir, "Case folder (journal and saved state)")->required();
  apply->add_flag("--yes,-y", f->yes, "Apply without the typed confirmation");
  CLI::App* rollback = cmd->add_subcommand(
      "rollback", "Undo a run's changes in reverse order and verify the before-state");
  AddAwsFlags(rollback, &f->aws);
  rollback->add_option("run", f->run, "Run id (as printed by apply)");
  rollback->add_flag("--last", f->last, "The newest run in the case folder");
  rollback->add_option("--case", f->case_dir, "Case folder")->required();
  rollback->add_option("--format,-f", f->format, "table or json")->capture_default_str();
  CLI::App* status = cmd->add_subcommand("status", "What a run did (from its journal)");
  status->add_option("run", f->run, "Run id");
  status->add_flag("--last", f->last, "The newest run in the case folder");
  status->add_option("--case", f->case_dir, "Case folder")->required();
  status->add_option("--format,-f", f->format, "table or json")->capture_default_str();
  CLI::App* list = cmd->add_subcommand("list", "The playbooks, their inputs and steps");
  list->add_option("--playbooks", f->playbook_dirs, "Folder of your own playbooks (repeatable)");
  list->add_option("--format,-f", f->format, "table or json")->capture_default_str();
  return [f, plan, apply, rollback, status, list] {
    if (plan->parsed()) return RunPlanOrApply(*f, false);
    if (apply->parsed()) return RunPlanOrApply(*f, true);
    if (rollback->parsed()) return RunRollback(*f);
    if (status->parsed()) return RunStatus(*f);
    if (list->parsed()) return RunList(*f);
    return kExitUsage;
  };
}

}  // namespace cirt::cli
