#include "investigate/credentials.h"

#include <fmt/format.h>

namespace cirt::investigate {

namespace {

constexpr std::string_view kIssueColumns =
    "SELECT e.id, e.event_id, e.event_time, e.event_name, e.event_source, e.account_id, "
    "e.source_ip, e.time_us, e.access_key_id, e.principal_arn, c.role_arn, c.session_name, "
    "c.user_name, c.issued_key, c.issued_arn FROM credentials c JOIN events e ON e.id = c.event ";

Issue ReadIssue(const store::Statement& q) {
  Issue i;
  i.event_rowid = q.Int(0);
  i.event_id = q.Text(1);
  i.event_time = q.Text(2);
  i.event_name = q.Text(3);
  i.event_source = q.Text(4);
  i.account_id = q.Text(5);
  i.source_ip = q.Text(6);
  i.time_us = q.Int(7);
  i.caller_key = q.Text(8);
  i.caller_principal = q.Text(9);
  i.role_arn = q.Text(10);
  i.session_name = q.Text(11);
  i.user_name = q.Text(12);
  i.issued_key = q.Text(13);
  i.issued_principal = q.Text(14);
  if (!i.issued_key.empty()) {
    i.how = i.event_name == "CreateAccessKey" ? "responseElements.accessKey.accessKeyId"
                                              : "responseElements.credentials.accessKeyId";
  }
  return i;
}

// A session's creationDate as Unix microseconds, in SQL.
constexpr std::string_view kCreationUs =
    "(CAST(strftime('%s', session_creation_time) AS INTEGER) * 1000000)";

// For an AssumeRole whose response was not logged: the session key whose
// sessionContext matches the call (issuer = roleArn, session name =
// roleSessionName, creationDate within kInferWindowUs of the call).
Status InferIssued(const store::Case& kase, Issue* issue) {
  if (issue->role_arn.empty() || issue->session_name.empty()) return Status::Ok();
  CIRT_ASSIGN_OR_RETURN(
      store::Statement q,
      kase.db().Prepare(fmt::format(
          "SELECT access_key_id, principal_arn, min(abs({} - ?3)) AS dt FROM events "
          "WHERE session_issuer_arn = ?1 AND session_name = ?2 AND access_key_id IS NOT NULL "
          "AND session_creation_time IS NOT NULL GROUP BY access_key_id HAVING dt <= {} "
          "ORDER BY dt, access_key_id LIMIT 1",
          kCreationUs, kInferWindowUs)));
  q.BindText(1, issue->role_arn);
  q.BindText(2, issue->session_name);
  q.BindInt(3, issue->time_us);
  CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::Ok();
  issue->issued_key = q.Text(0);
  issue->issued_principal = q.Text(1);
  issue->inferred = true;
  issue->how = fmt::format(
      "inferred: requestParameters.roleArn + roleSessionName match the session's "
      "sessionIssuer and session name, creationDate {}s from eventTime",
      q.Int(2) / 1000000);
  return Status::Ok();
}

}  // namespace

Result<std::optional<Issue>> IssuerOf(const store::Case& kase, std::string_view access_key) {
  {
    CIRT_ASSIGN_OR_RETURN(store::Statement q,
                          kase.db().Prepare(std::string(kIssueColumns) +
                                            "WHERE c.issued_key = ?1 ORDER BY e.time_us LIMIT 1"));
    q.BindText(1, access_key);
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) return std::optional<Issue>(ReadIssue(q));
  }
  // Not logged with the key: find the session's context, then the
  // AssumeRole call that matches it.
  CIRT_ASSIGN_OR_RETURN(
      store::Statement s,
      kase.db().Prepare(
          fmt::format("SELECT session_issuer_arn, session_name, {}, principal_arn FROM events "
                      "WHERE access_key_id = ?1 AND session_issuer_arn IS NOT NULL AND "
                      "session_name IS NOT NULL "
                      "AND session_creation_time IS NOT NULL LIMIT 1",
                      kCreationUs)));
  s.BindText(1, access_key);
  CIRT_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return std::optional<Issue>();
  const std::string issuer(s.Text(0)), name(s.Text(1)), principal(s.Text(3));
  const int64_t created = s.Int(2);
  CIRT_ASSIGN_OR_RETURN(
      store::Statement q,
      kase.db().Prepare(
          std::string(kIssueColumns) +
          "WHERE c.role_arn = ?1 AND c.session_name = ?2 AND (c.issued_key IS NULL OR "
          "c.issued_key = ?3) AND abs(e.time_us - ?4) <= ?5 "
          // The caller's own copy of the call (it names the caller's key) wins
          // over the role account's copy, which shows only the account.
          "ORDER BY abs(e.time_us - ?4), e.access_key_id IS NULL, e.id LIMIT 1"));
  q.BindText(1, issuer);
  q.BindText(2, name);
  q.BindText(3, access_key);
  q.BindInt(4, created);
  q.BindInt(5, kInferWindowUs);
  CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<Issue>();
  Issue i = ReadIssue(q);
  const int64_t dt = i.time_us > created ? i.time_us - created : created - i.time_us;
  i.issued_key = std::string(access_key);
  i.issued_principal = principal;
  i.inferred = true;
  i.how = fmt::format(
      "inferred: the session's sessionIssuer and session name match requestParameters.roleArn "
      "+ roleSessionName, creationDate {}s from eventTime",
      dt / 1000000);
  return std::optional<Issue>(std::move(i));
}

Result<std::vector<Issue>> IssuedBy(const store::Case& kase, std::string_view where,
                                    std::string_view value) {
  CIRT_ASSIGN_OR_RETURN(store::Statement q,
                        kase.db().Prepare(fmt::format("{}WHERE ({}) ORDER BY e.time_us, e.id",
                                                      kIssueColumns, where)));
  q.BindText(1, value);
  std::vector<Issue> out;
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadIssue(q));
  }
  for (Issue& i : out) {
    if (i.issued_key.empty()) CIRT_RETURN_IF_ERROR(InferIssued(kase, &i));
  }
  return out;
}

Result<KeyUse> UseOf(const store::Case& kase, std::string_view access_key) {
  CIRT_ASSIGN_OR_RETURN(
      store::Statement q,
      kase.db().Prepare(
          "SELECT count(*), max(principal_arn), (SELECT group_concat(n, char(31)) FROM "
          "(SELECT DISTINCT event_name AS n FROM events WHERE access_key_id = ?1 ORDER BY n)) "
          "FROM events WHERE access_key_id = ?1"));
  q.BindText(1, access_key);
  CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
  KeyUse use;
  if (!row) return use;
  use.events = static_cast<uint64_t>(q.Int(0));
  use.principal = q.Text(1);
  std::string_view apis = q.Text(2);
  size_t start = 0;
  while (!apis.empty()) {
    size_t p = apis.find('\x1f', start);
    use.apis.emplace_back(apis.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return use;
}

}  // namespace cirt::investigate
