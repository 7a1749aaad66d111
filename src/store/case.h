// src/store/case.h
// An incident case: a folder holding case.db (SQLite, WAL mode; schema in
// README.md) and evidence/ (a copy of every ingested file, gzip, named by
// the SHA-256 of the file as ingested).
#pragma once

#include <string>

#include "core/result.h"
#include "store/db.h"

namespace cirt::store {

// The schema version this build writes and reads (PRAGMA user_version).
inline constexpr int kSchemaVersion = 2;

// events.resources holds "kind=value" entries separated by this byte (US).
inline constexpr char kResourceSeparator = '\x1f';

class Case {
 public:
  // Creates DIR (and parents) with an empty case database.
  // Errors: kConflict when DIR already holds a case, kIo.
  static Result<Case> Init(const std::string& dir);
  // Opens the case in DIR. Errors: kNotFound (no case there), kCorrupt (not a
  // case database), kUnsupported (written by a newer cirt).
  static Result<Case> Open(const std::string& dir);

  Db& db() { return db_; }
  const Db& db() const { return db_; }
  const std::string& dir() const { return dir_; }
  // DIR/evidence/<sha256>.gz: where the copy of an ingested file is kept.
  std::string EvidencePath(std::string_view sha256) const;

  // Creates the secondary indexes (queries work without them, only slower;
  // ingest builds them once at its end, which is faster than maintaining
  // them row by row).
  Status CreateIndexes();

 private:
  Case(std::string dir, Db db) : dir_(std::move(dir)), db_(std::move(db)) {}
  static Status Configure(Db* db);
  std::string dir_;
  Db db_;
};

}  // namespace cirt::store
