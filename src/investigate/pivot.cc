#include "investigate/pivot.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <set>

#include "investigate/query_util.h"

namespace cirt::investigate {

namespace {

constexpr int kMaxDepth = 8;
constexpr size_t kMaxUpKeys = 32;  // keys walked up from an IP or role subject

bool IsAccessKey(std::string_view s) {
  if (s.size() < 16 || s.size() > 128) return false;
  const std::string_view prefix = s.substr(0, 4);
  if (prefix != "AKIA" && prefix != "ASIA" && prefix != "ABIA" && prefix != "ACCA") return false;
  for (char c : s) {
    if (!std::isupper(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool IsIp(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  int dots = 0, colons = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c == ':') {
      ++colons;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  if (colons >= 2) return true;
  if (dots != 3 || colons) return false;
  for (char c : s) {
    if (c != '.' && !std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Rows of (value, detail, count, first, last) from `sql` into `out`.
Status Collect(const store::Case& kase, const std::string& sql, std::string_view value,
               std::vector<Seen>* out) {
  CIRT_ASSIGN_OR_RETURN(store::Statement q, kase.db().Prepare(sql));
  q.BindText(1, value);
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Seen s;
    s.value = q.Text(0);
    s.detail = q.Text(1);
    s.count = static_cast<uint64_t>(q.Int(2));
    s.first_seen = q.Text(3);
    s.last_seen = q.Text(4);
    if (!s.value.empty()) out->push_back(std::move(s));
  }
  return Status::Ok();
}

std::string GroupBy(std::string_view value_sql, std::string_view detail_sql,
                    std::string_view where) {
  return fmt::format(
      "SELECT {0}, {1}, count(*), min(e.event_time), max(e.event_time) FROM events e "
      "WHERE ({2}) AND {0} IS NOT NULL GROUP BY {0}, {1} ORDER BY min(e.time_us), {0}",
      value_sql, detail_sql, where);
}

}  // namespace

std::string_view SubjectKindName(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kAccessKey:
      return "access_key";
    case SubjectKind::kPrincipal:
      return "principal";
    case SubjectKind::kRole:
      return "role";
    case SubjectKind::kIp:
      return "ip";
    case SubjectKind::kSession:
      return "session";
  }
  return "session";
}

Subject ClassifySubject(std::string_view text) {
  Subject s;
  s.value = std::string(text);
  if (IsAccessKey(text)) {
    s.kind = SubjectKind::kAccessKey;
  } else if (text.rfind("arn:", 0) == 0) {
    s.kind = text.find(":role/") != std::string_view::npos ? SubjectKind::kRole
                                                           : SubjectKind::kPrincipal;
  } else if (IsIp(text)) {
    s.kind = SubjectKind::kIp;
  } else {
    s.kind = SubjectKind::kSession;
  }
  return s;
}

std::string_view SubjectCondition(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kAccessKey:
      return "e.access_key_id = ?1";
    case SubjectKind::kPrincipal:
      return "e.principal_arn = ?1";
    case SubjectKind::kRole:
      return "e.session_issuer_arn = ?1 OR e.principal_arn = ?1";
    case SubjectKind::kIp:
      return "e.source_ip = ?1";
    case SubjectKind::kSession:
      return "e.session_name = ?1";
  }
  return "0";
}

Result<PivotResult> Pivot(const store::Case& kase, std::string_view text) {
  PivotResult r;
  r.subject = ClassifySubject(text);
  const std::string where(SubjectCondition(r.subject.kind));
  const std::string_view v = r.subject.value;
  {
    CIRT_ASSIGN_OR_RETURN(
        store::Statement q,
        kase.db().Prepare(fmt::format(
            "SELECT count(*), min(e.event_time), max(e.event_time) FROM events e WHERE ({})",
            where)));
    q.BindText(1, v);
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      r.events = static_cast<uint64_t>(q.Int(0));
      r.first_seen = q.Text(1);
      r.last_seen = q.Text(2);
    }
  }
  CIRT_RETURN_IF_ERROR(
      Collect(kase, GroupBy("e.principal_arn", "e.identity_type", where), v, &r.identities));
  CIRT_RETURN_IF_ERROR(Collect(kase, GroupBy("e.access_key_id", "NULL", where), v, &r.access_keys));
  CIRT_RETURN_IF_ERROR(Collect(kase, GroupBy("e.source_ip", "NULL", where), v, &r.source_ips));
  CIRT_RETURN_IF_ERROR(Collect(kase, GroupBy("e.user_agent", "NULL", where), v, &r.user_agents));
  CIRT_RETURN_IF_ERROR(Collect(kase, GroupBy("e.aws_region", "NULL", where), v, &r.regions));
  CIRT_RETURN_IF_ERROR(Collect(kase, GroupBy("e.account_id", "NULL", where), v, &r.accounts));
  CIRT_RETURN_IF_ERROR(
      Collect(kase,
              GroupBy("e.event_source || ':' || e.event_name",
                      fmt::format("CASE WHEN {} THEN 'write' ELSE 'read' END", kIsWrite), where),
              v, &r.apis));
  {
    // Resources live in one column per event: count them here.
    CIRT_ASSIGN_OR_RETURN(
        store::Statement q,
        kase.db().Prepare(fmt::format(
            "SELECT e.resources, e.event_time FROM events e WHERE ({}) AND e.resources IS NOT NULL "
            "ORDER BY e.time_us, e.id",
            where)));
    q.BindText(1, v);
    std::map<std::string, size_t> index;
    while (true) {
      CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      const std::string when(q.Text(1));
      std::set<size_t> in_event;  // count each resource once per event
      for (const std::string& entry : SplitUnit(q.Text(0))) {
        // One row per resource; `detail` lists the kinds it appeared as.
        const size_t eq = entry.find('=');
        const std::string value = entry.substr(eq + 1), kind = entry.substr(0, eq);
        auto [it, added] = index.emplace(value, r.resources.size());
        if (added) r.resources.push_back({value, kind, 0, when, when});
        Seen& s = r.resources[it->second];
        if (("," + s.detail + ",").find("," + kind + ",") == std::string::npos) {
          s.detail += "," + kind;
        }
        if (in_event.insert(it->second).second) {
          ++s.count;
          s.last_seen = when;
        }
      }
    }
  }
  CIRT_RETURN_IF_ERROR(Collect(
      kase,
      fmt::format("SELECT ru.title, ru.level, count(*), min(e.event_time), max(e.event_time) FROM "
                  "events e JOIN detections d ON d.event = e.id JOIN rules ru ON ru.id = d.rule "
                  "WHERE ({}) GROUP BY ru.id ORDER BY min(e.time_us), ru.title",
                  where),
      v, &r.detections));

  // Alerts naming the subject, or one of the keys or principals it used.
  std::set<std::string> names = {r.subject.value};
  for (const auto& k : r.access_keys) names.insert(k.value);
  for (const auto& p : r.identities) names.insert(p.value);
  std::set<int64_t> seen_alerts;
  CIRT_ASSIGN_OR_RETURN(
      store::Statement aq,
      kase.db().Prepare(
          "SELECT a.id, a.title, a.source || ' ' || coalesce(a.type, '') || ' severity ' || "
          "a.severity, a.first_seen, a.last_seen, a.finding_id FROM alerts a WHERE a.id IN "
          "(SELECT alert FROM alert_entities WHERE value = ?1) ORDER BY a.time_us, a.id"));
  for (const std::string& name : names) {
    aq.BindText(1, name);
    while (true) {
      CIRT_ASSIGN_OR_RETURN(bool row, aq.Step());
      if (!row) break;
      if (!seen_alerts.insert(aq.Int(0)).second) continue;
      Seen s;
      s.value = aq.Text(1);
      s.detail = fmt::format("{} ({})", aq.Text(2), aq.Text(5));
      s.count = 1;
      s.first_seen = aq.Text(3);
      s.last_seen = aq.Text(4);
      r.alerts.push_back(std::move(s));
    }
    aq.Reset();
  }
  if (r.events == 0 && r.alerts.empty()) {
    return Status::NotFound(fmt::format("nothing in the case for {} '{}'",
                                        SubjectKindName(r.subject.kind), r.subject.value));
  }

  // Up: who issued the keys the subject used, hop by hop.
  std::set<std::string> visited;
  size_t walked = 0;
  for (const auto& k : r.access_keys) {
    if (walked++ >= kMaxUpKeys) break;
    std::string key = k.value;
    for (int depth = 1; depth <= kMaxDepth && !key.empty() && visited.insert("up:" + key).second;
         ++depth) {
      CIRT_ASSIGN_OR_RETURN(std::optional<Issue> issue, IssuerOf(kase, key));
      if (!issue) break;
      ChainLink link{"up", depth, std::move(*issue), {}};
      CIRT_ASSIGN_OR_RETURN(link.use, UseOf(kase, link.issue.issued_key));
      key = link.issue.caller_key;
      r.chain.push_back(std::move(link));
    }
  }
  // Down: the keys the subject obtained, what they did, and their hops.
  struct Pending {
    std::string where, value;
    int depth;
  };
  std::vector<Pending> pending = {{where, r.subject.value, 1}};
  for (size_t next = 0; next < pending.size(); ++next) {
    const Pending p = pending[next];  // a copy: `pending` grows below
    CIRT_ASSIGN_OR_RETURN(std::vector<Issue> issued, IssuedBy(kase, p.where, p.value));
    for (Issue& issue : issued) {
      ChainLink link{"down", p.depth, std::move(issue), {}};
      const std::string key = link.issue.issued_key;
      if (!key.empty()) {
        CIRT_ASSIGN_OR_RETURN(link.use, UseOf(kase, key));
        if (p.depth < kMaxDepth && visited.insert("down:" + key).second) {
          pending.push_back({"e.access_key_id = ?1", key, p.depth + 1});
        }
      }
      r.chain.push_back(std::move(link));
    }
  }
  return r;
}

}  // namespace cirt::investigate
