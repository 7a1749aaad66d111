// src/report/verify_writer.h
// Output of `cirt verify`: one row per check (a digest, a log file, a link
// of the digest chain, a manifest entry) as a table or JSON Lines, and the
// summary that follows the table. Rows carry already-named values, so this
// layer needs nothing from collect/.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "report/writer.h"

namespace cirt::report {

struct VerifyRow {
  std::string_view check;   // "digest", "log", "chain", "manifest", "file"
  std::string_view status;  // "valid", "changed", "missing", ...
  bool failure = false;     // counts against the exit code
  std::string location;     // "s3://bucket/key" or a relative path
  std::string path;         // local file, may be empty
  std::string detail;
};

// The JSONL keys, in order (a contract for scripts): check, status, ok,
// location, path, detail.
const std::vector<std::string_view>& VerifyKeys();

// One "valid/total" count of the summary ("digest files", 3, 4).
struct VerifyCount {
  std::string_view what;
  size_t valid = 0;
  size_t total = 0;
};

class VerifyWriter {
 public:
  virtual ~VerifyWriter() = default;
  virtual void Write(const VerifyRow& row) = 0;
  // Table: the summary lines; JSONL: nothing. Flushes.
  virtual void Finish(const std::vector<VerifyCount>& counts, size_t failures) = 0;
};

// Formats: kTable and kJsonl. Errors: kInvalidArgument for other formats.
// Writes to `out`, which must outlive the writer.
Result<std::unique_ptr<VerifyWriter>> MakeVerifyWriter(Format format, std::FILE* out,
                                                       const WriterOptions& options);

}  // namespace cirt::report
