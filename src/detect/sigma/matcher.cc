#include "detect/sigma/matcher.h"

#include <arpa/inet.h>
#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "model/event.h"

namespace cirt::detect::sigma {

using model::FieldValue;
using model::ValueKind;

namespace {

constexpr uint32_t kRawSlot = UINT32_MAX;  // keyword searches: the whole record text

enum class PredKind : uint8_t {
  kExactCi, kExactCs, kAnyString, kHs, kRegex, kCidr, kNumeric, kPresent, kNull, kFieldRef, kNever,
};

struct Cidr {
  int family = AF_INET;
  unsigned char addr[16] = {};
  int prefix = 0;
};

struct Pred {
  PredKind kind;
  uint32_t slot;
  std::string key;  // exact value (lower-cased when ci), hs expression, regex, field
  bool cased = false;
  std::unique_ptr<RE2> regex;
  Cidr cidr;
  MatchOp op = MatchOp::kString;
  double number = 0;
  TimePart time_part = TimePart::kNone;
  uint32_t other_slot = 0;  // kFieldRef
  // kHs of the form "literal*" (startswith): the literal, lower-cased (for
  // reading gates, see GateRuleSlots); else empty.
  std::string prefix;
  // kRegex: the Sigma pattern and its vectorscan prefilter (a superset
  // matcher); RE2 runs only where the prefilter fired.
  std::string regex_source;
  unsigned regex_hs_flags = 0;
  bool prefiltered = false;
};

// Vectorscan ids with this bit are regex prefilter hits, not predicates.
constexpr unsigned kPrefilterBit = 1u << 31;

struct CompiledValue {
  uint32_t pred;
  bool invert;            // result is !bit
  bool require_present;   // and the field must be present (neq)
};

struct CompiledTest {
  uint32_t slot;
  std::vector<CompiledValue> values;
  bool all;
};

using CompiledGroup = std::vector<CompiledTest>;
using CompiledSearch = std::vector<CompiledGroup>;

struct CompiledRule {
  std::vector<CompiledSearch> searches;
  Condition condition;
};

inline char FoldAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Exact values of one field -> the predicates they satisfy. Open addressing
// over a hash computed while folding case, so a lookup neither copies nor
// lower-cases the record's value.
class ExactTable {
 public:
  explicit ExactTable(bool fold) : fold_(fold) {}
  bool empty() const { return size_ == 0; }

  // `key` is stored as given (callers lower-case it for folding tables).
  std::vector<uint32_t>& Insert(const std::string& key) {
    if ((size_ + 1) * 2 > buckets_.size()) Grow();
    uint64_t h = Hash(key);
    size_t mask = buckets_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Bucket& b = buckets_[i];
      if (!b.used) {
        b = Bucket{true, h, key, {}};
        ++size_;
        length_mask_ |= 1ULL << std::min<size_t>(key.size(), 63);
        return b.preds;
      }
      if (b.hash == h && b.key == key) return b.preds;
    }
  }

  const std::vector<uint32_t>* Find(std::string_view text) const {
    // Most values have a length no key has: reject those before hashing.
    if (((length_mask_ >> std::min<size_t>(text.size(), 63)) & 1) == 0) return nullptr;
    uint64_t h = Hash(text);
    size_t mask = buckets_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Bucket& b = buckets_[i];
      if (!b.used) return nullptr;
      if (b.hash == h && Equal(b.key, text)) return &b.preds;
    }
  }

 private:
  struct Bucket {
    bool used = false;
    uint64_t hash = 0;
    std::string key;
    std::vector<uint32_t> preds;
  };
  // Mixes the length and the first and last 8 bytes. Folding tables OR every
  // byte with 0x20, which maps 'A'-'Z' onto 'a'-'z' (and merges a few
  // punctuation pairs, which only costs a rare extra comparison).
  uint64_t Hash(std::string_view s) const {
    const uint64_t fold = fold_ ? 0x2020202020202020ULL : 0;
    uint64_t head = 0, tail = 0;
    if (s.size() >= 8) {
      std::memcpy(&head, s.data(), 8);
      std::memcpy(&tail, s.data() + s.size() - 8, 8);
    } else {
      std::memcpy(&head, s.data(), s.size());
    }
    uint64_t h = (head | fold) * 0x9E3779B97F4A7C15ULL;
    h ^= ((tail | fold) + s.size()) * 0xC2B2AE3D27D4EB4FULL;
    return h ^ (h >> 29);
  }
  bool Equal(const std::string& key, std::string_view text) const {
    if (key.size() != text.size()) return false;
    if (!fold_) return std::memcmp(key.data(), text.data(), key.size()) == 0;
    for (size_t i = 0; i < key.size(); ++i) {
      if (key[i] != FoldAscii(text[i])) return false;
    }
    return true;
  }
  void Grow() {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(old.empty() ? 16 : old.size() * 2, Bucket{});
    size_ = 0;
    for (Bucket& b : old) {
      if (b.used) Insert(b.key) = std::move(b.preds);
    }
  }
  bool fold_;
  size_t size_ = 0;
  uint64_t length_mask_ = 0;  // bit n: a key of length n (63: 63 or more)
  std::vector<Bucket> buckets_;
};

