#include "report/writer.h"

#include <algorithm>
#include <cstring>
#include <array>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cirt::report {

namespace {


struct FormatEntry {
  Format format;
  std::string_view name;
};
constexpr FormatEntry kFormats[] = {
    {Format::kTable, "table"}, {Format::kJsonl, "jsonl"}, {Format::kJson, "json"},
    {Format::kCsv, "csv"},     {Format::kTimesketch, "timesketch"},
};

// A rule's tags joined with `sep`.
std::string Tags(const model::RuleInfo& rule, std::string_view sep) {
  std::string s;
  for (const auto& t : rule.tags) {
    if (!s.empty()) s.append(sep);
    s.append(t);
  }
  return s;
}

// Appends `s` as a JSON string. Invalid UTF-8 bytes become U+FFFD, so the
// output is always valid JSON whatever a record held.
// Bytes that cannot be copied into a JSON string as they are: control
// characters, '"', '\\' and non-ASCII (checked for valid UTF-8 apart).
constexpr std::array<bool, 256> kNeedsCare = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

// The length of the longest prefix of `s` that can be copied into a JSON
// string as it is (no byte of it needs care).
size_t PlainJsonPrefix(std::string_view s) {
  size_t j = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: a signed compare with 0x20 also flags bytes
  // >= 0x80 (negative), which need care as well.
  const __m128i space = _mm_set1_epi8(0x20), quote16 = _mm_set1_epi8('"'),
                slash16 = _mm_set1_epi8('\\');
  while (j + 16 <= s.size()) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + j));
    const __m128i care = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                      _mm_or_si128(_mm_cmpeq_epi8(v, quote16),
                                                   _mm_cmpeq_epi8(v, slash16)));
    const int mask = _mm_movemask_epi8(care);
    if (mask != 0) return j + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    j += 16;
  }
#endif
  // Eight bytes at a time while none needs care. Per byte, the high bit
  // of (v - 1) & ~v is set when v == 0, and of (x - 0x20) & ~x when x < 0x20
  // (exact when no byte is >= 0x80, which is flagged by x itself).
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  while (j + 8 <= s.size()) {
    uint64_t x;
    std::memcpy(&x, s.data() + j, 8);
    const uint64_t quote = x ^ (kOnes * '"'), slash = x ^ (kOnes * '\\');
    const uint64_t care = ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) |
                          ((slash - kOnes) & ~slash) | x;
    if (care & kHigh) break;
    j += 8;
  }
  while (j < s.size() && !kNeedsCare[static_cast<unsigned char>(s[j])]) ++j;
  return j;
}

// Appends `s` escaped for the inside of a JSON string (no quotes).
void AppendEscaped(std::string* out, std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t j = i + PlainJsonPrefix(s.substr(i));
    out->append(s.data() + i, j - i);
    if (j == s.size()) break;
    i = j;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default: out->append(fmt::format("\\u{:04x}", c)); break;
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 sequence: copy it when well formed.
    size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      out->append(s.data() + i, len);
      i += len;
    } else {
      out->append("\xEF\xBF\xBD");
      ++i;
    }
  }
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendEscaped(out, s);
  out->push_back('"');
}

void AppendKey(std::string* out, std::string_view key, bool first) {
  if (!first) out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

std::string FormatCount(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) {
    return fmt::format("{}", static_cast<int64_t>(v));
  }
  return fmt::format("{}", v);
}

void AppendEvidence(std::string* out, const model::Evidence& ev) {
  out->append("{\"type\":");
  AppendJsonString(out, ev.type);
  out->append(",\"count\":");
  out->append(FormatCount(ev.count));
  out->append(",\"group\":{");
  for (size_t i = 0; i < ev.group.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, ev.group[i].first);
    out->push_back(':');
    AppendJsonString(out, ev.group[i].second);
  }
  out->append("},\"first_time\":");
  AppendJsonString(out, model::FormatUtcTimestamp(ev.first_time_us));
  out->append(",\"last_time\":");
  AppendJsonString(out, model::FormatUtcTimestamp(ev.last_time_us));
  out->append(",\"event_ids\":[");
  for (size_t i = 0; i < ev.event_ids.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, ev.event_ids[i]);
  }
  out->append("]}");
}

