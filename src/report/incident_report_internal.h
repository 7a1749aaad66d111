// src/report/incident_report_internal.h
// Text helpers shared by the HTML and Markdown renderers of the incident
// report (and their tests). Not part of the report API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "report/incident_report.h"

namespace cirt::report::detail {

// `s` with invalid UTF-8 replaced by U+FFFD and control characters (C0,
// DEL) by spaces: what remains is safe to escape byte by byte.
std::string CleanText(std::string_view s);

// At most `max_points` code points of clean `s`, with "…" when cut.
std::string Truncate(std::string_view s, size_t max_points);

// "2026-03-24 10:01:02Z" (whole seconds, rounded down), or "-" for 0.
std::string FormatTime(int64_t time_us);

// The report's time to detect ("not measured" without both ends) and time
// to contain ("not contained"), as both renderers show them.
std::string TimeToDetect(const IncidentReport& r);
std::string TimeToContain(const IncidentReport& r);

}  // namespace cirt::report::detail
