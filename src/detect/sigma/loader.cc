// Turns Sigma YAML into Rule values (rule.h). yaml-cpp throws: every call into
// it happens inside ParseRules, which catches YAML::Exception and reports the
// file's error instead.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "detect/sigma/rule.h"
#include "io/yaml.h"

namespace cirt::detect::sigma {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool ParseNumber(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* begin = s.data();
  if (*begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// The three encodings of `value` at byte offsets 0, 1 and 2 of a longer
// base64 text, with the characters that depend on neighbouring bytes removed.
std::vector<std::string> Base64Offsets(std::string_view value) {
  std::vector<std::string> out;
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string padded(shift, ' ');
    padded += value;
    std::string enc = Base64(padded);
    // Leading characters that encode the padding bytes.
    size_t lead = shift == 0 ? 0 : (shift == 1 ? 2 : 3);
    // Trailing characters that depend on bytes after the value.
    size_t rem = padded.size() % 3;
    size_t trail = rem == 0 ? 0 : (rem == 1 ? 3 : 2);
    if (lead + trail >= enc.size()) continue;
    out.push_back(enc.substr(lead, enc.size() - lead - trail));
  }
  return out;
}

// Every replacement of dash-like characters with each of the five dashes.
Result<std::vector<std::string>> Windash(const std::string& value) {
  static const std::vector<std::string> kDashes = {"-", "/", "\u2013", "\u2014", "\u2015"};
  std::vector<std::string> out = {""};
  size_t i = 0;
  while (i < value.size()) {
    size_t matched = 0;
    for (const auto& d : kDashes) {
      if (value.compare(i, d.size(), d) == 0) {
        matched = d.size();
        break;
      }
    }
    if (matched == 0) {
      for (auto& o : out) o += value[i];
      ++i;
      continue;
    }
    if (out.size() * kDashes.size() > 4096) {
      return Status::Unsupported("windash: too many dash permutations");
    }
    std::vector<std::string> next;
    for (const auto& o : out) {
      for (const auto& d : kDashes) next.push_back(o + d);
    }
    out = std::move(next);
    i += matched;
  }
  return out;
}

Pattern Literal(std::string_view text) {
  Pattern p;
  if (!text.empty()) p.push_back({PatternPart::Kind::kLiteral, std::string(text)});
  return p;
}

bool HasWildcard(const Pattern& p) {
  return std::any_of(p.begin(), p.end(),
                     [](const PatternPart& x) { return x.kind != PatternPart::Kind::kLiteral; });
}

std::string PatternText(const Pattern& p) {
  std::string s;
  for (const auto& part : p) {
    if (part.kind == PatternPart::Kind::kLiteral) s += part.text;
  }
  return s;
}

struct Modifiers {
  bool contains = false, startswith = false, endswith = false, all = false, cased = false;
  bool re = false, re_i = false, re_m = false, re_s = false;
  bool cidr = false, exists = false, fieldref = false, neq = false, expand = false;
  bool base64 = false, base64offset = false, windash = false;
  std::optional<MatchOp> numeric;
  TimePart time_part = TimePart::kNone;
};

Status ParseModifiers(const std::vector<std::string>& names, Modifiers* m) {
  for (const std::string& raw : names) {
    std::string n = Lower(raw);
    if (n == "contains") m->contains = true;
    else if (n == "startswith") m->startswith = true;
    else if (n == "endswith") m->endswith = true;
    else if (n == "all") m->all = true;
    else if (n == "cased") m->cased = true;
    else if (n == "re") m->re = true;
    else if (n == "i") m->re_i = true;
    else if (n == "m") m->re_m = true;
    else if (n == "s") m->re_s = true;
    else if (n == "cidr") m->cidr = true;
    else if (n == "exists") m->exists = true;
    else if (n == "fieldref") m->fieldref = true;
    else if (n == "neq") m->neq = true;
    else if (n == "expand") m->expand = true;
    else if (n == "base64") m->base64 = true;
    else if (n == "base64offset") m->base64offset = true;
    else if (n == "windash") m->windash = true;
    else if (n == "lt") m->numeric = MatchOp::kLt;
    else if (n == "lte") m->numeric = MatchOp::kLte;
    else if (n == "gt") m->numeric = MatchOp::kGt;
    else if (n == "gte") m->numeric = MatchOp::kGte;
    else if (n == "minute") m->time_part = TimePart::kMinute;
    else if (n == "hour") m->time_part = TimePart::kHour;
    else if (n == "day") m->time_part = TimePart::kDay;
    else if (n == "week") m->time_part = TimePart::kWeek;
    else if (n == "month") m->time_part = TimePart::kMonth;
    else if (n == "year") m->time_part = TimePart::kYear;
    else if (n == "utf16le" || n == "utf16be" || n == "utf16" || n == "wide") {
      return Status::Unsupported(fmt::format(
          "modifier '{}' cannot apply to CloudTrail: records are UTF-8 JSON text, not UTF-16",
          raw));
    } else {
      return Status::InvalidArgument(fmt::format("unknown modifier '{}'", raw));
    }
  }
  if ((m->re_i || m->re_m || m->re_s) && !m->re) {
    return Status::InvalidArgument("modifiers i, m and s need 're'");
  }
  return Status::Ok();
}

struct Ctx {
  const LoadOptions& options;
  std::vector<std::string>* warnings;
};

// Turns one YAML value (scalar or null) into the ValueMatches it stands for.
Status AddValue(const YAML::Node& node, const Modifiers& m, const std::string& field, Ctx& ctx,
                std::vector<ValueMatch>* out) {
  if (node.IsNull()) {
    if (m.exists || m.re || m.cidr || m.numeric || m.fieldref) {
      return Status::InvalidArgument(fmt::format("field '{}': null value with a modifier", field));
    }
    ValueMatch v;
    v.op = MatchOp::kNull;
    v.negate = m.neq;
    out->push_back(v);
    return Status::Ok();
  }
  if (!node.IsScalar()) {
    return Status::InvalidArgument(
        fmt::format("field '{}': values must be scalars or lists of scalars", field));
  }
  // A quoted 'null' or '~' stays a string; only a plain null is IsNull above.
  std::string text = node.Scalar();
  if (m.exists) {
    std::string t = Lower(text);
    if (t != "true" && t != "false") {
      return Status::InvalidArgument(fmt::format("field '{}': exists needs true or false", field));
    }
    ValueMatch v;
    v.op = MatchOp::kExists;
    v.expected_presence = t == "true";
    out->push_back(v);
    return Status::Ok();
  }
  if (m.fieldref) {
    ValueMatch v;
    v.op = MatchOp::kFieldRef;
    v.text = text;
    v.negate = m.neq;
    v.cased = m.cased;
    out->push_back(v);
    return Status::Ok();
  }
  if (m.re) {
    ValueMatch v;
    v.op = MatchOp::kRegex;
    v.text = text;
    v.regex_i = m.re_i;
    v.regex_m = m.re_m;
    v.regex_s = m.re_s;
    v.negate = m.neq;
    out->push_back(v);
    return Status::Ok();
  }
  if (m.cidr) {
    ValueMatch v;
    v.op = MatchOp::kCidr;
    v.text = text;
    v.negate = m.neq;
    out->push_back(v);
    return Status::Ok();
  }
  if (m.numeric || m.time_part != TimePart::kNone) {
    ValueMatch v;
    v.op = m.numeric.value_or(MatchOp::kString);
    v.time_part = m.time_part;
    if (!ParseNumber(text, &v.number)) {
      return Status::InvalidArgument(
          fmt::format("field '{}': '{}' is not a number for a numeric modifier", field, text));
    }
    v.pattern = Literal(text);
    v.negate = m.neq;
    out->push_back(v);
    return Status::Ok();
  }

  // String values: placeholders, then encodings, then position modifiers.
  std::vector<std::string> texts = {text};
  if (m.expand) {
    std::vector<std::string> expanded;
    for (const std::string& t : texts) {
      size_t a = t.find('%');
      size_t b = a == std::string::npos ? a : t.find('%', a + 1);
      if (b == std::string::npos) {
        expanded.push_back(t);
        continue;
      }
      std::string name = t.substr(a + 1, b - a - 1);
      auto it = ctx.options.placeholders.find(name);
      if (it == ctx.options.placeholders.end()) {
        ctx.warnings->push_back(fmt::format(
            "placeholder %{}% has no values (hunt --var {}=...); that test matches nothing", name,
            name));
        ValueMatch v;
        v.op = MatchOp::kNeverMatches;
        out->push_back(v);
        continue;
      }
      for (const std::string& value : it->second) {
        expanded.push_back(t.substr(0, a) + value + t.substr(b + 1));
      }
    }
    texts = std::move(expanded);
  }
  std::vector<Pattern> patterns;
  for (const std::string& t : texts) {
    if (m.windash) {
      CIRT_ASSIGN_OR_RETURN(std::vector<std::string> variants, Windash(t));
      for (const auto& w : variants) patterns.push_back(ParsePattern(w));
    } else if (m.base64 || m.base64offset) {
      Pattern p = ParsePattern(t);
      if (HasWildcard(p)) {
        return Status::InvalidArgument(
            fmt::format("field '{}': base64 modifiers cannot encode wildcards", field));
      }
      std::string plain = PatternText(p);
      if (m.base64offset) {
        for (auto& enc : Base64Offsets(plain)) patterns.push_back(Literal(enc));
      } else {
        patterns.push_back(Literal(Base64(plain)));
      }
    } else {
      patterns.push_back(ParsePattern(t));
    }
  }
  for (Pattern& p : patterns) {
    const PatternPart star{PatternPart::Kind::kStar, {}};
    if (m.contains || m.endswith) p.insert(p.begin(), star);
    if (m.contains || m.startswith) p.push_back(star);
    ValueMatch v;
    v.op = MatchOp::kString;
    v.pattern = std::move(p);
    v.cased = m.cased;
    v.negate = m.neq;
    ParseNumber(text, &v.number);
    out->push_back(std::move(v));
  }
  return Status::Ok();
}

Status ParseFieldTest(const std::string& key, const YAML::Node& value, Ctx& ctx, FieldTest* test) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t bar = key.find('|', start);
    parts.push_back(key.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  test->field = parts[0];
  Modifiers m;
  CIRT_RETURN_IF_ERROR(ParseModifiers({parts.begin() + 1, parts.end()}, &m));
  test->all = m.all || (m.neq && value.IsSequence());
  if (value.IsSequence()) {
    if (value.size() == 0) {
      return Status::InvalidArgument(fmt::format("field '{}': empty value list", test->field));
    }
    for (const auto& item : value) {
      CIRT_RETURN_IF_ERROR(AddValue(item, m, test->field, ctx, &test->values));
    }
  } else if (value.IsMap()) {
    return Status::InvalidArgument(fmt::format("field '{}': a map is not a value", test->field));
  } else {
    CIRT_RETURN_IF_ERROR(AddValue(value, m, test->field, ctx, &test->values));
  }
  return Status::Ok();
}

Status ParseSearch(const std::string& name, const YAML::Node& node, Ctx& ctx,
                   SearchIdentifier* out) {
  out->name = name;
  auto parse_map = [&](const YAML::Node& map) -> Status {
    std::vector<FieldTest> group;
    for (const auto& kv : map) {
      FieldTest t;
      CIRT_RETURN_IF_ERROR(ParseFieldTest(kv.first.Scalar(), kv.second, ctx, &t));
      group.push_back(std::move(t));
    }
    out->groups.push_back(std::move(group));
    return Status::Ok();
  };
  if (node.IsMap()) return parse_map(node);
  if (node.IsSequence()) {
    FieldTest keywords;
    for (const auto& item : node) {
      if (item.IsMap()) {
        CIRT_RETURN_IF_ERROR(parse_map(item));
      } else if (item.IsScalar()) {
        Modifiers m;
        m.contains = true;  // keywords match anywhere in the record
        CIRT_RETURN_IF_ERROR(AddValue(item, m, "", ctx, &keywords.values));
      } else {
        return Status::InvalidArgument(
            fmt::format("search '{}': list items must be maps or strings", name));
      }
    }
    if (!keywords.values.empty()) out->groups.push_back({std::move(keywords)});
    return Status::Ok();
  }
  if (node.IsScalar()) {
    FieldTest keywords;
    Modifiers m;
    m.contains = true;
    CIRT_RETURN_IF_ERROR(AddValue(node, m, "", ctx, &keywords.values));
    out->groups.push_back({std::move(keywords)});
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("search '{}' is empty", name));
}

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (item.IsScalar()) out.push_back(item.Scalar());
    }
  } else if (node.IsScalar()) {
    out.push_back(node.Scalar());
  }
  return out;
}