// Text a writer makes once per rule or per file and repeats for each of
// their detections (encoded rule members, an escaped file name). Detections
// come in runs of one rule and one file, so the last ones are kept at hand.
class RepeatedText {
 public:
  // The text for `rule`, made by `make(rule)` the first time.
  template <typename Make>
  const std::string& ForRule(const model::RuleInfo& rule, Make make) {
    if (&rule != last_rule_) {
      auto it = rules_.find(&rule);
      if (it == rules_.end()) it = rules_.emplace(&rule, make(rule)).first;
      last_rule_ = &rule;
      last_rule_text_ = &it->second;
    }
    return *last_rule_text_;
  }
  // The text for the file name `file`, made by `make(file)` when it changes.
  template <typename Make>
  const std::string& ForFile(std::string_view file, Make make) {
    if (!file_made_ || file != file_) {
      file_.assign(file);
      file_text_ = make(file);
      file_made_ = true;
    }
    return file_text_;
  }

 private:
  std::unordered_map<const model::RuleInfo*, std::string> rules_;
  const model::RuleInfo* last_rule_ = nullptr;
  const std::string* last_rule_text_ = nullptr;
  std::string file_, file_text_;
  bool file_made_ = false;
};

// Encodes detections as the JSON members of DetectionKeys(), in order,
// without the braces. The rule members are the same for every detection of
// a rule, so they are encoded once per rule.
class DetectionEncoder {
 public:
  void Append(std::string* out, const model::Detection& d, bool first) {
    const std::string& rule_json = repeated_.ForRule(d.rule(), EncodeRule);
    const std::string& file_json = repeated_.ForFile(d.file(), [](std::string_view file) {
      std::string json;
      AppendEscaped(&json, file);
      return json;
    });
    // Most detections hold no byte that needs escaping: check their text
    // once and copy the fields as they are, into space taken once.
    if (PlainJsonPrefix(d.text()) == d.text().size()) {
      const size_t old = out->size();
      out->resize(old + 2 + rule_json.size() + kKeyBytes + d.text().size() + file_json.size());
      char* p = out->data() + old;
      auto copy = [&p](std::string_view s) {
        std::memcpy(p, s.data(), s.size());
        p += s.size();
      };
      if (!first) *p++ = ',';
      copy(rule_json);
      for (const auto& [key, field] : kFields) {
        copy(key);
        copy(field == model::Detection::kFile ? std::string_view(file_json) : d.field(field));
      }
      *p++ = '"';
      out->resize(static_cast<size_t>(p - out->data()));
    } else {
      if (!first) out->push_back(',');
      out->append(rule_json);
      for (const auto& [key, field] : kFields) {
        out->append(key);
        if (field == model::Detection::kFile) {
          out->append(file_json);
        } else {
          AppendEscaped(out, d.field(field));
        }
      }
      out->push_back('"');
    }
    if (const model::Evidence* ev = d.evidence()) {
      out->append(",\"evidence\":");
      AppendEvidence(out, *ev);
    }
  }

 private:
  static std::string EncodeRule(const model::RuleInfo& r) {
    std::string out;
    AppendKey(&out, "rule_id", true);
    AppendJsonString(&out, r.id);
    AppendKey(&out, "rule_title", false);
    AppendJsonString(&out, r.title);
    AppendKey(&out, "level", false);
    AppendJsonString(&out, model::LevelName(r.level));
    AppendKey(&out, "tags", false);
    out.push_back('[');
    for (size_t i = 0; i < r.tags.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(&out, r.tags[i]);
    }
    out.push_back(']');
    return out;
  }
  // Each key literal closes the previous string and opens the next one.
  static constexpr std::pair<std::string_view, model::Detection::Field> kFields[] = {
      {",\"event_id\":\"", model::Detection::kEventId},
      {"\",\"event_time\":\"", model::Detection::kEventTime},
      {"\",\"event_source\":\"", model::Detection::kEventSource},
      {"\",\"event_name\":\"", model::Detection::kEventName},
      {"\",\"aws_region\":\"", model::Detection::kAwsRegion},
      {"\",\"account_id\":\"", model::Detection::kAccountId},
      {"\",\"principal_arn\":\"", model::Detection::kPrincipalArn},
      {"\",\"access_key_id\":\"", model::Detection::kAccessKeyId},
      {"\",\"source_ip\":\"", model::Detection::kSourceIp},
      {"\",\"user_agent\":\"", model::Detection::kUserAgent},
      {"\",\"error_code\":\"", model::Detection::kErrorCode},
      {"\",\"file\":\"", model::Detection::kFile},
  };
  static constexpr size_t kKeyBytes = [] {
    size_t n = 0;
    for (const auto& f : kFields) n += f.first.size();
    return n;
  }();

