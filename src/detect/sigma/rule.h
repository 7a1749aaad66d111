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

// A comparison of a count with a threshold (aggregations, correlations).
enum class Cmp : uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };

constexpr bool CmpHolds(Cmp cmp, double count, double threshold) {
  switch (cmp) {
    case Cmp::kGt: return count > threshold;
    case Cmp::kGte: return count >= threshold;
    case Cmp::kLt: return count < threshold;
    case Cmp::kLte: return count <= threshold;
    case Cmp::kEq: return count == threshold;
    case Cmp::kNeq: return count != threshold;
  }
  return false;
}

// Legacy (Sigma 1.x) aggregation after a pipe: `sel | count(f) by g > N`, or
// `sel1 | near sel2`. Run with `timeframe` as a sliding window.
struct Aggregation {
  using Cmp = sigma::Cmp;
  enum class Kind : uint8_t { kCount, kNear } kind = Kind::kCount;
  std::string count_field;  // count(field): distinct values
  std::string group_by;
  Cmp cmp = Cmp::kGt;
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
  // Set by the hunt on the rule it adds to evaluate the second condition of
  // a `near` aggregation (same file, id and title as its base rule).
  bool near_companion = false;
};

// A Sigma correlation rule (correlation rules specification 2.1.0): a
// separate YAML document with a `correlation:` section over other rules,
// referenced by id or name. detect/correlation.h runs them.
struct Correlation {
  enum class Type : uint8_t {
    kEventCount, kValueCount, kTemporal, kTemporalOrdered, kValueSum, kValueAvg
  };
  struct Bound {
    Cmp cmp;
    double value;
  };
  std::string file;
  std::string id, title, name, status, description, author, date;
  model::Level level = model::Level::kMedium;
  std::vector<std::string> tags, falsepositives, references;
  Type type = Type::kEventCount;
  std::vector<std::string> rules;     // referenced rules: ids or names, in order
  std::vector<std::string> group_by;  // field paths or alias names
  int64_t timespan_us = 0;
  std::vector<Bound> condition;       // all must hold; empty: temporal's default
  std::vector<std::string> fields;    // condition.field (value_* types)
  // aliases[alias][rule name] = the field of that rule's events.
  std::map<std::string, std::map<std::string, std::string>> aliases;
  bool generate = false;              // also report the referenced rules alone
};

// "event_count", "value_count", ... (the spec's names).
std::string_view CorrelationTypeName(Correlation::Type type);

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
// kOtherLogsource; a rule that cannot be loaded as kError with the reason.
// Correlation documents are parsed into `correlations` (kCorrelation, or
// kError with the reason) when it is given, else only recognised
// (kCorrelation, "not loaded"). References between rules are resolved later
// (detect/correlation.h), over everything loaded. Never throws.
std::vector<LoadOutcome> ParseRules(std::string_view yaml, const std::string& file,
                                    const LoadOptions& options, std::vector<Rule>* out,
                                    std::vector<Correlation>* correlations = nullptr);

// Loads every *.yml / *.yaml file under `path` (file or directory, recursive,
// sorted). A missing path is an error Status; per-file problems go to
// `outcomes`. `correlations` as for ParseRules.
Status LoadRules(const std::string& path, const LoadOptions& options, std::vector<Rule>* out,
                 std::vector<LoadOutcome>* outcomes,
                 std::vector<Correlation>* correlations = nullptr);

// Parses a Sigma timespan ("30s", "10m", "1h", "2d"; also "w", "M", "y" as
// legacy timeframes allow) into microseconds, or std::nullopt.
std::optional<int64_t> ParseTimespan(std::string_view text);

// Parses a Sigma condition string over `names` (the search identifiers).
// Exposed for tests.
Result<Condition> ParseCondition(std::string_view text, const std::vector<std::string>& names);

// Parses a Sigma string value (wildcards * ?, escapes \* \? \\) into a Pattern.
Pattern ParsePattern(std::string_view text);

}  // namespace cirt::detect::sigma