std::string Str(const YAML::Node& node) {
  return node && node.IsScalar() ? node.Scalar() : std::string();
}

// Splits "cond | aggregation" and parses the legacy aggregation part.
Status ParseAggregation(std::string_view text, const std::vector<std::string>& names,
                        Aggregation* agg) {
  std::string s(text);
  std::istringstream in(s);
  std::string word;
  in >> word;
  if (word == "near") {
    agg->kind = Aggregation::Kind::kNear;
    std::string rest;
    std::getline(in, rest);
    CIRT_ASSIGN_OR_RETURN(agg->near, ParseCondition(rest, names));
    return Status::Ok();
  }
  if (word.rfind("count(", 0) != 0) {
    return Status::Unsupported(fmt::format("aggregation '{}' is not supported", text));
  }
  size_t open = s.find('('), close = s.find(')');
  if (close == std::string::npos) return Status::InvalidArgument("count( without )");
  agg->kind = Aggregation::Kind::kCount;
  auto trim = [](std::string v) {
    v.erase(0, v.find_first_not_of(" \t"));
    v.erase(v.find_last_not_of(" \t") + 1);
    return v;
  };
  agg->count_field = trim(s.substr(open + 1, close - open - 1));
  std::istringstream tail(s.substr(close + 1));
  std::string tok;
  tail >> tok;
  if (tok == "by") {
    tail >> agg->group_by;
    tail >> tok;
  }
  if (tok == ">") agg->cmp = Aggregation::Cmp::kGt;
  else if (tok == ">=") agg->cmp = Aggregation::Cmp::kGte;
  else if (tok == "<") agg->cmp = Aggregation::Cmp::kLt;
  else if (tok == "<=") agg->cmp = Aggregation::Cmp::kLte;
  else if (tok == "=" || tok == "==") agg->cmp = Aggregation::Cmp::kEq;
  else return Status::InvalidArgument(fmt::format("aggregation: bad comparison '{}'", tok));
  std::string num;
  tail >> num;
  if (!ParseNumber(num, &agg->threshold)) {
    return Status::InvalidArgument(fmt::format("aggregation: '{}' is not a number", num));
  }
  return Status::Ok();
}

