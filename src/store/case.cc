#include "store/case.h"

#include <fmt/format.h>

#include <filesystem>

namespace cirt::store {

namespace {

constexpr std::string_view kDbName = "case.db";

// Added in version 2: the derived detections (correlations, anomalies,
// aggregations: several events each) and their evidence. Also run on a
// version 1 case when it is opened.
constexpr std::string_view kDerivedSchema = R"sql(
CREATE TABLE IF NOT EXISTS derived(
  detection INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  count REAL NOT NULL,
  grp TEXT,
  first_time_us INTEGER NOT NULL,
  last_time_us INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS detection_evidence(
  detection INTEGER NOT NULL,
  event INTEGER NOT NULL,
  PRIMARY KEY(detection, event)) WITHOUT ROWID;
)sql";

// Version 2 (see store/README.md). Text columns hold NULL rather than empty
// strings. Times are kept both as written (event_time) and as Unix
// microseconds (time_us).
constexpr std::string_view kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE files(
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  kind TEXT NOT NULL,
  records INTEGER NOT NULL,
  records_skipped INTEGER NOT NULL,
  partial INTEGER NOT NULL,
  evidence TEXT NOT NULL,
  ingested_at TEXT NOT NULL);
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  event_time TEXT,
  event_id TEXT,
  event_source TEXT,
  event_name TEXT,
  aws_region TEXT,
  account_id TEXT,
  identity_type TEXT,
  principal_arn TEXT,
  principal_account TEXT,
  user_name TEXT,
  access_key_id TEXT,
  session_issuer_arn TEXT,
  session_name TEXT,
  session_creation_time TEXT,
  source_ip TEXT,
  user_agent TEXT,
  error_code TEXT,
  read_only INTEGER,
  resources TEXT,
  file_id INTEGER NOT NULL,
  record_index INTEGER NOT NULL);
CREATE TABLE credentials(
  event INTEGER NOT NULL,
  issued_key TEXT,
  role_arn TEXT,
  session_name TEXT,
  issued_arn TEXT,
  user_name TEXT);
CREATE TABLE rules(
  id INTEGER PRIMARY KEY,
  rule_id TEXT,
  title TEXT NOT NULL,
  level TEXT NOT NULL,
  tags TEXT,
  UNIQUE(rule_id, title));
CREATE TABLE detections(
  id INTEGER PRIMARY KEY,
  event INTEGER NOT NULL,
  rule INTEGER NOT NULL);
CREATE TABLE alerts(
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL,
  source TEXT NOT NULL,
  finding_id TEXT,
  type TEXT,
  title TEXT,
  severity REAL,
  severity_label TEXT,
  account_id TEXT,
  region TEXT,
  first_seen TEXT,
  last_seen TEXT,
  time_us INTEGER NOT NULL,
  raw TEXT NOT NULL);
CREATE TABLE alert_entities(
  alert INTEGER NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL);
)sql";

constexpr std::string_view kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS events_time ON events(time_us);
CREATE INDEX IF NOT EXISTS events_key ON events(access_key_id);
CREATE INDEX IF NOT EXISTS events_principal ON events(principal_arn);
CREATE INDEX IF NOT EXISTS events_issuer ON events(session_issuer_arn, session_name);
CREATE INDEX IF NOT EXISTS events_ip ON events(source_ip);
CREATE INDEX IF NOT EXISTS credentials_event ON credentials(event);
CREATE INDEX IF NOT EXISTS credentials_key ON credentials(issued_key);
CREATE INDEX IF NOT EXISTS credentials_role ON credentials(role_arn);
CREATE INDEX IF NOT EXISTS detections_event ON detections(event);
CREATE INDEX IF NOT EXISTS alert_entities_alert ON alert_entities(alert);
CREATE INDEX IF NOT EXISTS alert_entities_value ON alert_entities(value);
)sql";

}  // namespace

Status Case::Configure(Db* db) {
  // WAL: readers do not block the ingest; synchronous=NORMAL: a commit is
  // durable against a crash of cirt (not of the OS) without an fsync each.
  CIRT_RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
               "PRAGMA cache_size=-65536; PRAGMA foreign_keys=OFF;"));
  return Status::Ok();
}

Result<Case> Case::Init(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string path = (fs::path(dir) / kDbName).string();
  if (fs::exists(path, ec)) return Status::Conflict("already a case", {.file = dir});
  fs::create_directories(fs::path(dir) / "evidence", ec);
  if (ec) return Status::Io(fmt::format("cannot create: {}", ec.message()), {.file = dir});
  CIRT_ASSIGN_OR_RETURN(Db db, Db::Open(path, /*create=*/true));
  // Larger pages: fewer page splits and cells per page header for the wide
  // event rows (measured: faster ingest).
  CIRT_RETURN_IF_ERROR(db.Exec("PRAGMA page_size=16384"));
  CIRT_RETURN_IF_ERROR(Configure(&db));
  CIRT_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(&db));
  CIRT_RETURN_IF_ERROR(db.Exec(kSchema));
  CIRT_RETURN_IF_ERROR(db.Exec(kDerivedSchema));
  CIRT_RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA user_version={}", kSchemaVersion)));
  CIRT_RETURN_IF_ERROR(db.Exec(
      "INSERT INTO meta(key, value) VALUES('created_at', strftime('%Y-%m-%dT%H:%M:%SZ','now'))"));
  CIRT_RETURN_IF_ERROR(tx.Commit());
  return Case(dir, std::move(db));
}

Result<Case> Case::Open(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(dir) / kDbName).string();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::NotFound("not a case folder (run `cirt case init` first)", {.file = dir});
  }
  CIRT_ASSIGN_OR_RETURN(Db db, Db::Open(path, /*create=*/false));
  CIRT_RETURN_IF_ERROR(Configure(&db));
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return Status::Corrupt("not a case database", {.file = path});
  if (*version > kSchemaVersion) {
    return Status::Unsupported(fmt::format("case schema version {} is newer than this cirt ({})",
                                           *version, kSchemaVersion),
                               {.file = path});
  }
  if (*version == 1) {
    // Version 1 -> 2: the derived detection tables; nothing else changed.
    CIRT_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(&db));
    CIRT_RETURN_IF_ERROR(db.Exec(kDerivedSchema));
    CIRT_RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA user_version={}", kSchemaVersion)));
    CIRT_RETURN_IF_ERROR(tx.Commit());
    version = kSchemaVersion;
  }
  if (*version != kSchemaVersion) {
    return Status::Corrupt(fmt::format("not a case database (schema version {})", *version),
                           {.file = path});
  }
  fs::create_directories(fs::path(dir) / "evidence", ec);
  return Case(dir, std::move(db));
}

std::string Case::EvidencePath(std::string_view sha256) const {
  return (std::filesystem::path(dir_) / "evidence" / (std::string(sha256) + ".gz")).string();
}

Status Case::CreateIndexes() { return db_.Exec(kIndexes); }

}  // namespace cirt::store
