#include "respond/engine.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "aws/error.h"
#include "aws/timestamp.h"
#include "respond/journal.h"

namespace cirt::respond {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json CallsToJson(const std::vector<ApiCall>& calls) {
  json out = json::array();
  for (const ApiCall& call : calls)
    out.push_back(json{{"operation", call.operation}, {"parameters", call.parameters}});
  return out;
}

json ErrorToJson(const Status& status) {
  json error{{"code", std::string(ErrorCodeName(status.code()))},
             {"message", std::string(status.message())}};
  if (auto aws_error = aws::GetAwsError(status)) {
    error["aws_code"] = aws_error->code;
    error["request_id"] = aws_error->request_id;
  }
  return error;
}

std::string ErrorText(const Status& status) { return status.ToString(); }

}  // namespace

std::string_view DispositionName(Disposition disposition) {
  switch (disposition) {
    case Disposition::kChange:
      return "change";
    case Disposition::kInEffect:
      return "in-effect";
    case Disposition::kSkipped:
      return "skipped";
    case Disposition::kCapture:
      return "capture";
    case Disposition::kError:
      return "error";
  }
  return "error";
}

bool Plan::has_errors() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const PlannedStep& s) { return s.disposition == Disposition::kError; });
}

Result<Plan> MakePlan(ActionContext& ctx, const Playbook& playbook,
                      const std::map<std::string, std::string>& inputs,
                      const Guardrails& guardrails, bool force, const CallerInfo& caller,
                      const ActionRegistry& registry) {
  Plan plan;
  plan.started_at = aws::FormatIso8601(ctx.now);
  plan.run_id = MakeRunId(ctx.now, playbook.name);
  plan.playbook = playbook.name;
  plan.origin = playbook.origin;
  plan.playbook_sha256 = playbook.sha256;
  plan.inputs = inputs;
  plan.caller = caller;
  plan.region = ctx.region;
  plan.guardrails_source = guardrails.source;
  plan.max_resources = guardrails.max_resources;
  plan.forced = force;

  std::map<std::string, std::string> vars = inputs;
  vars["run.id"] = plan.run_id;
  vars["run.started_at"] = plan.started_at;
  vars["caller.arn"] = caller.arn;
  vars["caller.account"] = caller.account;
  vars["region"] = ctx.region;

  std::vector<std::string> targets;  // ARNs the lookups resolved
  for (const LookupStep& step : playbook.resolve) {
    const Lookup* lookup = registry.FindLookup(step.lookup);
    if (lookup == nullptr) return Status::InvalidArgument("unknown lookup " + step.lookup);
    CIRT_ASSIGN_OR_RETURN(json params, Substitute(step.params, vars));
    Result<json> fields = lookup->Resolve(ctx, params);
    if (!fields.ok()) {
      return Status::Make(
          fields.status().code(),
          fmt::format("resolve '{}' ({}): {}", step.id, step.lookup, fields.status().message()),
          fields.status().context());
    }
    for (const auto& [field, value] : fields->items()) {
      vars[step.id + "." + field] = value.is_string() ? value.get<std::string>() : value.dump();
      if (field == "arn" && value.is_string()) targets.push_back(value.get<std::string>());
    }
    plan.lookups[step.id] = *fields;
  }

  std::set<std::string> seen;
  for (const Step& step : playbook.steps) {
    const Action* action = registry.FindAction(step.action);
    if (action == nullptr) return Status::InvalidArgument("unknown action " + step.action);
    PlannedStep planned;
    planned.id = step.id;
    planned.action = step.action;
    planned.description =
        step.description.empty() ? std::string(action->description()) : step.description;
    planned.on_failure = step.on_failure;
    planned.rollback = step.rollback;
    planned.note = std::string(action->rollback_note());
    Result<json> params = Substitute(step.params, vars);
    if (!params.ok())
      return Status::InvalidArgument(
          fmt::format("step '{}': {}", step.id, params.status().message()));
    planned.params = *params;
    if (!step.when.empty()) {
      CIRT_ASSIGN_OR_RETURN(json when, Substitute(json(step.when), vars));
      Result<bool> run = EvaluateCondition(when.get<std::string>());
      if (!run.ok())
        return Status::InvalidArgument(
            fmt::format("step '{}': {}", step.id, run.status().message()));
      if (!*run) {
        planned.disposition = Disposition::kSkipped;
        planned.note = "condition false: " + step.when;
        plan.steps.push_back(std::move(planned));
        continue;
      }
    }
    planned.resources = action->Resources(ctx, planned.params);
    Result<State> current = action->Current(ctx, planned.params);
    if (!current.ok()) {
      planned.disposition = Disposition::kError;
      planned.note = ErrorText(current.status());
      plan.steps.push_back(std::move(planned));
      continue;
    }
    planned.current = *current;
    planned.intended = action->Intended(ctx, planned.params, planned.current);
    if (action->kind() == ActionKind::kCapture) {
      planned.disposition = Disposition::kCapture;
      planned.calls = action->ApplyCalls(ctx, planned.params, planned.current);
    } else if (action->InEffect(ctx, planned.params, planned.current)) {
      planned.disposition = Disposition::kInEffect;
    } else {
      planned.disposition = Disposition::kChange;
      planned.calls = action->ApplyCalls(ctx, planned.params, planned.current);
      for (const std::string& arn : planned.resources) {
        if (seen.insert(arn).second) plan.changed_resources.push_back(arn);
      }
    }
    plan.steps.push_back(std::move(planned));
  }

  // Guardrails: a protected target refuses the whole run, even when every
  // step is already in effect (the playbook was aimed at it).
  std::set<std::string> checked;
  std::vector<std::string> to_check = targets;
  for (const PlannedStep& step : plan.steps) {
    if (step.disposition == Disposition::kChange)
      to_check.insert(to_check.end(), step.resources.begin(), step.resources.end());
  }
  for (const std::string& arn : to_check) {
    if (!checked.insert(arn).second) continue;
    std::string reason = ProtectedReason(guardrails, caller.arn, arn);
    if (!reason.empty()) plan.refusals.push_back(reason);
  }
  if (!force && static_cast<int>(plan.changed_resources.size()) > guardrails.max_resources) {
    plan.refusals.push_back(
        fmt::format("the run would change {} resources, more than max_resources {} (see --force)",
                    plan.changed_resources.size(), guardrails.max_resources));
  }
  return plan;
}

