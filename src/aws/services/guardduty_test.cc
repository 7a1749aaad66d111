// services/guardduty over FakeTransport: request shapes (method, path,
// lower-camel members, paging, batches of 50) and decoding of the GetFindings
// sample in ../shared/corpus/aws-cli-examples (moto has no GuardDuty
// findings API: ListFindings/GetFindings are 404 there).
#include "aws/services/guardduty.h"

#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/testing_util.h"
#include "aws/transport.h"

namespace cirt::aws::guardduty {
namespace {

// The AWS CLI prints member names in upper camel case; GuardDuty's wire
// uses lower camel. Map keys ("AWS::EC2::Instance") are not member names.
nlohmann::json ToWireCase(const nlohmann::json& value) {
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : value) out.push_back(ToWireCase(v));
    return out;
  }
  if (!value.is_object()) return value;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, v] : value.items()) {
    std::string name = key;
    if (name.find("::") == std::string::npos && !name.empty())
      name[0] =
          static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
    out[name] = ToWireCase(v);
  }
  return out;
}

// The finding of the get-findings example, as GuardDuty sends it.
nlohmann::json CorpusFinding() {
  for (const std::string& block : testing_util::RstLiteralBlocks(
           testing_util::ReadCliExample("guardduty/get-findings.rst"))) {
    auto parsed = nlohmann::json::parse(block, nullptr, false);
    if (!parsed.is_discarded() && parsed.contains("Findings"))
      return ToWireCase(parsed["Findings"][0]);
  }
  return nullptr;
}

class GuardDutyServiceTest : public ::testing::Test {
 protected:
  ClientOptions Options() { return testing_util::FakeClientOptions(); }
  FakeTransport transport_;
  StaticCredentialsProvider creds_{Credentials{
      .access_key_id = "AKIDEXAMPLE", .secret_access_key = Secret("secret")}};
};

TEST_F(GuardDutyServiceTest, ListDetectorsFollowsLowerCamelNextToken) {
  transport_.Enqueue(200, R"({"detectorIds":["d1"],"nextToken":"p2"})");
  transport_.Enqueue(200, R"({"detectorIds":["d2"]})");
  Client client(Options(), creds_, transport_);
  auto ids = ListDetectors(client, "eu-west-1");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<std::string>{"d1", "d2"}));
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].request.method, "GET");
  EXPECT_EQ(sent[0].request.path, "/detector");
  EXPECT_EQ(sent[0].request.query.count("nextToken"), 0u);
  EXPECT_EQ(sent[0].request.query.find("maxResults")->second, "50");
  EXPECT_EQ(sent[1].request.query.find("nextToken")->second, "p2");
  EXPECT_NE(FindHeader(sent[0].request.headers, "Authorization")
                .value_or("")
                .find("/eu-west-1/guardduty/aws4_request"),
            std::string::npos);
}

TEST_F(GuardDutyServiceTest, ListFindingsSendsCriteriaInWireCaseOnEveryPage) {
  transport_.Enqueue(200, R"({"findingIds":["a","b"],"nextToken":"n1"})");
  transport_.Enqueue(200, R"({"findingIds":["c"],"nextToken":""})");
  Client client(Options(), creds_, transport_);
  // The AWS CLI's spelling, from the list-findings example.
  auto criteria = nlohmann::json::parse(
      R"({"Criterion":{"service.archived":{"Eq":["false"]},"severity":{"GreaterThanOrEqual":7}}})");
  auto ids = ListFindings(client, "", "det/1", criteria);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(ids->size(), 3u);
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].request.method, "POST");
  EXPECT_EQ(sent[0].request.path, "/detector/det%2F1/findings");
  auto first = nlohmann::json::parse(sent[0].request.body);
  EXPECT_EQ(first["findingCriteria"]["criterion"]["service.archived"]["eq"][0],
            "false");
  EXPECT_EQ(
      first["findingCriteria"]["criterion"]["severity"]["greaterThanOrEqual"],
      7);
  EXPECT_EQ(first["maxResults"], 50);
  EXPECT_FALSE(first.contains("nextToken"));
  auto second = nlohmann::json::parse(sent[1].request.body);
  EXPECT_EQ(second["nextToken"], "n1");
  EXPECT_EQ(second["findingCriteria"], first["findingCriteria"]);
}

TEST_F(GuardDutyServiceTest, ListFindingsWithoutCriteriaSendsNone) {
  transport_.Enqueue(200, R"({"findingIds":[]})");
  Client client(Options(), creds_, transport_);
  ASSERT_TRUE(ListFindings(client, "", "d").ok());
  EXPECT_FALSE(nlohmann::json::parse(transport_.sent()[0].request.body)
                   .contains("findingCriteria"));
}

