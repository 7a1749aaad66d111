#include "report/writer.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cirt::report {

namespace {

using Json = nlohmann::ordered_json;

struct FormatEntry {
  Format format;
  std::string_view name;
};
constexpr FormatEntry kFormats[] = {
    {Format::kTable, "table"}, {Format::kJsonl, "jsonl"}, {Format::kJson, "json"},
    {Format::kCsv, "csv"},     {Format::kTimesketch, "timesketch"},
};

std::string Tags(const model::Detection& d, std::string_view sep) {
  std::string s;
  for (const auto& t : d.tags) s += (s.empty() ? "" : std::string(sep)) + t;
  return s;
}

Json DetectionJson(const model::Detection& d) {
  Json j;
  j["rule_id"] = d.rule_id;
  j["rule_title"] = d.rule_title;
  j["level"] = std::string(model::LevelName(d.level));
  j["tags"] = d.tags;
  j["event_id"] = d.event_id;
  j["event_time"] = d.event_time;
  j["event_source"] = d.event_source;
  j["event_name"] = d.event_name;
  j["aws_region"] = d.aws_region;
  j["account_id"] = d.account_id;
  j["principal_arn"] = d.principal_arn;
  j["access_key_id"] = d.access_key_id;
  j["source_ip"] = d.source_ip;
  j["user_agent"] = d.user_agent;
  j["error_code"] = d.error_code;
  j["file"] = d.file;
  return j;
}

std::string Dump(const Json& j) {
  // Invalid UTF-8 from a record is replaced, never an exception.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void Put(std::FILE* out, std::string_view s) { std::fwrite(s.data(), 1, s.size(), out); }

class JsonlWriter : public DetectionWriter {
 public:
  JsonlWriter(std::FILE* out, bool timesketch) : out_(out), timesketch_(timesketch) {}
  void Write(const model::Detection& d) override {
    Json j;
    if (timesketch_) {
      j["message"] = fmt::format("{} [{}]: {} by {}", d.rule_title, model::LevelName(d.level),
                                 d.event_name, d.principal_arn.empty() ? "-" : d.principal_arn);
      j["datetime"] = d.event_time;
      j["timestamp_desc"] = "CloudTrail eventTime";
      Json fields = DetectionJson(d);
      for (auto& [k, v] : fields.items()) j[k] = v;
    } else {
      j = DetectionJson(d);
    }
    Put(out_, Dump(j));
    Put(out_, "\n");
  }
  void Finish() override { std::fflush(out_); }

 private:
  std::FILE* out_;
  bool timesketch_;
};

class JsonWriter : public DetectionWriter {
 public:
  explicit JsonWriter(std::FILE* out) : out_(out) {}
  void Write(const model::Detection& d) override {
    Put(out_, first_ ? "[\n  " : ",\n  ");
    first_ = false;
    Put(out_, Dump(DetectionJson(d)));
  }
  void Finish() override {
    Put(out_, first_ ? "[]\n" : "\n]\n");
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  bool first_ = true;
};

std::string CsvField(std::string_view s) {
  bool quote = s.find_first_of(",\"\n\r") != std::string_view::npos;
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

class CsvWriter : public DetectionWriter {
 public:
  explicit CsvWriter(std::FILE* out) : out_(out) {
    std::string header;
    for (auto k : DetectionKeys()) header += (header.empty() ? "" : ",") + std::string(k);
    Put(out_, header + "\n");
  }
  void Write(const model::Detection& d) override {
    const std::string level(model::LevelName(d.level));
    const std::string tags = Tags(d, ";");
    const std::string_view cells[] = {d.rule_id,      d.rule_title,   level,       tags,
                                      d.event_id,     d.event_time,   d.event_source,
                                      d.event_name,   d.aws_region,   d.account_id,
                                      d.principal_arn, d.access_key_id, d.source_ip,
                                      d.user_agent,   d.error_code,   d.file};
    std::string line;
    for (size_t i = 0; i < std::size(cells); ++i) {
      if (i) line += ',';
      line += CsvField(cells[i]);
    }
    Put(out_, line + "\n");
  }
  void Finish() override { std::fflush(out_); }

 private:
  std::FILE* out_;
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

// Cuts `s` to `width` display columns (counting UTF-8 code points), with "…".
std::string Fit(std::string_view s, size_t width) {
  size_t cols = 0, i = 0;
  std::string out;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (c < 0x20) {  // control characters from records never reach the terminal
      out += ' ';
      ++i;
      ++cols;
    } else {
      if (cols + 1 > width) break;
      out.append(s.substr(i, len));
      i += len;
      ++cols;
    }
    if (cols == width && i < s.size()) {
      // replace the last column with an ellipsis
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty()) out.pop_back();
      out += "\u2026";
      return out;
    }
  }
  out.append(width - cols, ' ');
  return out;
}

class TableWriter : public DetectionWriter {
 public:
  TableWriter(std::FILE* out, const WriterOptions& options) : out_(out), options_(options) {}
  void Write(const model::Detection& d) override { rows_.push_back(d); }
  void Finish() override {
    // time 20, level 4, then title/principal/ip/event/region/account share the rest.
    const size_t fixed = 20 + 4 + 15 + 12 + 7 * 3;
    size_t rest = options_.width > fixed + 60 ? options_.width - fixed : 60;
    size_t title_w = rest * 45 / 100, principal_w = rest * 35 / 100;
    size_t event_w = rest - title_w - principal_w;
    if (event_w < 12) event_w = 12;
    auto line = [&](const std::string& time, const std::string& level, std::string_view color,
                    const std::string& title, const std::string& principal, const std::string& ip,
                    const std::string& event, const std::string& region,
                    const std::string& account) {
      std::string s = Fit(time, 20) + " \u2502 ";
      if (!color.empty() && options_.color) {
        s += std::string(color) + Fit(level, 4) + "\x1b[0m";
      } else {
        s += Fit(level, 4);
      }
      s += " \u2502 " + Fit(title, title_w) + " \u2502 " + Fit(principal, principal_w) + " \u2502 " +
           Fit(ip, 15) + " \u2502 " + Fit(event, event_w) + " \u2502 " + Fit(region, 12) +
           " \u2502 " + account + "\n";
      Put(out_, s);
    };
    line("time (UTC)", "lvl", "", "rule", "principal", "source ip", "event", "region", "account");
    std::string rule_line;
    for (size_t i = 0; i < options_.width && i < 200; ++i) rule_line += "\u2500";
    Put(out_, rule_line + "\n");
    for (const auto& d : rows_) {
      std::string time = d.event_time.size() >= 19 ? d.event_time.substr(0, 10) + " " +
                                                         d.event_time.substr(11, 8)
                                                   : d.event_time;
      std::string title = d.aggregate.empty() ? d.rule_title : d.rule_title + " [" + d.aggregate + "]";
      line(time, std::string(LevelShort(d.level)), LevelColor(d.level), title,
           d.principal_arn.empty() ? "-" : d.principal_arn, d.source_ip, d.event_name,
           d.aws_region, d.account_id);
    }
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  WriterOptions options_;
  std::vector<model::Detection> rows_;
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

std::unique_ptr<DetectionWriter> MakeDetectionWriter(Format format, std::FILE* out,
                                                     const WriterOptions& options) {
  switch (format) {
    case Format::kTable: return std::make_unique<TableWriter>(out, options);
    case Format::kJsonl: return std::make_unique<JsonlWriter>(out, false);
    case Format::kTimesketch: return std::make_unique<JsonlWriter>(out, true);
    case Format::kJson: return std::make_unique<JsonWriter>(out);
    case Format::kCsv: return std::make_unique<CsvWriter>(out);
  }
  return std::make_unique<JsonlWriter>(out, false);
}

void WriteDetectionSummary(const std::vector<model::Detection>& detections, std::FILE* out,
                           const WriterOptions& options) {
  std::map<model::Level, size_t, std::greater<>> by_level;
  std::map<std::pair<std::string, model::Level>, size_t> by_rule;
  for (const auto& d : detections) {
    ++by_level[d.level];
    ++by_rule[{d.rule_title, d.level}];
  }
  std::string s = fmt::format("\nDetections: {}", detections.size());
  for (const auto& [level, n] : by_level) s += fmt::format("  {} {}", model::LevelName(level), n);
  s += "\n";
  std::vector<std::pair<std::pair<std::string, model::Level>, size_t>> rules(by_rule.begin(),
                                                                              by_rule.end());
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

}  // namespace cirt::report
