// src/report/writer.h
// The one output layer: every command renders results through a writer
// here (table, jsonl, json, csv, timesketch); commands never print results
// themselves.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/detection.h"

namespace cirt::report {

enum class Format : uint8_t { kTable, kJsonl, kJson, kCsv, kTimesketch };

std::string_view FormatName(Format format);
Result<Format> ParseFormat(std::string_view name);

struct WriterOptions {
  bool color = false;      // ANSI level colours in the table
  size_t width = 160;      // table width in columns
  // csv: a last column `evidence` (the evidence object as JSON, empty for
  // plain matches). Default: off, the columns are DetectionKeys().
  bool evidence_column = false;
};

// The detection keys of JSONL/JSON/CSV, in order (a contract for scripts).
// Detections with evidence (correlations, anomalies, legacy aggregations)
// add one more key at the end, `evidence`: {"type", "count", "group":
// {field: value}, "first_time", "last_time", "event_ids": [...]} (see
// model::Evidence).
const std::vector<std::string_view>& DetectionKeys();

// The evidence object as compact JSON.
std::string EvidenceJson(const model::Evidence& evidence);
// One line: "<type> <count> by field=value, ..." (the table and timesketch
// message use it).
std::string EvidenceSummary(const model::Evidence& evidence);

class DetectionWriter {
 public:
  virtual ~DetectionWriter() = default;
  virtual void Write(const model::Detection& d) = 0;
  // Writes anything buffered (the table, the closing bracket of JSON).
  virtual void Finish() = 0;
};

// Writes to `out`, which must outlive the writer.
std::unique_ptr<DetectionWriter> MakeDetectionWriter(Format format, std::FILE* out,
                                                     const WriterOptions& options);

// The summary by level and by rule that follows a hunt's table.
// The summary under the table (or on stderr): detections by level and by
// rule, counted as they are written.
class DetectionSummary {
 public:
  DetectionSummary() = default;
  DetectionSummary(const DetectionSummary&) = delete;  // holds an iterator into itself
  DetectionSummary& operator=(const DetectionSummary&) = delete;
  void Add(const model::Detection& d);
  void Write(std::FILE* out, const WriterOptions& options) const;

 private:
  size_t total_ = 0;
  std::map<model::Level, size_t, std::greater<>> by_level_;
  std::map<std::pair<std::string, model::Level>, size_t> by_rule_;
  std::map<std::pair<std::string, model::Level>, size_t>::iterator last_rule_ = by_rule_.end();
};

// Generic rows (the case commands: timeline, pivot, scope): each command
// declares its keys once in a RowSchema and writes rows of Cells; the
// formats are the same as for detections.
struct Cell {
  enum class Kind : uint8_t { kNull, kString, kInt, kBool, kList };
  Kind kind = Kind::kNull;
  std::string text;                // kString
  int64_t number = 0;              // kInt; kBool: 0 or 1
  std::vector<std::string> list;   // kList

  static Cell Null() { return {}; }
  // An empty string is written as null (JSON) / an empty cell.
  static Cell Str(std::string_view s) {
    Cell c;
    if (!s.empty()) {
      c.kind = Kind::kString;
      c.text = std::string(s);
    }
    return c;
  }
  static Cell Int(int64_t n) {
    Cell c;
    c.kind = Kind::kInt;
    c.number = n;
    return c;
  }
  static Cell Bool(bool b) {
    Cell c;
    c.kind = Kind::kBool;
    c.number = b ? 1 : 0;
    return c;
  }
  static Cell List(std::vector<std::string> items) {
    Cell c;
    c.kind = Kind::kList;
    c.list = std::move(items);
    return c;
  }
  // The cell as one line of text: lists joined with `sep`, null empty.
  std::string Text(std::string_view sep = ";") const;
};

struct RowSchema {
  std::vector<std::string_view> keys;  // JSONL keys / CSV header, in order
  // Keys shown by the table, in order (all keys when empty).
  std::vector<std::string_view> table_keys;
  // Timesketch: the key holding the row's time ("YYYY-MM-DDTHH:MM:SSZ"), its
  // description, and the message of a row. Rows with an empty time are left
  // out of the timesketch output (Timesketch needs a datetime).
  std::string_view time_key;
  std::string_view timestamp_desc;
  std::function<std::string(const std::vector<Cell>& row)> message;
};

class RowWriter {
 public:
  virtual ~RowWriter() = default;
  // REQUIRES: row.size() == schema.keys.size().
  virtual void Write(std::vector<Cell> row) = 0;
  virtual void Finish() = 0;
};

// Writes to `out`, which must outlive the writer.
std::unique_ptr<RowWriter> MakeRowWriter(Format format, std::FILE* out, RowSchema schema,
                                         const WriterOptions& options);

}  // namespace cirt::report