TEST_F(GuardDutyServiceTest, BadCriteriaAreRefusedBeforeAnyCall) {
  Client client(Options(), creds_, transport_);
  auto ids =
      ListFindings(client, "", "d", nlohmann::json::parse(R"({"type":"x"})"));
  EXPECT_EQ(ids.status().code(), ErrorCode::kInvalidArgument);
  ids = ListFindings(client, "", "d",
                     nlohmann::json::parse(R"({"Criterion":{"type":"x"}})"));
  EXPECT_EQ(ids.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(transport_.sent().empty());
}

TEST_F(GuardDutyServiceTest, GetFindingsDecodesTheCorpusSampleInBatchesOf50) {
  nlohmann::json finding = CorpusFinding();
  ASSERT_TRUE(finding.is_object())
      << "aws-cli-examples/guardduty/get-findings.rst unreadable";
  std::vector<std::string> ids;
  for (int i = 0; i < 51; ++i) ids.push_back("id" + std::to_string(i));
  transport_.Enqueue(200, nlohmann::json{{"findings", {finding}}}.dump());
  transport_.Enqueue(200, R"({"findings":[]})");
  Client client(Options(), creds_, transport_);
  auto findings = GetFindings(client, "us-east-1", "d4b0", ids);
  ASSERT_TRUE(findings.ok()) << findings.status().ToString();
  ASSERT_EQ(findings->size(), 1u);
  const Finding& f = (*findings)[0];
  EXPECT_EQ(f.id, "1ab92989eaf0e742df4a014d5example");
  EXPECT_EQ(f.type, "Recon:IAMUser/UserPermissions");
  EXPECT_EQ(f.severity, 5);
  EXPECT_EQ(f.account_id, "111122223333");
  EXPECT_EQ(f.region, "us-east-1");
  EXPECT_EQ(f.created_at, "2020-05-26T22:21:48.385Z");
  EXPECT_EQ(f.raw, finding);
  EXPECT_EQ(f.raw["service"]["action"]["awsApiCallAction"]["remoteIpDetails"]
                 ["ipAddressV4"],
            "52.94.36.7");
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].request.path, "/detector/d4b0/findings/get");
  EXPECT_EQ(nlohmann::json::parse(sent[0].request.body)["findingIds"].size(),
            50u);
  EXPECT_EQ(nlohmann::json::parse(sent[1].request.body)["findingIds"],
            nlohmann::json::array({"id50"}));
}

TEST_F(GuardDutyServiceTest, GetFindingsOfNoIdsCallsNothing) {
  Client client(Options(), creds_, transport_);
  auto findings = GetFindings(client, "", "d", {});
  ASSERT_TRUE(findings.ok());
  EXPECT_TRUE(findings->empty());
  EXPECT_TRUE(transport_.sent().empty());
}

TEST_F(GuardDutyServiceTest, MalformedAnswersAreCorruptNotCrashes) {
  Client client(Options(), creds_, transport_);
  transport_.Enqueue(200, R"({"detectorIds":"d1"})");
  EXPECT_EQ(ListDetectors(client, "").status().code(), ErrorCode::kCorrupt);
  transport_.Enqueue(200, R"({"detectorIds":[1]})");
  EXPECT_EQ(ListDetectors(client, "").status().code(), ErrorCode::kCorrupt);
  transport_.Enqueue(200, "[]");
  EXPECT_EQ(ListDetectors(client, "").status().code(), ErrorCode::kCorrupt);
  transport_.Enqueue(200, R"({"nofindings":[]})");
  EXPECT_EQ(GetFindings(client, "", "d", {"x"}).status().code(),
            ErrorCode::kCorrupt);
  transport_.Enqueue(200, "<html>");
  EXPECT_EQ(GetFindings(client, "", "d", {"x"}).status().code(),
            ErrorCode::kCorrupt);
}

TEST_F(GuardDutyServiceTest, AccessDeniedIsAnAwsError) {
  transport_.Enqueue(
      403, R"({"__type":"AccessDeniedException","message":"no"})",
      {{"x-amzn-ErrorType", "AccessDeniedException:http://internal"},
       {"x-amzn-RequestId", "req-1"}});
  Client client(Options(), creds_, transport_);
  auto ids = ListDetectors(client, "");
  EXPECT_EQ(AwsErrorCode(ids.status()), "AccessDeniedException");
  EXPECT_EQ(ids.status().context().request_id, "req-1");
}

}  // namespace
}  // namespace cirt::aws::guardduty
