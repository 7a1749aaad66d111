// src/aws/retry.h
// The AWS "standard" retry mode (botocore retries/standard.py, v2.0 costs):
// which failures are retried, how long to wait, and the per-client retry
// quota that stops retry storms. Randomness comes in as a function so tests
// assert exact delays; nothing here sleeps.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace cirt::aws {

struct RetryOptions {
  // Total attempts including the first. Default: 3 (AWS_MAX_ATTEMPTS,
  // config max_attempts). 1 disables retries.
  int max_attempts = 3;
  // delay = random() * min(base_delay * 2^(attempt-1), max_backoff).
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_backoff{20000};
  // Retry quota: capacity, cost of a retry, cost after a timeout, and the
  // amount a first-try success puts back.
  int quota_capacity = 500;
  int retry_cost = 5;
  int timeout_retry_cost = 10;
  int no_retry_increment = 1;
};

// Throttling error codes of the standard mode ("Throttling", "SlowDown"...).
bool IsThrottlingCode(std::string_view code);
// Transient error codes ("RequestTimeout", "PriorRequestNotComplete"...).
bool IsTransientCode(std::string_view code);
// Retryable per the standard mode: throttling or transient code, or HTTP
// 500/502/503/504.
bool IsRetryableError(int http_status, std::string_view code);

// The token bucket shared by all calls of one Client. Thread-safe.
class RetryQuota {
 public:
  explicit RetryQuota(int capacity)
      : capacity_(capacity), available_(capacity) {}
  // Takes `cost` tokens; false (and nothing taken) when fewer remain.
  bool Acquire(int cost);
  // Puts back `amount` tokens, never above the capacity.
  void Release(int amount);
  int available() const;

 private:
  mutable std::mutex mu_;
  const int capacity_;
  int available_;
};

// Returns a number in [0, 1). Production: a seeded PRNG; tests: fixed values.
using RandomSource = std::function<double()>;

// The retry bookkeeping of one call (all attempts of one request).
// Not thread-safe; one per call.
class RetryState {
 public:
  // `quota` must outlive this object.
  RetryState(const RetryOptions& options, RetryQuota& quota,
             RandomSource random);

  // Attempt number `attempt` (1-based) failed with `status`. Returns the
  // delay before the next attempt, or nullopt to give up: the error is not
  // retryable (kAws errors per IsRetryableError, kNetwork always), attempts
  // are used up, or the quota cannot pay for the retry.
  std::optional<std::chrono::milliseconds> OnFailure(int attempt,
                                                     const Status& status);

  // The call succeeded: refund the last retry's cost, or add
  // no_retry_increment when it succeeded at the first try.
  void OnSuccess();

  // Why the last OnFailure gave up: "not retryable", "max attempts",
  // "retry quota exhausted"; empty if it did not.
  std::string_view give_up_reason() const { return give_up_reason_; }

 private:
  const RetryOptions& options_;
  RetryQuota& quota_;
  RandomSource random_;
  int last_cost_ = 0;
  std::string_view give_up_reason_;
};

}  // namespace cirt::aws
