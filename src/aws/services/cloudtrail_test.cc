// Request shape and decoding of services/cloudtrail over FakeTransport
// (moto does not implement ListPublicKeys or LookupEvents).
#include "aws/services/cloudtrail.h"

#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/transport.h"

namespace cirt::aws::cloudtrail {
namespace {

class CloudTrailServiceTest : public ::testing::Test {
 protected:
  ClientOptions Options() {
    ClientOptions options;
    options.region = "us-east-1";
    options.endpoints = EndpointResolver::ForUrl("http://127.0.0.1:1");
    options.retry.max_attempts = 1;
    return options;
  }
  FakeTransport transport_;
  StaticCredentialsProvider creds_{Credentials{
      .access_key_id = "AKIDEXAMPLE", .secret_access_key = Secret("secret")}};
};

TEST_F(CloudTrailServiceTest, ListPublicKeysRequestShapeAndPaging) {
  transport_.Enqueue(200,
                     R"({"PublicKeyList":[{"Value":"AAEC","Fingerprint":"ab",
      "ValidityStartTime":1.4363174E9,"ValidityEndTime":1438909441}],"NextToken":"t1"})");
  transport_.Enqueue(
      200, R"({"PublicKeyList":[{"Value":"AwQF","Fingerprint":"cd"}]})");
  Client client(Options(), creds_, transport_);
  auto start = std::chrono::system_clock::from_time_t(1436317441);
  auto keys =
      ListPublicKeys(client, "eu-west-1", start, start + std::chrono::hours(1));
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].value_base64, "AAEC");
  EXPECT_EQ((*keys)[0].fingerprint, "ab");
  EXPECT_EQ((*keys)[0].validity_end, 1438909441);
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  const Request& first = sent[0].request;
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(first.path, "/");
  EXPECT_EQ(
      FindHeader(first.headers, "X-Amz-Target").value_or(""),
      "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys");
  EXPECT_EQ(FindHeader(first.headers, "Content-Type").value_or(""),
            "application/x-amz-json-1.1");
  // Signed for cloudtrail in the key's region.
  EXPECT_NE(FindHeader(first.headers, "Authorization")
                .value_or("")
                .find("/eu-west-1/cloudtrail/aws4_request"),
            std::string::npos);
  auto body = nlohmann::json::parse(first.body);
  EXPECT_EQ(body["StartTime"], 1436317441);
  EXPECT_EQ(body["EndTime"], 1436317441 + 3600);
  EXPECT_FALSE(body.contains("NextToken"));
  EXPECT_EQ(nlohmann::json::parse(sent[1].request.body)["NextToken"], "t1");
}

TEST_F(CloudTrailServiceTest, ListPublicKeysErrorsAreAwsErrors) {
  transport_.Enqueue(
      400, R"({"__type":"InvalidTimeRangeException","message":"bad range"})");
  Client client(Options(), creds_, transport_);
  auto keys = ListPublicKeys(client, "", std::nullopt, std::nullopt);
  EXPECT_EQ(keys.status().code(), ErrorCode::kAws);
  EXPECT_EQ(nlohmann::json::parse(transport_.sent()[0].request.body),
            nlohmann::json::object());
}

TEST_F(CloudTrailServiceTest, LookupEventsOneAttributeAndPages) {
  transport_.Enqueue(
      200,
      R"({"Events":[{"EventId":"1","CloudTrailEvent":"{}"}],"NextToken":"n"})");
  transport_.Enqueue(200,
                     R"({"Events":[{"EventId":"2","CloudTrailEvent":"{}"}]})");
  Client client(Options(), creds_, transport_);
  std::vector<std::string> ids;
  LookupEventsInput input;
  input.attribute_key = "EventName";
  input.attribute_value = "ConsoleLogin";
  Status status = LookupEvents(client, input, [&](const nlohmann::json& e) {
    ids.push_back(e["EventId"]);
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2"}));
  auto body = nlohmann::json::parse(transport_.sent()[0].request.body);
  EXPECT_EQ(body["LookupAttributes"][0]["AttributeKey"], "EventName");
  EXPECT_EQ(body["MaxResults"], 50);
}

}  // namespace
}  // namespace cirt::aws::cloudtrail
