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

// CleanText(s), each byte passed to `escape(c, &out)`, which appends its
// escape and returns true, or returns false to have it copied as it is.
template <typename Escape>
std::string CleanAndEscape(std::string_view s, Escape escape) {
  const std::string clean = CleanText(s);
  std::string out;
  out.reserve(clean.size() + 16);
  for (char c : clean) {
    if (!escape(c, &out)) out += c;
  }
  return out;
}

// The entity for &, < and > (text both HTML and Markdown must not read as
// markup); false for any other byte.
inline bool AppendMarkupEntity(char c, std::string* out) {
  switch (c) {
    case '&': *out += "&amp;"; return true;
    case '<': *out += "&lt;"; return true;
    case '>': *out += "&gt;"; return true;
    default: return false;
  }
}

// At most `max_points` code points of clean `s`, with "…" when cut.
std::string Truncate(std::string_view s, size_t max_points);

// "2026-03-24 10:01:02Z" (whole seconds, rounded down), or "-" for 0.
std::string FormatTime(int64_t time_us);

// The report's time to detect ("not measured" without both ends) and time
// to contain ("not contained"), as both renderers show them.
std::string TimeToDetect(const IncidentReport& r);
std::string TimeToContain(const IncidentReport& r);

}  // namespace cirt::report::detail
