// Request shape and decoding of services/cloudtrail over FakeTransport
// (moto does not implement ListPublicKeys or LookupEvents).
#include "aws/services/cloudtrail.h"

#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/transport.h"
#include "aws/testing_util.h"

namespace cirt::aws::cloudtrail {
namespace {

class CloudTrailServiceTest : public ::testing::Test {
 protected:
  ClientOptions Options() { return testing_util::FakeClientOptions(); }
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

namespace cirt::aws::cloudtrail {
namespace {

// DescribeTrails / GetTrailStatus (moto implements both; shapes from the
// CloudTrail API reference).
class CloudTrailTrailsTest : public ::testing::Test {
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

TEST_F(CloudTrailTrailsTest, DescribeTrailsRequestAndDecoding) {
  transport_.Enqueue(200, R"({"trailList":[
    {"Name":"org-trail","S3BucketName":"org-logs","S3KeyPrefix":"ct","IsMultiRegionTrail":true,
     "IsOrganizationTrail":true,"HomeRegion":"eu-west-1","LogFileValidationEnabled":true,
     "TrailARN":"arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail"},
    {"Name":"local","S3BucketName":"local-logs","HomeRegion":"us-east-1"}]})");
  Client client(Options(), creds_, transport_);
  auto trails = DescribeTrails(client, "", true);
  ASSERT_TRUE(trails.ok()) << trails.status().ToString();
  ASSERT_EQ(trails->size(), 2u);
  const Trail& org = (*trails)[0];
  EXPECT_EQ(org.s3_bucket_name, "org-logs");
  EXPECT_EQ(org.s3_key_prefix, "ct");
  EXPECT_TRUE(org.is_organization);
  EXPECT_TRUE(org.is_multi_region);
  EXPECT_TRUE(org.log_file_validation);
  EXPECT_EQ(org.home_region, "eu-west-1");
  EXPECT_EQ(org.raw["TrailARN"],
            "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail");
  EXPECT_EQ((*trails)[1].s3_key_prefix, "");
  EXPECT_FALSE((*trails)[1].is_organization);
  const Request sent = transport_.sent()[0].request;
  EXPECT_EQ(
      FindHeader(sent.headers, "X-Amz-Target").value_or(""),
      "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails");
  EXPECT_EQ(nlohmann::json::parse(sent.body)["includeShadowTrails"], true);

  transport_.Enqueue(200, "{}");
  auto none = DescribeTrails(client, "", false);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  transport_.Enqueue(200, R"({"trailList":{}})");
  EXPECT_EQ(DescribeTrails(client, "").status().code(), ErrorCode::kCorrupt);
}

TEST_F(CloudTrailTrailsTest, GetTrailStatus) {
  transport_.Enqueue(200,
                     R"({"IsLogging":false,"LatestDeliveryError":"AccessDenied",
    "StopLoggingTime":1.7E9})");
  Client client(Options(), creds_, transport_);
  auto status = GetTrailStatus(client, "eu-west-1", "org-trail");
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_FALSE(status->is_logging);
  EXPECT_EQ(status->latest_delivery_error, "AccessDenied");
  EXPECT_TRUE(status->raw.contains("StopLoggingTime"));
  const Request sent = transport_.sent()[0].request;
  EXPECT_EQ(nlohmann::json::parse(sent.body)["Name"], "org-trail");
  EXPECT_NE(FindHeader(sent.headers, "Authorization")
                .value_or("")
                .find("/eu-west-1/cloudtrail/"),
            std::string::npos);
}

}  // namespace
}  // namespace cirt::aws::cloudtrail
