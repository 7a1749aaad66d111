#include "aws/error.h"

#include <fmt/format.h>

#include "aws/retry.h"

namespace cirt::aws {

Status ToStatus(const AwsError& error) {
  std::string message =
      error.code.empty()
          ? fmt::format("HTTP {}: {}", error.http_status, error.message)
          : fmt::format("HTTP {} {}: {}", error.http_status, error.code,
                        error.message);
  ErrorContext context;
  context.request_id = error.request_id;
  return Status::Make(ErrorCode::kAws, std::move(message), std::move(context));
}

std::optional<AwsError> GetAwsError(const Status& status) {
  if (status.code() != ErrorCode::kAws) return std::nullopt;
  std::string_view text = status.message();
  constexpr std::string_view kPrefix = "HTTP ";
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  AwsError error;
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    error.http_status = error.http_status * 10 + (text[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  text.remove_prefix(digits);
  if (!text.empty() && text[0] == ' ') {
    size_t colon = text.find(": ");
    if (colon == std::string_view::npos) return std::nullopt;
    error.code = std::string(text.substr(1, colon - 1));
    text.remove_prefix(colon);
  }
  if (text.substr(0, 2) != ": ") return std::nullopt;
  error.message = std::string(text.substr(2));
  error.request_id = status.context().request_id;
  error.retryable = IsRetryableError(error.http_status, error.code);
  return error;
}

std::string AwsErrorCode(const Status& status) {
  std::optional<AwsError> error = GetAwsError(status);
  return error ? error->code : std::string();
}

}  // namespace cirt::aws
