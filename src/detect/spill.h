// src/detect/spill.h
// Keeps a hunt's memory bounded whatever the corpus: when the detections a
// thread holds pass its share of the budget, they are sorted and written to
// an unnamed temporary file (a "run"), and the output merges the runs with
// what stayed in memory, in the same order (time, file, record, rule title).
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/result.h"
#include "model/detection.h"

namespace cirt::detect {

// Where a detection's event sits in the input: the order aggregations and
// correlations read matches in (ties of time broken by file and record).
struct Place {
  int64_t time_us = 0;
  uint32_t file_index = 0;
  uint64_t record_index = 0;
  bool operator==(const Place&) const = default;
  bool operator<(const Place& o) const {
    return std::tie(time_us, file_index, record_index) <
           std::tie(o.time_us, o.file_index, o.record_index);
  }
};
inline Place PlaceOf(const model::Detection& d) {
  return {d.time_us, d.file_index, d.record_index};
}

// The order of a hunt's output.
bool DetectionBefore(const model::Detection& a, const model::Detection& b);

// One sorted run on disk, in an unnamed temporary file (removed by the
// system when closed, or when the process dies).
class SpillRun {
 public:
  ~SpillRun();
  SpillRun(SpillRun&&) noexcept;
  SpillRun& operator=(SpillRun&&) = delete;
  SpillRun(const SpillRun&) = delete;

  // Writes `count` entries, entry i being what `append(i, &buffer)` adds.
  static Result<SpillRun> Write(size_t count,
                                const std::function<void(size_t, std::string*)>& append);
  // Writes plain rule detections (no evidence), `sorted` in DetectionBefore
  // order; `rule_index` maps each detection's rule to its index in `rules`
  // (the hunt's rule_infos).
  static Result<SpillRun> Write(
      const std::vector<const model::Detection*>& sorted,
      const std::unordered_map<const model::RuleInfo*, uint32_t>& rule_index);

  size_t size() const { return count_; }
  // Back to the first entry, for another SpillReader (errors: kIo).
  Status Rewind();

 private:
  friend class SpillReader;
  SpillRun(std::FILE* file, size_t count) : file_(file), count_(count) {}
  std::FILE* file_;
  size_t count_;
};

// How an entry is written: a detection's event fields and place (the file
// name as its index), and any text kept beside it.
void AppendSpilledDetection(const model::Detection& d, uint32_t rule, std::string* out);
void AppendSpilledText(std::string_view text, std::string* out);
void AppendSpilledCount(uint32_t count, std::string* out);

// Reads a run back, an entry at a time, with the Read calls matching the
// Append calls that wrote it. `rules` and `files` resolve the indexes.
class SpillReader {
 public:
  SpillReader(SpillRun& run, const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
              const std::deque<std::string>& files)
      : file_(run.file_), left_(run.count_), rules_(rules), files_(files) {}

  // Starts the next entry; false when the run is done.
  bool Next() {
    if (left_ == 0) return false;
    --left_;
    return true;
  }
  // Errors: the file was cut short (kIo) or is not this hunt's (kCorrupt).
  // `rule` (if given) gets the detection's rule index.
  Status ReadDetection(model::Detection* d, uint32_t* rule = nullptr);
  Status ReadText(std::string* text);
  Status ReadCount(uint32_t* count);

 private:
  std::FILE* file_;
  size_t left_;
  const std::vector<std::unique_ptr<model::RuleInfo>>& rules_;
  const std::deque<std::string>& files_;
  std::string text_;
};

// Merges sorted sources: `next(i, &item)` reads source i's next item into
// `item` and returns true, false at its end, or an error; `fn(item)` gets
// every item in `less` order and may move from it.
template <typename T, typename Next, typename Less, typename Fn>
Status MergeSorted(size_t sources, Next next, Less less, Fn fn) {
  std::vector<T> current(sources);
  auto later = [&](size_t a, size_t b) { return less(current[b], current[a]); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  for (size_t i = 0; i < sources; ++i) {
    CIRT_ASSIGN_OR_RETURN(bool any, next(i, &current[i]));
    if (any) heap.push(i);
  }
  while (!heap.empty()) {
    const size_t i = heap.top();
    heap.pop();
    fn(current[i]);
    CIRT_ASSIGN_OR_RETURN(bool any, next(i, &current[i]));
    if (any) heap.push(i);
  }
  return Status::Ok();
}

// Drops detections repeating an earlier one's rule and eventID in a stream
// sorted by time (copies of one event share its time; see repeats.h), one
// time at a time. Detections with evidence or no eventID are kept.
class RepeatFilter {
 public:
  bool Repeated(const model::Detection& d);

 private:
  struct KeyHash {
    size_t operator()(const std::pair<uintptr_t, std::string>& k) const noexcept;
  };
  bool started_ = false;
  int64_t time_ = 0;
  std::unordered_set<std::pair<uintptr_t, std::string>, KeyHash> seen_;
};

// Reads runs back and merges them with the in-memory detections (sorted),
// calling `fn` in order; a detection is valid only during its call. A plain
// detection repeating an earlier one's rule and eventID (an event read twice,
// in two runs) is dropped. Returns how many were dropped.
class SpillMerge {
 public:
  // `rules` and `files` resolve the runs' rule and file indexes.
  static Result<size_t> Run(std::vector<SpillRun>& runs,
                    const std::vector<const model::Detection*>& in_memory,
                    const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
                    const std::deque<std::string>& files,
                    const std::function<void(const model::Detection&)>& fn);
};

}  // namespace cirt::detect
