// Sigma condition parser. Grammar (precedence low to high):
//   cond    := and_expr ("or" and_expr)*
//   and_expr:= not_expr ("and" not_expr)*
//   not_expr:= "not" not_expr | primary
//   primary := "(" cond ")" | ("1"|"all") "of" ("them" | PATTERN) | IDENT
// `x of` quantifiers are expanded here into and/or over matching identifiers.
#include <cctype>

#include <fmt/format.h>

#include "core/glob.h"
#include "detect/sigma/rule.h"

namespace cirt::detect::sigma {

namespace {

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& names) : names_(names) {
    Tokenize(text);
  }

  Result<Condition> Parse() {
    if (!error_.empty()) return Status::InvalidArgument(error_);
    if (tokens_.empty()) return Status::InvalidArgument("empty condition");
    Condition c = Or();
    if (!error_.empty()) return Status::InvalidArgument(error_);
    if (pos_ < tokens_.size()) {
      return Status::InvalidArgument(fmt::format("condition: unexpected '{}'", tokens_[pos_]));
    }
    return c;
  }

 private:
  void Tokenize(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
      char c = s[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(' || c == ')') {
        tokens_.emplace_back(1, c);
        ++i;
      } else {
        size_t j = i;
        while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '(' &&
               s[j] != ')') {
          ++j;
        }
        tokens_.emplace_back(s.substr(i, j - i));
        i = j;
      }
    }
  }

  bool Peek(std::string_view word) const {
    if (pos_ >= tokens_.size()) return false;
    const std::string& t = tokens_[pos_];
    if (t.size() != word.size()) return false;
    for (size_t i = 0; i < t.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(t[i])) != word[i]) return false;
    }
    return true;
  }

  Condition Or() {
    Condition left = And();
    if (!Peek("or")) return left;
    Condition node;
    node.kind = Condition::Kind::kOr;
    node.children.push_back(std::move(left));
    while (Peek("or")) {
      ++pos_;
      node.children.push_back(And());
    }
    return node;
  }

  Condition And() {
    Condition left = Not();
    if (!Peek("and")) return left;
    Condition node;
    node.kind = Condition::Kind::kAnd;
    node.children.push_back(std::move(left));
    while (Peek("and")) {
      ++pos_;
      node.children.push_back(Not());
    }
    return node;
  }

  Condition Not() {
    if (Peek("not")) {
      ++pos_;
      Condition node;
      node.kind = Condition::Kind::kNot;
      node.children.push_back(Not());
      return node;
    }
    return Primary();
  }

  Condition Fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return Condition{};
  }

  Condition Primary() {
    if (pos_ >= tokens_.size()) return Fail("condition ends unexpectedly");
    const std::string tok = tokens_[pos_];
    if (tok == "(") {
      ++pos_;
      Condition inner = Or();
      if (pos_ >= tokens_.size() || tokens_[pos_] != ")") return Fail("condition: missing ')'");
      ++pos_;
      return inner;
    }
    if (tok == ")") return Fail("condition: unexpected ')'");
    if (pos_ + 1 < tokens_.size()) {
      std::string next = tokens_[pos_ + 1];
      for (auto& ch : next) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (next == "of") {
        bool all = Peek("all");
        if (!all && tok != "1") {
          return Fail(fmt::format("condition: '{} of' is not Sigma (use '1 of' or 'all of')", tok));
        }
        pos_ += 2;
        if (pos_ >= tokens_.size()) return Fail("condition: 'of' needs 'them' or a pattern");
        bool them = Peek("them");  // keywords are case-insensitive, like and/or/not/all/of
        std::string pattern = tokens_[pos_++];
        Condition node;
        node.kind = all ? Condition::Kind::kAnd : Condition::Kind::kOr;
        for (uint32_t i = 0; i < names_.size(); ++i) {
          bool hit = them ? names_[i].rfind('_', 0) != 0 : GlobMatch(pattern, names_[i]);
          if (hit) {
            Condition ref;
            ref.kind = Condition::Kind::kRef;
            ref.ref = i;
            node.children.push_back(ref);
          }
        }
        if (node.children.empty()) {
          return Fail(fmt::format("condition: '{}' matches no search identifier", pattern));
        }
        return node;
      }
    }
    for (uint32_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == tok) {
        ++pos_;
        Condition ref;
        ref.kind = Condition::Kind::kRef;
        ref.ref = i;
        return ref;
      }
    }
    return Fail(fmt::format("condition: unknown search identifier '{}'", tok));
  }

  const std::vector<std::string>& names_;
  std::vector<std::string> tokens_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

Result<Condition> ParseCondition(std::string_view text, const std::vector<std::string>& names) {
  Parser parser(text, names);
  return parser.Parse();
}

}  // namespace cirt::detect::sigma
