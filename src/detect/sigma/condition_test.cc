// Tests of the Sigma condition grammar (condition.cc) and of ParsePattern,
// run through the real pipeline: ParseRules -> Matcher -> CloudTrailReader.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "detect/sigma/matcher.h"
#include "detect/sigma/rule.h"
#include "ingest/cloudtrail_reader.h"
#include "detect/sigma/test_pipeline.h"

namespace cirt::detect::sigma {
namespace {

using test_pipeline::Matches;
using test_pipeline::TitleSink;
using test_pipeline::Titles;
const Titles kNone;



// A CloudTrail rule titled `title` with `detection` (indented by two spaces).
std::string RuleYaml(std::string_view title, std::string_view detection) {
  return std::string("title: ") + std::string(title) +
         "\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n" +
         std::string(detection) + "\n";
}

// A minimal record with the given JSON members.
std::string Rec(std::string_view members) {
  return std::string(R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},)") +
         std::string(members) + "}";
}

// Three independent search identifiers a, b, c.
constexpr std::string_view kABC = R"(  a:
    eventName: A
  b:
    eventSource: b.amazonaws.com
  c:
    awsRegion: us-east-1
)";

std::string AbcRule(std::string_view condition) {
  return RuleYaml("T", std::string(kABC) + "  condition: " + std::string(condition));
}

Status LoadError(std::string_view condition) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(AbcRule(condition), "test.yml", LoadOptions{}, &rules);
  if (outcomes.size() != 1 || outcomes[0].kind != LoadOutcome::Kind::kError) {
    return Status::Ok();
  }
  return Status::InvalidArgument(outcomes[0].message);
}

TEST(SigmaCondition, AndBindsTighterThanOr) {
  // a or (b and c)
  const std::string rule = AbcRule("a or b and c");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"b.amazonaws.com","awsRegion":"us-east-1")")),
            Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"b.amazonaws.com","awsRegion":"eu-west-1")")),
            kNone);
}

TEST(SigmaCondition, NotBindsTighterThanAnd) {
  // (not a) and b
  const std::string rule = AbcRule("not a and b");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X","eventSource":"b.amazonaws.com")")),
            Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","eventSource":"b.amazonaws.com")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X","eventSource":"x.amazonaws.com")")), kNone);
}

TEST(SigmaCondition, ParenthesesOverridePrecedence) {
  const std::string rule = AbcRule("(a or b) and c");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","awsRegion":"us-east-1")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","awsRegion":"eu-west-1")")), kNone);
  const std::string negated = AbcRule("not (a or b)");
  EXPECT_EQ(Matches(negated, Rec(R"("eventName":"X")")), Titles{"T"});
  EXPECT_EQ(Matches(negated, Rec(R"("eventSource":"b.amazonaws.com")")), kNone);
}

TEST(SigmaCondition, NestedParenthesesAndDoubleNot) {
  const std::string rule = AbcRule("not not ((a) and (b or c))");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","awsRegion":"us-east-1")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), kNone);
}

constexpr std::string_view kSelFilter = R"(  sel_name:
    eventName: A
  sel_source:
    eventSource: b.amazonaws.com
  filter:
    awsRegion: us-east-1
  _private:
    userAgent: secret
)";

std::string SelRule(std::string_view condition) {
  return RuleYaml("T", std::string(kSelFilter) + "  condition: " + std::string(condition));
}

TEST(SigmaCondition, OneOfPatternIsOrOverMatchingIdentifiers) {
  const std::string rule = SelRule("1 of sel*");
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"b.amazonaws.com")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("awsRegion":"us-east-1")")), kNone);
}

TEST(SigmaCondition, AllOfPatternIsAndOverMatchingIdentifiers) {
  const std::string rule = SelRule("all of sel* and not filter");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","eventSource":"b.amazonaws.com")")),
            Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","eventSource":"b.amazonaws.com",)"
                              R"("awsRegion":"us-east-1")")),
            kNone);
}

TEST(SigmaCondition, PatternWithWildcardInTheMiddle) {
  const std::string rule = SelRule("1 of s*_n?me");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"b.amazonaws.com")")), kNone);
}

TEST(SigmaCondition, OneOfThemIgnoresUnderscoreIdentifiers) {
  const std::string rule = SelRule("1 of them");
  EXPECT_EQ(Matches(rule, Rec(R"("awsRegion":"us-east-1")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"secret")")), kNone);
}

TEST(SigmaCondition, AllOfThemIgnoresUnderscoreIdentifiers) {
  const std::string rule = SelRule("all of them");
  // _private does not hold, yet all of them matches.
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","eventSource":"b.amazonaws.com",)"
                              R"("awsRegion":"us-east-1","userAgent":"other")")),
            Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","eventSource":"b.amazonaws.com",)"
                              R"("userAgent":"secret")")),
            kNone);
}

TEST(SigmaCondition, KeywordsAreCaseInsensitive) {
  const std::string rule = SelRule("1 OF THEM AND NOT filter");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","awsRegion":"us-east-1")")), kNone);
  EXPECT_EQ(Matches(SelRule("All Of sel*"), Rec(R"("eventName":"A","eventSource":"b.amazonaws.com")")),
            Titles{"T"});
}

TEST(SigmaCondition, UnderscoreIdentifierCanBeNamed) {
  const std::string rule = SelRule("sel_name and not _private");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","userAgent":"secret")")), kNone);
}

