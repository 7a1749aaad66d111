// services/securityhub over FakeTransport: the GetFindings request (POST
// /findings, Filters, NextToken paging) and decoding of the ASFF sample in
// ../shared/corpus/aws-cli-examples/securityhub/get-findings.rst.
#include "aws/services/securityhub.h"

#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/testing_util.h"
#include "aws/transport.h"

namespace cirt::aws::securityhub {
namespace {

nlohmann::json CorpusFinding() {
  for (const std::string& block : testing_util::RstLiteralBlocks(
           testing_util::ReadCliExample("securityhub/get-findings.rst"))) {
    auto parsed = nlohmann::json::parse(block, nullptr, false);
    if (!parsed.is_discarded() && parsed.contains("Findings"))
      return parsed["Findings"][0];
  }
  return nullptr;
}

class SecurityHubServiceTest : public ::testing::Test {
 protected:
  ClientOptions Options() { return testing_util::FakeClientOptions(); }
  FakeTransport transport_;
  StaticCredentialsProvider creds_{Credentials{
      .access_key_id = "AKIDEXAMPLE", .secret_access_key = Secret("secret")}};
};

TEST_F(SecurityHubServiceTest,
       GetFindingsPagesWithFiltersAndDecodesTheCorpusSample) {
  nlohmann::json finding = CorpusFinding();
  ASSERT_TRUE(finding.is_object())
      << "aws-cli-examples/securityhub/get-findings.rst unreadable";
  transport_.Enqueue(
      200, nlohmann::json{{"Findings", {finding}}, {"NextToken", "t2"}}.dump());
  transport_.Enqueue(200, R"({"Findings":[]})");
  Client client(Options(), creds_, transport_);
  GetFindingsInput input;
  input.region = "eu-central-1";
  // The filter of the example.
  input.filters = nlohmann::json::parse(
      R"({"GeneratorId":[{"Value":"pci-dss","Comparison":"PREFIX"}]})");
  auto findings = GetFindings(client, input);
  ASSERT_TRUE(findings.ok()) << findings.status().ToString();
  ASSERT_EQ(findings->size(), 1u);
  const Finding& f = (*findings)[0];
  EXPECT_EQ(f.generator_id, "pci-dss/v/3.2.1/PCI.Lambda.2");
  EXPECT_EQ(f.aws_account_id, "123456789012");
  EXPECT_EQ(f.severity_label, "INFORMATIONAL");
  EXPECT_EQ(f.title, "PCI.Lambda.2 Lambda functions should be in a VPC");
  EXPECT_EQ(f.created_at, "2020-06-02T14:02:49.159Z");
  EXPECT_EQ(f.raw, finding);
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].request.method, "POST");
  EXPECT_EQ(sent[0].request.path, "/findings");
  EXPECT_NE(FindHeader(sent[0].request.headers, "Authorization")
                .value_or("")
                .find("/eu-central-1/securityhub/aws4_request"),
            std::string::npos);
  auto first = nlohmann::json::parse(sent[0].request.body);
  EXPECT_EQ(first["Filters"], input.filters);
  EXPECT_EQ(first["MaxResults"], 100);
  EXPECT_FALSE(first.contains("NextToken"));
  auto second = nlohmann::json::parse(sent[1].request.body);
  EXPECT_EQ(second["NextToken"], "t2");
  EXPECT_EQ(second["Filters"], input.filters);
}

TEST_F(SecurityHubServiceTest, NoFiltersSendsNoFiltersMember) {
  transport_.Enqueue(200, R"({"Findings":[]})");
  Client client(Options(), creds_, transport_);
  auto findings = GetFindings(client, {});
  ASSERT_TRUE(findings.ok());
  EXPECT_TRUE(findings->empty());
  EXPECT_FALSE(nlohmann::json::parse(transport_.sent()[0].request.body)
                   .contains("Filters"));
}

TEST_F(SecurityHubServiceTest, NotEnabledIsAnAwsErrorAndBadAnswersAreCorrupt) {
  transport_.Enqueue(
      401,
      R"({"Code":"InvalidAccessException","Message":"Account is not subscribed"})",
      {{"x-amzn-ErrorType", "InvalidAccessException"}});
  Client client(Options(), creds_, transport_);
  EXPECT_EQ(AwsErrorCode(GetFindings(client, {}).status()),
            "InvalidAccessException");
  transport_.Enqueue(200, R"({"Findings":{}})");
  EXPECT_EQ(GetFindings(client, {}).status().code(), ErrorCode::kCorrupt);
  transport_.Enqueue(200, R"({"Findings":[1]})");
  EXPECT_EQ(GetFindings(client, {}).status().code(), ErrorCode::kCorrupt);
  GetFindingsInput bad;
  bad.filters = nlohmann::json::array();
  EXPECT_EQ(GetFindings(client, bad).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cirt::aws::securityhub