// The metadata a rule and a correlation share (title required; level
// checked).
template <typename RuleOrCorrelation>
Status ParseMetadata(const YAML::Node& doc, const std::string& file, RuleOrCorrelation* x) {
  x->file = file;
  x->title = Str(doc["title"]);
  if (x->title.empty()) return Status::InvalidArgument("missing title");
  x->id = Str(doc["id"]);
  x->name = Str(doc["name"]);
  x->status = Str(doc["status"]);
  x->description = Str(doc["description"]);
  x->author = Str(doc["author"]);
  x->date = Str(doc["date"]);
  x->tags = StringList(doc["tags"]);
  x->falsepositives = StringList(doc["falsepositives"]);
  x->references = StringList(doc["references"]);
  if (doc["level"]) {
    auto level = model::ParseLevel(Str(doc["level"]));
    if (!level) return Status::InvalidArgument(fmt::format("bad level '{}'", Str(doc["level"])));
    x->level = *level;
  }
  return Status::Ok();
}

Status ParseOneRule(const YAML::Node& doc, const std::string& file, const LoadOptions& options,
                    Rule* rule, std::vector<std::string>* warnings) {
  CIRT_RETURN_IF_ERROR(ParseMetadata(doc, file, rule));
  const YAML::Node detection = doc["detection"];
  if (!detection || !detection.IsMap()) return Status::InvalidArgument("missing detection");
  Ctx ctx{options, warnings};
  std::vector<std::string> names;
  for (const auto& kv : detection) {
    std::string key = kv.first.Scalar();
    if (key == "condition" || key == "timeframe") continue;
    SearchIdentifier search;
    Status st = ParseSearch(key, kv.second, ctx, &search);
    if (!st.ok()) {
      return Status::Make(st.code(), fmt::format("search '{}': {}", key, st.message()));
    }
    names.push_back(key);
    rule->searches.push_back(std::move(search));
  }
  if (detection["timeframe"]) {
    auto span = ParseTimespan(Str(detection["timeframe"]));
    if (!span) return Status::InvalidArgument("bad timeframe");
    rule->timeframe_us = *span;
  }
  std::vector<std::string> conditions = StringList(detection["condition"]);
  if (conditions.empty()) return Status::InvalidArgument("missing condition");
  Condition any;
  any.kind = Condition::Kind::kOr;
  for (const std::string& c : conditions) {
    std::string_view base = c;
    size_t bar = c.find('|');
    if (bar != std::string::npos) {
      if (conditions.size() > 1) {
        return Status::Unsupported("an aggregation in a list of conditions");
      }
      Aggregation agg;
      CIRT_RETURN_IF_ERROR(ParseAggregation(std::string_view(c).substr(bar + 1), names, &agg));
      rule->aggregation = std::move(agg);
      base = std::string_view(c).substr(0, bar);
    }
    CIRT_ASSIGN_OR_RETURN(Condition parsed, ParseCondition(base, names));
    any.children.push_back(std::move(parsed));
  }
  rule->condition = any.children.size() == 1 ? std::move(any.children[0]) : std::move(any);
  return Status::Ok();
}

