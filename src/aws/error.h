// src/aws/error.h
// AwsError: an error answer from an AWS service, as data.
//
// How it travels: core's Status has no payload slot, so an AwsError is
// carried *inside* a Status of code kAws in a fixed, documented form:
//   message  = "HTTP <status> <Code>: <message>"   (or "HTTP <status>: ..."
//              when the answer carried no error code, e.g. an HTML page)
//   context.request_id = the AWS request id
// ToStatus() writes that form and GetAwsError() reads it back, so callers
// never parse messages themselves. `retryable` is not stored: it is a pure
// function of (http_status, code) (IsRetryableError in retry.h), recomputed
// by GetAwsError, so the two can never disagree.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace cirt::aws {

struct AwsError {
  int http_status = 0;
  std::string code;        // "AccessDenied", "Throttling"; empty when absent
  std::string message;     // the service's text, or our description
  std::string request_id;  // x-amzn-RequestId / x-amz-request-id / body
  bool retryable = false;  // per the standard retry mode
};

// The Status (code kAws) that carries `error`.
Status ToStatus(const AwsError& error);

// The AwsError inside `status`, or nullopt when `status` is not kAws or was
// not made by ToStatus.
std::optional<AwsError> GetAwsError(const Status& status);

// Shorthand: the AWS error code in `status`, or "" when there is none.
std::string AwsErrorCode(const Status& status);

}  // namespace cirt::aws
