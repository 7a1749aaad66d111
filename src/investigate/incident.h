// src/investigate/incident.h
// The post-incident report of a case (`cirt report`): reads the case
// database (detections, alerts, events) and the response journals into a
// report::IncidentReport, which report/ renders as HTML and Markdown.
// Lives here, not in store/ or report/, because it needs both and
// investigate/ already sits above them (store <- investigate -> report).
#pragma once

#include <cstdint>
#include <string>

#include "core/diagnostics.h"
#include "core/result.h"
#include "report/incident_report.h"
#include "store/case.h"

namespace cirt::investigate {

struct IncidentOptions {
  report::IncidentReportOptions report;
  // The report's "generated" time (Unix microseconds); 0: now.
  int64_t now_us = 0;
  // The case name shown; empty: the case folder's name.
  std::string case_name;
};

// Builds the report in one pass over the case:
//  - detections: the `detections` rows with their rule and event; a
//    detection's time of detection is when its file was ingested (the rules
//    run at ingest);
//  - alerts: the `alerts` rows, their entities (principal, access key, IPs,
//    resources) and the finding's CreatedAt (read from `raw`) as the time
//    the detector raised it; level from the severity label;
//  - events: every `events` row, with its resources (a write is what
//    `cirt timeline --writes-only` calls a write);
//  - response actions: CASE/respond/*.jsonl (see response_journal.h).
// Problems with journals go to `diagnostics` and the report's notes.
// Errors: the case database's (kIo, kCorrupt).
Result<report::IncidentReport> BuildIncidentReport(const store::Case& kase,
                                                   const IncidentOptions& options,
                                                   Diagnostics* diagnostics);

}  // namespace cirt::investigate