bool IsCloudTrail(const YAML::Node& doc, std::string* why) {
  const YAML::Node ls = doc["logsource"];
  std::string product = ls ? Lower(Str(ls["product"])) : "";
  std::string service = ls ? Lower(Str(ls["service"])) : "";
  if (product == "aws" && service == "cloudtrail") return true;
  *why = fmt::format("logsource product={} service={} is not aws/cloudtrail",
                     product.empty() ? "-" : product, service.empty() ? "-" : service);
  return false;
}

// The correlation types and their names in the specification.
constexpr std::pair<std::string_view, Correlation::Type> kCorrelationTypes[] = {
    {"event_count", Correlation::Type::kEventCount},
    {"value_count", Correlation::Type::kValueCount},
    {"temporal", Correlation::Type::kTemporal},
    {"temporal_ordered", Correlation::Type::kTemporalOrdered},
    {"value_sum", Correlation::Type::kValueSum},
    {"value_avg", Correlation::Type::kValueAvg},
};

// Parses a `correlation:` document. References are resolved later.
Status ParseCorrelation(const YAML::Node& doc, const std::string& file, Correlation* c) {
  CIRT_RETURN_IF_ERROR(ParseMetadata(doc, file, c));
  if (doc["generate"]) {
    std::string g = Lower(Str(doc["generate"]));
    if (g != "true" && g != "false") {
      return Status::InvalidArgument("generate must be true or false");
    }
    c->generate = g == "true";
  }
  const YAML::Node corr = doc["correlation"];
  if (!corr.IsMap()) return Status::InvalidArgument("correlation: must be a map");

  const std::string type = Str(corr["type"]);
  if (type.empty()) return Status::InvalidArgument("correlation: missing type");
  bool known = false;
  for (const auto& [name, t] : kCorrelationTypes) {
    if (name == type) {
      c->type = t;
      known = true;
    }
  }
  if (!known) {
    if (type == "value_percentile") {
      return Status::Unsupported(
          "correlation type value_percentile is not supported (its percentile semantics are "
          "not defined precisely enough to evaluate)");
    }
    return Status::InvalidArgument(fmt::format(
        "unknown correlation type '{}' (event_count, value_count, temporal, temporal_ordered, "
        "value_sum, value_avg)",
        type));
  }

  const YAML::Node rules = corr["rules"];
  if (rules && rules.IsScalar()) {
    c->rules.push_back(rules.Scalar());
  } else if (rules && rules.IsSequence()) {
    for (const auto& r : rules) {
      if (!r.IsScalar() || r.Scalar().empty()) {
        return Status::InvalidArgument("correlation: rules must be rule ids or names");
      }
      c->rules.push_back(r.Scalar());
    }
  }
  if (c->rules.empty()) return Status::InvalidArgument("correlation: missing rules");
  {
    std::set<std::string> seen;
    for (const auto& r : c->rules) {
      if (!seen.insert(r).second) {
        return Status::InvalidArgument(fmt::format("correlation: rule '{}' listed twice", r));
      }
    }
  }

  const YAML::Node group = corr["group-by"];
  if (group && !group.IsSequence() && !group.IsScalar()) {
    return Status::InvalidArgument("correlation: group-by must be a list of fields");
  }
  c->group_by = StringList(group);

  const std::string span = Str(corr["timespan"]);
  if (span.empty()) return Status::InvalidArgument("correlation: missing timespan");
  {
    auto us = ParseTimespan(span);
    const char unit = span.back();
    const bool digits = std::all_of(span.begin(), span.end() - 1,
                                    [](unsigned char ch) { return std::isdigit(ch) != 0; });
    if (!us || *us <= 0 || !digits || (unit != 's' && unit != 'm' && unit != 'h' && unit != 'd')) {
      return Status::InvalidArgument(fmt::format(
          "correlation: bad timespan '{}' (a number and s, m, h or d, e.g. 90m)", span));
    }
    c->timespan_us = *us;
  }

  const YAML::Node cond = corr["condition"];
  if (cond) {
    if (!cond.IsMap()) return Status::InvalidArgument("correlation: condition must be a map");
    static constexpr std::pair<std::string_view, Cmp> kCmps[] = {
        {"gt", Cmp::kGt}, {"gte", Cmp::kGte}, {"lt", Cmp::kLt},
        {"lte", Cmp::kLte}, {"eq", Cmp::kEq}, {"neq", Cmp::kNeq},
    };
    for (const auto& kv : cond) {
      const std::string key = kv.first.Scalar();
      if (key == "field") {
        c->fields = StringList(kv.second);
        if (c->fields.empty()) return Status::InvalidArgument("correlation: empty condition field");
        continue;
      }
      bool found = false;
      for (const auto& [name, cmp] : kCmps) {
        if (name != key) continue;
        double v;
        if (!kv.second.IsScalar() || !ParseNumber(kv.second.Scalar(), &v)) {
          return Status::InvalidArgument(
              fmt::format("correlation: condition {} needs a number", key));
        }
        c->condition.push_back({cmp, v});
        found = true;
      }
      if (!found) {
        return Status::InvalidArgument(fmt::format(
            "correlation: unknown condition '{}' (gt, gte, lt, lte, eq, neq, field)", key));
      }
    }
  }
  const bool temporal =
      c->type == Correlation::Type::kTemporal || c->type == Correlation::Type::kTemporalOrdered;
  if (!temporal && c->condition.empty()) {
    return Status::InvalidArgument(
        fmt::format("correlation: {} needs a condition (e.g. gte: 10)", type));
  }
  const bool valued = c->type == Correlation::Type::kValueCount ||
                      c->type == Correlation::Type::kValueSum ||
                      c->type == Correlation::Type::kValueAvg;
  if (valued && c->fields.empty()) {
    return Status::InvalidArgument(fmt::format("correlation: {} needs condition.field", type));
  }
  if (!valued && !c->fields.empty()) {
    return Status::InvalidArgument(fmt::format("correlation: {} takes no condition.field", type));
  }
  if ((c->type == Correlation::Type::kValueSum || c->type == Correlation::Type::kValueAvg) &&
      c->fields.size() != 1) {
    return Status::InvalidArgument(fmt::format("correlation: {} sums one field", type));
  }

  const YAML::Node aliases = corr["aliases"];
  if (aliases) {
    if (!aliases.IsMap()) return Status::InvalidArgument("correlation: aliases must be a map");
    for (const auto& alias : aliases) {
      const std::string name = alias.first.Scalar();
      if (!alias.second.IsMap()) {
        return Status::InvalidArgument(
            fmt::format("correlation: alias '{}' must map rule names to fields", name));
      }
      auto& per_rule = c->aliases[name];
      for (const auto& kv : alias.second) {
        if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
          return Status::InvalidArgument(
              fmt::format("correlation: alias '{}': rule '{}' needs a field name", name,
                          kv.first.Scalar()));
        }
        per_rule[kv.first.Scalar()] = kv.second.Scalar();
      }
    }
  }
  return Status::Ok();
}

}  // namespace

