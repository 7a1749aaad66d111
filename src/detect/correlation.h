// src/detect/correlation.h
// Sigma correlation rules (specification 2.1.0) over the matches of the
// compiled base rules: event_count, value_count, value_sum, value_avg,
// temporal and temporal_ordered, with group-by, aliases, timespan and
// chains of correlations. The hunt collects the matches of the rules a
// correlation references (CorrelationHit) and runs the correlations once
// all files are read; each correlation that fires becomes a
// model::Detection carrying model::Evidence.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/sigma/matcher.h"
#include "detect/sigma/rule.h"
#include "detect/spill.h"
#include "model/detection.h"
#include "model/fields.h"

namespace cirt::detect {

// One match of a base rule that a correlation references.
struct CorrelationHit {
  uint32_t rule = 0;           // index of the base rule in the matcher
  model::Detection detection;  // the event; must own its text (no arena)
  // The first value of each slot of CorrelationEngine::captures(rule), in
  // that order ("" when the record lacks the field).
  std::vector<std::string> values;
  // What the hit takes in memory, roughly.
  size_t bytes() const {
    size_t n = sizeof(CorrelationHit) + detection.text().size();
    for (const auto& v : values) n += sizeof(std::string) + v.size();
    return n;
  }
};

class CorrelationEngine {
 public:
  // Resolves every correlation's references (base rules in `matcher` or
  // other correlations, by id or name; rules in the correlation's own file
  // win over others of the same id or name), aliases and fields. A
  // correlation that cannot run (unknown or ambiguous rule, a reference
  // cycle, an alias without a field for a referenced rule, a group-by field
  // a referenced correlation does not have...) is left out and reported in
  // `errors` as a kError outcome naming its file and the reason, and so is
  // every correlation that references it. Adds the fields the correlations
  // group or count by to `plan` (REQUIRES: before readers are built from
  // it) and the correlations' RuleInfo to `infos`, which must outlive the
  // detections Run produces.
  static std::unique_ptr<CorrelationEngine> Build(
      const sigma::Matcher& matcher, std::vector<sigma::Correlation> correlations,
      model::FieldPlan* plan, std::vector<std::unique_ptr<model::RuleInfo>>* infos,
      std::vector<sigma::LoadOutcome>* errors);
  ~CorrelationEngine();
  CorrelationEngine(const CorrelationEngine&) = delete;
  CorrelationEngine& operator=(const CorrelationEngine&) = delete;

  // Correlations that run, inner ones of a chain first.
  size_t size() const;
  const sigma::Correlation& correlation(size_t index) const;
  // Whether matches of base rule `rule` feed some correlation.
  bool feeds(uint32_t rule) const;
  // Whether matches of base rule `rule` are reported on their own: false
  // when correlations reference it and none of them says `generate: true`
  // (the specification's default).
  bool reported(uint32_t rule) const;
  // The slots whose values a hit of `rule` must carry.
  const std::vector<model::SlotId>& captures(uint32_t rule) const;

  // Sorts `hits` by time, file and record and writes them to a run (for a
  // hunt past its memory budget).
  Result<SpillRun> Spill(std::vector<CorrelationHit>* hits) const;

  // Runs every correlation over the hits in `runs` and `hits` (any order),
  // each event counted once per rule, inner correlations of a chain first,
  // and appends what fires to `out`, except correlations referenced by
  // another (unless it says `generate: true`) and those below `min_level`.
  // `rules` (the hunt's rule_infos) and `files` resolve the runs. Each
  // correlation reads the hits once, in time order, and holds only what
  // its windows still need. Errors: reading a run back.
  //
  // Windows: with only lower bounds (gt, gte; temporal's default of all
  // rules) a window slides over each group's events, ending at each event
  // and reaching back `timespan` (inclusive); the correlation fires as soon
  // as the condition holds, with the window's events as evidence, and the
  // window starts afresh. With an upper bound or eq/neq, the count must be
  // final: windows are fixed, opened by a group's first event and closed by
  // the first event more than `timespan` later (or the end of the data),
  // then tested. Events without a value for a group-by field belong to no
  // group and are not counted.
  Status Run(std::vector<SpillRun>& runs, std::vector<CorrelationHit> hits,
             const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
             const std::deque<std::string>& files, std::optional<model::Level> min_level,
             std::deque<model::Detection>* out) const;

 private:
  struct Impl;
  explicit CorrelationEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cirt::detect