json PlanToJson(const Plan& plan) {
  json steps = json::array();
  for (const PlannedStep& s : plan.steps) {
    steps.push_back(json{{"id", s.id},
                         {"action", s.action},
                         {"description", s.description},
                         {"disposition", std::string(DispositionName(s.disposition))},
                         {"note", s.note},
                         {"params", s.params},
                         {"current", s.current},
                         {"intended", s.intended},
                         {"calls", CallsToJson(s.calls)},
                         {"resources", s.resources},
                         {"on_failure", s.on_failure == OnFailure::kStop ? "stop" : "continue"},
                         {"rollback", s.rollback == RollbackMode::kInverse ? "inverse" : "none"}});
  }
  return json{{"run_id", plan.run_id},
              {"started_at", plan.started_at},
              {"playbook", plan.playbook},
              {"origin", plan.origin},
              {"playbook_sha256", plan.playbook_sha256},
              {"inputs", plan.inputs},
              {"lookups", plan.lookups},
              {"caller", {{"arn", plan.caller.arn}, {"account", plan.caller.account}}},
              {"region", plan.region},
              {"steps", steps},
              {"changed_resources", plan.changed_resources},
              {"refusals", plan.refusals},
              {"guardrails",
               {{"source", plan.guardrails_source},
                {"max_resources", plan.max_resources},
                {"forced", plan.forced}}}};
}

json RunResultToJson(const RunResult& result) {
  json steps = json::array();
  for (const StepOutcome& s : result.steps) {
    steps.push_back(json{{"id", s.id},
                         {"action", s.action},
                         {"outcome", s.outcome},
                         {"request_ids", s.request_ids},
                         {"verified", s.verified},
                         {"error", s.error},
                         {"note", s.note}});
  }
  return json{{"run_id", result.run_id},
              {"journal", result.journal},
              {"kind", result.kind},
              {"failed", result.failed},
              {"steps", steps}};
}

