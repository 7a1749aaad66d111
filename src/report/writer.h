// src/report/writer.h
// The one output layer: every command renders results through a writer
// here (table, jsonl, json, csv, timesketch); commands never print results
// themselves.
#pragma once

#include <cstdio>
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
void WriteDetectionSummary(const std::vector<const model::Detection*>& detections, std::FILE* out,
                           const WriterOptions& options);

}  // namespace cirt::report
