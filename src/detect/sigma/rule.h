// src/detect/sigma/rule.h
// A Sigma rule as loaded from YAML: metadata, the search identifiers of its
// detection section and the parsed condition. Matching lives in matcher.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/detection.h"

namespace cirt::detect::sigma {

// One element of a Sigma string value: literal text or a wildcard.
struct PatternPart {
  enum class Kind : uint8_t { kLiteral, kStar, kQuestion } kind;
  std::string text;  // for kLiteral
};
using Pattern = std::vector<PatternPart>;

enum class MatchOp : uint8_t {
  kString,    // Pattern match (equals / contains / startswith / endswith / wildcards)
  kRegex,     // RE2
  kCidr,      // IPv4 or IPv6 network
  kLt, kLte, kGt, kGte,  // numeric
  kExists,    // presence (value = expected presence)
  kNull,      // absent or JSON null
  kFieldRef,  // equal to another field of the same event
  kNeverMatches,  // e.g. an unresolved placeholder
};

enum class TimePart : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth, kYear };

// One value of a field test, after modifiers were applied.
struct ValueMatch {
  MatchOp op = MatchOp::kString;
  Pattern pattern;           // kString
  std::string text;          // kRegex pattern, kCidr network, kFieldRef field
  double number = 0;         // numeric ops; kString with a number also keeps it
  bool cased = false;        // case-sensitive string match
  bool negate = false;       // neq
  bool expected_presence = true;  // kExists
  bool regex_i = false, regex_m = false, regex_s = false;
  TimePart time_part = TimePart::kNone;  // minute|hour|... extract before comparing
};

// `field|modifiers: values`. An empty field is a keyword search over the record.
struct FieldTest {
  std::string field;
  std::vector<ValueMatch> values;  // OR, or AND when `all`
  bool all = false;
};

// A search identifier: a map (AND of tests) or a list of maps (OR).
struct SearchIdentifier {
  std::string name;
  std::vector<std::vector<FieldTest>> groups;  // OR of (AND of tests)
};

// Condition expression tree over search identifiers.
struct Condition {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kRef, kTrue, kFalse } kind = Kind::kFalse;
  uint32_t ref = 0;  // index into Rule::searches for kRef
  std::vector<Condition> children;
};

// Legacy (Sigma 1.x) aggregation after a pipe: `sel | count(f) by g > N`, or
// `sel1 | near sel2`. Run with `timeframe` as a sliding window.
struct Aggregation {
  enum class Kind : uint8_t { kCount, kNear } kind = Kind::kCount;
  std::string count_field;  // count(field): distinct values
  std::string group_by;
  enum class Cmp : uint8_t { kGt, kGte, kLt, kLte, kEq } cmp = Cmp::kGt;
  double threshold = 0;
  Condition near;           // kNear: the other condition
};

struct Logsource {
  std::string product, service, category;
};

struct Rule {
  std::string file;
  std::string id, title, name, status, description, author, date;
  model::Level level = model::Level::kMedium;
  std::vector<std::string> tags, falsepositives, references;
  Logsource logsource;
  std::vector<SearchIdentifier> searches;
  Condition condition;  // OR of the rule's condition list
  std::optional<Aggregation> aggregation;
  int64_t timeframe_us = 0;  // detection.timeframe, 0 when absent
};

// Options for turning YAML into rules.
struct LoadOptions {
  // Values for `|expand` placeholders (%name% -> values). An unresolved
  // placeholder matches nothing and the rule loads with a warning.
  std::map<std::string, std::vector<std::string>> placeholders;
};

// What happened to one rule file.
struct LoadOutcome {
  std::string file;
  enum class Kind : uint8_t { kLoaded, kOtherLogsource, kCorrelation, kError } kind;
  std::string message;  // reason for kError / kOtherLogsource, warnings for kLoaded
};

// Parses every YAML document in `yaml` (one file). Rules for another
// logsource than product aws / service cloudtrail are reported as
// kOtherLogsource; correlation documents as kCorrelation; a rule that cannot
// be loaded as kError with the reason. Never throws.
std::vector<LoadOutcome> ParseRules(std::string_view yaml, const std::string& file,
                                    const LoadOptions& options, std::vector<Rule>* out);

// Loads every *.yml / *.yaml file under `path` (file or directory, recursive,
// sorted). A missing path is an error Status; per-file problems go to
// `outcomes`.
Status LoadRules(const std::string& path, const LoadOptions& options, std::vector<Rule>* out,
                 std::vector<LoadOutcome>* outcomes);

// Parses a Sigma condition string over `names` (the search identifiers).
// Exposed for tests.
Result<Condition> ParseCondition(std::string_view text, const std::vector<std::string>& names);

// Parses a Sigma string value (wildcards * ?, escapes \* \? \\) into a Pattern.
Pattern ParsePattern(std::string_view text);

}  // namespace cirt::detect::sigma
