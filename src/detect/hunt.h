// src/detect/hunt.h
// `cirt hunt`: load rules (built-in pack and/or folders), read CloudTrail
// files in parallel with one reader and one matcher scratch per thread, and
// collect detections. Memory is bounded by the threads' buffers (one file
// each) plus the memory budget, which the detections and the matches that
// aggregations and correlations count share (spill.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "detect/anomaly.h"
#include "detect/sigma/rule.h"
#include "detect/spill.h"
#include "ingest/cloudtrail_reader.h"
#include "model/detection.h"

namespace cirt::detect {

struct RuleSummary {
  size_t loaded = 0;           // rules that run
  size_t other_logsource = 0;  // skipped: not product aws / service cloudtrail
  size_t correlation = 0;      // correlation rules that run
  size_t errors = 0;           // rules and correlations that did not load or compile
  std::vector<sigma::LoadOutcome> outcomes;  // every file's outcome
};

// Loads the built-in pack (when `builtin`) and every path in `rule_paths`:
// detection rules into `rules`, correlation rules into `correlations`
// (their references are resolved by CorrelationEngine::Build). A missing
// path is an error; per-rule problems are in `summary`.
Status LoadAllRules(bool builtin, const std::vector<std::string>& rule_paths,
                    const sigma::LoadOptions& options, std::vector<sigma::Rule>* rules,
                    std::vector<sigma::Correlation>* correlations, RuleSummary* summary);

struct HuntOptions {
  std::vector<std::string> inputs;      // files or directories
  std::vector<std::string> rule_paths;  // --rules
  bool builtin_rules = true;
  unsigned jobs = 0;                    // 0: all cores
  sigma::LoadOptions load;
  std::optional<model::Level> min_level;
  // First-seen anomalies and denial bursts (anomaly.h); off when empty.
  std::optional<AnomalyOptions> anomalies;
  // What the rule detections, and the matches aggregations and
  // correlations count, may take in memory, all threads together; past it
  // they go to temporary files (spill.h): HuntResult::ForEach merges the
  // detections back, aggregations and correlations read their matches back
  // in time order. 0: no limit.
  size_t memory_budget = size_t{1} << 30;
  // --start / --end: only events with an eventTime in [start_us, end_us)
  // are hunted (CloudTrailReader::SetTimeWindow), and CloudTrail log files
  // delivered before start_us are not read (CloudTrailDeliveryTime).
  std::optional<int64_t> start_us, end_us;
};

struct Progress {
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> bytes_done{0};  // bytes on disk
  uint64_t files_total = 0;
  uint64_t bytes_total = 0;
};

struct HuntResult {
  // The rules' metadata, which detections point to: keep the result alive
  // while using them.
  std::vector<std::unique_ptr<model::RuleInfo>> rule_infos;
  // The detections, in no order (stable addresses), and the same sorted by
  // time, then file and record: use `detections`.
  std::vector<std::unique_ptr<model::TextArena>> arenas;  // detection text
  std::deque<std::string> files;  // input file names, which detections point to
  std::vector<model::DetectionChunk> storage;  // chunks, never resized
  // Sorted. Every detection, unless the hunt spilled (spilled()): then the
  // ones that stayed in memory, which include every detection with evidence
  // (correlations, aggregations, anomalies are never spilled).
  std::vector<const model::Detection*> detections;
  std::vector<SpillRun> runs;  // spilled detections, each run sorted
  bool spilled() const { return !runs.empty(); }
  // Matches of legacy aggregation rules written to temporary files (past
  // the budget too) and merged back before the aggregations ran.
  size_t spilled_aggregate_hits = 0;
  // The same for matches of rules that correlation rules reference.
  size_t spilled_correlation_hits = 0;
  // Calls `fn` with every detection in order (merging the runs, which it
  // consumes: call it once); a detection is valid during its call only.
  // Errors: reading a run back (kIo, kCorrupt).
  Status ForEach(const std::function<void(const model::Detection&)>& fn);
  ingest::ReadStats stats;
  RuleSummary rules;
  std::optional<int64_t> baseline_end_us;  // with anomalies: the baseline used
  // Whether detections may carry evidence: correlation rules, legacy
  // aggregations or anomalies ran (decided by the rules, not the data).
  bool may_have_evidence = false;
  size_t input_errors = 0;  // paths that do not exist or cannot be listed
  // Files an evidence folder's manifest lists as findings or API snapshots
  // (IAM, EC2, ...), not read.
  size_t snapshot_files = 0;
  // Detections not reported because the same rule had matched the same
  // eventID already (an event delivered twice, or held by two sources).
  size_t repeated = 0;
  // With a time window: CloudTrail log files not read because their name
  // says they were delivered before it starts (records read but outside it:
  // stats.records_outside).
  size_t files_before_start = 0;
  double seconds = 0;
};

// Runs a hunt. Input and rule problems are reported to `diagnostics` and
// counted; only a missing rules path or an empty rule set (and no
// anomalies) fails the call. Correlation rules run over the matches of the
// rules they reference once all files are read; anomalies over every
// event. Neither costs anything when there are no correlation rules and
// `anomalies` is off.
// `progress` (optional) is updated as files complete.
Result<HuntResult> Hunt(const HuntOptions& options, Diagnostics* diagnostics,
                        Progress* progress = nullptr);

}  // namespace cirt::detect