TEST(SigmaCondition, ListOfConditionsIsOr) {
  const std::string rule = RuleYaml("T", std::string(kABC) + "  condition:\n    - a and c\n    - b");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A","awsRegion":"us-east-1")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"b.amazonaws.com")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"A")")), kNone);
}

TEST(SigmaCondition, UnknownIdentifierIsError) {
  Status st = LoadError("a and nope");
  EXPECT_NE(st.message().find("unknown search identifier 'nope'"), std::string::npos)
      << st.message();
  auto parsed = ParseCondition("a and nope", {"a"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("'nope'"), std::string::npos);
}

TEST(SigmaCondition, PatternMatchingNothingIsError) {
  Status st = LoadError("1 of filter*");
  EXPECT_NE(st.message().find("matches no search identifier"), std::string::npos)
      << st.message();
}

TEST(SigmaCondition, ThreeOfIsRejected) {
  Status st = LoadError("3 of x");
  EXPECT_NE(st.message().find("'3 of' is not Sigma"), std::string::npos) << st.message();
  auto parsed = ParseCondition("3 of sel*", {"sel1", "sel2", "sel3"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
}

TEST(SigmaCondition, UnbalancedParenthesesAreErrors) {
  Status open = LoadError("(a or b");
  EXPECT_NE(open.message().find("missing ')'"), std::string::npos) << open.message();
  Status close = LoadError("a or b)");
  EXPECT_NE(close.message().find("unexpected ')'"), std::string::npos) << close.message();
  Status empty = LoadError("()");
  EXPECT_FALSE(empty.ok());
}

TEST(SigmaCondition, DanglingOperatorsAreErrors) {
  EXPECT_FALSE(LoadError("a and").ok());
  EXPECT_FALSE(LoadError("or a").ok());
  EXPECT_FALSE(LoadError("a b").ok());
  EXPECT_FALSE(LoadError("not").ok());
  EXPECT_FALSE(LoadError("1 of").ok());
}

TEST(SigmaCondition, ParseConditionBuildsTree) {
  auto c = ParseCondition("a or b and not c", {"a", "b", "c"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->kind, Condition::Kind::kOr);
  ASSERT_EQ(c->children.size(), 2u);
  EXPECT_EQ(c->children[0].kind, Condition::Kind::kRef);
  EXPECT_EQ(c->children[0].ref, 0u);
  const Condition& and_node = c->children[1];
  ASSERT_EQ(and_node.kind, Condition::Kind::kAnd);
  ASSERT_EQ(and_node.children.size(), 2u);
  EXPECT_EQ(and_node.children[0].ref, 1u);
  ASSERT_EQ(and_node.children[1].kind, Condition::Kind::kNot);
  EXPECT_EQ(and_node.children[1].children[0].ref, 2u);
}

// --- ParsePattern ---

std::string Describe(const Pattern& p) {
  std::string s;
  for (const auto& part : p) {
    switch (part.kind) {
      case PatternPart::Kind::kLiteral: s += "[" + part.text + "]"; break;
      case PatternPart::Kind::kStar: s += "*"; break;
      case PatternPart::Kind::kQuestion: s += "?"; break;
    }
  }
  return s;
}

TEST(SigmaPattern, WildcardsBecomeParts) {
  EXPECT_EQ(Describe(ParsePattern("a*b?c")), "[a]*[b]?[c]");
  EXPECT_EQ(Describe(ParsePattern("**x")), "*[x]");  // consecutive stars collapse
  EXPECT_EQ(Describe(ParsePattern("")), "");
}

TEST(SigmaPattern, EscapedWildcardsAreLiteral) {
  EXPECT_EQ(Describe(ParsePattern(R"(a\*b)")), "[a*b]");
  EXPECT_EQ(Describe(ParsePattern(R"(a\?b)")), "[a?b]");
}

TEST(SigmaPattern, EscapedBackslash) {
  EXPECT_EQ(Describe(ParsePattern(R"(a\\b)")), R"([a\b])");
  // \\* is a backslash followed by a wildcard.
  EXPECT_EQ(Describe(ParsePattern(R"(a\\*)")), R"([a\]*)");
  // \\\* is a backslash followed by a plain star.
  EXPECT_EQ(Describe(ParsePattern(R"(a\\\*)")), R"([a\*])");
  // Four backslashes are two.
  EXPECT_EQ(Describe(ParsePattern(R"(\\\\)")), R"([\\])");
}

TEST(SigmaPattern, LoneBackslashStaysLiteral) {
  EXPECT_EQ(Describe(ParsePattern(R"(C:\Windows\x)")), R"([C:\Windows\x])");
  EXPECT_EQ(Describe(ParsePattern(R"(end\)")), R"([end\])");
  // Three backslashes before a normal character are two.
  EXPECT_EQ(Describe(ParsePattern(R"(a\\\b)")), R"([a\\b])");
}

TEST(SigmaPattern, EscapesApplyWhenMatching) {
  const std::string rule = RuleYaml("T", R"(  sel:
    userAgent: 'tool\*v?'
  condition: sel)");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"tool*v2")")), Titles{"T"});
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"toolXv2")")), kNone);
}

}  // namespace
}  // namespace cirt::detect::sigma
