// The Sigma engine against the shared corpus (read unchanged): the SigmaHQ
// AWS CloudTrail rules, the Sigma specification's example files, and
// Panther's labelled CloudTrail test events.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "detect/sigma/matcher.h"
#include "detect/sigma/rule.h"
#include "ingest/cloudtrail_reader.h"
#include "detect/sigma/test_pipeline.h"
#include "detect/testing_records.h"

namespace cirt::detect::sigma {
namespace {

namespace fs = std::filesystem;
using test_pipeline::Matches;
using test_pipeline::TitleSink;
using test_pipeline::Titles;
using testing_records::YamlToJson;

const std::string kSigmaHq = CIRT_CORPUS_DIR "/sigmahq-sigma";
const std::string kSigmaHqRules = kSigmaHq + "/rules/cloud/aws/cloudtrail/";
const std::string kSpec = CIRT_CORPUS_DIR "/sigma-specification";
const std::string kPanther = CIRT_CORPUS_DIR "/panther-analysis-aws-tests/rules/aws_cloudtrail_rules/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}



std::string TitleOf(const std::string& rule_yaml) {
  return YAML::Load(rule_yaml)["title"].as<std::string>();
}

// --- SigmaHQ rules load and compile ---

TEST(SigmaCorpus, EverySigmaHqRuleLoadsAndCompiles) {
  std::vector<Rule> rules;
  std::vector<LoadOutcome> outcomes;
  ASSERT_TRUE(LoadRules(kSigmaHq, LoadOptions{}, &rules, &outcomes).ok());
  size_t loaded = 0;
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.kind, LoadOutcome::Kind::kLoaded) << o.file << ": " << o.message;
    if (o.kind == LoadOutcome::Kind::kLoaded) ++loaded;
  }
  EXPECT_EQ(loaded, 66u);
  ASSERT_EQ(rules.size(), 66u);
  model::FieldPlan plan;
  ingest::ModelSlots::Register(&plan);
  std::vector<LoadOutcome> errors;
  auto matcher = Matcher::Compile(std::move(rules), &plan, &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.file << ": " << e.message;
  EXPECT_EQ(matcher->rule_count(), 66u);
}

TEST(SigmaCorpus, SigmaHqLegacyAggregationsParse) {
  std::vector<Rule> rules;
  std::vector<LoadOutcome> outcomes;
  ASSERT_TRUE(LoadRules(kSigmaHq + "/unsupported", LoadOptions{}, &rules, &outcomes).ok());
  ASSERT_FALSE(rules.empty());
  size_t with_aggregation = 0;
  for (const Rule& r : rules) {
    if (r.aggregation) ++with_aggregation;
  }
  // All but the one using `selection1 and selection2` with a timeframe.
  EXPECT_EQ(with_aggregation, rules.size() - 1);
}

TEST(SigmaCorpus, PlaceholderRuleLoadsWithWarningWhenUnresolved) {
  std::vector<Rule> rules;
  std::vector<LoadOutcome> outcomes;
  ASSERT_TRUE(LoadRules(kSigmaHq + "/rules-placeholder", LoadOptions{}, &rules, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kLoaded);
  EXPECT_NE(outcomes[0].message.find("%Legitimate_Countries%"), std::string::npos)
      << outcomes[0].message;
}

// --- the specification's example files ---

TEST(SigmaCorpus, SpecificationExamplesLoad) {
  size_t files = 0, cloudtrail = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kSpec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yml") continue;
    ++files;
    const std::string text = ReadFile(entry.path().string());
    std::vector<Rule> rules;
    auto outcomes = ParseRules(text, entry.path().string(), LoadOptions{}, &rules);
    ASSERT_FALSE(outcomes.empty()) << entry.path();
    for (const auto& o : outcomes) {
      // Windows / DNS rules and filters are another logsource, correlations
      // are recognised; nothing is an error.
      EXPECT_NE(o.kind, LoadOutcome::Kind::kError) << o.file << ": " << o.message;
    }
    YAML::Node doc = YAML::Load(text);
    if (doc["logsource"] && doc["logsource"]["product"] &&
        doc["logsource"]["product"].as<std::string>() == "aws") {
      ++cloudtrail;
      EXPECT_EQ(outcomes[0].kind, LoadOutcome::Kind::kLoaded) << entry.path();
    }
    if (entry.path().parent_path().filename() == "correlation") {
      EXPECT_EQ(outcomes.back().kind, LoadOutcome::Kind::kCorrelation) << entry.path();
    }
  }
  EXPECT_EQ(files, 12u);
  EXPECT_EQ(cloudtrail, 0u);  // the specification has no aws example; see the tests above
}

// --- SigmaHQ rules on records shaped like CloudTrail writes them ---

struct RuleCase {
  const char* rule;  // file under rules/cloud/aws/cloudtrail
  const char* hit;   // a record that must match
  const char* miss;  // a near miss that must not
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.rule; }

class SigmaHqRule : public testing::TestWithParam<RuleCase> {};

TEST_P(SigmaHqRule, MatchesRecordAndNotNearMiss) {
  const std::string yaml = ReadFile(kSigmaHqRules + GetParam().rule);
  const Titles expected = {TitleOf(yaml)};
  EXPECT_EQ(Matches(yaml, GetParam().hit), expected);
  EXPECT_EQ(Matches(yaml, GetParam().miss), Titles{});
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, SigmaHqRule,
    testing::Values(
        RuleCase{"aws_cloudtrail_disable_logging.yml",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:ops","arn":"arn:aws:sts::111122223333:assumed-role/Ops/ops","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Ops","accountId":"111122223333","userName":"Ops"},"attributes":{"creationDate":"2024-05-01T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2024-05-01T09:12:33Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.15.30","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},"responseElements":null,"requestID":"0f7b0e3c-1111-4e2a-9c6e-000000000001","eventID":"5d2a7c1e-2222-4f1b-8d3a-000000000001","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})json",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:ops","arn":"arn:aws:sts::111122223333:assumed-role/Ops/ops","accountId":"111122223333"},"eventTime":"2024-05-01T09:12:33Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StartLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.15.30","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json"},
        RuleCase{"aws_update_login_profile.yml",
                 // alice changes bob's console password.
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2024-05-02T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"UpdateLoginProfile","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.30","requestParameters":{"userName":"bob","passwordResetRequired":false},"responseElements":null,"requestID":"r1","eventID":"e1","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"})json",
                 // The fieldref filter: the user field equals the referenced field.
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE","arn":"alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-02T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"UpdateLoginProfile","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","requestParameters":{"userName":"alice","passwordResetRequired":false},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json"},
        RuleCase{"aws_cloudtrail_imds_malicious_usage.yml",
                 // Instance-role credentials used from outside AWS.
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:i-0abc1234def567890","arn":"arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc1234def567890","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/aws:ec2-instance","userName":"aws:ec2-instance"},"ec2RoleDelivery":"2.0"}},"eventTime":"2024-05-03T11:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.77","userAgent":"aws-cli/2.15.30","requestParameters":{"Host":"s3.amazonaws.com"},"responseElements":null,"readOnly":true,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json",
                 // Same principal, but the SSM agent registering: filtered.
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:i-0abc1234def567890","arn":"arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc1234def567890","accountId":"111122223333"},"eventTime":"2024-05-03T11:00:00Z","eventSource":"ssm.amazonaws.com","eventName":"UpdateInstanceInformation","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.77","userAgent":"amazon-ssm-agent/3.3","requestParameters":{"instanceId":"i-0abc1234def567890"},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json"},
        RuleCase{"aws_iam_backdoor_users_keys.yml",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-04T12:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.30","requestParameters":{"userName":"bob"},"responseElements":{"accessKey":{"accessKeyId":"AKIAEXAMPLEBOB","status":"Active","userName":"bob","createDate":"May 4, 2024 12:00:00 PM"}},"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-04T12:00:00Z","eventSource":"iam.amazonaws.com","eventName":"DeleteAccessKey","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.30","requestParameters":{"userName":"bob","accessKeyId":"AKIAEXAMPLEBOB"},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json"},
        RuleCase{"aws_root_account_usage.yml",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE"},"eventTime":"2024-05-05T13:00:00Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"console.amazonaws.com","requestParameters":null,"responseElements":null,"readOnly":true,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json",
                 // A service acting for the root account is excluded.
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","invokedBy":"trustedadvisor.amazonaws.com"},"eventTime":"2024-05-05T13:00:00Z","eventSource":"trustedadvisor.amazonaws.com","eventName":"RefreshCheck","awsRegion":"us-east-1","sourceIPAddress":"trustedadvisor.amazonaws.com","userAgent":"trustedadvisor.amazonaws.com","requestParameters":null,"responseElements":null,"readOnly":false,"eventType":"AwsServiceEvent","recipientAccountId":"111122223333"})json"},
        RuleCase{"aws_cloudtrail_console_login_success_without_mfa.yml",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-06T14:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"Mozilla/5.0 (X11; Linux x86_64)","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"},"eventID":"e6","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})json",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-06T14:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"Mozilla/5.0 (X11; Linux x86_64)","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"Yes","MfaType":"Virtual MFA"},"eventID":"e6","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})json"},
        RuleCase{"aws_cloudtrail_vpc_flow_logs_deleted.yml",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-07T15:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DeleteFlowLogs","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.30","requestParameters":{"DeleteFlowLogsRequest":{"FlowLogId":{"content":"fl-0123456789abcdef0","tag":1}}},"responseElements":{"DeleteFlowLogsResponse":{"unsuccessful":"","requestId":"r7"}},"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-05-07T15:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DeleteFlowLogs","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.30","errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized to perform this operation.","requestParameters":{"DeleteFlowLogsRequest":{"FlowLogId":{"content":"fl-0123456789abcdef0","tag":1}}},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json"},
        RuleCase{"aws_cloudtrail_security_group_change_ingress_egress.yml",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ops","accountId":"111122223333","userName":"ops"},"eventTime":"2024-03-02T10:11:12Z","eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.20","userAgent":"aws-cli/2.15.0","requestParameters":{"groupId":"sg-0123456789abcdef0","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"groups":{},"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]},"ipv6Ranges":{},"prefixListIds":{}}]}},"responseElements":{"requestId":"r","_return":true},"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json",
                 R"json({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ops","accountId":"111122223333","userName":"ops"},"eventTime":"2024-03-02T10:11:12Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeSecurityGroups","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.20","userAgent":"aws-cli/2.15.0","requestParameters":{"securityGroupSet":{},"securityGroupIdSet":{"items":[{"groupId":"sg-0123456789abcdef0"}]}},"responseElements":null,"readOnly":true,"eventType":"AwsApiCall","recipientAccountId":"111122223333"})json"}));

