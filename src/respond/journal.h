// src/respond/journal.h
// The run journal: one JSON Lines file per run (CASE/respond/<run-id>.jsonl),
// append-only, each line hash-chained to the one before:
//   {"seq":0,"prev":"000…0","time":"…","type":"run",…}
//   {"seq":1,"prev":"<sha256 hex of line 0's bytes>","type":"before",…}
// Every line is flushed and fsync'ed before the AWS call it announces, so a
// crash leaves at most the last call unconfirmed. Line types and their keys
// are listed in README.md ("The run journal").
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace cirt::respond {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

class JournalWriter {
 public:
  JournalWriter(JournalWriter&& other) noexcept;
  JournalWriter& operator=(JournalWriter&&) = delete;
  ~JournalWriter();

  // Creates `path` (and its folder); fails with kConflict if it exists.
  static Result<JournalWriter> Create(const std::string& path);
  // Opens an existing journal to append; its chain must verify (kCorrupt
  // naming the line otherwise).
  static Result<JournalWriter> Open(const std::string& path);

  // Adds "seq", "prev" and "time" (ISO-8601 UTC, ms) to `entry` and appends
  // it as one line, flushed and fsync'ed. Errors: kIo.
  Status Append(nlohmann::json entry);

  const std::string& path() const { return path_; }
  // SHA-256 of the last line written ("head" of the chain).
  const std::string& head() const { return head_; }

 private:
  JournalWriter(std::string path, std::FILE* file, uint64_t seq, std::string head)
      : path_(std::move(path)), file_(file), seq_(seq), head_(std::move(head)) {}
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t seq_ = 0;
  std::string head_;
};

// Reads and verifies a journal: every line JSON, seq 0,1,2,…, prev equal to
// the SHA-256 of the previous line's bytes. Errors: kCorrupt with the
// 1-based line of the first break ("hash chain broken: line 3 ..."), kIo.
Result<std::vector<nlohmann::json>> ReadJournal(const std::string& path);

// The same check, for readers that show what a damaged journal still holds
// (the incident report): appends the verified lines to `lines` and, on a
// break, keeps those before it, less the last one when its successor's prev
// does not match (that line may be the edited one). Returns ReadJournal's
// errors.
Status ReadJournalPrefix(const std::string& path, std::vector<nlohmann::json>* lines);

}  // namespace cirt::respond