  RepeatedText repeated_;
};

void Put(std::FILE* out, std::string_view s) { std::fwrite(s.data(), 1, s.size(), out); }

// Buffers output and writes it in large blocks.
class BufferedOut {
 public:
  explicit BufferedOut(std::FILE* out) : out_(out) { buf_.reserve(kFlushAt + 4096); }
  ~BufferedOut() { Flush(); }
  std::string* buf() { return &buf_; }
  void MaybeFlush() {
    if (buf_.size() >= kFlushAt) Flush();
  }
  void Flush() {
    Put(out_, buf_);
    buf_.clear();
    std::fflush(out_);
  }

 private:
  static constexpr size_t kFlushAt = 1 << 20;
  std::FILE* out_;
  std::string buf_;
};

class JsonlWriter : public DetectionWriter {
 public:
  JsonlWriter(std::FILE* out, bool timesketch) : out_(out), timesketch_(timesketch) {}
  void Write(const model::Detection& d) override {
    std::string* b = out_.buf();
    b->push_back('{');
    if (timesketch_) {
      // "<title> [<level>]: <eventName> by <principal>[ (<evidence>)]",
      // escaped piece by piece, the rule's part once per rule.
      AppendKey(b, "message", true);
      b->push_back('"');
      b->append(message_start_.ForRule(d.rule(), [](const model::RuleInfo& r) {
        std::string start;
        AppendEscaped(&start, fmt::format("{} [{}]: ", r.title, model::LevelName(r.level)));
        return start;
      }));
      AppendEscaped(b, d.event_name());
      b->append(" by ");
      AppendEscaped(b, d.principal_arn().empty() ? "-" : d.principal_arn());
      if (d.evidence()) {
        b->append(" (");
        AppendEscaped(b, EvidenceSummary(*d.evidence()));
        b->push_back(')');
      }
      b->push_back('"');
      AppendKey(b, "datetime", false);
      AppendJsonString(b, d.event_time());
      AppendKey(b, "timestamp_desc", false);
      AppendJsonString(b, "CloudTrail eventTime");
      encoder_.Append(b, d, false);
    } else {
      encoder_.Append(b, d, true);
    }
    b->append("}\n");
    out_.MaybeFlush();
  }
  void Finish() override { out_.Flush(); }

 private:
  BufferedOut out_;
  DetectionEncoder encoder_;
  RepeatedText message_start_;  // timesketch
  bool timesketch_;
};

class JsonWriter : public DetectionWriter {
 public:
  explicit JsonWriter(std::FILE* out) : out_(out) {}
  void Write(const model::Detection& d) override {
    std::string* b = out_.buf();
    b->append(first_ ? "[\n  {" : ",\n  {");
    first_ = false;
    encoder_.Append(b, d, true);
    b->push_back('}');
    out_.MaybeFlush();
  }
  void Finish() override {
    out_.buf()->append(first_ ? "[]\n" : "\n]\n");
    out_.Flush();
  }

 private:
  BufferedOut out_;
  DetectionEncoder encoder_;
  bool first_ = true;
};

