// src/investigate/response_journal.h
// The response actions of a case for its report: the run journals that
// `cirt respond` writes to CASE/respond/<run-id>.jsonl (JSON Lines, one
// line per event of the run, each line hash-chained to the one before:
// "seq" 0,1,2,..., "prev" = SHA-256 hex of the previous line's bytes, the
// first line's "prev" 64 zeros).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "report/incident_report.h"

namespace cirt::investigate {

// The steps of one run, from its journal lines (as
// respond::ReadJournalPrefix reads them):
//  - "result" lines (a write step was applied or failed): containment steps;
//  - "capture" lines (read-only steps that saved state): result "captured";
//  - "step" lines (skipped, in-effect, not-run): as written;
//  - "revert" lines with outcome restored/already-restored mark the step
//    rolled back.
// The run id and playbook come from the first ("run") line.
std::vector<report::ReportAction> ActionsFromJournal(const std::vector<nlohmann::json>& lines);

struct ResponseJournals {
  std::vector<report::ReportAction> actions;
  size_t journals = 0;
  std::vector<std::string> problems;  // one line per journal that did not verify
};

// Reads every CASE/respond/*.jsonl. No folder: no actions (not an error).
// A journal that does not verify is reported to `diagnostics`, named in
// `problems`, and read as far as it goes.
ResponseJournals ReadResponseJournals(const std::string& case_dir, Diagnostics* diagnostics);

}  // namespace cirt::investigate
