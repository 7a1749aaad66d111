// src/respond/action.h
// The action registry of `cirt respond`: every write a playbook can make is
// an Action with a read-only resolver of the state it changes, an
// idempotence check, the write, and an inverse that restores a recorded
// before-state exactly. Lookups are the read-only resolvers playbooks use to
// find their targets (the user owning an access key, a role's ARN).
//
// Adding an action: subclass Action in an actions_<service>.cc, register it
// in that file's Register<Service>Actions(ActionRegistry&), and call that
// from ActionRegistry::Builtin() (registry.cc). Service calls go in
// src/aws/services/; an action never builds a Request itself.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::respond {

// Parameters of one step after template substitution: a JSON object whose
// scalars are strings (YAML scalars are kept as written).
using Params = nlohmann::json;
// What an action reads and changes, as recorded in the journal.
using State = nlohmann::json;

// Everything an action may use. Clock and randomness are injected so tests
// never depend on the time of day.
struct ActionContext {
  aws::Client* client = nullptr;
  std::string account_id;  // of the caller (GetCallerIdentity)
  std::string region;      // the client's region
  std::string partition = "aws";
  std::chrono::system_clock::time_point now;  // the run's start
  // `n` random bytes (passwords for recreated login profiles).
  std::function<std::string(size_t)> random_bytes;
  // Folder for files a capture step saves ("" while planning: nothing saved).
  std::string evidence_dir;
};

// One AWS API call as shown in a plan: "iam:UpdateAccessKey" and what is
// sent (never a secret).
struct ApiCall {
  std::string operation;
  nlohmann::json parameters = nlohmann::json::object();
};

enum class ActionKind : uint8_t {
  kWrite,    // changes AWS; journaled before and after; undone by rollback
  kCapture,  // read-only; its state is saved in the journal (and evidence_dir)
};

class Action {
 public:
  virtual ~Action() = default;

  virtual std::string_view name() const = 0;  // "iam.update-access-key"
  virtual std::string_view description() const = 0;
  virtual ActionKind kind() const { return ActionKind::kWrite; }
  // Parameter names the step must give / may give.
  virtual std::vector<std::string> required_params() const = 0;
  virtual std::vector<std::string> optional_params() const { return {}; }
  // The IAM actions needed to plan, apply and roll back (README, policies/).
  virtual std::vector<std::string> permissions() const = 0;

  // The ARNs this step would change (checked against the guardrails).
  virtual std::vector<std::string> Resources(const ActionContext& ctx,
                                             const Params& params) const = 0;
  // Read-only: the current state of what the action changes.
  virtual Result<State> Current(ActionContext& ctx, const Params& params) const = 0;
  // The state after Apply, given the current one.
  virtual State Intended(const ActionContext& ctx, const Params& params,
                         const State& current) const = 0;
  // True when Apply would change nothing. Default: current == intended.
  virtual bool InEffect(const ActionContext& ctx, const Params& params,
                        const State& current) const {
    return current == Intended(ctx, params, current);
  }
  // The calls Apply makes from `current` (for the plan).
  virtual std::vector<ApiCall> ApplyCalls(const ActionContext& ctx, const Params& params,
                                          const State& current) const = 0;
  // The write, from `before` (the state just read). Appends each AWS request
  // id to `request_ids`, also when a later call fails.
  virtual Status Apply(ActionContext& ctx, const Params& params, const State& before,
                       std::vector<std::string>* request_ids) const = 0;
  // The inverse: brings the state from `current` back to `before`.
  virtual Status Revert(ActionContext& ctx, const Params& params, const State& before,
                        const State& current, std::vector<std::string>* request_ids) const = 0;
  // The part of the state rollback can restore and verifies. Default: all.
  virtual State Restorable(const State& state) const { return state; }
  // What rollback cannot restore (shown in plans and rollback reports).
  virtual std::string_view rollback_note() const { return ""; }
};

// Base of read-only capture actions: Current() is what is saved; the
// engine journals it and writes it to <evidence_dir>/<step>.json. Nothing to
// apply, nothing to roll back. Subclasses give the name, description,
// params, permissions, Resources (may be empty), Current and ReadCalls.
class CaptureAction : public Action {
 public:
  ActionKind kind() const final { return ActionKind::kCapture; }
  // The read calls Current makes (shown in plans).
  virtual std::vector<ApiCall> ReadCalls(const Params& params) const = 0;
  State Intended(const ActionContext&, const Params&, const State& current) const final {
    return current;
  }
  bool InEffect(const ActionContext&, const Params&, const State&) const final { return false; }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const final {
    return ReadCalls(params);
  }
  Status Apply(ActionContext&, const Params&, const State&, std::vector<std::string>*) const final {
    return Status::Ok();
  }
  Status Revert(ActionContext&, const Params&, const State&, const State&,
                std::vector<std::string>*) const final {
    return Status::Ok();
  }
};

// A read-only resolver a playbook's `resolve:` section calls; its result is
// a JSON object of strings the steps refer to as {{<id>.<field>}}.
class Lookup {
 public:
  virtual ~Lookup() = default;
  virtual std::string_view name() const = 0;  // "iam.access-key-owner"
  virtual std::string_view description() const = 0;
  virtual std::vector<std::string> required_params() const = 0;
  virtual std::vector<std::string> permissions() const = 0;
  // The fields it returns, for validating playbook references.
  virtual std::vector<std::string> fields() const = 0;
  virtual Result<nlohmann::json> Resolve(ActionContext& ctx, const Params& params) const = 0;
};

class ActionRegistry {
 public:
  // Every built-in action and lookup.
  static const ActionRegistry& Builtin();

  void Add(std::unique_ptr<Action> action);
  void Add(std::unique_ptr<Lookup> lookup);
  const Action* FindAction(std::string_view name) const;
  const Lookup* FindLookup(std::string_view name) const;
  const std::map<std::string, std::unique_ptr<Action>, std::less<>>& actions() const {
    return actions_;
  }
  const std::map<std::string, std::unique_ptr<Lookup>, std::less<>>& lookups() const {
    return lookups_;
  }

 private:
  std::map<std::string, std::unique_ptr<Action>, std::less<>> actions_;
  std::map<std::string, std::unique_ptr<Lookup>, std::less<>> lookups_;
};

// Registration hooks, one per service file.
void RegisterIamActions(ActionRegistry& registry);
void RegisterS3Actions(ActionRegistry& registry);
void RegisterLambdaActions(ActionRegistry& registry);
void RegisterEc2Actions(ActionRegistry& registry);
void RegisterFindingActions(ActionRegistry& registry);

// Readers for JSON that is input (journal lines, AWS answers, playbooks):
// they never throw. A missing member, or a member of another type, reads as
// null / `fallback`.
const nlohmann::json& Member(const nlohmann::json& object, std::string_view key);
std::string Text(const nlohmann::json& value, std::string_view fallback = "");
bool Flag(const nlohmann::json& value, bool fallback);

// Helpers for action implementations.
// The string parameter `name` ("" when absent or not a string).
std::string ParamString(const Params& params, std::string_view name);
// "true"/"yes"/"1" (any case) -> true; anything else false.
bool ParamBool(const Params& params, std::string_view name);
// "arn:<partition>:iam::<account>:<kind>/<name>".
std::string IamArn(const ActionContext& ctx, std::string_view kind, std::string_view name);
// Parses a policy document; invalid JSON becomes a JSON string (kept, and
// compared, verbatim).
nlohmann::json ParsePolicyDocument(const std::string& text);

}  // namespace cirt::respond
