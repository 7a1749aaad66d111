#include "ingest/cloudtrail_reader.h"

#include <simdjson.h>

#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "io/file.h"
#include "io/gzip.h"

namespace cirt::ingest {

namespace od = simdjson::ondemand;
using model::FieldPlan;
using model::FieldValue;
using model::ValueKind;

std::optional<int64_t> CloudTrailDeliveryTime(std::string_view path) {
  std::string_view name = path.substr(path.find_last_of('/') + 1);  // npos + 1 == 0
  const size_t marker = name.find("_CloudTrail_");
  if (marker == std::string_view::npos) return std::nullopt;
  name = name.substr(0, name.find('.'));
  // ..._<YYYYMMDDTHHmmZ>_<unique>
  const size_t last = name.rfind('_');
  if (last == std::string_view::npos || last <= marker) return std::nullopt;
  const size_t prev = name.rfind('_', last - 1);
  if (prev == std::string_view::npos || prev < marker) return std::nullopt;
  const std::string_view ts = name.substr(prev + 1, last - prev - 1);
  if (ts.size() != 14 || ts[8] != 'T' || ts[13] != 'Z') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12}) {
    if (ts[i] < '0' || ts[i] > '9') return std::nullopt;
  }
  const std::string iso = fmt::format("{}-{}-{}T{}:{}:00Z", ts.substr(0, 4), ts.substr(4, 2),
                                      ts.substr(6, 2), ts.substr(9, 2), ts.substr(11, 2));
  return model::ParseUtcTimestamp(iso);
}

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kS3Object: return "cloudtrail-s3";
    case InputFormat::kJsonArray: return "json-array";
    case InputFormat::kJsonLines: return "jsonl";
    case InputFormat::kLookupEvents: return "lookup-events";
    case InputFormat::kDigest: return "cloudtrail-digest";
    case InputFormat::kUnknown: break;
  }
  return "unknown";
}

ModelSlots ModelSlots::Register(FieldPlan* plan) {
  ModelSlots s;
  s.event_version = plan->AddPath("eventVersion");
  s.event_time = plan->AddPath("eventTime");
  s.event_id = plan->AddPath("eventID");
  s.event_source = plan->AddPath("eventSource");
  s.event_name = plan->AddPath("eventName");
  s.event_type = plan->AddPath("eventType");
  s.aws_region = plan->AddPath("awsRegion");
  s.source_ip = plan->AddPath("sourceIPAddress");
  s.user_agent = plan->AddPath("userAgent");
  s.error_code = plan->AddPath("errorCode");
  s.error_message = plan->AddPath("errorMessage");
  s.request_id = plan->AddPath("requestID");
  s.recipient_account_id = plan->AddPath("recipientAccountId");
  s.read_only = plan->AddPath("readOnly");
  s.ui_type = plan->AddPath("userIdentity.type");
  s.ui_principal_id = plan->AddPath("userIdentity.principalId");
  s.ui_arn = plan->AddPath("userIdentity.arn");
  s.ui_account_id = plan->AddPath("userIdentity.accountId");
  s.ui_access_key_id = plan->AddPath("userIdentity.accessKeyId");
  s.ui_user_name = plan->AddPath("userIdentity.userName");
  s.ui_invoked_by = plan->AddPath("userIdentity.invokedBy");
  s.ui_session_issuer_arn = plan->AddPath("userIdentity.sessionContext.sessionIssuer.arn");
  s.ui_session_creation_date =
      plan->AddPath("userIdentity.sessionContext.attributes.creationDate");
  return s;
}

void ReadStats::Add(const ReadStats& o) {
  files += o.files;
  files_skipped += o.files_skipped;
  files_partial += o.files_partial;
  digest_files += o.digest_files;
  bytes_read += o.bytes_read;
  bytes_json += o.bytes_json;
  records += o.records;
  records_skipped += o.records_skipped;
  records_outside += o.records_outside;
}

namespace {

constexpr int kMaxResyncs = 64;
constexpr int kMaxSubDepth = 8;
constexpr uint64_t kMaxWarningsPerFile = 10;

std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "array";
    case od::json_type::object: return "object";
    case od::json_type::number: return "number";
    case od::json_type::string: return "string";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "value";
}

