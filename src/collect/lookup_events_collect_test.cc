#include "collect/lookup_events_collect.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/credentials.h"
#include "aws/transport.h"
#include "collect/local_files.h"
#include "collect/manifest.h"
#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

constexpr char kIdentity[] =
    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ir"
    "</Arn><UserId>AID</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    "</GetCallerIdentityResponse>";

class LookupEventsCollectTest : public ::testing::Test {
 protected:
  aws::ClientOptions Options() {
    aws::ClientOptions options;
    options.region = "us-east-1";
    options.endpoints = aws::EndpointResolver::ForUrl("http://127.0.0.1:1");
    options.retry.max_attempts = 1;
    return options;
  }
  LookupEventsCollectOptions Collect() {
    LookupEventsCollectOptions o;
    o.regions = {"us-east-1", "eu-west-1"};
    o.out_dir = dir_.path().string();
    o.start = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1);
    o.end = *o.start + std::chrono::hours(1);
    o.sleep = [this](std::chrono::milliseconds d) { slept_.push_back(d); };
    o.now = [] { return std::chrono::sys_days(std::chrono::year(2024) / 5 / 2); };
    return o;
  }
  // LookupEvents answers: us-east-1 has two pages, eu-west-1 is denied.
  void Serve() {
    transport_.SetHandler([](const aws::Request& r, const std::string&) -> Result<aws::Response> {
      if (r.service == "sts") return aws::Response{200, {}, kIdentity};
      if (r.region == "eu-west-1")
        return aws::Response{400, {}, R"({"__type":"AccessDeniedException","message":"no"})"};
      auto body = nlohmann::json::parse(r.body);
      if (!body.contains("NextToken")) {
        return aws::Response{200, {}, R"({"Events":[
          {"EventId":"1","CloudTrailEvent":"{\"eventTime\":\"2024-05-01T00:10:00Z\",\"eventName\":\"ConsoleLogin\"}"},
          {"EventId":"2"}],"NextToken":"p2"})"};
      }
      return aws::Response{200, {}, R"({"Events":[
        {"EventId":"3","CloudTrailEvent":"{\n  \"eventTime\": \"2024-05-01T00:20:00Z\",\n  \"eventName\": \"GetObject\"\n}"}]})"};
    });
  }
  testing::TempDir dir_;
  aws::FakeTransport transport_;
  aws::StaticCredentialsProvider creds_{
      aws::Credentials{.access_key_id = "AKID", .secret_access_key = aws::Secret("s")}};
  std::vector<std::chrono::milliseconds> slept_;
};

TEST_F(LookupEventsCollectTest, WritesOneRecordPerLineAndRecordsDenials) {
  Serve();
  aws::Client client(Options(), creds_, transport_);
  Result<LookupEventsStats> stats = CollectLookupEvents(client, Collect());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events, 2u);
  EXPECT_EQ(stats->skipped_events, 1u);
  EXPECT_EQ(stats->files, 1u);
  EXPECT_EQ(stats->denied, 1u);
  EXPECT_EQ(slept_, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(550)}));

  std::string rel =
      "lookup-events/us-east-1/lookup-events_us-east-1_20240501T000000Z_20240501T010000Z.jsonl";
  std::string text = ReadWholeFile((dir_.path() / rel).string()).value();
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> names;
  while (std::getline(lines, line)) names.push_back(nlohmann::json::parse(line)["eventName"]);
  EXPECT_EQ(names, (std::vector<std::string>{"ConsoleLogin", "GetObject"}));

  Result<Manifest> manifest = Manifest::Load(dir_.path().string());
  ASSERT_TRUE(manifest.ok());
  auto entries = manifest->entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, rel);
  EXPECT_EQ(entries[0].source.operation, "LookupEvents");
  EXPECT_EQ(entries[0].collector_arn, "arn:aws:iam::123456789012:user/ir");
  EXPECT_EQ(entries[0].collected_at, "2024-05-02T00:00:00Z");
  EXPECT_EQ(entries[1].status, EntryStatus::kDenied);
  EXPECT_EQ(entries[1].source.region, "eu-west-1");
  Result<VerifyResult> check = VerifyManifest(dir_.path().string());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
}

}  // namespace
}  // namespace cirt::collect
