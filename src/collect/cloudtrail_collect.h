// src/collect/cloudtrail_collect.h
// `cirt collect cloudtrail`: copies a trail bucket's log and digest objects
// for a time range into <out>/<bucket>/<key> (bytes and keys exactly as
// stored), each digest's S3 metadata into its sidecar, the region's
// CloudTrail public keys into <out>/public-keys.json, and records all of it
// in <out>/manifest.json.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::collect {

struct CollectProgress {
  std::atomic<size_t> objects_total{0};
  std::atomic<size_t> objects_done{0};
  std::atomic<uint64_t> bytes_downloaded{0};
};

struct CloudTrailCollectOptions {
  std::string bucket;
  std::string prefix;  // the trail's S3 key prefix, without "AWSLogs/"
  // Delivery-time range; objects of every day prefix from start's day to
  // the day after end's are taken (files carry events older than their
  // delivery). Default: end = now, start = end - 24 h.
  std::optional<std::chrono::system_clock::time_point> start;
  std::optional<std::chrono::system_clock::time_point> end;
  std::vector<std::string> accounts;  // empty: every account under the prefix
  std::vector<std::string> regions;   // empty: every region found
  std::string out_dir;
  unsigned jobs = 8;                    // parallel downloads
  bool public_keys = true;              // call ListPublicKeys per region
  std::string command;                  // recorded in the manifest's run
  CollectProgress* progress = nullptr;  // optional
  // Clock for collection times. Default: the system clock.
  std::function<std::chrono::system_clock::time_point()> now;
};

struct CollectStats {
  size_t listed = 0;       // objects found in the range
  size_t downloaded = 0;   // objects written this run
  size_t unchanged = 0;    // skipped: same size and ETag as the manifest's entry
  size_t denied = 0;       // AccessDenied (recorded in the manifest)
  size_t errors = 0;       // other failures (recorded in the manifest)
  uint64_t bytes = 0;      // downloaded this run
  size_t public_keys = 0;  // keys saved
  std::string manifest_head;
  std::vector<std::string> problems;  // one line per denied/failed call
};

// Errors (the run stops): kInvalidArgument (options), kIo (cannot write the
// folder or the manifest), kCorrupt (an existing manifest that is not
// cirt's). AWS failures of single calls do not stop the run: they are
// recorded in the manifest and counted.
Result<CollectStats> CollectCloudTrail(aws::Client& client,
                                       const CloudTrailCollectOptions& options);

// True when `status` is an AWS authorization refusal (AccessDenied,
// AccessDeniedException, UnauthorizedOperation) or kPermissionDenied.
bool IsAccessDenied(const Status& status);

// True when an S3 key can be stored under the output folder as is (no
// absolute path, no "." or ".." segment, no empty segment, no NUL).
bool IsSafeKey(std::string_view key);

// The day prefixes "YYYY/MM/DD/" from start's UTC day to the day after end's.
std::vector<std::string> DayPrefixes(std::chrono::system_clock::time_point start,
                                     std::chrono::system_clock::time_point end);

}  // namespace cirt::collect