struct SlotIndex {
  uint32_t slot;
  // No rule is anchored on this slot's patterns: scan it only on demand.
  bool lazy = false;
  ExactTable exact_ci{true};
  ExactTable exact_cs{false};
  std::vector<uint32_t> any_string;
  std::vector<uint32_t> hs_preds;
  hs_database_t* db = nullptr;
  std::vector<uint32_t> others;
};

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// A Pattern as a vectorscan expression: literals escaped byte by byte,
// leading/trailing stars dropped in favour of missing anchors.
std::string HsExpression(const Pattern& p) {
  size_t begin = 0, end = p.size();
  bool anchored_start = true, anchored_end = true;
  if (begin < end && p[begin].kind == PatternPart::Kind::kStar) {
    anchored_start = false;
    ++begin;
  }
  if (end > begin && p[end - 1].kind == PatternPart::Kind::kStar) {
    anchored_end = false;
    --end;
  }
  std::string re = anchored_start ? "\\A" : "";
  for (size_t i = begin; i < end; ++i) {
    switch (p[i].kind) {
      case PatternPart::Kind::kStar: re += ".*"; break;
      case PatternPart::Kind::kQuestion:
        // One character, not one byte: records are UTF-8 (validated by simdjson).
        re += "(?:[\\x00-\\x7f]|[\\xc0-\\xdf][\\x80-\\xbf]|[\\xe0-\\xef][\\x80-\\xbf]{2}|"
              "[\\xf0-\\xf7][\\x80-\\xbf]{3})";
        break;
      case PatternPart::Kind::kLiteral:
        for (unsigned char c : p[i].text) {
          if (std::isalnum(c)) {
            re += static_cast<char>(c);
          } else {
            re += fmt::format("\\x{:02x}", c);
          }
        }
        break;
    }
  }
  if (anchored_end) re += "\\z";
  return re;
}

bool ParseIp(std::string_view text, Cidr* out) {
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out->addr) == 1) {
    out->family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out->addr) == 1) {
    out->family = AF_INET6;
    return true;
  }
  return false;
}

bool ParseCidr(std::string_view text, Cidr* out) {
  size_t slash = text.find('/');
  if (!ParseIp(text.substr(0, slash), out)) return false;
  int max = out->family == AF_INET ? 32 : 128;
  out->prefix = max;
  if (slash != std::string_view::npos) {
    std::string bits(text.substr(slash + 1));
    if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    out->prefix = std::stoi(bits);
    if (out->prefix > max) return false;
  }
  return true;
}