std::string_view KindName(ValueKind k) {
  switch (k) {
    case ValueKind::kString: return "string";
    case ValueKind::kNumber: return "number";
    case ValueKind::kBool: return "boolean";
    case ValueKind::kNull: return "null";
    case ValueKind::kObject: return "object";
    case ValueKind::kArray: return "array";
  }
  return "value";
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The first object key of `json` (which starts with '{' after whitespace), or "".
std::string_view FirstKey(std::string_view json) {
  size_t i = 0;
  while (i < json.size() && IsSpace(json[i])) ++i;
  if (i >= json.size() || json[i] != '{') return {};
  ++i;
  while (i < json.size() && IsSpace(json[i])) ++i;
  if (i >= json.size() || json[i] != '"') return {};
  size_t end = json.find('"', i + 1);
  if (end == std::string_view::npos) return {};
  return json.substr(i + 1, end - i - 1);
}

// Scans JSON text (aware of strings and escapes) and returns the offset just
// past the last object that closes back to nesting depth `element_depth`
// before `limit`, or 0. Used only to salvage records from broken files.
size_t LastCompleteElementEnd(std::string_view text, int element_depth, size_t limit) {
  int depth = 0;
  bool in_string = false;
  size_t last = 0;
  limit = std::min(limit, text.size());
  for (size_t i = 0; i < limit; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[': ++depth; break;
      case '}':
      case ']':
        --depth;
        if (c == '}' && depth == element_depth) last = i + 1;
        break;
      default: break;
    }
  }
  return last;
}

// Splits concatenated JSON values into their spans (top-level values only).
// A span that does not close is returned as the last span.
template <class F>
void ForEachTopLevelValue(std::string_view text, F&& fn) {
  int depth = 0;
  bool in_string = false;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (start == std::string_view::npos) {
      if (IsSpace(c)) continue;
      start = i;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[': ++depth; break;
      case '}':
      case ']':
        if (--depth <= 0) {
          fn(start, i + 1 - start);
          start = std::string_view::npos;
          depth = 0;
        }
        break;
      default:
        if (depth == 0 && (c == '\n')) {  // a bare scalar line: hand it over as is
          fn(start, i - start);
          start = std::string_view::npos;
        }
        break;
    }
  }
  if (start != std::string_view::npos) fn(start, text.size() - start);
}

}  // namespace

class CloudTrailReader::Impl {
 public:
  Impl(const FieldPlan& plan, const ModelSlots& slots, Diagnostics* diagnostics)
      : plan_(plan), slots_(slots), diag_(diagnostics), values_(plan.slot_count()) {
    const FieldPlan::Node* ui = plan_.FindChild(plan_.root(), "userIdentity");
    user_identity_node_ = ui;
    event_name_node_ = plan_.FindChild(plan_.root(), "eventName");
    event_time_node_ = plan_.FindChild(plan_.root(), "eventTime");
    // Top-level fields only rules read, each with the eventNames it is read
    // for (FieldPlan::SubtreeGate); at most 64, any others always read.
    if (event_name_node_ != nullptr) {
      for (uint32_t child : plan_.root().children) {
        model::EventNameGate gate;
        if (gates_.size() >= 64 || !plan_.SubtreeGate(plan_.node(child), &gate)) continue;
        if (gate_bit_.size() <= child) gate_bit_.resize(child + 1, -1);
        gate_bit_[child] = static_cast<int8_t>(gates_.size());
        gates_.push_back(std::move(gate));
      }
    }
    for (int i = 0; i < kMaxSubDepth; ++i) sub_parsers_.push_back(std::make_unique<od::parser>());
    sub_buffers_.resize(kMaxSubDepth);
  }

  ReadStats ReadFile(const std::string& path, RecordSink* sink) {
    ReadStats stats;
    stats.files = 1;
    Status st = io::ReadFile(path, &file_buf_);
    if (!st.ok()) {
      diag_->Warn(st);
      stats.files_skipped = 1;
      return stats;
    }
    Read(path, file_buf_.view(), &stats, sink);
    return stats;
  }

  ReadStats ReadBytes(std::string_view name, std::string_view bytes, RecordSink* sink) {
    ReadStats stats;
    stats.files = 1;
    Read(name, bytes, &stats, sink);
    return stats;
  }

  void SetTimeWindow(std::optional<int64_t> start_us, std::optional<int64_t> end_us) {
    start_us_ = start_us;
    end_us_ = end_us;
    window_ = start_us || end_us;
  }

 private:
  // At most kMaxWarningsPerFile lines per file reach the user; the rest are
  // counted and summarised in one line at the end of the file.
  void Warn(std::string msg, ErrorContext ctx) {
    if (++warnings_in_file_ > kMaxWarningsPerFile) return;
    ctx.file = std::string(name_);
    diag_->Warn(Status::Corrupt(std::move(msg), std::move(ctx)));
  }

  void FinishFile() {
    if (warnings_in_file_ > kMaxWarningsPerFile) {
      diag_->Warn(Status::Corrupt(
          fmt::format("{} more problems in this file not shown",
                      warnings_in_file_ - kMaxWarningsPerFile),
          {.file = std::string(name_)}));
    }
  }

  void Read(std::string_view name, std::string_view bytes, ReadStats* stats, RecordSink* sink) {
    ReadInner(name, bytes, stats, sink);
    FinishFile();
  }