std::optional<int64_t> ParseTimespan(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  char unit = s.back();
  double n;
  if (!ParseNumber(s.substr(0, s.size() - 1), &n) || n < 0) return std::nullopt;
  int64_t mult;
  switch (unit) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    case 'w': mult = 7 * 86400; break;
    case 'M': mult = 30 * 86400; break;
    case 'y': mult = 365 * 86400; break;
    default: return std::nullopt;
  }
  const double us = n * static_cast<double>(mult) * 1e6;
  if (!(us < 9e18)) return std::nullopt;  // would overflow int64
  return static_cast<int64_t>(us);
}

std::string_view CorrelationTypeName(Correlation::Type type) {
  for (const auto& [name, t] : kCorrelationTypes) {
    if (t == type) return name;
  }
  return "event_count";
}

Pattern ParsePattern(std::string_view text) {
  Pattern p;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) p.push_back({PatternPart::Kind::kLiteral, std::move(lit)});
    lit.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() &&
        (text[i + 1] == '*' || text[i + 1] == '?' || text[i + 1] == '\\')) {
      lit += text[++i];
    } else if (c == '*') {
      flush();
      if (p.empty() || p.back().kind != PatternPart::Kind::kStar) {
        p.push_back({PatternPart::Kind::kStar, {}});
      }
    } else if (c == '?') {
      flush();
      p.push_back({PatternPart::Kind::kQuestion, {}});
    } else {
      lit += c;
    }
  }
  flush();
  return p;
}

