// src/aws/protocol/rest_json.h
// The REST-JSON protocol (GuardDuty, Security Hub, Lambda): the operation is
// the method and path, parameters travel in path, query and a JSON body.
// Errors: header x-amzn-ErrorType ("Code:uri"), else body "__type" or
// "code"/"Code", message in "message"/"Message".
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "aws/error.h"
#include "aws/request.h"

namespace cirt::aws {

// `path` is the wire path (UriEncode user values into it). A body, when
// given, is sent as application/json.
Request MakeRestJsonRequest(
    std::string service, std::string method, std::string path,
    QueryParams query = {},
    const std::optional<nlohmann::json>& body = std::nullopt);

AwsError DecodeRestJsonError(const Response& response);

}  // namespace cirt::aws
