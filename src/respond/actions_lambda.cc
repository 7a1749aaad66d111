// Lambda actions of the built-in playbook lambda-function: save the
// function's configuration, set reserved concurrency 0 (no invocations), and
// remove the resource-policy statements that let anyone invoke it.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <set>

#include "aws/error.h"
#include "aws/services/lambda.h"
#include "respond/action.h"

namespace cirt::respond {

namespace {

using nlohmann::json;

std::string FunctionArn(const ActionContext& ctx, const Params& params) {
  std::string name = ParamString(params, "function_name");
  if (name.rfind("arn:", 0) == 0) return name;
  return fmt::format("arn:{}:lambda:{}:{}:function:{}", ctx.partition, ctx.region, ctx.account_id,
                     name);
}

class CaptureFunctionConfiguration : public CaptureAction {
 public:
  std::string_view name() const override { return "lambda.capture-function-configuration"; }
  std::string_view description() const override {
    return "save the function's configuration (GetFunctionConfiguration: role, handler, "
           "environment variable names and values, layers, code hash)";
  }
  std::vector<std::string> required_params() const override { return {"function_name"}; }
  std::vector<std::string> permissions() const override {
    return {"lambda:GetFunctionConfiguration"};
  }
  std::vector<std::string> Resources(const ActionContext&, const Params&) const override {
    return {};
  }
  std::vector<ApiCall> ReadCalls(const Params& params) const override {
    return {{"lambda:GetFunctionConfiguration",
             {{"FunctionName", ParamString(params, "function_name")}}}};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(json config, aws::lambda::GetFunctionConfiguration(
                                           *ctx.client, ParamString(params, "function_name")));
    return State{{"configuration", config}};
  }
};

class PutFunctionConcurrency : public Action {
 public:
  std::string_view name() const override { return "lambda.put-function-concurrency"; }
  std::string_view description() const override {
    return "set the function's reserved concurrency (0: every invocation is throttled); the "
           "previous value, or its absence, is saved";
  }
  std::vector<std::string> required_params() const override { return {"function_name"}; }
  std::vector<std::string> optional_params() const override {
    return {"reserved_concurrent_executions"};
  }
  std::vector<std::string> permissions() const override {
    return {"lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {FunctionArn(ctx, params)};
  }
  static int Target(const Params& params) {
    std::string text = ParamString(params, "reserved_concurrent_executions");
    int value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto reserved, aws::lambda::GetFunctionConcurrency(
                                             *ctx.client, ParamString(params, "function_name")));
    if (!reserved) return State{{"reserved_concurrent_executions", nullptr}};
    return State{{"reserved_concurrent_executions", *reserved}};
  }
  State Intended(const ActionContext&, const Params& params, const State&) const override {
    return State{{"reserved_concurrent_executions", Target(params)}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"lambda:PutFunctionConcurrency",
             {{"FunctionName", ParamString(params, "function_name")},
              {"ReservedConcurrentExecutions", Target(params)}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto result,
                          aws::lambda::PutFunctionConcurrency(
                              *ctx.client, ParamString(params, "function_name"), Target(params)));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    const json& old = Member(before, "reserved_concurrent_executions");
    std::string function = ParamString(params, "function_name");
    Result<aws::lambda::WriteResult> result =
        old.is_number_integer() && old.get<int64_t>() >= 0
            ? aws::lambda::PutFunctionConcurrency(*ctx.client, function, old.get<int>())
            : aws::lambda::DeleteFunctionConcurrency(*ctx.client, function);
    CIRT_RETURN_IF_ERROR(result.status());
    ids->push_back(result->request_id);
    return Status::Ok();
  }
};

bool PrincipalIsEveryone(const json& principal) {
  if (principal.is_string()) return principal == "*";
  if (!principal.is_object()) return false;
  auto aws = principal.find("AWS");
  if (aws == principal.end()) return false;
  if (aws->is_string()) return *aws == "*";
  if (aws->is_array()) {
    for (const json& item : *aws) {
      if (item == "*") return true;
    }
  }
  return false;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A statement is public when anyone may invoke and no condition narrows the
// caller to an account, a source ARN or an organization.
bool IsPublicStatement(const json& statement) {
  if (!statement.is_object() || Text(Member(statement, "Effect"), "") != "Allow") return false;
  if (!PrincipalIsEveryone(Member(statement, "Principal"))) return false;
  auto condition = statement.find("Condition");
  if (condition == statement.end() || !condition->is_object()) return true;
  for (const auto& [op, keys] : condition->items()) {
    if (!keys.is_object()) continue;
    for (const auto& [key, value] : keys.items()) {
      std::string k = Lower(key);
      if (k == "aws:sourceaccount" || k == "aws:sourcearn" || k == "aws:sourceowner" ||
          k == "aws:principalorgid" || k == "aws:principalaccount")
        return false;
    }
  }
  return true;
}

std::string FirstString(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array() && !value.empty() && value[0].is_string()) return value[0];
  return "";
}

// The AddPermission inputs that recreate a public statement.
aws::lambda::Permission PermissionFrom(const json& statement) {
  aws::lambda::Permission p;
  p.statement_id = Text(Member(statement, "Sid"), "");
  p.action = FirstString(Member(statement, "Action"));
  p.principal.assign(1, '*');  // not = "*": GCC 12 warns wrongly (PR 105651)
  // AWS keeps the URL auth type in a condition; moto at the top level.
  p.function_url_auth_type = Text(Member(statement, "FunctionUrlAuthType"), "");
  const json& condition = Member(statement, "Condition");
  if (condition.is_object()) {
    for (const auto& [op, keys] : condition.items()) {
      if (!keys.is_object()) continue;
      for (const auto& [key, value] : keys.items()) {
        std::string k = Lower(key);
        if (k == "lambda:functionurlauthtype") p.function_url_auth_type = FirstString(value);
        if (k == "lambda:eventsourcetoken") p.event_source_token = FirstString(value);
      }
    }
  }
  return p;
}

class RemovePublicPermissions : public Action {
 public:
  std::string_view name() const override { return "lambda.remove-public-permissions"; }
  std::string_view description() const override {
    return "remove the resource-policy statements that let anyone invoke the function "
           "(Principal * without a source account/ARN/organization condition); each is saved "
           "and re-added by rollback";
  }
  std::vector<std::string> required_params() const override { return {"function_name"}; }
  std::vector<std::string> permissions() const override {
    return {"lambda:GetPolicy", "lambda:RemovePermission", "lambda:AddPermission"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {FunctionArn(ctx, params)};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(
        auto policy, aws::lambda::GetPolicy(*ctx.client, ParamString(params, "function_name")));
    json statements = json::array();
    if (policy) {
      const json& all = Member(*policy, "Statement");
      for (const json& statement : all.is_array() ? all : json::array({all})) {
        if (IsPublicStatement(statement)) statements.push_back(statement);
      }
    }
    return State{{"public_statements", statements}};
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"public_statements", json::array()}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    std::vector<ApiCall> calls;
    for (const json& statement : Member(current, "public_statements"))
      calls.push_back({"lambda:RemovePermission",
                       {{"FunctionName", ParamString(params, "function_name")},
                        {"StatementId", Text(Member(statement, "Sid"), "")}}});
    return calls;
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    for (const json& statement : Member(before, "public_statements")) {
      CIRT_ASSIGN_OR_RETURN(auto result, aws::lambda::RemovePermission(
                                             *ctx.client, ParamString(params, "function_name"),
                                             Text(Member(statement, "Sid"), "")));
      ids->push_back(result.request_id);
    }
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State& current,
                std::vector<std::string>* ids) const override {
    std::set<std::string> present;
    for (const json& statement : Member(current, "public_statements"))
      present.insert(Text(Member(statement, "Sid"), ""));
    for (const json& statement : Member(before, "public_statements")) {
      if (present.count(Text(Member(statement, "Sid"), ""))) continue;
      CIRT_ASSIGN_OR_RETURN(
          auto result, aws::lambda::AddPermission(*ctx.client, ParamString(params, "function_name"),
                                                  PermissionFrom(statement)));
      ids->push_back(result.request_id);
    }
    return Status::Ok();
  }
};

}  // namespace

void RegisterLambdaActions(ActionRegistry& registry) {
  registry.Add(std::make_unique<CaptureFunctionConfiguration>());
  registry.Add(std::make_unique<PutFunctionConcurrency>());
  registry.Add(std::make_unique<RemovePublicPermissions>());
}

}  // namespace cirt::respond