  void ReadInner(std::string_view name, std::string_view bytes, ReadStats* stats,
                 RecordSink* sink) {
    name_ = name;
    stats_ = stats;
    sink_ = sink;
    stats->bytes_read = bytes.size();
    std::string_view json;
    if (io::IsGzip(bytes)) {
      Status st = io::Gunzip(bytes, &json_buf_);
      if (!st.ok()) {
        diag_->Warn(st.WithFile(name));
        stats->files_partial = 1;
      }
      json = json_buf_.view();
    } else if (bytes.data() == file_buf_.data()) {
      json = bytes;  // already padded
    } else {
      json_buf_.Assign(bytes);
      json = json_buf_.view();
    }
    stats->bytes_json = json.size();
    size_t first = 0;
    while (first < json.size() && IsSpace(json[first])) ++first;
    if (first == json.size()) {
      if (stats->files_partial == 0) Warn("empty file", {});
      stats->files_skipped = stats->files_partial ? 0 : 1;
      return;
    }
    InputFormat format = Detect(json.substr(first));
    switch (format) {
      case InputFormat::kDigest: stats->digest_files = 1; return;
      case InputFormat::kS3Object: ReadContainer(json, /*element_depth=*/2, "Records", 0); break;
      case InputFormat::kJsonArray: ReadContainer(json, /*element_depth=*/1, {}, 0); break;
      case InputFormat::kLookupEvents: ReadLookupEvents(json); break;
      case InputFormat::kJsonLines: ReadJsonLines(json); break;
      case InputFormat::kUnknown:
        Warn(fmt::format("not JSON (starts with byte 0x{:02x})",
                         static_cast<unsigned char>(json[first])),
             {.offset = first});
        stats->files_skipped = 1;
        return;
    }
    if (stats->records == 0 && stats->records_skipped == 0 && stats->files_partial) {
      stats->files_skipped = 1;
      stats->files_partial = 0;
    }
  }

  InputFormat Detect(std::string_view json) {
    if (json[0] == '[') return InputFormat::kJsonArray;
    if (json[0] != '{') return InputFormat::kUnknown;
    std::string_view key = FirstKey(json);
    if (key == "Records") return InputFormat::kS3Object;
    if (key == "Events") return InputFormat::kLookupEvents;
    std::string_view head = json.substr(0, 4096);
    if (name_.find("CloudTrail-Digest") != std::string_view::npos ||
        (head.find("\"digestStartTime\"") != std::string_view::npos &&
         head.find("\"digestPublicKeyFingerprint\"") != std::string_view::npos)) {
      return InputFormat::kDigest;
    }
    return InputFormat::kJsonLines;
  }

  uint64_t OffsetOf(const char* loc, std::string_view json) const {
    if (loc < json.data() || loc > json.data() + json.size()) return json.size();
    return static_cast<uint64_t>(loc - json.data()) + base_offset_;
  }

  // Reads {"Records":[...]} (element_depth 2, key "Records") or [...] (depth 1).
  // `first_index` numbers the records of a resynchronised tail.
  void ReadContainer(std::string_view json, int element_depth, std::string_view key,
                     uint64_t first_index) {
    uint64_t delivered = 0;
    uint64_t error_offset = 0;
    record_start_ = nullptr;
    bool failed = false;
    std::string error_text;
    od::document doc;
    auto err = parser_.iterate(json.data(), json.size(), json.size() + io::Buffer::kPadding)
                   .get(doc);
    if (err) {
      failed = true;
      error_offset = json.size() + base_offset_;
      error_text = simdjson::error_message(err);
    } else {
      cur_doc_ = &doc;
      err = IterateContainer(doc, key, first_index, &delivered);
      cur_doc_ = nullptr;
      if (err) {
        failed = true;
        const char* loc = nullptr;
        // Structural errors (unbalanced brackets) surface before any record
        // with no useful location: treat them as a whole-document failure.
        if (doc.current_location().get(loc) || loc <= json.data()) loc = json.data() + json.size();
        error_offset = OffsetOf(loc, json);
        error_text = simdjson::error_message(err);
      }
    }
    if (!failed) return;
    stats_->files_partial = 1;
    // Salvage the complete records before the failure that simdjson did not reach.
    size_t limit = static_cast<size_t>(error_offset - base_offset_);
    size_t cut = LastCompleteElementEnd(json, element_depth, limit);
    if (cut > 0) {
      salvage_buf_.Resize(0);
      std::string prefix(json.substr(0, cut));
      prefix += element_depth == 2 ? "]}" : "]";
      salvage_buf_.Assign(prefix);
      od::document sdoc;
      uint64_t sdelivered = 0;
      if (!parser_.iterate(salvage_buf_.data(), salvage_buf_.size(), salvage_buf_.capacity())
               .get(sdoc)) {
        skip_ = delivered;
        cur_doc_ = &sdoc;
        (void)IterateContainer(sdoc, key, first_index, &sdelivered);
        cur_doc_ = nullptr;
        skip_ = 0;
        delivered = std::max(delivered, sdelivered);
      }
    }
    // Resynchronise after the failure at the next record CloudTrail wrote.
    size_t resume = std::string_view::npos;
    if (resyncs_ < kMaxResyncs && limit < json.size()) {
      // The failing record starts at the first record opening after the
      // last complete one; resume at the record after it. simdjson may
      // report the failure before or after that opening brace.
      constexpr std::string_view kRecordStart = "{\"eventVersion\"";
      size_t from = limit + 1;
      if (record_start_ >= json.data() && record_start_ < json.data() + json.size()) {
        from = std::max(from, static_cast<size_t>(record_start_ - json.data()) + 1);
      } else {
        size_t bad = json.find(kRecordStart, cut);
        if (bad != std::string_view::npos) from = std::max(from, bad + 1);
      }
      resume = json.find(kRecordStart, from);
    }
    Warn(fmt::format("invalid JSON ({}) after record {}: {} records before it kept{}", error_text,
                     first_index + delivered, delivered,
                     resume == std::string_view::npos
                         ? ", rest of file skipped"
                         : fmt::format(", resuming at byte {}", resume + base_offset_)),
         {.offset = error_offset});
    if (resume == std::string_view::npos) return;
    ++resyncs_;
    // The tail re-read in the same container shape, so its closing brackets
    // still balance; offsets stay relative to the file.
    std::string opening = element_depth == 2 ? "{\"" + std::string(key) + "\":[" : "[";
    std::string rebuilt = opening;
    rebuilt.append(json.substr(resume));
    auto owned = std::make_unique<io::Buffer>();
    owned->Assign(rebuilt);
    uint64_t saved_base = base_offset_;
    base_offset_ = base_offset_ + resume - opening.size();
    ReadContainer(owned->view(), element_depth, key, first_index + delivered + 1);
    base_offset_ = saved_base;
  }

