// src/model/detection.h
// A detection: a rule that matched an event, with the event fields a
// responder needs copied out (detections outlive the reader's buffers).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/event.h"

namespace cirt::model {

enum class Level : uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };

// "informational", "low", ...; ParseLevel accepts those (case-insensitive).
std::string_view LevelName(Level level);
std::optional<Level> ParseLevel(std::string_view text);

// What a detection says about its rule. Shared by all detections of the
// rule; owned by whoever produced them (e.g. detect::HuntResult).
struct RuleInfo {
  std::string id;     // the Sigma id
  std::string title;
  Level level = Level::kInformational;
  std::vector<std::string> tags;
};

// What a detection made of several events rests on: a Sigma correlation, a
// first-seen anomaly or a legacy aggregation. Plain rule matches have none.
struct Evidence {
  // The correlation type ("event_count", "value_count", "temporal",
  // "temporal_ordered", "value_sum", "value_avg") or the anomaly kind
  // ("first_seen_network", ...; detect/anomaly.h), or "count" / "near"
  // (legacy aggregations).
  std::string type;
  // What was compared: events (event_count), distinct values (value_count),
  // distinct rules (temporal, temporal_ordered), the sum or average
  // (value_sum, value_avg), denials (anomaly bursts); 1 for first-seen.
  double count = 0;
  // What ties the events together, in order: the group-by fields and their
  // values (correlations); the principal and the new value (anomalies).
  std::vector<std::pair<std::string, std::string>> group;
  // The events, once each, in time order (a chained correlation lists the
  // events of an inner one together, where that one completed). A legacy
  // count without a timeframe lists its first 10,000 (count stays exact).
  std::vector<std::string> event_ids;
  int64_t first_time_us = 0;           // of the first and last of them
  int64_t last_time_us = 0;
};

// Memory for bulk detection storage, mapped with its pages populated in one
// call: hunts keep hundreds of megabytes of detections, and faulting them in
// a page at a time cost a tenth of the run. Throws std::bad_alloc.
void* MapPopulated(size_t bytes);
void UnmapPopulated(void* p, size_t bytes);

// An allocator over MapPopulated, for large containers only (every
// allocation takes whole pages).
template <typename T>
struct PopulatedAllocator {
  using value_type = T;
  PopulatedAllocator() = default;
  template <typename U>
  PopulatedAllocator(const PopulatedAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(MapPopulated(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { UnmapPopulated(p, n * sizeof(T)); }
  bool operator==(const PopulatedAllocator&) const { return true; }
};

// Bump allocator for detection text: hunts can produce millions of
// detections, and one allocation each costs more than building them.
// Memory is released when the arena is destroyed; not thread-safe.
class TextArena {
 public:
  TextArena() = default;
  TextArena(const TextArena&) = delete;
  TextArena& operator=(const TextArena&) = delete;
  ~TextArena();
  char* Allocate(size_t n);
  size_t bytes() const { return bytes_; }  // mapped so far

 private:
  static constexpr size_t kChunk = 4 << 20;
  struct Chunk {
    char* data;
    size_t size;
  };
  std::vector<Chunk> chunks_;
  size_t used_ = kChunk;  // in the last chunk
  size_t bytes_ = 0;
};

// One rule matching one event. The event fields are copied into one buffer,
// taken from an arena when one is given (which must outlive the detection),
// else owned.
class Detection {
 public:
  enum Field : uint8_t {
    kEventId, kEventTime, kEventSource, kEventName, kAwsRegion, kAccountId, kPrincipalArn,
    kAccessKeyId, kSourceIp, kUserAgent, kErrorCode, kFile, kAggregate, kFieldCount
  };

  Detection() { end_.fill(0); }
  // Copies the fields of `e`; `rule` (and `arena`, if not null) must outlive
  // the detection. With `shared_file` (the name of origin.file held for the
  // detection's whole life, e.g. by the hunt's result), the file name is not
  // copied.
  Detection(const RuleInfo* rule, const Event& e, const RecordOrigin& origin,
            TextArena* arena = nullptr, std::string_view shared_file = {});
  Detection(const Detection& o) { *this = o; }
  Detection(Detection&& o) noexcept { *this = std::move(o); }
  Detection& operator=(const Detection& o);
  Detection& operator=(Detection&& o) noexcept;

  const RuleInfo& rule() const { return *rule_; }
  // Points the detection at another rule (a correlation built from a
  // match); `rule` must outlive the detection.
  void set_rule(const RuleInfo* rule) { rule_ = rule; }
  std::string_view field(Field f) const {
    uint32_t begin = f == 0 ? 0 : end_[f - 1];
    if (f == kFile && begin == end_[f]) return shared_file_;
    return std::string_view(text_ + begin, end_[f] - begin);
  }
  std::string_view event_id() const { return field(kEventId); }
  std::string_view event_time() const { return field(kEventTime); }
  std::string_view event_source() const { return field(kEventSource); }
  std::string_view event_name() const { return field(kEventName); }
  std::string_view aws_region() const { return field(kAwsRegion); }
  std::string_view account_id() const { return field(kAccountId); }  // recipientAccountId
  std::string_view principal_arn() const { return field(kPrincipalArn); }
  std::string_view access_key_id() const { return field(kAccessKeyId); }
  std::string_view source_ip() const { return field(kSourceIp); }
  std::string_view user_agent() const { return field(kUserAgent); }
  std::string_view error_code() const { return field(kErrorCode); }
  std::string_view file() const { return field(kFile); }
  // Every field held in the detection's own text, back to back (all but a
  // shared file name): writers check it once for bytes that need escaping.
  std::string_view text() const { return std::string_view(text_, end_[kFieldCount - 1]); }
  // Aggregations (legacy Sigma "| count()") say what was counted, else empty.
  std::string_view aggregate() const { return field(kAggregate); }
  void set_aggregate(std::string_view text);
  // Correlations and anomalies carry their evidence; else null. The event
  // fields above are those of the last event of the evidence.
  const Evidence* evidence() const { return evidence_.get(); }
  void set_evidence(Evidence evidence);

  int64_t time_us = 0;
  uint32_t file_index = 0;    // position of the file in the run's sorted input list
  uint64_t record_index = 0;  // 0-based record index in the file

 private:
  bool owns_text() const { return text_ == owned_.data(); }
  void CopyScalars(const Detection& o);  // everything but the text
  const RuleInfo* rule_ = nullptr;
  const char* text_ = "";  // into owned_ or an arena
  std::string owned_;
  std::string_view shared_file_;  // kFile when not in text_
  std::array<uint32_t, kFieldCount> end_;
  std::unique_ptr<Evidence> evidence_;  // copied with the detection
};

// Bulk storage for many detections (a hunt's): reserve it once, so the
// detections never move.
using DetectionChunk = std::vector<Detection, PopulatedAllocator<Detection>>;

}  // namespace cirt::model
