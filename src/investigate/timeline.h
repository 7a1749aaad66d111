// src/investigate/timeline.h
// The case timeline: events in time order with their resources and
// detections, filtered by time, identity, source and outcome.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/case.h"

namespace cirt::investigate {

struct TimelineFilter {
  std::optional<int64_t> start_us;  // inclusive, Unix microseconds
  std::optional<int64_t> end_us;    // exclusive
  std::string principal;            // principal ARN, or a role ARN (its sessions too)
  std::string access_key;
  std::string source_ip;
  std::vector<std::string> event_names;    // any of
  std::vector<std::string> event_sources;  // any of
  bool errors_only = false;
  bool writes_only = false;  // readOnly false (or unknown and not a Get/List/Describe)
  bool detections_only = false;
  uint64_t limit = 0;  // 0: all
};

struct TimelineRow {
  int64_t event_rowid = 0;  // events.id
  int64_t time_us = 0;
  std::string event_time, event_id, event_source, event_name, aws_region, account_id, identity_type,
      principal_arn, access_key_id, session_issuer_arn, source_ip, user_agent, error_code;
  std::optional<bool> read_only;
  std::vector<std::string> resources;   // "kind=value" (events.resources)
  std::vector<std::string> detections;  // "title (level)"
};

// Calls `row` for each matching event, by time then ingest order.
Status Timeline(const store::Case& kase, const TimelineFilter& filter,
                const std::function<void(const TimelineRow&)>& row);

// "YYYY-MM-DD" (midnight UTC) or an ISO-8601 UTC timestamp, as Unix
// microseconds. Errors: kInvalidArgument.
Result<int64_t> ParseTimeBound(std::string_view text);

}  // namespace cirt::investigate
