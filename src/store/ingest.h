// src/store/ingest.h
// `cirt case ingest`: index CloudTrail records, hunt detections and
// GuardDuty / Security Hub alerts into a case. Each file is one transaction:
// its events, resources, credentials, detections (or alerts) and its row in
// `files` commit together, so an interrupted ingest loses nothing committed
// and the next run resumes with the files not yet recorded. A file whose
// SHA-256 is already recorded is skipped (re-ingesting adds nothing).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "detect/hunt.h"
#include "ingest/cloudtrail_reader.h"
#include "store/case.h"

namespace cirt::store {

struct IngestProgress {
  uint64_t files_done = 0;  // files committed (or found already ingested) so far
  uint64_t files_total = 0;
  uint64_t records = 0;         // records indexed in this run, including the open file
  bool file_committed = false;  // true when called right after a file's commit
};

struct IngestOptions {
  std::vector<std::string> inputs;      // files or folders
  std::vector<std::string> rule_paths;  // --rules, as for `cirt hunt`
  bool builtin_rules = true;
  detect::sigma::LoadOptions load;
  // With a value, first-seen anomalies and denial bursts (detect/anomaly.h)
  // are recomputed over all the case's events after the files are committed.
  std::optional<detect::AnomalyOptions> anomalies;
  // Also run the rules over every CloudTrail file already in the case (its
  // evidence copies) and add the rule detections not stored yet: rules
  // written or received after the evidence was ingested.
  bool rehunt = false;
  // Called after each batch of rows is written (inside the file's open
  // transaction; batches hold up to 4096 records) and after each file's
  // commit. Default: none.
  std::function<void(const IngestProgress&)> on_progress;
};

struct IngestStats {
  uint64_t files = 0;           // input files found
  uint64_t files_ingested = 0;  // committed in this run
  uint64_t files_already = 0;   // skipped: their SHA-256 was already in the case
  uint64_t files_skipped = 0;   // unreadable, or nothing usable in them
  uint64_t events = 0;          // CloudTrail records indexed
  uint64_t duplicates = 0;      // records not stored: their eventID was already in the case
  uint64_t resources = 0;       // resource entries (events.resources)
  uint64_t detections = 0;
  uint64_t rehunt_added = 0;  // of them, added by --rehunt to events already in the case
  // Derived detections stored: correlations, legacy aggregations and
  // anomalies, recomputed over the whole case (previous ones replaced).
  uint64_t derived = 0;
  uint64_t alerts = 0;        // GuardDuty / Security Hub findings
  uint64_t input_errors = 0;  // paths that do not exist
  ingest::ReadStats read;     // the CloudTrail reader's counters
  detect::RuleSummary rules;
  size_t rules_aggregating = 0;  // rules with legacy aggregations: run them with `cirt hunt`
  double seconds = 0;            // the whole run
  double seconds_index = 0;      // thread CPU time writing rows to SQLite (the indexing cost)
  double seconds_indexes = 0;    // building the secondary indexes at the end
  double seconds_derive = 0;     // recomputing the derived detections
};

// Ingests `options.inputs` into `kase`. Per-record and per-file problems go
// to `diagnostics` and are counted; SQLite errors stop the run (the open
// file's transaction is rolled back) and are returned.
Result<IngestStats> Ingest(Case* kase, const IngestOptions& options, Diagnostics* diagnostics);

// The raw JSON text of event `event_rowid` (events.id), read back from the
// evidence copy. Errors: kNotFound (no such event or evidence), kCorrupt.
Result<std::string> RawEvent(Case* kase, int64_t event_rowid);

}  // namespace cirt::store