// Appends `s` as one CSV cell (RFC 4180): quoted, with its quotes doubled,
// when it holds a comma, a quote or a line break.
void AppendCsvField(std::string* out, std::string_view s) {
  const bool quote = std::any_of(s.begin(), s.end(), [](char c) {
    return c == ',' || c == '"' || c == '\n' || c == '\r';
  });
  if (!quote) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// The header line of a CSV output (keys are plain identifiers: no quoting).
template <typename Keys>
std::string CsvHeader(const Keys& keys) {
  std::string header;
  for (const auto& k : keys) {
    if (!header.empty()) header.push_back(',');
    header.append(k);
  }
  return header;
}

class CsvWriter : public DetectionWriter {
 public:
  CsvWriter(std::FILE* out, bool evidence_column) : out_(out), evidence_(evidence_column) {
    std::string* b = out_.buf();
    b->append(CsvHeader(DetectionKeys()));
    if (evidence_) b->append(",evidence");
    b->push_back('\n');
  }
  void Write(const model::Detection& d) override {
    std::string* b = out_.buf();
    // rule_id,rule_title,level,tags: once per rule.
    b->append(repeated_.ForRule(d.rule(), [](const model::RuleInfo& r) {
      std::string cells;
      AppendCsvField(&cells, r.id);
      cells.push_back(',');
      AppendCsvField(&cells, r.title);
      cells.push_back(',');
      AppendCsvField(&cells, model::LevelName(r.level));
      cells.push_back(',');
      AppendCsvField(&cells, Tags(r, ";"));
      return cells;
    }));
    for (const std::string_view cell :
         {d.event_id(), d.event_time(), d.event_source(), d.event_name(), d.aws_region(),
          d.account_id(), d.principal_arn(), d.access_key_id(), d.source_ip(), d.user_agent(),
          d.error_code()}) {
      b->push_back(',');
      AppendCsvField(b, cell);
    }
    b->push_back(',');
    b->append(repeated_.ForFile(d.file(), [](std::string_view file) {
      std::string cell;
      AppendCsvField(&cell, file);
      return cell;
    }));
    if (evidence_) {
      std::string ev;
      if (d.evidence()) AppendEvidence(&ev, *d.evidence());
      b->push_back(',');
      AppendCsvField(b, ev);
    }
    b->push_back('\n');
    out_.MaybeFlush();
  }
  void Finish() override { out_.Flush(); }

 private:
  BufferedOut out_;
  RepeatedText repeated_;
  bool evidence_;
};

std::string_view LevelColor(model::Level l) {
  switch (l) {
    case model::Level::kCritical: return "\x1b[1;31m";
    case model::Level::kHigh: return "\x1b[38;5;214m";
    case model::Level::kMedium: return "\x1b[33m";
    case model::Level::kLow: return "\x1b[32m";
    case model::Level::kInformational: return "";
  }
  return "";
}

std::string_view LevelShort(model::Level l) {
  switch (l) {
    case model::Level::kCritical: return "crit";
    case model::Level::kHigh: return "high";
    case model::Level::kMedium: return "med";
    case model::Level::kLow: return "low";
    case model::Level::kInformational: return "info";
  }
  return "info";
}

// Appends `s` in exactly `width` terminal columns (UTF-8 code points): cut
// with an ellipsis, or padded with spaces. Control characters from records become spaces, so
// they never reach the terminal.
void AppendFit(std::string* out, std::string_view s, size_t width) {
  size_t cols = 0, i = 0;
  const size_t start = out->size();
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (c < 0x20) {
      out->push_back(' ');
      ++i;
      ++cols;
    } else {
      if (cols + 1 > width) break;
      out->append(s.substr(i, len));
      i += len;
      ++cols;
    }
    if (cols == width && i < s.size()) {
      // replace the last column with an ellipsis
      while (out->size() > start && (static_cast<unsigned char>(out->back()) & 0xC0) == 0x80) {
        out->pop_back();
      }
      if (out->size() > start) out->pop_back();
      out->append("\u2026");
      return;
    }
  }
  out->append(width - cols, ' ');
}

std::string Fit(std::string_view s, size_t width) {
  std::string out;
  AppendFit(&out, s, width);
  return out;
}

// The terminal columns of UTF-8 text.
size_t Columns(std::string_view s) {
  size_t c = 0;
  for (unsigned char ch : s) c += (ch & 0xC0) != 0x80;
  return c;
}

class TableWriter : public DetectionWriter {
 public:
  TableWriter(std::FILE* out, const WriterOptions& options) : out_(out), options_(options) {
    // time 20, level 4, then title/principal/ip/event/region/account share the rest.
    const size_t fixed = 20 + 4 + 15 + 12 + 7 * 3;
    const size_t rest = options_.width > fixed + 60 ? options_.width - fixed : 60;
    title_w_ = rest * 45 / 100;
    principal_w_ = rest * 35 / 100;
    event_w_ = std::max<size_t>(12, rest - title_w_ - principal_w_);
  }
  // Rows are written as they come: the columns have fixed widths.
  void Write(const model::Detection& d) override {
    Header();
    const std::string_view et = d.event_time();
    char time[20];
    std::string_view shown = et;
    if (et.size() >= 19) {  // "2024-05-01T13:00:05Z" -> "2024-05-01 13:00:05"
      std::memcpy(time, et.data(), 19);
      time[10] = ' ';
      shown = std::string_view(time, 19);
    }
    const model::RuleInfo& rule = d.rule();
    std::string_view title = rule.title;
    std::string titled;
    if (!d.aggregate().empty()) {
      titled = fmt::format("{} [{}]", rule.title, d.aggregate());
      title = titled;
    }
    Line(shown, LevelShort(rule.level), LevelColor(rule.level), title,
         d.principal_arn().empty() ? "-" : d.principal_arn(), d.source_ip(), d.event_name(),
         d.aws_region(), d.account_id());
    if (d.evidence()) EvidenceLine(*d.evidence());
    out_.MaybeFlush();
  }
  void Finish() override {
    Header();
    out_.Flush();
  }

