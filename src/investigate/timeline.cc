#include "investigate/timeline.h"

#include <fmt/format.h>

#include "investigate/query_util.h"
#include "model/event.h"

namespace cirt::investigate {

Result<int64_t> ParseTimeBound(std::string_view text) {
  std::optional<int64_t> t = text.size() == 10
                                 ? model::ParseUtcTimestamp(std::string(text) + "T00:00:00Z")
                                 : model::ParseUtcTimestamp(text);
  if (!t) {
    return Status::InvalidArgument(
        fmt::format("bad time '{}' (use 2024-05-01 or 2024-05-01T13:00:00Z)", text));
  }
  return *t;
}

Status Timeline(const store::Case& kase, const TimelineFilter& f,
                const std::function<void(const TimelineRow&)>& emit) {
  std::string sql = std::string(kEventColumns) +
                    ", (SELECT group_concat(r.title || ' (' || r.level || ')', char(31)) "
                    "FROM detections d JOIN rules r ON r.id = d.rule WHERE d.event = e.id) "
                    "FROM events e WHERE 1";
  std::vector<std::string> binds;
  auto bind = [&binds](std::string v) {
    binds.push_back(std::move(v));
    return fmt::format("?{}", binds.size());
  };
  if (f.start_us) sql += fmt::format(" AND e.time_us >= {}", *f.start_us);
  if (f.end_us) sql += fmt::format(" AND e.time_us < {}", *f.end_us);
  if (!f.principal.empty()) {
    std::string p = bind(f.principal);
    sql += fmt::format(" AND (e.principal_arn = {0} OR e.session_issuer_arn = {0})", p);
  }
  if (!f.access_key.empty()) sql += " AND e.access_key_id = " + bind(f.access_key);
  if (!f.source_ip.empty()) sql += " AND e.source_ip = " + bind(f.source_ip);
  auto any_of = [&](std::string_view column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    sql += fmt::format(" AND {} IN (", column);
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) sql += ',';
      sql += bind(values[i]);
    }
    sql += ")";
  };
  any_of("e.event_name", f.event_names);
  any_of("e.event_source", f.event_sources);
  if (f.errors_only) sql += " AND e.error_code IS NOT NULL";
  if (f.writes_only) sql += " AND " + std::string(kIsWrite);
  if (f.detections_only) sql += " AND EXISTS (SELECT 1 FROM detections d WHERE d.event = e.id)";
  sql += " ORDER BY e.time_us, e.id";
  if (f.limit) sql += fmt::format(" LIMIT {}", f.limit);

  CIRT_ASSIGN_OR_RETURN(store::Statement q, kase.db().Prepare(sql));
  for (size_t i = 0; i < binds.size(); ++i) q.BindText(static_cast<int>(i + 1), binds[i]);
  TimelineRow row;
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool more, q.Step());
    if (!more) break;
    ReadEventColumns(q, &row);
    row.detections = SplitUnit(q.Text(kEventColumnCount));
    emit(row);
  }
  return Status::Ok();
}

}  // namespace cirt::investigate