Result<RunResult> Apply(ActionContext& ctx, const Plan& plan, const ActionRegistry& registry,
                        const std::string& journal_path) {
  if (!plan.refusals.empty())
    return Status::PermissionDenied("refused by the guardrails: " + plan.refusals.front());
  if (plan.has_errors())
    return Status::InvalidArgument("the plan has steps whose state cannot be read");
  CIRT_ASSIGN_OR_RETURN(JournalWriter journal, JournalWriter::Create(journal_path));
  CIRT_RETURN_IF_ERROR(journal.Append(json{{"type", "run"}, {"plan", PlanToJson(plan)}}));
  RunResult result;
  result.run_id = plan.run_id;
  result.journal = journal_path;
  result.kind = "apply";
  bool stopped = false;
  std::string failed_step;
  for (const PlannedStep& step : plan.steps) {
    StepOutcome outcome{step.id, step.action};
    if (stopped) {
      outcome.outcome = "not-run";
      CIRT_RETURN_IF_ERROR(journal.Append(json{
          {"type", "step"}, {"step", step.id}, {"action", step.action}, {"outcome", "not-run"}}));
      result.steps.push_back(std::move(outcome));
      continue;
    }
    if (step.disposition == Disposition::kSkipped) {
      outcome.outcome = "skipped";
      outcome.note = step.note;
      CIRT_RETURN_IF_ERROR(journal.Append(json{{"type", "step"},
                                               {"step", step.id},
                                               {"action", step.action},
                                               {"outcome", "skipped"},
                                               {"reason", step.note}}));
      result.steps.push_back(std::move(outcome));
      continue;
    }
    const Action* action = registry.FindAction(step.action);
    // The before-state is read again right before the write.
    Result<State> before = action->Current(ctx, step.params);
    if (!before.ok()) {
      outcome.outcome = "failed";
      outcome.error = ErrorText(before.status());
      CIRT_RETURN_IF_ERROR(journal.Append(json{{"type", "result"},
                                               {"step", step.id},
                                               {"action", step.action},
                                               {"outcome", "failed"},
                                               {"error", ErrorToJson(before.status())}}));
      result.failed = true;
      if (step.on_failure == OnFailure::kStop) {
        stopped = true;
        failed_step = step.id;
      }
      result.steps.push_back(std::move(outcome));
      continue;
    }
    if (action->kind() == ActionKind::kCapture) {
      std::string file;
      if (!ctx.evidence_dir.empty()) {
        std::error_code ec;
        fs::create_directories(ctx.evidence_dir, ec);
        file = (fs::path(ctx.evidence_dir) / (step.id + ".json")).string();
        std::ofstream(file, std::ios::binary) << before->dump(2) << "\n";
      }
      outcome.outcome = "captured";
      outcome.verified = true;
      outcome.note = file;
      CIRT_RETURN_IF_ERROR(journal.Append(json{{"type", "capture"},
                                               {"step", step.id},
                                               {"action", step.action},
                                               {"params", step.params},
                                               {"state", *before},
                                               {"file", file}}));
      result.steps.push_back(std::move(outcome));
      continue;
    }
    if (action->InEffect(ctx, step.params, *before)) {
      outcome.outcome = "in-effect";
      outcome.verified = true;
      CIRT_RETURN_IF_ERROR(journal.Append(json{{"type", "step"},
                                               {"step", step.id},
                                               {"action", step.action},
                                               {"outcome", "in-effect"},
                                               {"current", *before}}));
      result.steps.push_back(std::move(outcome));
      continue;
    }
    State intended = action->Intended(ctx, step.params, *before);
    CIRT_RETURN_IF_ERROR(journal.Append(
        json{{"type", "before"},
             {"step", step.id},
             {"action", step.action},
             {"params", step.params},
             {"before", *before},
             {"intended", intended},
             {"calls", CallsToJson(action->ApplyCalls(ctx, step.params, *before))},
             {"rollback", step.rollback == RollbackMode::kInverse ? "inverse" : "none"}}));
    Status status = action->Apply(ctx, step.params, *before, &outcome.request_ids);
    json line{{"type", "result"},
              {"step", step.id},
              {"action", step.action},
              {"request_ids", outcome.request_ids}};
    if (status.ok()) {
      Result<State> after = action->Current(ctx, step.params);
      outcome.verified = after.ok() && action->InEffect(ctx, step.params, *after);
      outcome.outcome = "applied";
      line["outcome"] = "applied";
      line["after"] = after.ok() ? *after : json(nullptr);
      line["verified"] = outcome.verified;
    } else {
      outcome.outcome = "failed";
      outcome.error = ErrorText(status);
      line["outcome"] = "failed";
      line["error"] = ErrorToJson(status);
      result.failed = true;
      if (step.on_failure == OnFailure::kStop) {
        stopped = true;
        failed_step = step.id;
      }
    }
    CIRT_RETURN_IF_ERROR(journal.Append(std::move(line)));
    result.steps.push_back(std::move(outcome));
  }
  CIRT_RETURN_IF_ERROR(journal.Append(json{{"type", "end"},
                                           {"status", result.failed ? "failed" : "completed"},
                                           {"stopped_at", failed_step}}));
  return result;
}

