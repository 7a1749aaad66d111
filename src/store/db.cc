#include "store/db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>

namespace cirt::store {

namespace {

Status SqliteError(sqlite3* db, std::string_view what) {
  int rc = sqlite3_extended_errcode(db);
  const char* file = sqlite3_db_filename(db, "main");
  ErrorContext ctx{.file = file ? file : ""};
  std::string msg = fmt::format("sqlite {}: {}", what, sqlite3_errmsg(db));
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corrupt(msg, ctx);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Conflict(msg, ctx);
    case SQLITE_INTERRUPT:
      return Status::Cancelled(msg, ctx);
    default:
      return Status::Io(msg, ctx);
  }
}

}  // namespace

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::BindText(int index, std::string_view text) {
  if (text.empty()) {
    sqlite3_bind_null(stmt_, index);
  } else {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
}
void Statement::BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void Statement::BindDouble(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
void Statement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), "step");
}

Status Statement::Run() {
  int rc = sqlite3_step(stmt_);
  while (rc == SQLITE_ROW) rc = sqlite3_step(stmt_);
  sqlite3_reset(stmt_);
  if (rc != SQLITE_DONE) return SqliteError(sqlite3_db_handle(stmt_), "step");
  return Status::Ok();
}

void Statement::Reset() { sqlite3_reset(stmt_); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }
std::string_view Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string_view(reinterpret_cast<const char*>(p),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    path_ = std::move(o.path_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() { sqlite3_close_v2(db_); }

Result<Db> Db::Open(const std::string& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    return Status::NotFound("no case database", {.file = path});
  }
  Db db;
  db.path_ = path;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::Io(fmt::format("cannot open database: {}",
                                      db.db_ ? sqlite3_errmsg(db.db_) : sqlite3_errstr(rc)),
                          {.file = path});
    return s;
  }
  sqlite3_busy_timeout(db.db_, 10000);
  sqlite3_extended_result_codes(db.db_, 1);
  return db;
}

Status Db::Error(std::string_view what) const { return SqliteError(db_, what); }

Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status s = Error("exec");
    sqlite3_free(err);
    return s;
  }
  return Status::Ok();
}

Result<Statement> Db::Prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(fmt::format("prepare '{}'", sql.substr(0, 60)));
  return Statement(stmt);
}

int64_t Db::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int64_t Db::Changes() const { return sqlite3_changes64(db_); }

Result<int64_t> Db::QueryInt(std::string_view sql) const {
  CIRT_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  CIRT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound(fmt::format("no row for '{}'", sql), {.file = path_});
  return st.Int(0);
}

Result<Transaction> Transaction::Begin(Db* db) {
  CIRT_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Status s = db_->Exec("COMMIT");
  if (s.ok()) db_ = nullptr;
  return s;
}

}  // namespace cirt::store
