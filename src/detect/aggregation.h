// src/detect/aggregation.h
// Legacy Sigma aggregations (`sel | count(f) by g > N`, `sel1 | near sel2`)
// over the matches of their rules, once every file is read, in memory
// bounded whatever the corpus. The hunt holds matches up to its budget, then
// writes them sorted to temporary files (Spill); Run merges those runs with
// what stayed in memory and feeds each rule's aggregation its matches in
// time order, keeping only the matches that can still count: those inside
// the rule's timeframe, and at most kMaxWindowEvents of a window without one.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/sigma/matcher.h"
#include "detect/spill.h"
#include "model/detection.h"

namespace cirt::detect {

// A match of a rule with a legacy aggregation.
struct AggregateHit {
  uint32_t rule = 0;     // the matcher's index of the rule
  std::string group;     // the first value of the group-by field, if any
  std::string counted;   // the first value of count(field), if any
  model::Detection detection;  // without an arena: owns its text
  // What the hit takes in memory, roughly.
  size_t bytes() const {
    return sizeof(AggregateHit) + detection.text().size() + group.size() + counted.size();
  }
};

class Aggregations {
 public:
  // A window without a timeframe lists at most this many events as its
  // evidence (the count stays exact).
  static constexpr size_t kMaxWindowEvents = 10000;

  // `companion`: by rule, the rule evaluating the second condition of a
  // `near` rule, or -1. Rules below `min_level` are not reported.
  Aggregations(const sigma::Matcher& matcher, std::vector<int> companion,
               std::optional<model::Level> min_level);

  // Sorts `hits` in the order Run takes them and writes them to a run.
  Result<SpillRun> Spill(std::vector<AggregateHit>* hits) const;

  // Runs every aggregation over the hits in `runs` (consumed) and `hits`,
  // each event counted once per rule, and appends what they detect to
  // `out`. `rules` (by matcher index) and `files` resolve the runs.
  // Errors: reading a run back.
  Status Run(std::vector<SpillRun>& runs, std::vector<AggregateHit> hits,
             const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
             const std::deque<std::string>& files, std::deque<model::Detection>* out) const;

 private:
  // The order hits are aggregated in: by the rule whose aggregation they
  // feed (a companion's hits go to their `near` rule), by phase (the
  // companion of a `near` without a timeframe comes first), then by time,
  // file and record.
  bool Before(const AggregateHit& a, const AggregateHit& b) const;

  const sigma::Matcher& matcher_;
  std::vector<uint32_t> stream_;  // by rule: the rule it feeds
  std::vector<uint8_t> phase_;    // by rule
  std::vector<int> companion_;
  std::optional<model::Level> min_level_;
};

}  // namespace cirt::detect