Result<RunResult> Rollback(ActionContext& ctx, const std::string& journal_path,
                           const ActionRegistry& registry) {
  CIRT_ASSIGN_OR_RETURN(std::vector<json> entries, ReadJournal(journal_path));
  if (entries.empty() || Text(Member(entries[0], "type"), "") != "run")
    return Status::Corrupt("not a run journal (no run line)", {.file = journal_path});
  // Steps already restored by an earlier rollback.
  std::set<std::string> restored;
  for (const json& entry : entries) {
    std::string outcome = Text(Member(entry, "outcome"), "");
    if (Text(Member(entry, "type"), "") == "revert" &&
        (outcome == "restored" || outcome == "already-restored"))
      restored.insert(Text(Member(entry, "step"), ""));
  }
  std::vector<const json*> writes;
  for (const json& entry : entries) {
    if (Text(Member(entry, "type"), "") == "before") writes.push_back(&entry);
  }
  CIRT_ASSIGN_OR_RETURN(JournalWriter journal, JournalWriter::Open(journal_path));
  RunResult result;
  result.run_id = Text(Member(Member(entries[0], "plan"), "run_id"));
  result.journal = journal_path;
  result.kind = "rollback";
  CIRT_RETURN_IF_ERROR(journal.Append(json{{"type", "rollback"}, {"status", "started"}}));
  for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
    const json& entry = **it;
    StepOutcome outcome{Text(Member(entry, "step"), ""), Text(Member(entry, "action"), "")};
    if (restored.count(outcome.id)) continue;
    json line{{"type", "revert"}, {"step", outcome.id}, {"action", outcome.action}};
    auto finish = [&](std::string what) -> Status {
      outcome.outcome = what;
      line["outcome"] = what;
      line["request_ids"] = outcome.request_ids;
      line["verified"] = outcome.verified;
      if (!outcome.error.empty()) line["error"] = outcome.error;
      if (!outcome.note.empty()) line["note"] = outcome.note;
      result.steps.push_back(outcome);
      return journal.Append(line);
    };
    if (Text(Member(entry, "rollback"), "inverse") == "none") {
      outcome.note = "rollback: none in the playbook";
      CIRT_RETURN_IF_ERROR(finish("not-undone"));
      continue;
    }
    const Action* action = registry.FindAction(outcome.action);
    if (action == nullptr) {
      outcome.error = "unknown action " + outcome.action;
      result.failed = true;
      CIRT_RETURN_IF_ERROR(finish("failed"));
      continue;
    }
    const json& params = Member(entry, "params");
    const State& before = Member(entry, "before");
    Result<State> current = action->Current(ctx, params);
    if (!current.ok()) {
      outcome.error = ErrorText(current.status());
      result.failed = true;
      CIRT_RETURN_IF_ERROR(finish("failed"));
      continue;
    }
    if (action->Restorable(*current) == action->Restorable(before)) {
      outcome.verified = true;
      CIRT_RETURN_IF_ERROR(finish("already-restored"));
      continue;
    }
    Status status = action->Revert(ctx, params, before, *current, &outcome.request_ids);
    if (status.code() == ErrorCode::kUnsupported) {
      outcome.note = std::string(status.message());
      result.failed = true;
      CIRT_RETURN_IF_ERROR(finish("manual"));
      continue;
    }
    if (!status.ok()) {
      outcome.error = ErrorText(status);
      result.failed = true;
      CIRT_RETURN_IF_ERROR(finish("failed"));
      continue;
    }
    Result<State> after = action->Current(ctx, params);
    outcome.verified = after.ok() && action->Restorable(*after) == action->Restorable(before);
    line["after"] = after.ok() ? *after : json(nullptr);
    outcome.note = std::string(action->rollback_note());
    if (!outcome.verified) {
      outcome.error = "the state read back is not the before-state";
      result.failed = true;
      CIRT_RETURN_IF_ERROR(finish("failed"));
      continue;
    }
    CIRT_RETURN_IF_ERROR(finish("restored"));
  }
  CIRT_RETURN_IF_ERROR(journal.Append(
      json{{"type", "rollback-end"}, {"status", result.failed ? "incomplete" : "completed"}}));
  return result;
}

