// src/aws/protocol/json.h
// The AWS JSON protocol (1.0/1.1; CloudTrail, Organizations, ...): POST /
// with X-Amz-Target "<prefix>.<Operation>" and a JSON body. Errors carry
// "__type" (maybe "namespace#Code") and "message"/"Message".
// Also home of the JSON helpers REST-JSON shares.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "aws/request.h"
#include "core/result.h"

namespace cirt::aws {

// POST / with X-Amz-Target "<target_prefix>.<operation>", Content-Type
// application/x-amz-json-<json_version> and `body` serialised.
Request MakeJsonRequest(std::string service, std::string_view target_prefix,
                        std::string_view operation, const nlohmann::json& body,
                        std::string_view json_version = "1.1");

// Parses a JSON answer; an empty body is {}. Errors: kCorrupt. Never throws.
Result<nlohmann::json> ParseJsonBody(std::string_view body);

// Decodes a JSON-protocol error; falls back to detail::NonAwsError.
AwsError DecodeJsonError(const Response& response);

// String member `key` of `object`, or "" (no throw on other types).
std::string JsonString(const nlohmann::json& object, std::string_view key);

}  // namespace cirt::aws
