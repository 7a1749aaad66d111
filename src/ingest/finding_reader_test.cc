// The GuardDuty / Security Hub finding reader on the envelopes responders
// export, and on bad input (reported with file and position, never fatal).
#include "ingest/finding_reader.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/event.h"

namespace cirt::ingest {
namespace {

constexpr std::string_view kGuardDutyApi = R"({
  "SchemaVersion": "2.0", "Id": "gd-1", "Type": "Recon:IAMUser/UserPermissions",
  "AccountId": "111122223333", "Region": "us-east-1", "Severity": 8.1,
  "Title": "t", "CreatedAt": "2020-05-26T22:21:48.385Z",
  "Resource": {"ResourceType": "AccessKey", "AccessKeyDetails": {
    "AccessKeyId": "ASIASZ4SI7REEEXAMPLE", "UserName": "testuser", "PrincipalId": "AIDAX"}},
  "Service": {"EventFirstSeen": "2020-05-26T22:02:24Z", "Action": {"AwsApiCallAction": {
    "RemoteIpDetails": {"IpAddressV4": "198.51.100.1"}}}}})";

bool HasEntity(const model::Finding& f, std::string_view kind, std::string_view value) {
  return std::any_of(f.entities.begin(), f.entities.end(), [&](const model::FindingEntity& e) {
    return e.kind == kind && e.value == value;
  });
}

TEST(FindingReader, GuardDutyBareFindingWithEntities) {
  std::vector<model::Finding> out;
  Diagnostics d(nullptr);
  EXPECT_EQ(ReadFindings("gd.json", kGuardDutyApi, &out, &d), 0u);
  ASSERT_EQ(out.size(), 1u);
  const model::Finding& f = out[0];
  EXPECT_EQ(f.source, model::FindingSource::kGuardDuty);
  EXPECT_EQ(f.severity_label, "HIGH");
  EXPECT_EQ(f.first_seen, "2020-05-26T22:02:24Z");
  EXPECT_EQ(f.time_us, *model::ParseUtcTimestamp("2020-05-26T22:02:24Z"));
  EXPECT_TRUE(HasEntity(f, "access_key_id", "ASIASZ4SI7REEEXAMPLE"));
  EXPECT_TRUE(HasEntity(f, "user_name", "testuser"));
  EXPECT_TRUE(HasEntity(f, "ip", "198.51.100.1"));
}

TEST(FindingReader, EventBridgeJsonLinesCamelCaseAndSecurityHub) {
  const std::string lines =
      R"({"detail-type":"GuardDuty Finding","detail":{"schemaVersion":"2.0","id":"gd-2","type":"X","severity":2,"resource":{"instanceDetails":{"instanceId":"i-0123456789abcdef0"}},"service":{"eventFirstSeen":"2024-01-01T00:00:00Z"}}})"
      "\n"
      R"({"detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"SchemaVersion":"2018-10-08","Id":"sh-1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty","Types":["TTPs/Initial Access"],"Severity":{"Label":"HIGH","Normalized":70},"Resources":[{"Type":"AwsS3Bucket","Id":"arn:aws:s3:::victim-bucket"}]}]}})"
      "\n";
  std::vector<model::Finding> out;
  Diagnostics d(nullptr);
  EXPECT_EQ(ReadFindings("events.jsonl", lines, &out, &d), 0u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "gd-2");
  EXPECT_EQ(out[0].severity_label, "LOW");
  EXPECT_TRUE(HasEntity(out[0], "instance_id", "i-0123456789abcdef0"));
  EXPECT_EQ(out[1].source, model::FindingSource::kSecurityHub);
  EXPECT_EQ(out[1].type, "TTPs/Initial Access");
  EXPECT_EQ(out[1].severity, 70);
  EXPECT_TRUE(HasEntity(out[1], "bucket", "victim-bucket"));
  EXPECT_TRUE(HasEntity(out[1], "resource", "arn:aws:s3:::victim-bucket"));
}

TEST(FindingReader, BadLinesAndNonFindingsAreReportedWithTheirPosition) {
  const std::string lines = std::string(R"({"Findings":[{"hello":1}]})") + "\n{not json\n";
  std::vector<model::Finding> out;
  Diagnostics d(nullptr);
  EXPECT_EQ(ReadFindings("mixed.jsonl", lines, &out, &d), 2u);
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(d.warnings(), 2u);
  const auto kept = d.Kept();
  EXPECT_EQ(kept[0].code(), ErrorCode::kCorrupt);
  EXPECT_EQ(kept[0].context().file, "mixed.jsonl");
  EXPECT_EQ(kept[1].context().line, 2u);
}

TEST(FindingReader, LooksLikeFindingsButNotCloudTrail) {
  EXPECT_TRUE(LooksLikeFindings(R"({"Findings": [])"));
  EXPECT_TRUE(LooksLikeFindings(R"({"detail-type":"GuardDuty Finding")"));
  EXPECT_FALSE(LooksLikeFindings(R"({"Records":[{"eventVersion":"1.08")"));
  EXPECT_FALSE(LooksLikeFindings(R"({"hello": 1})"));
}

}  // namespace
}  // namespace cirt::ingest
