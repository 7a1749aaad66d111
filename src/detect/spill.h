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
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "model/detection.h"

namespace cirt::detect {

// The order of a hunt's output.
bool DetectionBefore(const model::Detection& a, const model::Detection& b);

// One sorted run of plain rule detections (no evidence) on disk.
class SpillRun {
 public:
  ~SpillRun();
  SpillRun(SpillRun&&) noexcept;
  SpillRun& operator=(SpillRun&&) = delete;
  SpillRun(const SpillRun&) = delete;

  // Writes `sorted` (in DetectionBefore order); `rule_index` maps each
  // detection's rule to its index in `rules` (the hunt's rule_infos).
  static Result<SpillRun> Write(
      const std::vector<const model::Detection*>& sorted,
      const std::unordered_map<const model::RuleInfo*, uint32_t>& rule_index);

  size_t size() const { return count_; }

 private:
  friend class SpillMerge;
  SpillRun(std::FILE* file, size_t count) : file_(file), count_(count) {}
  std::FILE* file_;
  size_t count_;
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
