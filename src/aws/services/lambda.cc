#include "aws/services/lambda.h"

#include <fmt/format.h>

#include "aws/error.h"
#include "aws/protocol/json.h"
#include "aws/protocol/rest_json.h"

namespace cirt::aws::lambda {

namespace {

std::string FunctionPath(std::string_view version, const std::string& function_name,
                         std::string_view rest) {
  return fmt::format("/{}/functions/{}{}", version, UriEncode(function_name), rest);
}

Result<WriteResult> Send(Client& client, Request request) {
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  return WriteResult{RequestIdOf(response)};
}

bool IsNotFound(const Status& status) {
  return AwsErrorCode(status) == "ResourceNotFoundException";
}

Request AddPermissionRequest(const std::string& function_name, const Permission& permission) {
  nlohmann::json body = nlohmann::json::object();
  auto set = [&](const char* name, const std::string& value) {
    if (!value.empty()) body[name] = value;
  };
  set("StatementId", permission.statement_id);
  set("Action", permission.action);
  set("Principal", permission.principal);
  set("SourceArn", permission.source_arn);
  set("SourceAccount", permission.source_account);
  set("PrincipalOrgID", permission.principal_org_id);
  set("EventSourceToken", permission.event_source_token);
  set("FunctionUrlAuthType", permission.function_url_auth_type);
  return MakeRestJsonRequest("lambda", "POST", FunctionPath("2015-03-31", function_name, "/policy"),
                             {}, body);
}

}  // namespace

Result<nlohmann::json> GetFunctionConfiguration(Client& client, const std::string& function_name) {
  CIRT_ASSIGN_OR_RETURN(
      Response response,
      client.Call(MakeRestJsonRequest(
          "lambda", "GET", FunctionPath("2015-03-31", function_name, "/configuration"))));
  return ParseJsonBody(response.body);
}

Result<std::optional<int>> GetFunctionConcurrency(Client& client,
                                                  const std::string& function_name) {
  CIRT_ASSIGN_OR_RETURN(
      Response response,
      client.Call(MakeRestJsonRequest("lambda", "GET",
                                      FunctionPath("2019-09-30", function_name, "/concurrency"))));
  CIRT_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(response.body));
  auto it = body.find("ReservedConcurrentExecutions");
  if (it == body.end() || !it->is_number_integer()) return std::optional<int>();
  return std::optional<int>(it->get<int>());
}

Result<WriteResult> PutFunctionConcurrency(Client& client, const std::string& function_name,
                                           int reserved_concurrent_executions) {
  return Send(
      client,
      MakeRestJsonRequest(
          "lambda", "PUT", FunctionPath("2017-10-31", function_name, "/concurrency"), {},
          nlohmann::json{{"ReservedConcurrentExecutions", reserved_concurrent_executions}}));
}

Result<WriteResult> DeleteFunctionConcurrency(Client& client, const std::string& function_name) {
  return Send(client,
              MakeRestJsonRequest("lambda", "DELETE",
                                  FunctionPath("2017-10-31", function_name, "/concurrency")));
}

Result<std::optional<nlohmann::json>> GetPolicy(Client& client, const std::string& function_name) {
  Result<Response> response = client.Call(
      MakeRestJsonRequest("lambda", "GET", FunctionPath("2015-03-31", function_name, "/policy")));
  if (!response.ok() && IsNotFound(response.status())) return std::optional<nlohmann::json>();
  CIRT_RETURN_IF_ERROR(response.status());
  CIRT_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(response->body));
  // "Policy" is the document as a JSON string.
  CIRT_ASSIGN_OR_RETURN(nlohmann::json policy, ParseJsonBody(JsonString(body, "Policy")));
  return std::optional<nlohmann::json>(std::move(policy));
}

Result<WriteResult> AddPermission(Client& client, const std::string& function_name,
                                  const Permission& permission) {
  return Send(client, AddPermissionRequest(function_name, permission));
}

Result<WriteResult> RemovePermission(Client& client, const std::string& function_name,
                                     const std::string& statement_id) {
  return Send(client, MakeRestJsonRequest("lambda", "DELETE",
                                          FunctionPath("2015-03-31", function_name,
                                                       "/policy/" + UriEncode(statement_id))));
}

}  // namespace cirt::aws::lambda