  simdjson::error_code IterateContainer(od::document& doc, std::string_view key,
                                        uint64_t first_index, uint64_t* delivered) {
    od::array records;
    if (key.empty()) {
      SIMDJSON_TRY(doc.get_array().get(records));
      return IterateRecords(records, first_index, delivered, &doc);
    }
    od::object root;
    SIMDJSON_TRY(doc.get_object().get(root));
    for (auto field_result : root) {
      od::field field;
      SIMDJSON_TRY(std::move(field_result).get(field));
      std::string_view k;
      SIMDJSON_TRY(field.unescaped_key().get(k));
      if (k != key) continue;
      od::json_type t;
      SIMDJSON_TRY(field.value().type().get(t));
      if (t != od::json_type::array) {
        Warn(fmt::format("\"{}\" is a {}, not an array", key, TypeName(t)), {});
        stats_->files_skipped = 1;
        return simdjson::SUCCESS;
      }
      SIMDJSON_TRY(field.value().get_array().get(records));
      SIMDJSON_TRY(IterateRecords(records, first_index, delivered, &doc));
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code IterateRecords(od::array records, uint64_t first_index,
                                      uint64_t* delivered, od::document* doc) {
    uint64_t index = 0;
    for (auto element : records) {
      if (not_cloudtrail_) break;
      od::value v;
      SIMDJSON_TRY(element.get(v));
      const char* loc = nullptr;
      if (!doc->current_location().get(loc)) record_start_ = loc;
      if (index < skip_) {
        ++index;
        continue;
      }
      SIMDJSON_TRY(ProcessRecord(v, first_index + index));
      ++index;
      *delivered = index;
    }
    return simdjson::SUCCESS;
  }

  // Processes one array element that should be a record object. Returns an
  // error only for JSON errors that make the rest of the document unreadable.
  simdjson::error_code ProcessRecord(od::value v, uint64_t index) {
    od::json_type t;
    SIMDJSON_TRY(v.type().get(t));
    if (t != od::json_type::object) {
      Warn(fmt::format("record is a {}, not an object; skipped", TypeName(t)),
           {.record_index = index});
      ++stats_->records_skipped;
      return simdjson::SUCCESS;
    }
    StartRecord();
    if (plan_.needs_raw_record()) {
      std::string_view raw;
      od::object whole;
      SIMDJSON_TRY(v.get_object().get(whole));
      SIMDJSON_TRY(whole.raw_json().get(raw));
      raw = TrimRight(raw);
      values_.set_raw_record(raw);
      SIMDJSON_TRY(WalkText(raw, plan_.root(), 0));
    } else {
      od::object obj;
      SIMDJSON_TRY(v.get_object().get(obj));
      SIMDJSON_TRY(WalkObject(obj, plan_.root(), 0));
    }
    Deliver(index);
    return simdjson::SUCCESS;
  }

  // Parses `text` (a JSON object held elsewhere) with a nested parser and walks it.
  simdjson::error_code WalkText(std::string_view text, const FieldPlan::Node& node, int depth) {
    if (depth >= kMaxSubDepth) return simdjson::DEPTH_ERROR;
    io::Buffer& buf = sub_buffers_[depth];
    buf.Assign(text);
    od::document doc;
    SIMDJSON_TRY(sub_parsers_[depth]->iterate(buf.data(), buf.size(), buf.capacity()).get(doc));
    od::object obj;
    SIMDJSON_TRY(doc.get_object().get(obj));
    od::document* saved = cur_doc_;
    cur_doc_ = &doc;
    auto err = WalkObject(obj, node, depth + 1);
    cur_doc_ = saved;
    return err;
  }

  void StartRecord() {
    outside_ = false;
    event_time_us_.reset();
    values_.Clear();
    type_error_.clear();
    saw_user_identity_ = false;
    name_known_ = false;
  }

  // After the record's eventName was read: which gated top-level fields the
  // record needs (every value of eventName counts, should a record repeat
  // the key). Until then, and for a non-string eventName, all are read.
  void LearnEventName() {
    uint64_t readable = 0;
    bool any = false;
    for (const model::FieldValue& v : values_.at(slots_.event_name)) {
      if (v.kind != ValueKind::kString) {
        name_known_ = false;
        return;
      }
      any = true;
      auto it = gate_masks_.find(v.text);
      if (it == gate_masks_.end()) {
        name_lower_.assign(v.text);
        for (char& c : name_lower_) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        }
        uint64_t mask = 0;
        for (size_t b = 0; b < gates_.size(); ++b) {
          if (gates_[b].Matches(name_lower_)) mask |= uint64_t{1} << b;
        }
        if (gate_masks_.size() >= 4096) gate_masks_.clear();  // bounded: names come from the data
        it = gate_masks_.emplace(std::string(v.text), mask).first;
      }
      readable |= it->second;
    }
    name_known_ = any;
    readable_ = readable;
  }

  // True if the top-level field `child` is gated and this record's eventName
  // is not one it is read for.
  bool SkipGated(const FieldPlan::Node* child) const {
    if (!name_known_) return false;
    const size_t index = static_cast<size_t>(child - &plan_.node(0));
    if (index >= gate_bit_.size() || gate_bit_[index] < 0) return false;
    return ((readable_ >> gate_bit_[index]) & 1) == 0;
  }

  simdjson::error_code WalkObject(od::object obj, const FieldPlan::Node& node, int depth) {
    const bool root = &node == &plan_.root();
    for (auto field_result : obj) {
      od::field field;
      SIMDJSON_TRY(std::move(field_result).get(field));
      // Keys are compared raw: CloudTrail keys never contain escapes, and an
      // escaped key simply matches no rule path.
      const char* key_start = field.key().raw();
      // simdjson validated the string, so its closing quote is there; keys
      // are short, so a plain loop beats a library call.
      const char* key_end = key_start;
      while (*key_end != '"') ++key_end;
      std::string_view key(key_start, static_cast<size_t>(key_end - key_start));
      const FieldPlan::Node* child = plan_.FindChild(node, key);
      if (child == nullptr) continue;
      if (root && SkipGated(child)) continue;
      od::value v = field.value();
      if (child == user_identity_node_ && root) {
        saw_user_identity_ = true;
        od::json_type t;
        SIMDJSON_TRY(v.type().get(t));
        if (t != od::json_type::object && t != od::json_type::null) {
          type_error_ = fmt::format("field userIdentity is a {}, expected an object", TypeName(t));
          continue;
        }
      }
      SIMDJSON_TRY(Capture(v, *child, depth));
      if (root && child == event_name_node_ && !gates_.empty()) LearnEventName();
      if (root && child == event_time_node_ && window_ && TimeOutsideWindow()) {
        outside_ = true;
        break;  // the rest of the record is skipped unread
      }
    }
    return simdjson::SUCCESS;
  }

  // True when the record's eventTime, just read, is a valid time outside
  // the window (a record without one is judged once it is read whole).
  // Keeps the time for Deliver.
  bool TimeOutsideWindow() {
    const auto vs = values_.at(slots_.event_time);
    if (vs.empty() || vs.front().kind != ValueKind::kString) return false;
    event_time_us_ = model::ParseUtcTimestamp(vs.front().text);
    return event_time_us_ && !InWindow(*event_time_us_);
  }
  bool InWindow(int64_t time_us) const {
    return (!start_us_ || time_us >= *start_us_) && (!end_us_ || time_us < *end_us_);
  }

  simdjson::error_code Capture(od::value v, const FieldPlan::Node& node, int depth) {
    od::json_type t;
    SIMDJSON_TRY(v.type().get(t));
    const bool wants_value = node.slot >= 0;
    const bool has_children = !node.children.empty();
    const auto slot = static_cast<model::SlotId>(node.slot);
    switch (t) {
      case od::json_type::object: {
        if (!has_children) {
          std::string_view raw;
          od::object obj;
          SIMDJSON_TRY(v.get_object().get(obj));
          SIMDJSON_TRY(obj.raw_json().get(raw));
          values_.Add(slot, {ValueKind::kObject, TrimRight(raw)});
          return simdjson::SUCCESS;
        }
        if (!wants_value) {
          od::object obj;
          SIMDJSON_TRY(v.get_object().get(obj));
          return WalkObject(obj, node, depth + 1);
        }
        // Both the whole object and fields inside it are needed. Walk it and
        // take its text from the document positions before and after.
        if (cur_doc_ != nullptr) {
          const char* start = nullptr;
          if (!cur_doc_->current_location().get(start) && *start == '{') {
            od::object obj;
            SIMDJSON_TRY(v.get_object().get(obj));
            SIMDJSON_TRY(WalkObject(obj, node, depth + 1));
            const char* end = nullptr;
            if (!cur_doc_->current_location().get(end) && end > start) {
              std::string_view raw = TrimRight(std::string_view(start, static_cast<size_t>(end - start)));
              if (!raw.empty() && raw.back() == '}') {
                values_.Add(slot, {ValueKind::kObject, raw});
                return simdjson::SUCCESS;
              }
            }
            return simdjson::SUCCESS;  // fields were read; the text is unavailable
          }
        }
        // Fallback: keep the text, then walk it with a nested parser.
        std::string_view raw;
        od::object obj;
        SIMDJSON_TRY(v.get_object().get(obj));
        SIMDJSON_TRY(obj.raw_json().get(raw));
        raw = TrimRight(raw);
        values_.Add(slot, {ValueKind::kObject, raw});
        return WalkText(raw, node, depth);
      }
      case od::json_type::array: {
        od::array arr;
        SIMDJSON_TRY(v.get_array().get(arr));
        bool empty = true;
        for (auto element : arr) {
          od::value ev;
          SIMDJSON_TRY(element.get(ev));
          empty = false;
          SIMDJSON_TRY(Capture(ev, node, depth + 1));
        }
        if (empty && wants_value) values_.Add(slot, {ValueKind::kArray, "[]"});
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        if (!wants_value) return simdjson::SUCCESS;
        std::string_view s;
        SIMDJSON_TRY(v.get_string().get(s));
        values_.Add(slot, {ValueKind::kString, s});
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        if (!wants_value) return simdjson::SUCCESS;
        std::string_view raw = TrimRight(v.raw_json_token());
        double d = 0;
        if (v.get_double().get(d)) d = 0;
        values_.Add(slot, {ValueKind::kNumber, raw, d});
        return simdjson::SUCCESS;
      }
      case od::json_type::boolean: {
        if (!wants_value) return simdjson::SUCCESS;
        bool b = false;
        SIMDJSON_TRY(v.get_bool().get(b));
        values_.Add(slot, {ValueKind::kBool, b ? "true" : "false", b ? 1.0 : 0.0, b});
        return simdjson::SUCCESS;
      }
      case od::json_type::null: {
        if (!wants_value) return simdjson::SUCCESS;
        bool is_null = false;
        SIMDJSON_TRY(v.is_null().get(is_null));
        values_.Add(slot, {ValueKind::kNull, "null"});
        return simdjson::SUCCESS;
      }
    }
    return simdjson::SUCCESS;
  }

  // Reads a model string field; false (and type_error_ set) on a wrong type.
  bool Str(model::SlotId slot, std::string_view* out) {
    const auto vs = values_.at(slot);
    if (vs.empty() || vs.front().kind == ValueKind::kNull) {
      *out = {};
      return true;
    }
    if (vs.front().kind != ValueKind::kString) {
      if (type_error_.empty()) {
        type_error_ = fmt::format("field {} is a {}, expected a string", plan_.slot_path(slot),
                                  KindName(vs.front().kind));
      }
      return false;
    }
    *out = vs.front().text;
    return true;
  }

  void Deliver(uint64_t index) {
    if (outside_) {
      ++stats_->records_outside;
      return;
    }
    model::Event e;
    const ModelSlots& s = slots_;
    bool ok = type_error_.empty();
    ok = Str(s.event_version, &e.event_version) && ok;
    ok = Str(s.event_time, &e.event_time) && ok;
    ok = Str(s.event_id, &e.event_id) && ok;
    ok = Str(s.event_source, &e.event_source) && ok;
    ok = Str(s.event_name, &e.event_name) && ok;
    ok = Str(s.event_type, &e.event_type) && ok;
    ok = Str(s.aws_region, &e.aws_region) && ok;
    ok = Str(s.source_ip, &e.source_ip) && ok;
    ok = Str(s.user_agent, &e.user_agent) && ok;
    ok = Str(s.error_code, &e.error_code) && ok;
    ok = Str(s.error_message, &e.error_message) && ok;
    ok = Str(s.request_id, &e.request_id) && ok;
    ok = Str(s.recipient_account_id, &e.recipient_account_id) && ok;
    auto& ui = e.user_identity;
    ok = Str(s.ui_type, &ui.type) && ok;
    ok = Str(s.ui_principal_id, &ui.principal_id) && ok;
    ok = Str(s.ui_arn, &ui.arn) && ok;
    ok = Str(s.ui_account_id, &ui.account_id) && ok;
    ok = Str(s.ui_access_key_id, &ui.access_key_id) && ok;
    ok = Str(s.ui_user_name, &ui.user_name) && ok;
    ok = Str(s.ui_invoked_by, &ui.invoked_by) && ok;
    ok = Str(s.ui_session_issuer_arn, &ui.session_issuer_arn) && ok;
    ok = Str(s.ui_session_creation_date, &ui.session_creation_date) && ok;
    const auto ro = values_.at(s.read_only);
    if (!ro.empty()) {
      const FieldValue& v = ro.front();
      if (v.kind == ValueKind::kBool) {
        e.read_only = v.boolean;
      } else if (v.kind == ValueKind::kString && (v.text == "true" || v.text == "false")) {
        e.read_only = v.text == "true";  // some services write it as a string
      }
    }
    if (ok && e.event_version.empty() && !(saw_user_identity_ && !e.event_name.empty())) {
      // Real records always carry eventVersion; exported or hand-made ones
      // at least userIdentity and eventName. Anything else is other JSON
      // (labels, manifests) that must not be hunted as events.
      type_error_ = "not a CloudTrail record (no eventVersion, or no userIdentity and eventName)";
      ok = false;
      if (stats_->records == 0 && stats_->records_skipped == 0) {
        // The very first record is other JSON (labels, a manifest): skip the
        // whole file with one line rather than one per record.
        Warn("not CloudTrail records (the first has no eventVersion, or no userIdentity and "
             "eventName); file skipped",
             {});
        not_cloudtrail_ = true;
        stats_->files_skipped = 1;
        return;
      }
    }
    if (!ok) {
      Warn(type_error_ + "; record skipped", {.record_index = index});
      ++stats_->records_skipped;
      return;
    }
    if (event_time_us_) {
      e.time_us = *event_time_us_;  // parsed already, for the window
    } else if (!e.event_time.empty()) {
      e.time_us = model::ParseUtcTimestamp(e.event_time).value_or(0);
    }
    if (window_ && (e.time_us == 0 || !InWindow(e.time_us))) {
      ++stats_->records_outside;
      return;
    }
    ++stats_->records;
    sink_->OnRecord(e, values_, model::RecordOrigin{name_, index});
  }

  void ReadLookupEvents(std::string_view json) {
    od::document doc;
    uint64_t index = 0;
    auto fail = [&](simdjson::error_code err) {
      const char* loc = nullptr;
      if (doc.current_location().get(loc)) loc = json.data() + json.size();
      Warn(fmt::format("invalid JSON ({}) after event {}; rest of file skipped",
                       simdjson::error_message(err), index),
           {.offset = OffsetOf(loc, json)});
      stats_->files_partial = 1;
    };
    auto err = parser_.iterate(json.data(), json.size(), json.size() + io::Buffer::kPadding)
                   .get(doc);
    if (err) return fail(err);
    od::object root;
    if ((err = doc.get_object().get(root))) return fail(err);
    od::array events;
    if ((err = root["Events"].get_array().get(events))) return fail(err);
    for (auto element : events) {
      od::object ev;
      if ((err = element.get_object().get(ev))) return fail(err);
      std::string_view text;
      auto field = ev.find_field_unordered("CloudTrailEvent");
      if ((err = field.get_string().get(text))) {
        if (err == simdjson::NO_SUCH_FIELD || err == simdjson::INCORRECT_TYPE) {
          Warn("event has no CloudTrailEvent string; skipped", {.record_index = index});
          ++stats_->records_skipped;
          ++index;
          continue;
        }
        return fail(err);
      }
      StartRecord();
      std::string_view trimmed = TrimRight(text);
      if (plan_.needs_raw_record()) values_.set_raw_record(trimmed);
      if (auto walk_err = WalkText(trimmed, plan_.root(), 0)) {
        Warn(fmt::format("CloudTrailEvent is not a JSON object ({}); skipped",
                         simdjson::error_message(walk_err)),
             {.record_index = index});
        ++stats_->records_skipped;
        ++index;
        continue;
      }
      if (plan_.needs_raw_record()) {
        values_.set_raw_record(sub_buffers_[0].view());
      }
      Deliver(index);
      ++index;
    }
  }

  void ReadJsonLines(std::string_view json) {
    uint64_t index = 0;
    auto one = [&](size_t start, size_t len) {
      if (not_cloudtrail_) return;
      std::string_view text = TrimRight(json.substr(start, len));
      if (text.empty()) return;
      od::document doc;
      // The rest of the buffer (always padded) follows `text`, so the
      // capacity passed to simdjson covers its padding requirement.
      size_t capacity = json.size() - start + io::Buffer::kPadding;
      auto err = parser_.iterate(text.data(), text.size(), capacity).get(doc);
      od::value v;
      if (!err) err = doc.get_value().get(v);
      cur_doc_ = &doc;
      if (!err) err = ProcessRecord(v, index);
      cur_doc_ = nullptr;
      if (err) {
        Warn(fmt::format("invalid JSON ({}); record skipped", simdjson::error_message(err)),
             {.offset = start + base_offset_, .record_index = index});
        ++stats_->records_skipped;
      }
      ++index;
    };
    // JSON Lines when the first value ends on its first line: then each line
    // stands alone, so a broken line cannot swallow the next. Otherwise
    // (pretty-printed records one after another) split on value boundaries.
    size_t newline = json.find('\n');
    std::string_view first_line =
        TrimRight(json.substr(0, newline == std::string_view::npos ? json.size() : newline));
    bool line_mode = newline == std::string_view::npos ||
                     LastCompleteElementEnd(first_line, 0, first_line.size()) == first_line.size();
    if (line_mode) {
      size_t start = 0;
      while (start < json.size()) {
        size_t end = json.find('\n', start);
        if (end == std::string_view::npos) end = json.size();
        size_t s0 = start;
        while (s0 < end && IsSpace(json[s0])) ++s0;
        one(s0, end - s0);
        start = end + 1;
      }
      return;
    }
    ForEachTopLevelValue(json, one);
  }

  const FieldPlan& plan_;
  ModelSlots slots_;
  Diagnostics* diag_;
  const FieldPlan::Node* user_identity_node_ = nullptr;
  // Reading gates: top-level plan nodes (by node index) -> bit, or -1.
  const FieldPlan::Node* event_name_node_ = nullptr;
  const FieldPlan::Node* event_time_node_ = nullptr;
  bool window_ = false;  // SetTimeWindow gave a bound
  std::optional<int64_t> start_us_, end_us_;
  bool outside_ = false;  // this record's eventTime is outside the window
  std::optional<int64_t> event_time_us_;  // this record's, when parsed as it was read
  std::vector<int8_t> gate_bit_;
  std::vector<model::EventNameGate> gates_;               // by bit
  // eventName as written -> bits (looked up by view: no copy per record).
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint64_t, NameHash, std::equal_to<>> gate_masks_;
  std::string name_lower_;
  bool name_known_ = false;  // this record's eventName was read
  uint64_t readable_ = 0;    // with name_known_: the gated fields it needs
  od::parser parser_;
  std::vector<std::unique_ptr<od::parser>> sub_parsers_;
  std::vector<io::Buffer> sub_buffers_;
  io::Buffer file_buf_, json_buf_, salvage_buf_;
  model::FieldValues values_;
  std::string type_error_;
  bool saw_user_identity_ = false;
  bool not_cloudtrail_ = false;  // this file turned out not to hold CloudTrail records
  const char* record_start_ = nullptr;  // '{' of the record being read
  od::document* cur_doc_ = nullptr;     // the document being walked, for positions
  uint64_t warnings_in_file_ = 0;
  // Per file.
  std::string_view name_;
  ReadStats* stats_ = nullptr;
  RecordSink* sink_ = nullptr;
  uint64_t base_offset_ = 0;
  uint64_t skip_ = 0;
  int resyncs_ = 0;

 public:
  void ResetPerFile() {
    warnings_in_file_ = 0;
    not_cloudtrail_ = false;
    base_offset_ = 0;
    skip_ = 0;
    resyncs_ = 0;
  }
};

CloudTrailReader::CloudTrailReader(const model::FieldPlan& plan, const ModelSlots& slots,
                                   Diagnostics* diagnostics)
    : impl_(std::make_unique<Impl>(plan, slots, diagnostics)) {}

CloudTrailReader::~CloudTrailReader() = default;

void CloudTrailReader::SetTimeWindow(std::optional<int64_t> start_us,
                                     std::optional<int64_t> end_us) {
  impl_->SetTimeWindow(start_us, end_us);
}

ReadStats CloudTrailReader::ReadFile(const std::string& path, RecordSink* sink) {
  impl_->ResetPerFile();
  return impl_->ReadFile(path, sink);
}

ReadStats CloudTrailReader::ReadBytes(std::string_view name, std::string_view bytes,
                                      RecordSink* sink) {
  impl_->ResetPerFile();
  return impl_->ReadBytes(name, bytes, sink);
}

}  // namespace cirt::ingest
