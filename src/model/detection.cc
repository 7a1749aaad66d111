#include "model/detection.h"

#include <algorithm>
#include <cctype>

namespace cirt::model {

namespace {
struct LevelEntry {
  Level level;
  std::string_view name;
};
constexpr LevelEntry kLevels[] = {
    {Level::kInformational, "informational"}, {Level::kLow, "low"},
    {Level::kMedium, "medium"},               {Level::kHigh, "high"},
    {Level::kCritical, "critical"},
};
}  // namespace

std::string_view LevelName(Level level) {
  for (const auto& e : kLevels) {
    if (e.level == level) return e.name;
  }
  return "informational";
}

std::optional<Level> ParseLevel(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& e : kLevels) {
    if (e.name == lower) return e.level;
  }
  if (lower == "info") return Level::kInformational;
  if (lower == "med") return Level::kMedium;
  if (lower == "crit") return Level::kCritical;
  return std::nullopt;
}

void CopyEventFields(const Event& e, const RecordOrigin& origin, Detection* d) {
  d->event_id = e.event_id;
  d->event_time = e.event_time;
  d->time_us = e.time_us;
  d->event_source = e.event_source;
  d->event_name = e.event_name;
  d->aws_region = e.aws_region;
  d->account_id = e.recipient_account_id;
  d->principal_arn = e.user_identity.arn;
  d->access_key_id = e.user_identity.access_key_id;
  d->source_ip = e.source_ip;
  d->user_agent = e.user_agent;
  d->error_code = e.error_code;
  d->file = origin.file;
  d->record_index = origin.record_index;
}

}  // namespace cirt::model