bool InCidr(const Cidr& net, std::string_view ip_text) {
  Cidr ip;
  if (ip_text.size() > 45 || !ParseIp(ip_text, &ip) || ip.family != net.family) return false;
  int full = net.prefix / 8, rest = net.prefix % 8;
  if (std::memcmp(ip.addr, net.addr, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (ip.addr[full] & mask) == (net.addr[full] & mask);
}

std::optional<double> NumberOf(const FieldValue& v) {
  if (v.kind == ValueKind::kNumber) return v.number;
  if (v.kind != ValueKind::kString || v.text.empty()) return std::nullopt;
  // A plain decimal number only: strtod would also take " 7", "0x1f", "inf".
  double d = 0;
  auto [ptr, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d,
                                   std::chars_format::general);
  if (ec != std::errc() || ptr != v.text.data() + v.text.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

std::optional<double> TimePartOf(const FieldValue& v, TimePart part) {
  if (v.kind != ValueKind::kString) return std::nullopt;
  auto t = model::ParseUtcTimestamp(v.text);
  if (!t) return std::nullopt;
  std::string iso = model::FormatUtcTimestamp(*t);
  auto num = [&](size_t pos, size_t n) { return std::stod(iso.substr(pos, n)); };
  switch (part) {
    case TimePart::kYear: return num(0, 4);
    case TimePart::kMonth: return num(5, 2);
    case TimePart::kDay: return num(8, 2);
    case TimePart::kHour: return num(11, 2);
    case TimePart::kMinute: return num(14, 2);
    case TimePart::kWeek: {
      // ISO-8601 week number.
      int64_t days = *t / 86400000000LL;
      int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);  // Monday = 0
      int64_t thursday = days - weekday + 3;
      auto year_start = model::ParseUtcTimestamp(
          model::FormatUtcTimestamp(thursday * 86400000000LL).substr(0, 4) + "-01-01T00:00:00Z");
      return static_cast<double>((thursday - *year_start / 86400000000LL) / 7 + 1);
    }
    case TimePart::kNone: break;
  }
  return std::nullopt;
}

// Decodes the escapes of JSON text (\" \\ \/ \n \uXXXX ...), so keywords match
// the text of values rather than their JSON spelling. Malformed escapes are
// copied as they are.
void JsonUnescape(std::string_view in, std::string* out) {
  out->clear();
  auto hex4 = [&](size_t pos, uint32_t* cp) {
    if (pos + 4 > in.size()) return false;
    uint32_t v = 0;
    for (size_t k = pos; k < pos + 4; ++k) {
      char c = in[k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    *cp = v;
    return true;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\' || i + 1 >= in.size()) {
      *out += c;
      continue;
    }
    char e = in[i + 1];
    switch (e) {
      case '"': case '\\': case '/': *out += e; ++i; continue;
      case 'b': *out += '\b'; ++i; continue;
      case 'f': *out += '\f'; ++i; continue;
      case 'n': *out += '\n'; ++i; continue;
      case 'r': *out += '\r'; ++i; continue;
      case 't': *out += '\t'; ++i; continue;
      case 'u': break;
      default: *out += c; continue;
    }
    uint32_t cp;
    if (!hex4(i + 2, &cp)) {
      *out += c;
      continue;
    }
    size_t consumed = 6;
    uint32_t low;
    if (cp >= 0xD800 && cp < 0xDC00 && i + 12 <= in.size() && in[i + 6] == '\\' &&
        in[i + 7] == 'u' && hex4(i + 8, &low) && low >= 0xDC00 && low < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      consumed = 12;
    }
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    i += consumed - 1;
  }
}

bool Compare(MatchOp op, double lhs, double rhs) {
  switch (op) {
    case MatchOp::kLt: return lhs < rhs;
    case MatchOp::kLte: return lhs <= rhs;
    case MatchOp::kGt: return lhs > rhs;
    case MatchOp::kGte: return lhs >= rhs;
    default: return lhs == rhs;
  }
}

}  // namespace

class Matcher::Scratch {
 public:
  std::vector<uint64_t> bits;
  std::vector<uint32_t> stamp;
  uint32_t epoch = 0;
  std::vector<uint32_t> candidates;
  hs_scratch_t* hs = nullptr;
  std::string lower;
  std::string unescaped;  // keyword searches: the record text with JSON escapes decoded
  std::string number;     // a number field's value in canonical form
  ~Scratch() {
    if (hs) hs_free_scratch(hs);
  }
  std::vector<uint64_t> prefilter;  // regex preds whose prefilter fired
  std::vector<uint32_t> scanned;    // slot index -> epoch its patterns were matched
  // What a string value's patterns matched, remembered per slot: field
  // values repeat (user agents, ARNs, event names), and a hash lookup costs
  // less than a vectorscan call and the regular expressions. Direct-mapped.
  struct MemoEntry {
    uint64_t hash = 0;
    bool valid = false;
    std::string text;
    std::vector<uint32_t> preds;  // the non-prefilter predicates that matched
  };
  static constexpr size_t kMemoEntries = 2048;  // per slot, a power of two
  static constexpr size_t kMemoMaxText = 256;   // longer values are not remembered
  std::vector<std::vector<MemoEntry>> memo;      // slot index -> table (sized on first use)
  std::vector<uint32_t>* found = nullptr;        // collects matches while a value is scanned
  std::vector<uint32_t> found_storage;
  void Set(uint32_t pred) { bits[pred >> 6] |= 1ULL << (pred & 63); }
  bool Get(uint32_t pred) const { return (bits[pred >> 6] >> (pred & 63)) & 1; }
  void SetPrefilter(uint32_t pred) { prefilter[pred >> 6] |= 1ULL << (pred & 63); }
  bool GetPrefilter(uint32_t pred) const { return (prefilter[pred >> 6] >> (pred & 63)) & 1; }
};

struct Matcher::Impl {
  std::vector<Rule> rules;
  std::vector<CompiledRule> compiled;
  std::vector<Pred> preds;
  std::map<std::string, uint32_t> pred_ids;  // dedupe key -> id
  std::vector<SlotIndex> slots;              // one per slot with value predicates
  std::map<uint32_t, size_t> slot_to_index;
  std::vector<int32_t> dense_index;  // slot -> index in `slots`, or -1 (built after compile)
  int32_t raw_index = -1;            // index of the keyword (raw record) slot, or -1
  std::vector<uint32_t> record_preds;        // kPresent, kNull, kFieldRef, kNever
  std::vector<uint8_t> record_level;         // pred -> 1 when in record_preds
  std::vector<int32_t> lazy_slot_of;         // pred -> its lazy slot's index, or -1
  std::vector<std::vector<uint32_t>> anchored;  // pred -> rules it can trigger
  std::vector<uint32_t> always;              // rules without a necessary predicate
  hs_scratch_t* proto_scratch = nullptr;
  model::FieldPlan* plan = nullptr;
  int64_t event_name_slot = -1;
  // Set while choosing necessary predicates for reading gates (Cost).
  bool gating = false;

  ~Impl() {
    for (auto& s : slots) {
      if (s.db) hs_free_database(s.db);
    }
    if (proto_scratch) hs_free_scratch(proto_scratch);
  }

  SlotIndex& IndexFor(uint32_t slot) {
    auto it = slot_to_index.find(slot);
    if (it != slot_to_index.end()) return slots[it->second];
    slot_to_index[slot] = slots.size();
    slots.push_back(SlotIndex{});
    slots.back().slot = slot;
    return slots.back();
  }

  uint32_t SlotFor(const std::string& field) {
    if (field.empty()) {
      plan->set_needs_raw_record(true);
      return kRawSlot;
    }
    return plan->AddRulePath(field);
  }

  Result<uint32_t> AddPred(Pred p) {
    std::string dedupe = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", static_cast<int>(p.kind),
                                     p.slot, p.key, p.cased, static_cast<int>(p.op), p.number,
                                     static_cast<int>(p.time_part), p.other_slot,
                                     p.regex ? p.regex->pattern() : "", p.cidr.prefix);
    auto it = pred_ids.find(dedupe);
    if (it != pred_ids.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(preds.size());
    switch (p.kind) {
      case PredKind::kExactCi: IndexFor(p.slot).exact_ci.Insert(p.key).push_back(id); break;
      case PredKind::kExactCs: IndexFor(p.slot).exact_cs.Insert(p.key).push_back(id); break;
      case PredKind::kAnyString: IndexFor(p.slot).any_string.push_back(id); break;
      case PredKind::kHs: IndexFor(p.slot).hs_preds.push_back(id); break;
      case PredKind::kRegex:
      case PredKind::kCidr:
      case PredKind::kNumeric: IndexFor(p.slot).others.push_back(id); break;
      case PredKind::kPresent:
      case PredKind::kNull:
      case PredKind::kFieldRef:
      case PredKind::kNever: record_preds.push_back(id); break;
    }
    preds.push_back(std::move(p));
    pred_ids.emplace(std::move(dedupe), id);
    return id;
  }

  Result<CompiledValue> CompileValue(uint32_t slot, const ValueMatch& v) {
    Pred p;
    p.slot = slot;
    CompiledValue cv{0, false, false};
    switch (v.op) {
      case MatchOp::kString: {
        if (v.time_part != TimePart::kNone) {
          p.kind = PredKind::kNumeric;
          p.op = MatchOp::kString;
          p.number = v.number;
          p.time_part = v.time_part;
          break;
        }
        bool wild = std::any_of(v.pattern.begin(), v.pattern.end(), [](const PatternPart& x) {
          return x.kind != PatternPart::Kind::kLiteral;
        });
        if (!wild) {
          std::string lit = v.pattern.empty() ? "" : v.pattern[0].text;
          p.kind = v.cased ? PredKind::kExactCs : PredKind::kExactCi;
          p.key = v.cased ? lit : AsciiLower(lit);
        } else if (v.pattern.size() == 1) {  // a lone '*'
          p.kind = PredKind::kAnyString;
        } else {
          p.kind = PredKind::kHs;
          p.key = HsExpression(v.pattern);
          p.cased = v.cased;
          if (v.pattern.size() == 2 && v.pattern[0].kind == PatternPart::Kind::kLiteral &&
              v.pattern[1].kind == PatternPart::Kind::kStar) {
            p.prefix = AsciiLower(v.pattern[0].text);
          }
        }
        break;
      }
      case MatchOp::kRegex: {
        RE2::Options opts;
        opts.set_log_errors(false);
        opts.set_case_sensitive(!v.regex_i);
        opts.set_dot_nl(v.regex_s);
        opts.set_never_nl(false);
        std::string pattern = v.regex_m ? "(?m)" + v.text : v.text;
        auto re = std::make_unique<RE2>(pattern, opts);
        if (!re->ok()) {
          return Status::InvalidArgument(fmt::format("bad regular expression '{}': {}", v.text,
                                                     re->error()));
        }
        p.kind = PredKind::kRegex;
        p.regex = std::move(re);
        p.key = pattern;
        p.regex_source = v.text;
        p.regex_hs_flags = (v.regex_i ? HS_FLAG_CASELESS : 0u) |
                           (v.regex_m ? HS_FLAG_MULTILINE : 0u) | (v.regex_s ? HS_FLAG_DOTALL : 0u);
        break;
      }
      case MatchOp::kCidr:
        p.kind = PredKind::kCidr;
        if (!ParseCidr(v.text, &p.cidr)) {
          return Status::InvalidArgument(fmt::format("bad CIDR '{}'", v.text));
        }
        p.key = v.text;
        break;
      case MatchOp::kLt:
      case MatchOp::kLte:
      case MatchOp::kGt:
      case MatchOp::kGte:
        p.kind = PredKind::kNumeric;
        p.op = v.op;
        p.number = v.number;
        p.time_part = v.time_part;
        break;
      case MatchOp::kExists:
        p.kind = PredKind::kPresent;
        cv.invert = !v.expected_presence;
        break;
      case MatchOp::kNull: p.kind = PredKind::kNull; break;
      case MatchOp::kFieldRef:
        if (slot == kRawSlot) return Status::InvalidArgument("fieldref needs a field");
        p.kind = PredKind::kFieldRef;
        p.other_slot = plan->AddRulePath(v.text);
        p.cased = v.cased;
        p.key = v.text;
        break;
      case MatchOp::kNeverMatches: p.kind = PredKind::kNever; break;
    }
    if (slot == kRawSlot && p.kind != PredKind::kHs && p.kind != PredKind::kExactCi &&
        p.kind != PredKind::kExactCs && p.kind != PredKind::kAnyString &&
        p.kind != PredKind::kRegex && p.kind != PredKind::kNever) {
      return Status::Unsupported("keyword searches support string and regex values only");
    }
    if (v.negate) {
      cv.invert = !cv.invert;
      cv.require_present = p.kind != PredKind::kNull;
    }
    CIRT_ASSIGN_OR_RETURN(cv.pred, AddPred(std::move(p)));
    return cv;
  }

  Status CompileRule(const Rule& rule, CompiledRule* out) {
    for (const SearchIdentifier& search : rule.searches) {
      CompiledSearch cs;
      for (const auto& group : search.groups) {
        CompiledGroup cg;
        for (const FieldTest& test : group) {
          CompiledTest ct;
          ct.slot = SlotFor(test.field);
          ct.all = test.all;
          for (const ValueMatch& v : test.values) {
            auto cv = CompileValue(ct.slot, v);
            if (!cv.ok()) {
              return Status::Make(cv.status().code(),
                                  fmt::format("search '{}', field '{}': {}", search.name,
                                              test.field, cv.status().message()));
            }
            ct.values.push_back(*cv);
          }
          cg.push_back(std::move(ct));
        }
        cs.push_back(std::move(cg));
      }
      out->searches.push_back(std::move(cs));
    }
    out->condition = rule.condition;
    return Status::Ok();
  }

  // --- reading gates (model::FieldPlan::GateSlot) ---

  // A rule that can only match records with some eventNames (its necessary
  // predicates are all eventName values or "prefix*" patterns) lets readers
  // skip its fields in other records; any other rule needs its fields in
  // every record.
  void GateRuleSlots(const CompiledRule& r, const std::optional<std::vector<uint32_t>>& necessary) {
    model::EventNameGate names;
    bool gated = necessary.has_value();
    if (gated) {
      for (uint32_t id : *necessary) {
        const Pred& p = preds[id];
        if (static_cast<int64_t>(p.slot) != event_name_slot) {
          gated = false;
        } else if (p.kind == PredKind::kExactCi || p.kind == PredKind::kExactCs) {
          names.names.insert(AsciiLower(p.key));
        } else if (p.kind == PredKind::kHs && !p.prefix.empty()) {
          names.prefixes.insert(p.prefix);
        } else {
          gated = false;
        }
        if (!gated) break;
      }
    }
    auto gate = [&](uint32_t slot) {
      if (slot != kRawSlot) plan->GateSlot(slot, gated ? &names : nullptr);
    };
    for (const CompiledSearch& search : r.searches) {
      for (const CompiledGroup& group : search) {
        for (const CompiledTest& t : group) {
          gate(t.slot);
          for (const CompiledValue& v : t.values) {
            gate(preds[v.pred].slot);
            if (preds[v.pred].kind == PredKind::kFieldRef) gate(preds[v.pred].other_slot);
          }
        }
      }
    }
  }

  // --- necessary predicates (a rule can only match if one of them is set) ---
  using PredSet = std::optional<std::vector<uint32_t>>;

  // How often a set of predicates is expected to fire: eventName values are
  // the most selective anchors, other exact values less (eventSource,
  // userIdentity.type), patterns least and cost a scan.
  int Cost(const std::vector<uint32_t>& set) const {
    int cost = 0;
    for (uint32_t p : set) {
      PredKind k = preds[p].kind;
      if (gating) {  // GateRuleSlots: eventName values and prefixes, or nothing
        const bool name = static_cast<int64_t>(preds[p].slot) == event_name_slot &&
                          (k == PredKind::kExactCi || k == PredKind::kExactCs ||
                           (k == PredKind::kHs && !preds[p].prefix.empty()));
        cost += name ? 1 : 1000000;
        continue;
      }
      if (k == PredKind::kExactCi || k == PredKind::kExactCs) {
        cost += static_cast<int64_t>(preds[p].slot) == event_name_slot ? 1 : 8;
      } else {
        cost += 20;
      }
    }
    return cost;
  }

  PredSet Best(const std::vector<PredSet>& options) const {
    PredSet best;
    for (const auto& o : options) {
      if (o && (!best || Cost(*o) < Cost(*best))) best = o;
    }
    return best;
  }

  PredSet NecessaryTest(const CompiledTest& t) const {
    std::vector<uint32_t> set;
    for (const auto& v : t.values) {
      if (v.invert) return std::nullopt;
      PredKind k = preds[v.pred].kind;
      if (k == PredKind::kNull || k == PredKind::kNever || k == PredKind::kAnyString ||
          k == PredKind::kPresent ||
          k == PredKind::kFieldRef) {
        return std::nullopt;
      }
      if (t.all) return std::vector<uint32_t>{v.pred};
      set.push_back(v.pred);
    }
    if (set.empty()) return std::nullopt;
    return set;
  }

  PredSet NecessarySearch(const CompiledSearch& s) const {
    std::vector<uint32_t> all;
    for (const auto& group : s) {
      std::vector<PredSet> opts;
      for (const auto& t : group) opts.push_back(NecessaryTest(t));
      PredSet g = Best(opts);
      if (!g) return std::nullopt;
      all.insert(all.end(), g->begin(), g->end());
    }
    if (all.empty()) return std::nullopt;
    return all;
  }

  PredSet Necessary(const CompiledRule& r, const Condition& c) const {
    switch (c.kind) {
      case Condition::Kind::kRef: return NecessarySearch(r.searches[c.ref]);
      case Condition::Kind::kAnd: {
        std::vector<PredSet> opts;
        for (const auto& child : c.children) opts.push_back(Necessary(r, child));
        return Best(opts);
      }
      case Condition::Kind::kOr: {
        std::vector<uint32_t> all;
        for (const auto& child : c.children) {
          PredSet s = Necessary(r, child);
          if (!s) return std::nullopt;
          all.insert(all.end(), s->begin(), s->end());
        }
        return all;
      }
      case Condition::Kind::kFalse: return std::vector<uint32_t>{};
      default: return std::nullopt;
    }
  }

  // True when vectorscan can build a prefilter for `p` alone.
  static bool PrefilterCompiles(const Pred& p) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    unsigned flags = p.regex_hs_flags | HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
    if (hs_compile(p.regex_source.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &err) !=
        HS_SUCCESS) {
      if (err) hs_free_compile_error(err);
      return false;
    }
    hs_free_database(db);
    return true;
  }

  Status BuildDatabases() {
    for (SlotIndex& s : slots) {
      std::vector<const char*> exprs;
      std::vector<unsigned> flags, ids;
      for (uint32_t id : s.hs_preds) {
        exprs.push_back(preds[id].key.c_str());
        unsigned f = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
        if (!preds[id].cased) f |= HS_FLAG_CASELESS;
        flags.push_back(f);
        ids.push_back(id);
      }
      for (uint32_t id : s.others) {
        Pred& p = preds[id];
        if (p.kind != PredKind::kRegex || !PrefilterCompiles(p)) continue;
        p.prefiltered = true;
        exprs.push_back(p.regex_source.c_str());
        flags.push_back(p.regex_hs_flags | HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH |
                        HS_FLAG_ALLOWEMPTY);
        ids.push_back(id | kPrefilterBit);
      }
      if (exprs.empty()) continue;
      hs_compile_error_t* err = nullptr;
      if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &s.db,
                           &err) != HS_SUCCESS) {
        std::string msg = err ? err->message : "unknown error";
        int expr = err ? err->expression : -1;
        if (err) hs_free_compile_error(err);
        return Status::Internal(fmt::format("vectorscan: cannot compile '{}': {}",
                                            expr >= 0 ? exprs[static_cast<size_t>(expr)] : "",
                                            msg));
      }
      if (hs_alloc_scratch(s.db, &proto_scratch) != HS_SUCCESS) {
        return Status::Internal("vectorscan: cannot allocate scratch");
      }
    }
    return Status::Ok();
  }

  // --- per record ---
  static int OnHsMatch(unsigned int id, unsigned long long, unsigned long long, unsigned int,
                       void* ctx) {
    auto* scratch = static_cast<Scratch*>(ctx);
    if (id & kPrefilterBit) {
      scratch->SetPrefilter(id & ~kPrefilterBit);
    } else {
      scratch->Set(id);
      if (scratch->found) scratch->found->push_back(id);
    }
    return 0;
  }

  static void SetAll(const std::vector<uint32_t>* ids, Scratch* scratch) {
    if (ids == nullptr) return;
    for (uint32_t id : *ids) scratch->Set(id);
  }

  // Exact values and lone wildcards: hash lookups, always done.
  void MatchExact(const SlotIndex& s, const FieldValue& v, Scratch* scratch) const {
    SetAll(s.exact_ci.Find(v.text), scratch);
    SetAll(s.exact_cs.Find(v.text), scratch);
    for (uint32_t id : s.any_string) scratch->Set(id);
    if (v.kind == ValueKind::kNumber && (!s.exact_ci.empty() || !s.exact_cs.empty())) {
      // 3600.0 and 3.6e3 in a record equal the rule value 3600.
      char buf[64];
      auto end = fmt::format_to_n(buf, sizeof buf, "{}", v.number).out;
      std::string_view canonical(buf, static_cast<size_t>(end - buf));
      if (canonical != v.text) {
        SetAll(s.exact_ci.Find(canonical), scratch);
        SetAll(s.exact_cs.Find(canonical), scratch);
      }
    }
  }

  // Wildcards (one vectorscan scan for all of them), regular expressions,
  // CIDR, numeric and time tests.
  // String values are looked up in the slot's memo first (Scratch::memo).
  void MatchPatterns(const SlotIndex& s, const FieldValue& v, Scratch* scratch) const {
    Scratch::MemoEntry* memo = nullptr;
    uint64_t hash = 0;
    if (v.kind == ValueKind::kString && v.text.size() <= Scratch::kMemoMaxText) {
      hash = std::hash<std::string_view>()(v.text);
      auto& table = scratch->memo[static_cast<size_t>(&s - slots.data())];
      if (table.empty()) table.resize(Scratch::kMemoEntries);
      memo = &table[hash & (Scratch::kMemoEntries - 1)];
      if (memo->valid && memo->hash == hash && memo->text == v.text) {
        for (uint32_t id : memo->preds) scratch->Set(id);
        return;
      }
      scratch->found_storage.clear();
      scratch->found = &scratch->found_storage;
    }
    ScanPatterns(s, v, scratch);
    if (memo != nullptr) {
      scratch->found = nullptr;
      memo->valid = true;
      memo->hash = hash;
      memo->text.assign(v.text);
      memo->preds.assign(scratch->found_storage.begin(), scratch->found_storage.end());
    }
  }

  // Matches `v` against the slot's patterns; with scratch->found set, every
  // matching predicate is also appended there (and none is skipped).
  void ScanPatterns(const SlotIndex& s, const FieldValue& v, Scratch* scratch) const {
    if (s.db != nullptr) {
      hs_scan(s.db, v.text.data(), static_cast<unsigned>(v.text.size()), 0, scratch->hs,
              OnHsMatch, scratch);
    }
    for (uint32_t id : s.others) {
      if (scratch->found == nullptr && scratch->Get(id)) continue;
      const Pred& p = preds[id];
      bool hit = false;
      switch (p.kind) {
        case PredKind::kRegex:
          if (p.prefiltered && !scratch->GetPrefilter(id)) break;
          // Match() with no submatches: PartialMatch allocates per call.
          hit = p.regex->Match(v.text, 0, v.text.size(), RE2::UNANCHORED, nullptr, 0);
          break;
        case PredKind::kCidr: hit = v.kind == ValueKind::kString && InCidr(p.cidr, v.text); break;
        case PredKind::kNumeric: {
          auto n = p.time_part != TimePart::kNone ? TimePartOf(v, p.time_part) : NumberOf(v);
          hit = n && Compare(p.op, *n, p.number);
          break;
        }
        default: break;
      }
      if (hit) {
        scratch->Set(id);
        if (scratch->found) scratch->found->push_back(id);
      }
    }
  }

  void MatchValue(const SlotIndex& s, const FieldValue& v, Scratch* scratch) const {
    if (v.kind == ValueKind::kNull) return;
    MatchExact(s, v, scratch);
    MatchPatterns(s, v, scratch);
  }

  // A lazy slot's patterns are matched the first time a candidate rule reads
  // one of them in this record.
  void EnsureScanned(int32_t slot_index, const model::FieldValues& values,
                     Scratch* scratch) const {
    if (scratch->scanned[static_cast<size_t>(slot_index)] == scratch->epoch) return;
    scratch->scanned[static_cast<size_t>(slot_index)] = scratch->epoch;
    const SlotIndex& s = slots[static_cast<size_t>(slot_index)];
    for (const FieldValue& v : values.at(s.slot)) {
      if (v.kind != ValueKind::kNull) MatchPatterns(s, v, scratch);
    }
  }

  bool TextEquals(std::string_view a, std::string_view b, bool cased) const {
    if (a.size() != b.size()) return false;
    if (cased) return a == b;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i], y = b[i];
      if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
      if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
      if (x != y) return false;
    }
    return true;
  }

  // Record-level predicates (exists, null, fieldref) are evaluated only when
  // a candidate rule asks, never for every record.
  bool EvalRecordPred(uint32_t id, const model::FieldValues& values) const {
    const Pred& p = preds[id];
    switch (p.kind) {
      case PredKind::kPresent: return values.present(p.slot);
      case PredKind::kNull: {
        const auto vs = values.at(p.slot);
        return vs.empty() || std::any_of(vs.begin(), vs.end(), [](const FieldValue& v) {
                 return v.kind == ValueKind::kNull;
               });
      }
      case PredKind::kFieldRef:
        for (const auto& a : values.at(p.slot)) {
          for (const auto& b : values.at(p.other_slot)) {
            if (a.kind != ValueKind::kNull && b.kind != ValueKind::kNull &&
                TextEquals(a.text, b.text, p.cased)) {
              return true;
            }
          }
        }
        return false;
      default: return false;
    }
  }

  bool Present(const model::FieldValues& values, uint32_t slot) const {
    return slot == kRawSlot ? true : values.present(slot);
  }

  bool EvalTest(const CompiledTest& t, const model::FieldValues& values, Scratch& scratch) const {
    for (const auto& v : t.values) {
      if (lazy_slot_of[v.pred] >= 0) EnsureScanned(lazy_slot_of[v.pred], values, &scratch);
      bool r = record_level[v.pred] ? EvalRecordPred(v.pred, values) : scratch.Get(v.pred);
      if (v.invert) r = !r && (!v.require_present || Present(values, t.slot));
      if (t.all && !r) return false;
      if (!t.all && r) return true;
    }
    return t.all;
  }

  bool EvalCondition(const CompiledRule& r, const Condition& c, const model::FieldValues& values,
                     Scratch& scratch) const {
    switch (c.kind) {
      case Condition::Kind::kTrue: return true;
      case Condition::Kind::kFalse: return false;
      case Condition::Kind::kNot: return !EvalCondition(r, c.children[0], values, scratch);
      case Condition::Kind::kAnd:
        for (const auto& child : c.children) {
          if (!EvalCondition(r, child, values, scratch)) return false;
        }
        return true;
      case Condition::Kind::kOr:
        for (const auto& child : c.children) {
          if (EvalCondition(r, child, values, scratch)) return true;
        }
        return false;
      case Condition::Kind::kRef:
        for (const auto& group : r.searches[c.ref]) {
          bool ok = true;
          for (const auto& t : group) {
            if (!EvalTest(t, values, scratch)) {
              ok = false;
              break;
            }
          }
          if (ok) return true;
        }
        return false;
    }
    return false;
  }
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

