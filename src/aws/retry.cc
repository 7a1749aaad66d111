#include "aws/retry.h"

#include <algorithm>

#include "aws/error.h"
#include "aws/transport.h"

namespace cirt::aws {

namespace {
// botocore retries/standard.py and the AWS SDKs' retry behaviour reference.
constexpr std::string_view kThrottlingCodes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};
constexpr std::string_view kTransientCodes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
};
constexpr int kRetryableStatuses[] = {500, 502, 503, 504};

template <class Table, class Value>
bool Contains(const Table& table, const Value& value) {
  return std::find(std::begin(table), std::end(table), value) !=
         std::end(table);
}
}  // namespace

bool IsThrottlingCode(std::string_view code) {
  return Contains(kThrottlingCodes, code);
}

bool IsTransientCode(std::string_view code) {
  return Contains(kTransientCodes, code);
}

bool IsRetryableError(int http_status, std::string_view code) {
  return IsThrottlingCode(code) || IsTransientCode(code) ||
         Contains(kRetryableStatuses, http_status);
}

bool RetryQuota::Acquire(int cost) {
  std::lock_guard<std::mutex> lock(mu_);
  if (available_ < cost) return false;
  available_ -= cost;
  return true;
}

void RetryQuota::Release(int amount) {
  std::lock_guard<std::mutex> lock(mu_);
  available_ = std::min(capacity_, available_ + amount);
}

int RetryQuota::available() const {
  std::lock_guard<std::mutex> lock(mu_);
  return available_;
}

RetryState::RetryState(const RetryOptions& options, RetryQuota& quota,
                       RandomSource random)
    : options_(options), quota_(quota), random_(std::move(random)) {}

std::optional<std::chrono::milliseconds> RetryState::OnFailure(
    int attempt, const Status& status) {
  give_up_reason_ = {};
  bool retryable = false;
  int cost = options_.retry_cost;
  if (status.code() == ErrorCode::kNetwork) {
    retryable = true;
    if (IsTimeoutError(status)) cost = options_.timeout_retry_cost;
  } else if (std::optional<AwsError> error = GetAwsError(status)) {
    retryable = error->retryable;
  }
  if (!retryable) {
    give_up_reason_ = "not retryable";
    return std::nullopt;
  }
  if (attempt >= options_.max_attempts) {
    give_up_reason_ = "max attempts";
    return std::nullopt;
  }
  if (!quota_.Acquire(cost)) {
    give_up_reason_ = "retry quota exhausted";
    return std::nullopt;
  }
  last_cost_ = cost;
  // Full jitter: a uniformly random point in [0, min(base * 2^(n-1), cap)).
  double ceiling_ms = static_cast<double>(options_.base_delay.count());
  for (int i = 1; i < attempt && ceiling_ms < options_.max_backoff.count();
       ++i) {
    ceiling_ms *= 2;
  }
  ceiling_ms =
      std::min(ceiling_ms, static_cast<double>(options_.max_backoff.count()));
  double r = std::clamp(random_(), 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(r * ceiling_ms));
}

void RetryState::OnSuccess() {
  quota_.Release(last_cost_ > 0 ? last_cost_ : options_.no_retry_increment);
}

}  // namespace cirt::aws
