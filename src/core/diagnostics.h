// src/core/diagnostics.h
// The sink for problems that do not stop a run (leveldb's log::Reporter):
// a bad record or file is reported here, skipped, counted, and work goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

namespace cirt {

class Diagnostics {
 public:
  // Each report is written as one line "cirt: warning: <status>" to `stream`
  // (stderr by default; nullptr keeps them only in memory). Thread-safe.
  explicit Diagnostics(std::FILE* stream = stderr, size_t keep = 1000)
      : stream_(stream), keep_(keep) {}

  // Reports a problem with input that was skipped.
  void Warn(const Status& status);

  uint64_t warnings() const { return warnings_.load(std::memory_order_relaxed); }
  // The first `keep` reports, for tests and summaries.
  std::vector<Status> Kept() const;

 private:
  std::FILE* stream_;
  size_t keep_;
  std::atomic<uint64_t> warnings_{0};
  mutable std::mutex mu_;
  std::vector<Status> kept_;
};

}  // namespace cirt
