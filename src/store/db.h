// src/store/db.h
// The one SQLite wrapper: RAII Db and Statement with typed binds, and a
// Transaction guard that rolls back unless committed. Errors from SQLite
// become Status values naming the database file and SQLite's message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cirt::store {

class Db;

// A prepared statement. Move-only; owned by the caller, it must not outlive
// its Db. Text bound with Bind* is NOT copied: it must stay valid until the
// next Step/Run/Reset (the fast path for ingest). Empty text binds NULL.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  void BindText(int index, std::string_view text);  // NULL when empty
  void BindInt(int index, int64_t value);
  void BindDouble(int index, double value);
  void BindNull(int index);

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion (for statements returning no rows), then resets.
  Status Run();
  // Resets for re-execution; bindings stay.
  void Reset();

  // Columns are 0-based. Text views are valid until the next Step/Reset.
  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string_view Text(int column) const;  // empty for NULL

 private:
  friend class Db;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(Db&& o) noexcept : path_(std::move(o.path_)), db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  ~Db();

  // Opens (and, when `create`, creates) the database at `path`.
  // Errors: kNotFound (absent and !create), kIo, kCorrupt (not a database).
  static Result<Db> Open(const std::string& path, bool create);

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql) const;
  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // The value of a single-row, single-column integer query.
  Result<int64_t> QueryInt(std::string_view sql) const;

  const std::string& path() const { return path_; }
  // A Status for the last SQLite error on this connection.
  Status Error(std::string_view what) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN on construction (IMMEDIATE: ingest is the only writer); ROLLBACK on
// destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Db* db);
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_ = nullptr;
};

}  // namespace cirt::store
