// src/detect/testing_records.h (tests only)
// CloudTrail records for tests, taken from the shared corpus: Panther's
// labelled test events (YAML) turned back into the JSON CloudTrail wrote,
// and gzip trail files written the way a trail bucket holds them.
#pragma once

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "io/gzip.h"
#include "model/event.h"

namespace cirt::detect::testing_records {

inline void AppendJsonString(const std::string& s, std::string* out) {
  *out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

inline bool IsJsonNumber(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  if (s[i] == '0' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    return false;
  }
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  return i == s.size();
}

// Panther writes test events as YAML (block or flow style); turn them back
// into the JSON CloudTrail wrote. Plain scalars keep their YAML type.
inline void YamlToJson(const YAML::Node& node, std::string* out) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      *out += "null";
      break;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "?") {  // plain
        if (s == "true" || s == "false" || s == "null") {
          *out += s;
          break;
        }
        if (IsJsonNumber(s)) {
          *out += s;
          break;
        }
      }
      AppendJsonString(s, out);
      break;
    }
    case YAML::NodeType::Sequence: {
      *out += '[';
      bool first = true;
      for (const auto& item : node) {
        if (!first) *out += ',';
        first = false;
        YamlToJson(item, out);
      }
      *out += ']';
      break;
    }
    case YAML::NodeType::Map: {
      *out += '{';
      bool first = true;
      for (const auto& kv : node) {
        if (!first) *out += ',';
        first = false;
        AppendJsonString(kv.first.Scalar(), out);
        *out += ':';
        YamlToJson(kv.second, out);
      }
      *out += '}';
      break;
    }
    case YAML::NodeType::Undefined:
      break;
  }
}

// The `Log` of the test named `test` in Panther's rule file `file` (under
// panther-analysis-aws-tests/rules/aws_cloudtrail_rules), as a YAML node to
// adjust (time, ids, addresses) before YamlToJson. Fails the calling test
// when absent.
inline YAML::Node PantherLog(const std::string& file, const std::string& test) {
  const std::string path = std::string(CIRT_CORPUS_DIR) +
                           "/panther-analysis-aws-tests/rules/aws_cloudtrail_rules/" + file;
  YAML::Node rule = YAML::LoadFile(path);
  for (const auto& t : rule["Tests"]) {
    if (t["Name"].as<std::string>() == test) return YAML::Clone(t["Log"]);
  }
  ADD_FAILURE() << "no test '" << test << "' in " << path;
  return YAML::Node(YAML::NodeType::Map);
}

constexpr int64_t kBase = 1774346400LL * 1000000;  // 2026-03-24T10:00:00Z

// kBase plus `seconds`, as CloudTrail writes eventTime.
inline std::string At(int64_t seconds) {
  return model::FormatUtcTimestamp(kBase + seconds * 1000000);
}

// A Panther test event with eventTime (kBase + `seconds`), eventID and the
// given fields (dotted paths into maps; created when absent) replaced;
// numbers stay numbers.
inline std::string Record(const std::string& file, const std::string& test, int64_t seconds,
                          const std::string& id,
                          const std::map<std::string, std::string>& fields = {}) {
  YAML::Node log = PantherLog(file, test);
  log["eventTime"] = At(seconds);
  log["eventID"] = id;
  for (const auto& [path, value] : fields) {
    YAML::Node node = log;
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
      if (dot == std::string::npos) {
        // A number stays a number (bytesTransferredOut), anything else is
        // written as a string.
        const YAML::Node old = node[key];
        const bool number = old.IsScalar() && old.Tag() == "?" && IsJsonNumber(old.Scalar());
        node[key] = value;
        if (number && IsJsonNumber(value)) node[key].SetTag("?");
        break;
      }
      YAML::Node child = node[key];
      node.reset(child);
      start = dot + 1;
    }
  }
  std::string json;
  YamlToJson(log, &json);
  return json;
}

// Writes `records` (JSON texts) as one gzip CloudTrail S3 object.
inline void WriteTrail(const std::filesystem::path& path, const std::vector<std::string>& records) {
  std::string body = "{\"Records\":[";
  for (size_t i = 0; i < records.size(); ++i) body += (i ? "," : "") + records[i];
  body += "]}";
  std::ofstream(path, std::ios::binary) << io::GzipCompress(body);
}

}  // namespace cirt::detect::testing_records
