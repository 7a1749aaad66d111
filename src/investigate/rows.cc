#include "investigate/rows.h"

#include <fmt/format.h>

namespace cirt::investigate {

using report::Cell;

report::RowSchema TimelineSchema() {
  report::RowSchema s;
  s.keys = {"event_time",    "event_id",           "event_source",  "event_name",
            "aws_region",    "account_id",         "identity_type", "principal_arn",
            "access_key_id", "session_issuer_arn", "source_ip",     "user_agent",
            "error_code",    "read_only",          "resources",     "detections"};
  s.table_keys = {"event_time", "event_name", "principal_arn", "access_key_id",
                  "source_ip",  "aws_region", "error_code",    "detections"};
  s.time_key = "event_time";
  s.timestamp_desc = "CloudTrail eventTime";
  s.message = [](const std::vector<Cell>& r) {
    std::string m = fmt::format("{} {} by {} from {}", r[2].Text(), r[3].Text(),
                                r[7].kind == Cell::Kind::kNull ? "-" : r[7].Text(),
                                r[10].kind == Cell::Kind::kNull ? "-" : r[10].Text());
    if (r[12].kind != Cell::Kind::kNull) m += fmt::format(" [{}]", r[12].Text());
    if (!r[15].list.empty()) m += fmt::format(" detections: {}", r[15].Text("; "));
    return m;
  };
  return s;
}

std::vector<Cell> TimelineCells(const TimelineRow& r) {
  return {Cell::Str(r.event_time),    Cell::Str(r.event_id),
          Cell::Str(r.event_source),  Cell::Str(r.event_name),
          Cell::Str(r.aws_region),    Cell::Str(r.account_id),
          Cell::Str(r.identity_type), Cell::Str(r.principal_arn),
          Cell::Str(r.access_key_id), Cell::Str(r.session_issuer_arn),
          Cell::Str(r.source_ip),     Cell::Str(r.user_agent),
          Cell::Str(r.error_code),    r.read_only ? Cell::Bool(*r.read_only) : Cell::Null(),
          Cell::List(r.resources),    Cell::List(r.detections)};
}

report::RowSchema PivotSchema() {
  report::RowSchema s;
  s.keys = {"section",   "value",        "detail",   "count",        "first_seen",
            "last_seen", "direction",    "depth",    "from_key",     "from_principal",
            "to_key",    "to_principal", "role_arn", "session_name", "source_ip",
            "event_id",  "inferred",     "how"};
  s.table_keys = {"section", "value", "detail", "count", "first_seen", "last_seen", "inferred"};
  s.time_key = "first_seen";
  s.timestamp_desc = "First seen";
  s.message = [](const std::vector<Cell>& r) {
    std::string m = fmt::format("{}: {}", r[0].Text(), r[1].Text());
    if (r[2].kind != Cell::Kind::kNull) m += fmt::format(" ({})", r[2].Text());
    return m;
  };
  return s;
}

namespace {

std::vector<Cell> Fact(std::string_view section, const Seen& s) {
  std::vector<Cell> row(PivotSchema().keys.size());
  row[0] = Cell::Str(section);
  row[1] = Cell::Str(s.value);
  row[2] = Cell::Str(s.detail);
  row[3] = Cell::Int(static_cast<int64_t>(s.count));
  row[4] = Cell::Str(s.first_seen);
  row[5] = Cell::Str(s.last_seen);
  return row;
}

}  // namespace

std::vector<std::vector<Cell>> PivotRows(const PivotResult& r) {
  std::vector<std::vector<Cell>> rows;
  rows.push_back(Fact("summary", {r.subject.value, std::string(SubjectKindName(r.subject.kind)),
                                  r.events, r.first_seen, r.last_seen}));
  const std::pair<std::string_view, const std::vector<Seen>*> sections[] = {
      {"identity", &r.identities},
      {"access_key", &r.access_keys},
      {"source_ip", &r.source_ips},
      {"user_agent", &r.user_agents},
      {"region", &r.regions},
      {"account", &r.accounts},
      {"api", &r.apis},
      {"resource", &r.resources},
      {"detection", &r.detections},
      {"alert", &r.alerts}};
  for (const auto& [name, list] : sections) {
    for (const Seen& s : *list) rows.push_back(Fact(name, s));
  }
  for (const ChainLink& l : r.chain) {
    const Issue& i = l.issue;
    std::string detail =
        fmt::format("{} {}", i.event_name, i.role_arn.empty() ? i.user_name : i.role_arn);
    if (!i.issued_key.empty()) {
      detail += fmt::format("; {} made {} calls", i.issued_key, l.use.events);
      if (!l.use.apis.empty()) {
        std::string apis;
        for (size_t k = 0; k < l.use.apis.size() && k < 12; ++k)
          apis += (k ? "," : "") + l.use.apis[k];
        if (l.use.apis.size() > 12) apis += ",...";
        detail += ": " + apis;
      }
    } else {
      detail += "; issued credentials not found in the case";
    }
    std::vector<Cell> row(PivotSchema().keys.size());
    row[0] = Cell::Str("chain");
    row[1] =
        Cell::Str(fmt::format("{} -> {}", i.caller_key.empty() ? i.caller_principal : i.caller_key,
                              i.issued_key.empty() ? "?" : i.issued_key));
    row[2] = Cell::Str(detail);
    row[3] = Cell::Int(static_cast<int64_t>(l.use.events));
    row[4] = Cell::Str(i.event_time);
    row[6] = Cell::Str(l.direction);
    row[7] = Cell::Int(l.depth);
    row[8] = Cell::Str(i.caller_key);
    row[9] = Cell::Str(i.caller_principal);
    row[10] = Cell::Str(i.issued_key);
    row[11] = Cell::Str(i.issued_principal);
    row[12] = Cell::Str(i.role_arn);
    row[13] = Cell::Str(i.session_name);
    row[14] = Cell::Str(i.source_ip);
    row[15] = Cell::Str(i.event_id);
    row[16] = Cell::Bool(i.inferred);
    row[17] = Cell::Str(i.how);
    rows.push_back(std::move(row));
  }
  return rows;
}

report::RowSchema ScopeSchema() {
  report::RowSchema s;
  s.keys = {"playbook", "input",  "param",    "value",      "kind",
            "via",      "reason", "event_id", "event_time", "inferred"};
  s.table_keys = {"playbook", "input", "kind", "reason", "via", "event_time", "inferred"};
  s.time_key = "event_time";
  s.timestamp_desc = "Scope event";
  s.message = [](const std::vector<Cell>& r) {
    return fmt::format("{} {} ({})", r[0].Text(), r[1].Text(), r[6].Text());
  };
  return s;
}

std::vector<Cell> ScopeCells(const ScopeEntry& e) {
  return {Cell::Str(e.playbook),   Cell::Str(fmt::format("{}={}", e.param, e.value)),
          Cell::Str(e.param),      Cell::Str(e.value),
          Cell::Str(e.kind),       Cell::Str(e.via),
          Cell::Str(e.reason),     Cell::Str(e.event_id),
          Cell::Str(e.event_time), Cell::Bool(e.inferred)};
}

}  // namespace cirt::investigate
