// src/collect/lookup_events_collect.h
// `cirt collect lookup-events`: CloudTrail LookupEvents (Event history, the
// last 90 days of management events; the fallback when there is no trail
// bucket) for each region, every page, into
// <out>/lookup-events/<region>/lookup-events_<region>_<start>_<end>.jsonl:
// one CloudTrail record per line (the events' CloudTrailEvent), which
// `cirt hunt` reads as JSON Lines. Each file is recorded in the manifest.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::collect {

struct LookupEventsCollectOptions {
  std::vector<std::string> regions;  // empty: the client's region
  // Default: end = now, start = end - 24 h.
  std::optional<std::chrono::system_clock::time_point> start;
  std::optional<std::chrono::system_clock::time_point> end;
  std::string attribute_key;  // one LookupAttribute (EventName, Username, ...), optional
  std::string attribute_value;
  std::string out_dir;
  std::string command;
  // Pause between pages: LookupEvents allows 2 requests/s per account and
  // region. Default: 550 ms.
  std::chrono::milliseconds min_interval{550};
  // Injected for tests (default: std::this_thread::sleep_for, system clock).
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::system_clock::time_point()> now;
};

struct LookupEventsStats {
  size_t events = 0;
  size_t files = 0;
  size_t denied = 0;
  size_t errors = 0;
  size_t skipped_events = 0;  // no CloudTrailEvent string
  std::vector<std::string> problems;
  std::string manifest_head;
};

// Errors (the run stops): kInvalidArgument, kIo, kCorrupt (foreign
// manifest). A failed region is recorded in the manifest and counted.
Result<LookupEventsStats> CollectLookupEvents(aws::Client& client,
                                              const LookupEventsCollectOptions& options);

}  // namespace cirt::collect