std::vector<LoadOutcome> ParseRules(std::string_view yaml, const std::string& file,
                                    const LoadOptions& options, std::vector<Rule>* out,
                                    std::vector<Correlation>* correlations) {
  std::vector<LoadOutcome> outcomes;
  std::vector<YAML::Node> docs;
  {
    Result<std::vector<YAML::Node>> loaded = io::LoadYamlDocuments(yaml);
    if (!loaded.ok()) {
      outcomes.push_back({file, LoadOutcome::Kind::kError, std::string(loaded.status().message())});
      return outcomes;
    }
    docs = std::move(loaded).value();
  }
  for (const YAML::Node& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    try {
      if (!doc.IsMap()) {
        outcomes.push_back({file, LoadOutcome::Kind::kError, "document is not a map"});
        continue;
      }
      if (doc["correlation"]) {
        if (correlations == nullptr) {
          outcomes.push_back({file, LoadOutcome::Kind::kCorrelation, "correlation rule: not loaded"});
          continue;
        }
        Correlation c;
        Status st = ParseCorrelation(doc, file, &c);
        if (!st.ok()) {
          std::string title = Str(doc["title"]);
          outcomes.push_back({file, LoadOutcome::Kind::kError,
                              title.empty() ? std::string(st.message())
                                            : fmt::format("{}: {}", title, st.message())});
          continue;
        }
        outcomes.push_back({file, LoadOutcome::Kind::kCorrelation, ""});
        correlations->push_back(std::move(c));
        continue;
      }
      if (doc["filter"] && !doc["detection"]) {
        outcomes.push_back({file, LoadOutcome::Kind::kOtherLogsource, "Sigma filter document"});
        continue;
      }
      std::string why;
      if (!IsCloudTrail(doc, &why)) {
        outcomes.push_back({file, LoadOutcome::Kind::kOtherLogsource, why});
        continue;
      }
      Rule rule;
      std::vector<std::string> warnings;
      Status st = ParseOneRule(doc, file, options, &rule, &warnings);
      if (!st.ok()) {
        std::string title = Str(doc["title"]);
        outcomes.push_back({file, LoadOutcome::Kind::kError,
                            title.empty() ? std::string(st.message())
                                          : fmt::format("{}: {}", title, st.message())});
        continue;
      }
      std::string joined;
      for (const auto& w : warnings) joined += (joined.empty() ? "" : "; ") + w;
      outcomes.push_back({file, LoadOutcome::Kind::kLoaded, joined});
      out->push_back(std::move(rule));
    } catch (const YAML::Exception& e) {
      outcomes.push_back({file, LoadOutcome::Kind::kError,
                          fmt::format("unexpected YAML structure: {}", e.msg)});
    }
  }
  return outcomes;
}

Status LoadRules(const std::string& path, const LoadOptions& options, std::vector<Rule>* out,
                 std::vector<LoadOutcome>* outcomes, std::vector<Correlation>* correlations) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string ext = it->path().extension().string();
      if (ext == ".yml" || ext == ".yaml") files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
  } else {
    return Status::NotFound("rules path does not exist", {.file = path});
  }
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      outcomes->push_back({f, LoadOutcome::Kind::kError, "cannot read file"});
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto got = ParseRules(ss.str(), f, options, out, correlations);
    outcomes->insert(outcomes->end(), got.begin(), got.end());
  }
  return Status::Ok();
}

}  // namespace cirt::detect::sigma
