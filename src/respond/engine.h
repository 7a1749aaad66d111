// src/respond/engine.h
// The playbook lifecycle: plan (read-only), apply (journaled writes),
// rollback (inverses in reverse order, verified), status (from the
// journal). Every AWS call goes through the actions of the registry with
// the Client in the ActionContext.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "respond/action.h"
#include "respond/guardrails.h"
#include "respond/playbook.h"

namespace cirt::respond {

struct CallerInfo {
  std::string arn;
  std::string account;
};

enum class Disposition : uint8_t {
  kChange,    // apply will make the calls
  kInEffect,  // already in effect: nothing to do
  kSkipped,   // condition false
  kCapture,   // read-only capture
  kError,     // the current state could not be read (see note)
};
std::string_view DispositionName(Disposition disposition);

struct PlannedStep {
  std::string id;
  std::string action;
  std::string description;
  Disposition disposition = Disposition::kChange;
  std::string note;  // skip reason, error, or what rollback cannot restore
  nlohmann::json params;
  State current;
  State intended;
  std::vector<ApiCall> calls;
  std::vector<std::string> resources;
  OnFailure on_failure = OnFailure::kStop;
  RollbackMode rollback = RollbackMode::kInverse;
};

struct Plan {
  std::string run_id;      // "20261128-054200-123-iam-access-key"
  std::string started_at;  // ISO-8601 UTC
  std::string playbook;
  std::string origin;
  std::string playbook_sha256;
  std::map<std::string, std::string> inputs;
  nlohmann::json lookups = nlohmann::json::object();  // id -> fields
  CallerInfo caller;
  std::string region;
  std::vector<PlannedStep> steps;
  std::vector<std::string> changed_resources;  // distinct, in step order
  std::vector<std::string> refusals;           // guardrail violations
  std::string guardrails_source;
  int max_resources = 0;
  bool forced = false;

  bool has_errors() const;
};

// Resolves every lookup and the current state of every step with read-only
// calls; changes nothing. `ctx.now` is the run's start (templates'
// run.started_at, the revoke-sessions cut-off). Errors: a lookup or template
// failure (the target does not exist, a bad condition); per-step read
// failures are kError steps instead.
Result<Plan> MakePlan(ActionContext& ctx, const Playbook& playbook,
                      const std::map<std::string, std::string>& inputs,
                      const Guardrails& guardrails, bool force, const CallerInfo& caller,
                      const ActionRegistry& registry);

// The plan as JSON (`cirt respond plan --format json`; also the journal's
// "run" line).
nlohmann::json PlanToJson(const Plan& plan);

// What happened to one step (apply) or one inverse (rollback).
struct StepOutcome {
  std::string id;
  std::string action;
  // apply: applied | in-effect | skipped | captured | failed | not-run
  // rollback: restored | already-restored | manual | failed | not-undone
  std::string outcome;
  std::vector<std::string> request_ids;
  std::string error;
  std::string note;
  bool verified = false;  // the state read back is the one intended/restored
};

struct RunResult {
  std::string run_id;
  std::string journal;
  std::string kind;  // "apply" | "rollback"
  std::vector<StepOutcome> steps;
  bool failed = false;
};
nlohmann::json RunResultToJson(const RunResult& result);

// Applies `plan` (which must have no refusals and no errors: kPermissionDenied
// / kInvalidArgument otherwise) and journals it in `journal_path`. Each
// write re-reads the current state first (the before-state journaled), and
// after the write reads it back (verified). A failed step with on_failure
// stop ends the run; later steps are journaled "not-run".
Result<RunResult> Apply(ActionContext& ctx, const Plan& plan, const ActionRegistry& registry,
                        const std::string& journal_path);

// Undoes the applied steps of the journal in reverse order (also a failed
// step's partial work), verifying the before-state is back; appends to the
// journal. Steps already restored by an earlier rollback are skipped.
// Errors: kCorrupt for a broken journal chain.
Result<RunResult> Rollback(ActionContext& ctx, const std::string& journal_path,
                           const ActionRegistry& registry);

// The journal's story: run header, each step's latest apply and rollback
// outcome, and the chain's state. Errors: kCorrupt for a broken chain.
Result<nlohmann::json> RunStatus(const std::string& journal_path);

// CASE/respond/<run>.jsonl; `run` may be "--last" handled by LastRun.
std::string JournalPath(const std::string& case_dir, const std::string& run_id);
// The newest run id in CASE/respond. Errors: kNotFound.
Result<std::string> LastRun(const std::string& case_dir);
// A run id for `playbook` at `now`.
std::string MakeRunId(std::chrono::system_clock::time_point now, const std::string& playbook);
// `n` bytes from OpenSSL's RAND_bytes.
std::string SystemRandomBytes(size_t n);

}  // namespace cirt::respond