std::unique_ptr<Matcher> Matcher::Compile(std::vector<Rule> rules, model::FieldPlan* plan,
                                          std::vector<LoadOutcome>* errors) {
  auto impl = std::make_unique<Impl>();
  impl->plan = plan;
  for (Rule& rule : rules) {
    CompiledRule cr;
    // Predicates added by a rule that then fails stay unused but harmless.
    Status st = impl->CompileRule(rule, &cr);
    if (!st.ok()) {
      errors->push_back({rule.file, LoadOutcome::Kind::kError,
                         fmt::format("{}: {}", rule.title, st.message())});
      continue;
    }
    impl->rules.push_back(std::move(rule));
    impl->compiled.push_back(std::move(cr));
  }
  Status st = impl->BuildDatabases();
  if (!st.ok()) {
    // A vectorscan failure is a bug in expression generation: report it
    // against every rule rather than crash.
    errors->push_back({"", LoadOutcome::Kind::kError, std::string(st.message())});
    impl->rules.clear();
    impl->compiled.clear();
  }
  impl->event_name_slot = plan->FindPath("eventName");
  impl->dense_index.assign(plan->slot_count(), -1);
  for (size_t i = 0; i < impl->slots.size(); ++i) {
    uint32_t slot = impl->slots[i].slot;
    if (slot == kRawSlot) {
      impl->raw_index = static_cast<int32_t>(i);
    } else if (slot < impl->dense_index.size()) {
      impl->dense_index[slot] = static_cast<int32_t>(i);
    }
  }
  impl->anchored.assign(impl->preds.size(), {});
  impl->record_level.assign(impl->preds.size(), 0);
  for (uint32_t id : impl->record_preds) impl->record_level[id] = 1;
  for (uint32_t r = 0; r < impl->compiled.size(); ++r) {
    impl->gating = true;
    impl->GateRuleSlots(impl->compiled[r],
                        impl->Necessary(impl->compiled[r], impl->compiled[r].condition));
    impl->gating = false;
    auto set = impl->Necessary(impl->compiled[r], impl->compiled[r].condition);
    if (!set) {
      impl->always.push_back(r);
      continue;
    }
    std::sort(set->begin(), set->end());
    set->erase(std::unique(set->begin(), set->end()), set->end());
    for (uint32_t p : *set) impl->anchored[p].push_back(r);
  }
  // Slots whose patterns anchor no rule are scanned lazily.
  impl->lazy_slot_of.assign(impl->preds.size(), -1);
  for (size_t i = 0; i < impl->slots.size(); ++i) {
    SlotIndex& s = impl->slots[i];
    if (s.slot == kRawSlot) continue;
    bool anchors = false;
    for (uint32_t id : s.hs_preds) anchors |= !impl->anchored[id].empty();
    for (uint32_t id : s.others) anchors |= !impl->anchored[id].empty();
    s.lazy = !anchors;
    if (!s.lazy) continue;
    for (uint32_t id : s.hs_preds) impl->lazy_slot_of[id] = static_cast<int32_t>(i);
    for (uint32_t id : s.others) impl->lazy_slot_of[id] = static_cast<int32_t>(i);
  }
  return std::unique_ptr<Matcher>(new Matcher(std::move(impl)));
}

