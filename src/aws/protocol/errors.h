// src/aws/protocol/errors.h
// Turning a non-2xx answer into an AwsError, for every protocol. Each
// protocol file implements its own decoder; DecodeErrorResponse picks one.
// Answers that are not AWS errors at all (an HTML page from a proxy or from
// moto's NotImplementedError, an empty 5xx) become an AwsError with an empty
// code and a message saying what arrived instead.
#pragma once

#include <string>
#include <string_view>

#include "aws/error.h"
#include "aws/request.h"

namespace cirt::aws {

// Decodes `response` (status >= 300) with the decoder for `protocol`.
AwsError DecodeErrorResponse(Protocol protocol, const Response& response);

namespace detail {

// x-amzn-RequestId, x-amz-request-id or x-amzn-requestid; "" if none.
std::string RequestIdFromHeaders(const Headers& headers);

// "com.amazon.coral.service#AccessDeniedException" -> "AccessDeniedException";
// "ValidationException:http://internal..." -> "ValidationException".
std::string CleanErrorCode(std::string_view code);

// The AwsError for an answer that carries no AWS error document.
AwsError NonAwsError(const Response& response);

}  // namespace detail
}  // namespace cirt::aws
