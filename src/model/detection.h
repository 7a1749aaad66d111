// src/model/detection.h
// A detection: a rule that matched an event, with the event fields a
// responder needs copied out (detections outlive the reader's buffers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/event.h"

namespace cirt::model {

enum class Level : uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };

// "informational", "low", ...; ParseLevel accepts those (case-insensitive).
std::string_view LevelName(Level level);
std::optional<Level> ParseLevel(std::string_view text);

struct Detection {
  // The rule.
  std::string rule_id;
  std::string rule_title;
  Level level = Level::kInformational;
  std::vector<std::string> tags;
  // The event.
  std::string event_id;
  std::string event_time;
  int64_t time_us = 0;
  std::string event_source;
  std::string event_name;
  std::string aws_region;
  std::string account_id;  // recipientAccountId
  std::string principal_arn;
  std::string access_key_id;
  std::string source_ip;
  std::string user_agent;
  std::string error_code;
  std::string file;
  uint64_t record_index = 0;
  // Aggregations (legacy Sigma "| count()") say what was counted, else empty.
  std::string aggregate;
};

// Fills the event part of `d` from `e` and `origin`.
void CopyEventFields(const Event& e, const RecordOrigin& origin, Detection* d);

}  // namespace cirt::model