 private:
  void Header() {
    if (header_done_) return;
    header_done_ = true;
    Line("time (UTC)", "lvl", "", "rule", "principal", "source ip", "event", "region", "account");
    std::string* b = out_.buf();
    for (size_t i = 0; i < options_.width && i < 200; ++i) b->append("\u2500");
    b->push_back('\n');
  }

  void Line(std::string_view time, std::string_view level, std::string_view color,
            std::string_view title, std::string_view principal, std::string_view ip,
            std::string_view event, std::string_view region, std::string_view account) {
    std::string* b = out_.buf();
    constexpr std::string_view kBar = " \u2502 ";
    AppendFit(b, time, 20);
    b->append(kBar);
    const bool colored = !color.empty() && options_.color;
    if (colored) b->append(color);
    AppendFit(b, level, 4);
    if (colored) b->append("\x1b[0m");
    b->append(kBar);
    AppendFit(b, title, title_w_);
    b->append(kBar);
    AppendFit(b, principal, principal_w_);
    b->append(kBar);
    AppendFit(b, ip, 15);
    b->append(kBar);
    AppendFit(b, event, event_w_);
    b->append(kBar);
    AppendFit(b, region, 12);
    b->append(kBar);
    AppendFit(b, account, Columns(account));  // not cut, but no control characters
    b->push_back('\n');
  }

  // Under a correlation or anomaly row: its events, so the table alone
  // says what the detection rests on.
  void EvidenceLine(const model::Evidence& ev) {
    constexpr size_t kShown = 6;
    std::string ids;
    for (size_t i = 0; i < ev.event_ids.size() && i < kShown; ++i) {
      ids += (i ? ", " : "") + ev.event_ids[i];
    }
    if (ev.event_ids.size() > kShown) {
      ids += fmt::format(", +{} more", ev.event_ids.size() - kShown);
    }
    std::string s = fmt::format("{:20} \u2502      \u2514 {}; {} event{} {} .. {}: {}", "",
                                EvidenceSummary(ev), ev.event_ids.size(),
                                ev.event_ids.size() == 1 ? "" : "s",
                                model::FormatUtcTimestamp(ev.first_time_us),
                                model::FormatUtcTimestamp(ev.last_time_us), ids);
    // Not cut to the table width: the ids are what the line is for. Fit
    // only replaces control characters that came from records.
    std::string fitted = Fit(s, s.size());
    fitted.erase(fitted.find_last_not_of(' ') + 1);
    out_.buf()->append(fitted).push_back('\n');
  }

  BufferedOut out_;
  WriterOptions options_;
  size_t title_w_ = 0, principal_w_ = 0, event_w_ = 0;
  bool header_done_ = false;
};

}  // namespace

std::string_view FormatName(Format format) {
  for (const auto& e : kFormats) {
    if (e.format == format) return e.name;
  }
  return "table";
}

Result<Format> ParseFormat(std::string_view name) {
  for (const auto& e : kFormats) {
    if (e.name == name) return e.format;
  }
  return Status::InvalidArgument(
      fmt::format("unknown format '{}' (table, jsonl, json, csv, timesketch)", name));
}

const std::vector<std::string_view>& DetectionKeys() {
  static const std::vector<std::string_view> kKeys = {
      "rule_id",    "rule_title", "level",        "tags",         "event_id",   "event_time",
      "event_source", "event_name", "aws_region", "account_id", "principal_arn",
      "access_key_id", "source_ip", "user_agent", "error_code", "file"};
  return kKeys;
}

std::string EvidenceSummary(const model::Evidence& ev) {
  std::string s = fmt::format("{} {}", ev.type, FormatCount(ev.count));
  for (size_t i = 0; i < ev.group.size(); ++i) {
    s += fmt::format("{}{}={}", i == 0 ? " by " : ", ", ev.group[i].first, ev.group[i].second);
  }
  return s;
}