void Matcher::ScratchDeleter::operator()(Scratch* s) const { delete s; }

Matcher::ScratchPtr Matcher::NewScratch() const {
  ScratchPtr s(new Scratch());
  s->bits.assign((impl_->preds.size() + 63) / 64 + 1, 0);
  s->prefilter.assign(s->bits.size(), 0);
  s->scanned.assign(impl_->slots.size(), 0);
  s->memo.resize(impl_->slots.size());
  s->stamp.assign(impl_->compiled.size(), 0);
  if (impl_->proto_scratch) hs_clone_scratch(impl_->proto_scratch, &s->hs);
  return s;
}

void Matcher::Match(const model::FieldValues& values, Scratch* scratch,
                    std::vector<uint32_t>* matched) const {
  const Impl& m = *impl_;
  matched->clear();
  std::fill(scratch->bits.begin(), scratch->bits.end(), 0);
  std::fill(scratch->prefilter.begin(), scratch->prefilter.end(), 0);
  if (m.raw_index >= 0) {
    const SlotIndex& s = m.slots[static_cast<size_t>(m.raw_index)];
    std::string_view raw = values.raw_record();
    if (!raw.empty()) {
      m.MatchValue(s, FieldValue{ValueKind::kString, raw}, scratch);
      // Keywords are about the text of values: also scan it with the JSON
      // escapes decoded (C:\\Windows, \"quoted\", \u00e9).
      if (raw.find('\\') != std::string_view::npos) {
        JsonUnescape(raw, &scratch->unescaped);
        m.MatchValue(s, FieldValue{ValueKind::kString, scratch->unescaped}, scratch);
      }
    }
  }
  // Only the fields this record has, each matched once for all rules.
  for (model::SlotId slot : values.touched()) {
    if (slot >= m.dense_index.size()) continue;
    int32_t i = m.dense_index[slot];
    if (i < 0) continue;
    const SlotIndex& s = m.slots[static_cast<size_t>(i)];
    if (s.lazy) {
      for (const FieldValue& v : values.at(slot)) {
        if (v.kind != ValueKind::kNull) m.MatchExact(s, v, scratch);
      }
    } else {
      for (const FieldValue& v : values.at(slot)) m.MatchValue(s, v, scratch);
    }
  }

  if (++scratch->epoch == 0) {
    std::fill(scratch->stamp.begin(), scratch->stamp.end(), 0);
    std::fill(scratch->scanned.begin(), scratch->scanned.end(), 0);
    scratch->epoch = 1;
  }
  auto& cand = scratch->candidates;
  cand.clear();
  for (size_t w = 0; w < scratch->bits.size(); ++w) {
    uint64_t word = scratch->bits[w];
    while (word) {
      uint32_t pred = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(word)));
      word &= word - 1;
      if (pred >= m.anchored.size()) continue;
      for (uint32_t r : m.anchored[pred]) {
        if (scratch->stamp[r] != scratch->epoch) {
          scratch->stamp[r] = scratch->epoch;
          cand.push_back(r);
        }
      }
    }
  }
  for (uint32_t r : m.always) {
    if (scratch->stamp[r] != scratch->epoch) {
      scratch->stamp[r] = scratch->epoch;
      cand.push_back(r);
    }
  }
  for (uint32_t r : cand) {
    if (m.EvalCondition(m.compiled[r], m.compiled[r].condition, values, *scratch)) {
      matched->push_back(r);
    }
  }
  std::sort(matched->begin(), matched->end());
}

size_t Matcher::rule_count() const { return impl_->rules.size(); }
const Rule& Matcher::rule(size_t index) const { return impl_->rules[index]; }
size_t Matcher::predicate_count() const { return impl_->preds.size(); }

}  // namespace cirt::detect::sigma
