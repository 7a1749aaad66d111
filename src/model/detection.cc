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

Detection::Detection(const RuleInfo* rule, const Event& e, const RecordOrigin& origin)
    : record_index(origin.record_index), rule_(rule) {
  time_us = e.time_us;
  const std::string_view parts[kFieldCount] = {
      e.event_id,   e.event_time,         e.event_source,      e.event_name,
      e.aws_region, e.recipient_account_id, e.user_identity.arn, e.user_identity.access_key_id,
      e.source_ip,  e.user_agent,         e.error_code,        origin.file,
      {}};
  size_t total = 0;
  for (auto p : parts) total += p.size();
  text_.reserve(total);
  for (int i = 0; i < kFieldCount; ++i) {
    text_.append(parts[i]);
    end_[i] = static_cast<uint32_t>(text_.size());
  }
}

void Detection::set_aggregate(std::string_view text) {
  uint32_t begin = end_[kAggregate - 1];
  text_.resize(begin);
  text_.append(text);
  end_[kAggregate] = static_cast<uint32_t>(text_.size());
}

}  // namespace cirt::model