// --- Panther's labelled CloudTrail events against the matching SigmaHQ rule ---

struct PantherPair {
  const char* panther;  // file under panther .../aws_cloudtrail_rules
  const char* sigma;    // file under SigmaHQ rules/cloud/aws/cloudtrail
};

void PrintTo(const PantherPair& p, std::ostream* os) { *os << p.panther << " vs " << p.sigma; }

class PantherEvents : public testing::TestWithParam<PantherPair> {};

// Only pairs whose detections clearly mean the same thing: every event Panther
// expects to alert on must fire the SigmaHQ rule. (Panther's negatives are not
// checked: its rules often add exclusions that SigmaHQ's do not have.)
// Left out on purpose: aws_ec2_startup_script_change (Panther's event carries
// requestParameters.userData without the `attribute: userData` SigmaHQ tests)
// and aws_ec2_ebs_encryption_disabled (Panther's event has neither
// eventVersion nor userIdentity, so the reader rightly skips it as not a
// CloudTrail record).
TEST_P(PantherEvents, SigmaHqRuleFiresOnPantherPositives) {
  const std::string sigma_yaml = ReadFile(kSigmaHqRules + GetParam().sigma);
  const Titles expected = {TitleOf(sigma_yaml)};
  YAML::Node panther = YAML::LoadFile(kPanther + GetParam().panther);
  size_t positives = 0;
  for (const auto& test : panther["Tests"]) {
    if (!test["ExpectedResult"].as<bool>()) continue;
    ++positives;
    std::string json;
    YamlToJson(test["Log"], &json);
    SCOPED_TRACE(test["Name"].as<std::string>());
    EXPECT_EQ(Matches(sigma_yaml, json), expected) << json;
  }
  EXPECT_GT(positives, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, PantherEvents,
    testing::Values(
        PantherPair{"aws_cloudtrail_stopped.yml", "aws_cloudtrail_disable_logging.yml"},
        PantherPair{"aws_console_login_without_mfa.yml",
                    "aws_cloudtrail_console_login_success_without_mfa.yml"},
        PantherPair{"aws_console_root_login.yml", "aws_root_account_usage.yml"},
        PantherPair{"aws_vpc_flow_logs_deleted.yml", "aws_cloudtrail_vpc_flow_logs_deleted.yml"},
        PantherPair{"aws_sts_getcalleridentity_trufflehog.yml",
                    "aws_sts_getcalleridentity_trufflehog.yml"},
        PantherPair{"aws_console_getsignintoken.yml", "aws_console_getsignintoken.yml"},
        PantherPair{"aws_config_service_disabled_deleted.yml", "aws_config_disable_recording.yml"},
        PantherPair{"aws_sts_getsessiontoken_misuse.yml", "aws_sts_getsessiontoken_misuse.yml"},
        PantherPair{"aws_securityhub_finding_evasion.yml", "aws_securityhub_finding_evasion.yml"},
        PantherPair{"aws_rds_master_pass_updated.yml", "aws_rds_change_master_password.yml"},
        PantherPair{"aws_iam_user_key_created.yml", "aws_iam_backdoor_users_keys.yml"},
        PantherPair{"aws_user_login_profile_modified.yml", "aws_update_login_profile.yml"}));

}  // namespace
}  // namespace cirt::detect::sigma
