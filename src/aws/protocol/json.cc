#include "aws/protocol/json.h"

#include <fmt/format.h>

#include "aws/protocol/errors.h"

namespace cirt::aws {

Request MakeJsonRequest(std::string service, std::string_view target_prefix,
                        std::string_view operation, const nlohmann::json& body,
                        std::string_view json_version) {
  Request request;
  request.service = std::move(service);
  request.method = "POST";
  request.protocol = Protocol::kJson;
  request.headers.emplace("X-Amz-Target",
                          fmt::format("{}.{}", target_prefix, operation));
  request.headers.emplace(
      "Content-Type", fmt::format("application/x-amz-json-{}", json_version));
  // error_handler_t::replace: invalid UTF-8 in user input must not throw.
  request.body =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return request;
}

Result<nlohmann::json> ParseJsonBody(std::string_view body) {
  if (body.empty()) return nlohmann::json::object();
  nlohmann::json parsed =
      nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Status::Corrupt("AWS answer is not valid JSON");
  }
  return parsed;
}

std::string JsonString(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

AwsError DecodeJsonError(const Response& response) {
  Result<nlohmann::json> parsed = ParseJsonBody(response.body);
  if (response.body.empty() || !parsed.ok() || !parsed->is_object()) {
    return detail::NonAwsError(response);
  }
  std::string code = JsonString(*parsed, "__type");
  if (code.empty()) code = JsonString(*parsed, "code");
  if (code.empty()) {
    // Some services put the code only in a header.
    code = FindHeader(response.headers, "x-amzn-ErrorType").value_or("");
  }
  if (code.empty()) return detail::NonAwsError(response);
  AwsError error;
  error.code = detail::CleanErrorCode(code);
  error.message = JsonString(*parsed, "message");
  if (error.message.empty()) error.message = JsonString(*parsed, "Message");
  return error;
}

}  // namespace cirt::aws