std::string EvidenceJson(const model::Evidence& evidence) {
  std::string out;
  AppendEvidence(&out, evidence);
  return out;
}

std::unique_ptr<DetectionWriter> MakeDetectionWriter(Format format, std::FILE* out,
                                                     const WriterOptions& options) {
  switch (format) {
    case Format::kTable: return std::make_unique<TableWriter>(out, options);
    case Format::kJsonl: return std::make_unique<JsonlWriter>(out, false);
    case Format::kTimesketch: return std::make_unique<JsonlWriter>(out, true);
    case Format::kJson: return std::make_unique<JsonWriter>(out);
    case Format::kCsv: return std::make_unique<CsvWriter>(out, options.evidence_column);
  }
  return std::make_unique<JsonlWriter>(out, false);
}

void DetectionSummary::Add(const model::Detection& d) {
  ++total_;
  ++by_level_[d.rule().level];
  // Detections come in runs of one rule: look the rule up only when it changes.
  const model::RuleInfo& r = d.rule();
  if (last_rule_ == by_rule_.end() || last_rule_->first.second != r.level ||
      last_rule_->first.first != r.title) {
    last_rule_ = by_rule_.try_emplace({r.title, r.level}, 0).first;
  }
  ++last_rule_->second;
}

void DetectionSummary::Write(std::FILE* out, const WriterOptions& options) const {
  std::string s = fmt::format("\nDetections: {}", total_);
  for (const auto& [level, n] : by_level_) s += fmt::format("  {} {}", model::LevelName(level), n);
  s += "\n";
  std::vector<std::pair<std::pair<std::string, model::Level>, size_t>> rules(by_rule_.begin(),
                                                                              by_rule_.end());
  std::sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) {
    if (a.first.second != b.first.second) return a.first.second > b.first.second;
    if (a.second != b.second) return a.second > b.second;
    return a.first.first < b.first.first;
  });
  for (const auto& [key, n] : rules) {
    std::string level(LevelShort(key.second));
    if (options.color && !LevelColor(key.second).empty()) {
      level = std::string(LevelColor(key.second)) + Fit(level, 4) + "\x1b[0m";
    } else {
      level = Fit(level, 4);
    }
    s += fmt::format("  {} {:>7}  {}\n", level, n, key.first);
  }
  Put(out, s);
  std::fflush(out);
}

std::string Cell::Text(std::string_view sep) const {
  switch (kind) {
    case Kind::kNull: return {};
    case Kind::kString: return text;
    case Kind::kInt: return std::to_string(number);
    case Kind::kBool: return number ? "true" : "false";
    case Kind::kList: {
      std::string out;
      for (size_t i = 0; i < list.size(); ++i) {
        if (i) out.append(sep);
        out.append(list[i]);
      }
      return out;
    }
  }
  return {};
}

namespace {

void AppendCell(std::string* out, const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kNull: out->append("null"); break;
    case Cell::Kind::kString: AppendJsonString(out, c.text); break;
    case Cell::Kind::kInt: out->append(std::to_string(c.number)); break;
    case Cell::Kind::kBool: out->append(c.number ? "true" : "false"); break;
    case Cell::Kind::kList:
      out->push_back('[');
      for (size_t i = 0; i < c.list.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, c.list[i]);
      }
      out->push_back(']');
      break;
  }
}

int KeyIndex(const RowSchema& schema, std::string_view key) {
  for (size_t i = 0; i < schema.keys.size(); ++i) {
    if (schema.keys[i] == key) return static_cast<int>(i);
  }
  return -1;
}

class JsonRowWriter : public RowWriter {
 public:
  JsonRowWriter(std::FILE* out, RowSchema schema, Format format)
      : out_(out), schema_(std::move(schema)), format_(format),
        time_(KeyIndex(schema_, schema_.time_key)) {}
  void Write(std::vector<Cell> row) override {
    std::string* b = out_.buf();
    bool first = true;
    if (format_ == Format::kTimesketch) {
      if (time_ < 0 || row[static_cast<size_t>(time_)].kind != Cell::Kind::kString) return;
      b->push_back('{');
      AppendKey(b, "message", true);
      AppendJsonString(b, schema_.message ? schema_.message(row) : std::string());
      AppendKey(b, "datetime", false);
      AppendJsonString(b, row[static_cast<size_t>(time_)].text);
      AppendKey(b, "timestamp_desc", false);
      AppendJsonString(b, schema_.timestamp_desc);
      first = false;
    } else if (format_ == Format::kJson) {
      b->append(first_row_ ? "[\n  {" : ",\n  {");
    } else {
      b->push_back('{');
    }
    first_row_ = false;
    for (size_t i = 0; i < schema_.keys.size(); ++i) {
      AppendKey(b, schema_.keys[i], first);
      first = false;
      AppendCell(b, row[i]);
    }
    b->append(format_ == Format::kJson ? "}" : "}\n");
    out_.MaybeFlush();
  }
  void Finish() override {
    if (format_ == Format::kJson) out_.buf()->append(first_row_ ? "[]\n" : "\n]\n");
    out_.Flush();
  }

