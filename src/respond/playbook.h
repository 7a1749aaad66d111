// src/respond/playbook.h
// Playbooks: YAML files naming typed inputs, read-only lookups that find the
// targets, and ordered steps, each an action of the registry (action.h) with
// parameters, a condition, what to do on failure and whether rollback undoes
// it. Built-in playbooks (playbooks/*.yml) are embedded in the binary; user
// playbooks come from --playbooks DIR or a path. The format is in README.md
// ("Writing a playbook").
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "respond/action.h"

namespace cirt::respond {

enum class InputType : uint8_t {
  kString,
  kBool,
  kInt,
  kAccessKeyId,   // AKIA/ASIA + 16
  kUserName,      // IAM user name
  kRoleName,      // IAM role name
  kInstanceId,    // i-0123...
  kBucket,        // S3 bucket name
  kFunctionName,  // Lambda function name or ARN
  kFindingId,     // GuardDuty / Security Hub finding id or ARN
  kArn,
};

// "access_key_id" <-> kAccessKeyId ...; nullopt for an unknown name.
std::optional<InputType> InputTypeFromName(std::string_view name);
std::string_view InputTypeName(InputType type);

struct InputSpec {
  std::string name;
  InputType type = InputType::kString;
  bool required = false;
  std::optional<std::string> default_value;
  std::string description;
  std::string pattern;  // extra RE2 pattern the value must match fully
};

struct LookupStep {
  std::string id;      // referenced as {{id.field}}
  std::string lookup;  // registry name
  nlohmann::json params;
};

enum class OnFailure : uint8_t { kStop, kContinue };
enum class RollbackMode : uint8_t { kInverse, kNone };

struct Step {
  std::string id;
  std::string action;  // registry name
  std::string description;
  nlohmann::json params = nlohmann::json::object();  // templates, substituted at plan time
  std::string when;                                  // condition template; empty = always
  OnFailure on_failure = OnFailure::kStop;
  RollbackMode rollback = RollbackMode::kInverse;
};

struct Playbook {
  std::string name;
  std::string description;
  std::string origin;  // "builtin:playbooks/iam-access-key.yml" or a path
  std::string sha256;  // of the YAML text
  std::vector<InputSpec> inputs;
  std::vector<LookupStep> resolve;
  std::vector<Step> steps;
};

// Parses and validates a playbook: known actions and lookups, their required
// parameters present and no unknown ones, unique step ids, template
// references to declared inputs/lookups only. Errors: kCorrupt/
// kInvalidArgument naming `origin` and the step.
Result<Playbook> ParsePlaybook(std::string_view yaml, const std::string& origin,
                               const ActionRegistry& registry);

// Finds a playbook by name (user dirs first, then the built-in ones) or by
// path (a name containing '/' or ending in .yml/.yaml). Errors: kNotFound.
Result<Playbook> FindPlaybook(const std::string& name_or_path,
                              const std::vector<std::string>& user_dirs,
                              const ActionRegistry& registry);

// Every playbook: user dirs' then the built-in ones (a user playbook with a
// built-in's name shadows it). Files that do not load are returned in
// `errors` ("file: reason").
std::vector<Playbook> ListPlaybooks(const std::vector<std::string>& user_dirs,
                                    const ActionRegistry& registry,
                                    std::vector<std::string>* errors);

// The embedded playbooks/*.yml: (path, text).
struct EmbeddedPlaybook {
  std::string_view path;
  std::string_view content;
};
std::vector<EmbeddedPlaybook> BuiltinPlaybookFiles();

// Checks `given` ("name" -> "value" from --input) against the playbook's
// inputs: unknown names, missing required ones, type and pattern. Defaults
// fill the rest. Errors: kInvalidArgument naming the input.
Result<std::map<std::string, std::string>> BindInputs(
    const Playbook& playbook, const std::vector<std::pair<std::string, std::string>>& given);

// Template substitution: every "{{ name }}" in the strings of `value` is
// replaced by vars[name] ("inputs": input names; lookups: "id.field";
// "run.id", "run.started_at", "caller.arn", "caller.account", "region").
// Errors: kInvalidArgument naming the unknown variable.
Result<nlohmann::json> Substitute(const nlohmann::json& value,
                                  const std::map<std::string, std::string>& vars);

// A substituted `when`: "true"/"false" (any case, also yes/no, 1/0, empty =
// false), "A == B", "A != B", and parts joined by " and ". Errors: kInvalidArgument for anything
// else.
Result<bool> EvaluateCondition(const std::string& text);

}  // namespace cirt::respond