Result<json> RunStatus(const std::string& journal_path) {
  CIRT_ASSIGN_OR_RETURN(std::vector<json> entries, ReadJournal(journal_path));
  if (entries.empty() || Text(Member(entries[0], "type"), "") != "run")
    return Status::Corrupt("not a run journal (no run line)", {.file = journal_path});
  const json& plan = Member(entries[0], "plan");
  // One row per planned step, updated by the lines that follow.
  json steps = json::array();
  std::map<std::string, size_t> index;
  for (const json& s : Member(plan, "steps")) {
    index[Text(Member(s, "id"), "")] = steps.size();
    steps.push_back(json{{"id", Text(Member(s, "id"), "")},
                         {"action", Text(Member(s, "action"), "")},
                         {"apply", "not-run"},
                         {"rollback", ""},
                         {"request_ids", json::array()},
                         {"error", ""}});
  }
  std::string status = "running (no end line: interrupted?)";
  std::string rollback_status;
  for (const json& entry : entries) {
    std::string type = Text(Member(entry, "type"), "");
    auto it = index.find(Text(Member(entry, "step"), ""));
    if (type == "end") status = Text(Member(entry, "status"), "");
    if (type == "rollback") rollback_status = "started (no end line: interrupted?)";
    if (type == "rollback-end") rollback_status = Text(Member(entry, "status"), "");
    if (it == index.end()) continue;
    json& row = steps[it->second];
    if (type == "step" || type == "result") row["apply"] = Text(Member(entry, "outcome"), "");
    if (type == "before") row["apply"] = "started (no result line)";
    if (type == "capture") row["apply"] = "captured";
    if (type == "revert") row["rollback"] = Text(Member(entry, "outcome"), "");
    for (const json& id : Member(entry, "request_ids")) row["request_ids"].push_back(Text(id));
    if (entry.contains("error"))
      row["error"] = Text(Member(entry, "error"), Text(Member(Member(entry, "error"), "message")));
  }
  return json{{"run_id", Text(Member(plan, "run_id"), "")},
              {"playbook", Text(Member(plan, "playbook"), "")},
              {"started_at", Text(Member(plan, "started_at"), "")},
              {"caller", Member(plan, "caller")},
              {"region", Text(Member(plan, "region"), "")},
              {"inputs", Member(plan, "inputs")},
              {"status", status},
              {"rollback", rollback_status},
              {"journal", journal_path},
              {"journal_lines", entries.size()},
              {"chain", "verified"},
              {"steps", steps}};
}

std::string JournalPath(const std::string& case_dir, const std::string& run_id) {
  return (fs::path(case_dir) / "respond" / (run_id + ".jsonl")).string();
}

Result<std::string> LastRun(const std::string& case_dir) {
  fs::path dir = fs::path(case_dir) / "respond";
  std::string last;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".jsonl") continue;
    std::string stem = it->path().stem().string();
    if (stem > last) last = stem;
  }
  if (last.empty())
    return Status::NotFound("no respond runs in " + dir.string(), {.file = dir.string()});
  return last;
}

std::string MakeRunId(std::chrono::system_clock::time_point now, const std::string& playbook) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}-{:03}-{}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000, playbook);
}

std::string SystemRandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    // RAND_bytes fails only without an entropy source; refuse weak bytes.
    bytes.clear();
  }
  return bytes;
}

}  // namespace cirt::respond
