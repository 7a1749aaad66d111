// src/investigate/rows.h
// The output keys of timeline, pivot and scope (a contract for scripts,
// documented in README.md) and the conversion of results to report rows.
#pragma once

#include <vector>

#include "investigate/pivot.h"
#include "investigate/scope.h"
#include "investigate/timeline.h"
#include "report/writer.h"

namespace cirt::investigate {

report::RowSchema TimelineSchema();
std::vector<report::Cell> TimelineCells(const TimelineRow& row);

report::RowSchema PivotSchema();
// One row per fact: summary, identity, access_key, source_ip, user_agent,
// region, account, api, resource, detection, alert, then the chain links.
std::vector<std::vector<report::Cell>> PivotRows(const PivotResult& result);

report::RowSchema ScopeSchema();
std::vector<report::Cell> ScopeCells(const ScopeEntry& entry);

}  // namespace cirt::investigate