 private:
  BufferedOut out_;
  RowSchema schema_;
  Format format_;
  int time_;
  bool first_row_ = true;
};

class CsvRowWriter : public RowWriter {
 public:
  CsvRowWriter(std::FILE* out, RowSchema schema) : out_(out), schema_(std::move(schema)) {
    Put(out_, CsvHeader(schema_.keys) + "\n");
  }
  void Write(std::vector<Cell> row) override {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) line += ',';
      AppendCsvField(&line, row[i].Text(";"));
    }
    Put(out_, line + "\n");
  }
  void Finish() override { std::fflush(out_); }

 private:
  std::FILE* out_;
  RowSchema schema_;
};

// Columns sized to the content of the first kLayoutRows rows (capped), the
// last one left free; later rows stream with the same widths, so a timeline
// of millions of events is not held in memory.
class TableRowWriter : public RowWriter {
 public:
  TableRowWriter(std::FILE* out, RowSchema schema, const WriterOptions& options)
      : out_(out), schema_(std::move(schema)), options_(options) {
    if (schema_.table_keys.empty()) schema_.table_keys = schema_.keys;
    for (auto k : schema_.table_keys) columns_.push_back(KeyIndex(schema_, k));
  }
  void Write(std::vector<Cell> row) override {
    std::vector<std::string> cells;
    for (int c : columns_) {
      cells.push_back(c < 0 ? std::string() : row[static_cast<size_t>(c)].Text(", "));
    }
    if (!width_.empty()) {
      Line(cells);
      return;
    }
    rows_.push_back(std::move(cells));
    if (rows_.size() >= kLayoutRows) Layout();
  }
  void Finish() override {
    if (width_.empty()) Layout();
    std::fflush(out_);
  }

 private:
  static constexpr size_t kLayoutRows = 1000;
  static constexpr size_t kCap = 64;

  void Layout() {
    const size_t n = columns_.size();
    width_.assign(n, 0);
    for (size_t i = 0; i < n; ++i) width_[i] = std::max<size_t>(1, Columns(schema_.table_keys[i]));
    for (const auto& r : rows_) {
      for (size_t i = 0; i < n; ++i) width_[i] = std::max(width_[i], std::min(kCap, Columns(r[i])));
    }
    Line(std::vector<std::string>(schema_.table_keys.begin(), schema_.table_keys.end()));
    std::string rule;
    for (size_t i = 0; i < options_.width && i < 200; ++i) rule += "\u2500";
    Put(out_, rule + "\n");
    for (const auto& r : rows_) Line(r);
    rows_.clear();
  }
  void Line(const std::vector<std::string>& cells) {
    std::string s;
    const size_t n = cells.size();
    for (size_t i = 0; i < n; ++i) {
      if (i) s += " \u2502 ";
      s += Fit(cells[i], i + 1 == n ? std::max<size_t>(Columns(cells[i]), 1) : width_[i]);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    Put(out_, s + "\n");
  }

  std::FILE* out_;
  RowSchema schema_;
  WriterOptions options_;
  std::vector<int> columns_;
  std::vector<size_t> width_;  // empty until laid out
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

std::unique_ptr<RowWriter> MakeRowWriter(Format format, std::FILE* out, RowSchema schema,
                                         const WriterOptions& options) {
  switch (format) {
    case Format::kTable: return std::make_unique<TableRowWriter>(out, std::move(schema), options);
    case Format::kCsv: return std::make_unique<CsvRowWriter>(out, std::move(schema));
    case Format::kJsonl:
    case Format::kJson:
    case Format::kTimesketch:
      return std::make_unique<JsonRowWriter>(out, std::move(schema), format);
  }
  return std::make_unique<JsonRowWriter>(out, std::move(schema), Format::kJsonl);
}

}  // namespace cirt::report
