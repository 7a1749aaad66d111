// src/ingest/cloudtrail_reader.h
// Reads CloudTrail records from any of the shapes responders have on disk,
// plain or gzip (by magic bytes): S3 objects {"Records":[...]}, a bare JSON
// array of records, JSON Lines / concatenated records, and the output of
// `aws cloudtrail lookup-events` ({"Events":[{"CloudTrailEvent":"..."}]}).
// CloudTrail-Digest files are recognised and skipped. Each record is walked
// once with simdjson On-Demand, guided by a FieldPlan, into model::Event and
// model::FieldValues.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "io/buffer.h"
#include "model/event.h"
#include "model/fields.h"

namespace cirt::ingest {

enum class InputFormat : uint8_t {
  kUnknown,
  kS3Object,      // {"Records":[...]}
  kJsonArray,     // [ {...}, ... ]
  kJsonLines,     // one record per line (or records concatenated)
  kLookupEvents,  // aws cloudtrail lookup-events output
  kDigest,        // CloudTrail-Digest file: not events
};
std::string_view InputFormatName(InputFormat format);

// The delivery time in the name of a CloudTrail log file as a trail writes
// it to S3, <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz,
// as Unix microseconds (the start of that minute); nullopt for any other
// name. The file holds only events that happened before the end of that
// minute (it can hold much older ones).
std::optional<int64_t> CloudTrailDeliveryTime(std::string_view path);

// The slots of the model fields; registered first in every FieldPlan.
struct ModelSlots {
  model::SlotId event_version, event_time, event_id, event_source, event_name, event_type,
      aws_region, source_ip, user_agent, error_code, error_message, request_id,
      recipient_account_id, read_only, ui_type, ui_principal_id, ui_arn, ui_account_id,
      ui_access_key_id, ui_user_name, ui_invoked_by, ui_session_issuer_arn,
      ui_session_creation_date;
  // Adds the model paths to `plan` and returns their slots.
  static ModelSlots Register(model::FieldPlan* plan);
};

struct ReadStats {
  uint64_t files = 0;           // files opened
  uint64_t files_skipped = 0;   // files that yielded nothing usable (unreadable, empty, not JSON)
  uint64_t files_partial = 0;   // files with a corrupt part (truncated gzip, bad JSON) after which records were lost
  uint64_t digest_files = 0;    // CloudTrail-Digest files recognised and skipped
  uint64_t bytes_read = 0;      // bytes on disk
  uint64_t bytes_json = 0;      // bytes of (uncompressed) JSON
  uint64_t records = 0;         // records delivered to the sink
  uint64_t records_skipped = 0; // records reported and skipped (not an object, bad field type)
  uint64_t records_outside = 0; // records outside the time window (SetTimeWindow), not delivered
  void Add(const ReadStats& o);
  bool any_skipped() const { return files_skipped || files_partial || records_skipped; }
};

// Receives each record. `event` and `values` are valid only during the call.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void OnRecord(const model::Event& event, const model::FieldValues& values,
                        const model::RecordOrigin& origin) = 0;
};

// One reader per thread (it owns a simdjson parser and buffers).
class CloudTrailReader {
 public:
  // `plan` must have `slots` registered and outlive the reader; problems are
  // reported to `diagnostics` (thread-safe) and counted in the returned stats.
  CloudTrailReader(const model::FieldPlan& plan, const ModelSlots& slots,
                   Diagnostics* diagnostics);
  ~CloudTrailReader();
  CloudTrailReader(const CloudTrailReader&) = delete;
  CloudTrailReader& operator=(const CloudTrailReader&) = delete;

  // Delivers only records with an eventTime in [start_us, end_us) (either
  // bound optional); the others are counted (ReadStats::records_outside),
  // and a record is left as soon as its eventTime shows it is outside. With a
  // bound, a record without a valid eventTime is outside.
  void SetTimeWindow(std::optional<int64_t> start_us, std::optional<int64_t> end_us);

  // Reads the file at `path`; every record goes to `sink`.
  ReadStats ReadFile(const std::string& path, RecordSink* sink);
  // Reads `bytes` (plain or gzip) as if it were the file `name`.
  ReadStats ReadBytes(std::string_view name, std::string_view bytes, RecordSink* sink);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cirt::ingest
