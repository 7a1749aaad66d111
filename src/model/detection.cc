#include "model/detection.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

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

void* MapPopulated(size_t bytes) {
  if (bytes == 0) bytes = 1;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                 -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void UnmapPopulated(void* p, size_t bytes) {
  if (p != nullptr) munmap(p, bytes == 0 ? 1 : bytes);
}

TextArena::~TextArena() {
  for (const Chunk& c : chunks_) UnmapPopulated(c.data, c.size);
}

char* TextArena::Allocate(size_t n) {
  if (n > kChunk / 4) {  // large: a chunk of its own, kept before the current one
    Chunk big{static_cast<char*>(MapPopulated(n)), n};
    bytes_ += n;
    chunks_.insert(chunks_.empty() ? chunks_.end() : chunks_.end() - 1, big);
    return big.data;
  }
  if (used_ + n > kChunk) {
    chunks_.push_back({static_cast<char*>(MapPopulated(kChunk)), kChunk});
    bytes_ += kChunk;
    used_ = 0;
  }
  char* p = chunks_.back().data + used_;
  used_ += n;
  return p;
}

Detection::Detection(const RuleInfo* rule, const Event& e, const RecordOrigin& origin,
                     TextArena* arena, std::string_view shared_file)
    : record_index(origin.record_index), rule_(rule), shared_file_(shared_file) {
  time_us = e.time_us;
  const std::string_view parts[kFieldCount] = {
      e.event_id,   e.event_time,         e.event_source,      e.event_name,
      e.aws_region, e.recipient_account_id, e.user_identity.arn, e.user_identity.access_key_id,
      e.source_ip,  e.user_agent,         e.error_code,
      shared_file.empty() ? origin.file : std::string_view(),
      {}};
  size_t total = 0;
  for (auto p : parts) total += p.size();
  char* out;
  if (arena != nullptr) {
    out = arena->Allocate(total);
  } else {
    owned_.resize(total);
    out = owned_.data();
  }
  text_ = out;
  size_t pos = 0;
  for (int i = 0; i < kFieldCount; ++i) {
    if (!parts[i].empty()) std::memcpy(out + pos, parts[i].data(), parts[i].size());
    pos += parts[i].size();
    end_[i] = static_cast<uint32_t>(pos);
  }
}

void Detection::CopyScalars(const Detection& o) {
  time_us = o.time_us;
  file_index = o.file_index;
  record_index = o.record_index;
  rule_ = o.rule_;
  end_ = o.end_;
  shared_file_ = o.shared_file_;
}

Detection& Detection::operator=(const Detection& o) {
  if (this == &o) return *this;
  CopyScalars(o);
  owned_ = o.owns_text() ? o.owned_ : std::string();
  text_ = o.owns_text() ? owned_.data() : o.text_;
  evidence_ = o.evidence_ ? std::make_unique<Evidence>(*o.evidence_) : nullptr;
  return *this;
}

Detection& Detection::operator=(Detection&& o) noexcept {
  if (this == &o) return *this;
  CopyScalars(o);
  const bool owned = o.owns_text();
  owned_ = std::move(o.owned_);
  text_ = owned ? owned_.data() : o.text_;
  evidence_ = std::move(o.evidence_);
  return *this;
}

void Detection::set_aggregate(std::string_view text) {
  uint32_t begin = end_[kAggregate - 1];
  std::string copy(text_, begin);
  copy.append(text);
  owned_ = std::move(copy);
  text_ = owned_.data();
  end_[kAggregate] = static_cast<uint32_t>(owned_.size());
}

void Detection::set_evidence(Evidence evidence) {
  evidence_ = std::make_unique<Evidence>(std::move(evidence));
}

}  // namespace cirt::model
