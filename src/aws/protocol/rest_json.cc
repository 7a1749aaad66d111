#include "aws/protocol/rest_json.h"

#include "aws/protocol/errors.h"
#include "aws/protocol/json.h"

namespace cirt::aws {

Request MakeRestJsonRequest(std::string service, std::string method,
                            std::string path, QueryParams query,
                            const std::optional<nlohmann::json>& body) {
  Request request;
  request.service = std::move(service);
  request.method = std::move(method);
  request.path = std::move(path);
  request.query = std::move(query);
  request.protocol = Protocol::kRestJson;
  if (body) {
    request.headers.emplace("Content-Type", "application/json");
    request.body =
        body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return request;
}

AwsError DecodeRestJsonError(const Response& response) {
  Result<nlohmann::json> parsed = ParseJsonBody(response.body);
  bool has_object =
      !response.body.empty() && parsed.ok() && parsed->is_object();
  std::string code =
      FindHeader(response.headers, "x-amzn-ErrorType").value_or("");
  if (code.empty() && has_object) {
    code = JsonString(*parsed, "__type");
    if (code.empty()) code = JsonString(*parsed, "code");
    if (code.empty()) code = JsonString(*parsed, "Code");
  }
  if (code.empty()) return detail::NonAwsError(response);
  AwsError error;
  error.code = detail::CleanErrorCode(code);
  if (has_object) {
    error.message = JsonString(*parsed, "message");
    if (error.message.empty()) error.message = JsonString(*parsed, "Message");
  }
  return error;
}

}  // namespace cirt::aws
