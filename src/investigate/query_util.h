// src/investigate/query_util.h (internal): the event columns every
// investigation query reads, and how a row becomes a TimelineRow.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "investigate/timeline.h"
#include "store/db.h"

namespace cirt::investigate {

inline constexpr std::string_view kEventColumns =
    "SELECT e.id, e.time_us, e.event_time, e.event_id, e.event_source, e.event_name, "
    "e.aws_region, e.account_id, e.identity_type, e.principal_arn, e.access_key_id, "
    "e.session_issuer_arn, e.source_ip, e.user_agent, e.error_code, e.read_only, e.resources";
inline constexpr int kEventColumnCount = 17;

// A write: readOnly false, or readOnly absent and the name not a read verb.
inline constexpr std::string_view kIsWrite =
    "(e.read_only = 0 OR (e.read_only IS NULL AND e.event_name NOT GLOB 'Get*' AND "
    "e.event_name NOT GLOB 'List*' AND e.event_name NOT GLOB 'Describe*' AND "
    "e.event_name NOT GLOB 'Head*'))";

// Splits a list separated by US (0x1f): events.resources, group_concat(..., char(31)).
inline std::vector<std::string> SplitUnit(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t p = s.find('\x1f', start);
    out.emplace_back(s.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

inline void ReadEventColumns(const store::Statement& q, TimelineRow* r) {
  r->event_rowid = q.Int(0);
  r->time_us = q.Int(1);
  r->event_time = q.Text(2);
  r->event_id = q.Text(3);
  r->event_source = q.Text(4);
  r->event_name = q.Text(5);
  r->aws_region = q.Text(6);
  r->account_id = q.Text(7);
  r->identity_type = q.Text(8);
  r->principal_arn = q.Text(9);
  r->access_key_id = q.Text(10);
  r->session_issuer_arn = q.Text(11);
  r->source_ip = q.Text(12);
  r->user_agent = q.Text(13);
  r->error_code = q.Text(14);
  if (q.IsNull(15)) {
    r->read_only.reset();
  } else {
    r->read_only = q.Int(15) != 0;
  }
  r->resources = SplitUnit(q.Text(16));
}

}  // namespace cirt::investigate
