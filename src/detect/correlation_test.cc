// Sigma correlation rules end to end through detect::Hunt: the
// specification's examples adapted to CloudTrail, over records taken from
// Panther's labelled CloudTrail events in the shared corpus (time, ids and
// the grouped fields adjusted), written as gzip trail files.
#include "detect/correlation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "detect/hunt.h"
#include "detect/testing_records.h"
#include "report/writer.h"

namespace cirt::detect {
namespace {

namespace fs = std::filesystem;
using testing_records::kBase;
using testing_records::Record;

// GetRole denied for user "tester" (Panther's aws_iam_user_recon_denied).
std::string Denied(int64_t seconds, const std::string& id,
                   std::map<std::string, std::string> fields = {}) {
  return Record("aws_iam_user_recon_denied.yml", "Unauthorized API Call", seconds, id, fields);
}

constexpr const char* kDeniedRule = R"(title: IAM call denied
id: 0b3b8f46-4c3f-4e0e-9a5c-1f4c2f3e7a01
name: iam_call_denied
status: test
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: iam.amazonaws.com
    errorCode: AccessDenied
  condition: selection
level: low
)";

class CorrelationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cirt_correlation_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "rules");
    fs::create_directories(dir_ / "trail");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Rules(const std::string& yaml) { std::ofstream(dir_ / "rules" / "rules.yml") << yaml; }
  // Splits the records over two files so that two threads read them.
  void Trail(const std::vector<std::string>& records) {
    std::vector<std::string> a, b;
    for (size_t i = 0; i < records.size(); ++i) (i % 2 ? b : a).push_back(records[i]);
    testing_records::WriteTrail(dir_ / "trail" / "a.json.gz", a);
    testing_records::WriteTrail(dir_ / "trail" / "b.json.gz", b);
  }
  // Hunts the trail; every hunt runs twice, the second time with a memory
  // budget so small that every match is written to temporary files, and
  // both must detect the same, with the same evidence.
  HuntResult Run(std::optional<model::Level> min_level = {}) {
    HuntOptions o;
    o.inputs = {(dir_ / "trail").string()};
    o.rule_paths = {(dir_ / "rules").string()};
    o.builtin_rules = false;
    o.jobs = 2;
    o.min_level = min_level;
    Diagnostics diag(nullptr);
    auto r = Hunt(o, &diag);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& out : r->rules.outcomes) {
      EXPECT_NE(out.kind, sigma::LoadOutcome::Kind::kError) << out.file << ": " << out.message;
    }
    o.memory_budget = 1;
    auto spilled = Hunt(o, &diag);
    EXPECT_TRUE(spilled.ok()) << spilled.status().ToString();
    if (r.ok() && spilled.ok()) {
      const auto expected = Listing(&*r);
      EXPECT_EQ(Listing(&*spilled), expected);
      if (!expected.empty()) {
        EXPECT_GT(spilled->spilled_correlation_hits, 0u);
      }
    }
    return std::move(*r);
  }
  // Each detection with its evidence, in output order.
  static std::vector<std::string> Listing(HuntResult* r) {
    std::vector<std::string> out;
    Status s = r->ForEach([&](const model::Detection& d) {
      std::string line = d.rule().title + " " + std::string(d.event_id());
      if (const model::Evidence* ev = d.evidence()) {
        line += " " + ev->type + " " + std::to_string(ev->count) + " " +
                std::to_string(ev->first_time_us) + "-" + std::to_string(ev->last_time_us);
        for (const auto& [field, value] : ev->group) line += " " + field + "=" + value;
        for (const auto& id : ev->event_ids) line += " " + id;
      }
      out.push_back(line);
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  static std::vector<const model::Detection*> Of(const HuntResult& r, const std::string& title) {
    std::vector<const model::Detection*> out;
    for (const auto* d : r.detections) {
      if (d->rule().title == title) out.push_back(d);
    }
    return out;
  }
  fs::path dir_;
};

// --- event_count ---

const std::string kEventCount = std::string(kDeniedRule) + R"(---
title: Many denied IAM calls from one principal
id: 5c3d1a0e-8f1b-4f7e-b1a9-2b6f0c9d8e11
correlation:
  type: event_count
  rules:
    - iam_call_denied
  group-by:
    - userIdentity.arn
  timespan: 10m
  condition:
    gte: 5
level: high
tags:
  - attack.discovery
)";

TEST_F(CorrelationTest, EventCountFiresWhenTheWindowReachesTheCount) {
  Rules(kEventCount);
  // Five denials in exactly 10 minutes (the window is inclusive), then two
  // more that start counting afresh.
  Trail({Denied(0, "e0"), Denied(150, "e1"), Denied(300, "e2"), Denied(450, "e3"),
         Denied(600, "e4"), Denied(700, "e5"), Denied(710, "e6")});
  HuntResult r = Run();
  auto hits = Of(r, "Many denied IAM calls from one principal");
  ASSERT_EQ(hits.size(), 1u);
  const model::Detection& d = *hits[0];
  EXPECT_EQ(d.rule().level, model::Level::kHigh);
  EXPECT_EQ(d.rule().tags, std::vector<std::string>{"attack.discovery"});
  EXPECT_EQ(d.event_id(), "e4");  // the event that completed it
  EXPECT_EQ(d.principal_arn(), "arn:aws:iam::123456789012:user/tester");
  ASSERT_NE(d.evidence(), nullptr);
  const model::Evidence& ev = *d.evidence();
  EXPECT_EQ(ev.type, "event_count");
  EXPECT_EQ(ev.count, 5);
  EXPECT_EQ(ev.event_ids, (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4"}));
  EXPECT_EQ(ev.first_time_us, kBase);
  EXPECT_EQ(ev.last_time_us, kBase + 600 * 1000000LL);
  ASSERT_EQ(ev.group.size(), 1u);
  EXPECT_EQ(ev.group[0].first, "userIdentity.arn");
  EXPECT_EQ(ev.group[0].second, "arn:aws:iam::123456789012:user/tester");
  // generate defaults to false: the referenced rule is not reported alone.
  EXPECT_TRUE(Of(r, "IAM call denied").empty());
  EXPECT_EQ(r.rules.correlation, 1u);
}

TEST_F(CorrelationTest, EventCountWindowBoundaryIsExclusiveBeyondTheTimespan) {
  Rules(kEventCount);
  // The fifth denial comes one second too late for the first.
  Trail({Denied(0, "e0"), Denied(150, "e1"), Denied(300, "e2"), Denied(450, "e3"),
         Denied(601, "e4")});
  HuntResult r = Run();
  EXPECT_TRUE(Of(r, "Many denied IAM calls from one principal").empty());
}

TEST_F(CorrelationTest, EventCountCountsEachGroupApart) {
  Rules(kEventCount);
  const std::string bob = "arn:aws:iam::123456789012:user/bob";
  // Three by tester and three by bob in a minute: no group reaches five.
  Trail({Denied(0, "t0"), Denied(10, "b0", {{"userIdentity.arn", bob}}), Denied(20, "t1"),
         Denied(30, "b1", {{"userIdentity.arn", bob}}), Denied(40, "t2"),
         Denied(50, "b2", {{"userIdentity.arn", bob}})});
  EXPECT_TRUE(Of(Run(), "Many denied IAM calls from one principal").empty());
  // Two more by bob make his five.
  Trail({Denied(0, "t0"), Denied(10, "b0", {{"userIdentity.arn", bob}}), Denied(20, "t1"),
         Denied(30, "b1", {{"userIdentity.arn", bob}}), Denied(40, "t2"),
         Denied(50, "b2", {{"userIdentity.arn", bob}}),
         Denied(60, "b3", {{"userIdentity.arn", bob}}),
         Denied(70, "b4", {{"userIdentity.arn", bob}})});
  HuntResult r = Run();
  auto hits = Of(r, "Many denied IAM calls from one principal");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->evidence()->group[0].second, bob);
  EXPECT_EQ(hits[0]->evidence()->event_ids,
            (std::vector<std::string>{"b0", "b1", "b2", "b3", "b4"}));
}

TEST_F(CorrelationTest, GenerateTrueAlsoReportsTheReferencedRule) {
  std::string rules = kEventCount;
  rules.replace(rules.find("level: high"), 11, "level: high\ngenerate: true");
  Rules(rules);
  Trail({Denied(0, "e0"), Denied(1, "e1")});
  HuntResult r = Run();
  EXPECT_EQ(Of(r, "IAM call denied").size(), 2u);
  // --level above the base rule keeps it out, but it still feeds the correlation.
  Trail({Denied(0, "e0"), Denied(1, "e1"), Denied(2, "e2"), Denied(3, "e3"), Denied(4, "e4")});
  HuntResult high = Run(model::Level::kHigh);
  EXPECT_TRUE(Of(high, "IAM call denied").empty());
  EXPECT_EQ(Of(high, "Many denied IAM calls from one principal").size(), 1u);
}

TEST_F(CorrelationTest, UpperBoundsCountWholeFixedWindows) {
  // At most two denials per principal in an hour: a quiet window fires once
  // it is closed, a busy one never.
  Rules(std::string(kDeniedRule) + R"(---
title: Few denials
correlation:
  type: event_count
  rules: [iam_call_denied]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition:
    gt: 0
    lte: 2
)");
  const std::string bob = "arn:aws:iam::123456789012:user/bob";
  Trail({Denied(0, "t0"), Denied(60, "t1"), Denied(120, "t2"),
         Denied(0, "b0", {{"userIdentity.arn", bob}}),
         Denied(60, "b1", {{"userIdentity.arn", bob}}),
         // Bob's next window starts after the first closed.
         Denied(4000, "b2", {{"userIdentity.arn", bob}})});
  HuntResult r = Run();
  auto hits = Of(r, "Few denials");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0]->evidence()->event_ids, (std::vector<std::string>{"b0", "b1"}));
  EXPECT_EQ(hits[1]->evidence()->event_ids, (std::vector<std::string>{"b2"}));
}

// --- value_count ---

TEST_F(CorrelationTest, ValueCountCountsDistinctValuesPerGroup) {
  // The specification's "failed logons with many different users" turned
  // to CloudTrail: one source address denied on three different IAM APIs.
  Rules(std::string(kDeniedRule) + R"(---
title: Denied on many IAM APIs from one address
correlation:
  type: value_count
  rules:
    - 0b3b8f46-4c3f-4e0e-9a5c-1f4c2f3e7a01
  group-by:
    - sourceIPAddress
  timespan: 1h
  condition:
    field: eventName
    gte: 3
)");
  // Four denials of two APIs: two distinct values only.
  Trail({Denied(0, "a", {{"eventName", "GetRole"}}), Denied(10, "b", {{"eventName", "ListUsers"}}),
         Denied(20, "c", {{"eventName", "GetRole"}}),
         Denied(30, "d", {{"eventName", "ListUsers"}})});
  EXPECT_TRUE(Of(Run(), "Denied on many IAM APIs from one address").empty());
  // A third API from another address does not count; from the same one it does.
  Trail({Denied(0, "a", {{"eventName", "GetRole"}}), Denied(10, "b", {{"eventName", "ListUsers"}}),
         Denied(20, "c", {{"eventName", "ListRoles"}, {"sourceIPAddress", "198.51.100.9"}}),
         Denied(30, "d", {{"eventName", "ListRoles"}})});
  HuntResult r = Run();
  auto hits = Of(r, "Denied on many IAM APIs from one address");
  ASSERT_EQ(hits.size(), 1u);
  const model::Evidence& ev = *hits[0]->evidence();
  EXPECT_EQ(ev.type, "value_count");
  EXPECT_EQ(ev.count, 3);
  EXPECT_EQ(ev.group[0], (std::pair<std::string, std::string>{"sourceIPAddress", "40.185.186.6"}));
  EXPECT_EQ(ev.event_ids, (std::vector<std::string>{"a", "b", "d"}));
}

TEST_F(CorrelationTest, ValueCountOverSeveralFieldsCountsTuples) {
  Rules(std::string(kDeniedRule) + R"(---
title: Denied on many API and region pairs
correlation:
  type: value_count
  rules: [iam_call_denied]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition:
    field: [eventName, awsRegion]
    gte: 3
)");
  // Two names and two regions, but only two distinct pairs.
  Trail({Denied(0, "a", {{"eventName", "GetRole"}, {"awsRegion", "us-east-1"}}),
         Denied(10, "b", {{"eventName", "ListUsers"}, {"awsRegion", "eu-west-1"}}),
         Denied(20, "c", {{"eventName", "GetRole"}, {"awsRegion", "us-east-1"}})});
  EXPECT_TRUE(Of(Run(), "Denied on many API and region pairs").empty());
  Trail({Denied(0, "a", {{"eventName", "GetRole"}, {"awsRegion", "us-east-1"}}),
         Denied(10, "b", {{"eventName", "ListUsers"}, {"awsRegion", "eu-west-1"}}),
         Denied(20, "c", {{"eventName", "GetRole"}, {"awsRegion", "eu-west-1"}})});
  HuntResult r = Run();
  auto hits = Of(r, "Denied on many API and region pairs");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->evidence()->count, 3);
}

TEST_F(CorrelationTest, ValueCountWindowSlides) {
  Rules(std::string(kDeniedRule) + R"(---
title: Denied on many IAM APIs from one address
correlation:
  type: value_count
  rules: [iam_call_denied]
  group-by: [sourceIPAddress]
  timespan: 5m
  condition:
    field: eventName
    gte: 3
)");
  // GetRole leaves the window before ListRoles arrives.
  Trail({Denied(0, "a", {{"eventName", "GetRole"}}), Denied(200, "b", {{"eventName", "ListUsers"}}),
         Denied(301, "c", {{"eventName", "ListRoles"}})});
  EXPECT_TRUE(Of(Run(), "Denied on many IAM APIs from one address").empty());
}

// --- value_sum, value_avg ---

// The specification's "Possible Exfiltration" example on S3 data events:
// GetObject calls by Alice (Panther's S3 data event, eventName and
// bytesTransferredOut adjusted; the byte counts stay JSON numbers).
std::string GetObject(int64_t seconds, const std::string& id, const std::string& bytes) {
  return Record("aws_s3_delete_object.yml", "DeleteObject", seconds, id,
                {{"eventName", "GetObject"}, {"additionalEventData.bytesTransferredOut", bytes}});
}

std::string ExfiltrationRules(const std::string& type, const std::string& threshold) {
  return R"(title: Object read
name: object_read
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventSource: s3.amazonaws.com
    eventName: GetObject
  condition: selection
---
title: Possible exfiltration from S3
correlation:
  type: )" +
         type + R"(
  rules: [object_read]
  group-by: [userIdentity.arn, sourceIPAddress]
  timespan: 1h
  condition:
    field: additionalEventData.bytesTransferredOut
    gt: )" +
         threshold + "\n";
}

TEST_F(CorrelationTest, ValueSumAddsTheFieldOverTheWindow) {
  Rules(ExfiltrationRules("value_sum", "1000000"));
  Trail({GetObject(0, "g0", "400000"), GetObject(60, "g1", "400000"),
         GetObject(120, "g2", "200000")});
  EXPECT_TRUE(Of(Run(), "Possible exfiltration from S3").empty());  // exactly 1000000
  Trail({GetObject(0, "g0", "400000"), GetObject(60, "g1", "400000"),
         GetObject(120, "g2", "200001")});
  HuntResult r = Run();
  auto hits = Of(r, "Possible exfiltration from S3");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->evidence()->type, "value_sum");
  EXPECT_EQ(hits[0]->evidence()->count, 1000001);
  EXPECT_EQ(hits[0]->evidence()->group.size(), 2u);
}

TEST_F(CorrelationTest, ValueAvgAveragesTheField) {
  Rules(ExfiltrationRules("value_avg", "500000"));
  Trail({GetObject(0, "g0", "100"), GetObject(60, "g1", "900000")});
  EXPECT_TRUE(Of(Run(), "Possible exfiltration from S3").empty());  // 450050
  Trail({GetObject(0, "g0", "200000"), GetObject(60, "g1", "900000")});
  HuntResult r = Run();
  auto hits = Of(r, "Possible exfiltration from S3");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->evidence()->count, 550000);
}

// --- temporal ---

// Panther's StopInstances and ModifyInstanceAttribute (userData) events, on
// one instance: the startup-script persistence of Panther's
// "StopInstance WITH ModifyInstanceAttributes" correlation.
std::string Stop(int64_t seconds, const std::string& id) {
  return Record("aws_ec2_stopinstances.yml", "CloudTrail Instances Were Stopped", seconds, id);
}
std::string UserData(int64_t seconds, const std::string& id,
                     const std::string& instance = "i-EXAMPLE56126103cb") {
  return Record("aws_ec2_startup_script_change.yml", "ModifyInstanceAttributeUserdata", seconds, id,
                {{"requestParameters.instanceId", instance}});
}

std::string InstanceRules(const std::string& type) {
  return R"(title: Instances stopped
name: stop_instances
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventSource: ec2.amazonaws.com
    eventName: StopInstances
  condition: selection
---
title: Instance user data changed
name: user_data_changed
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: ModifyInstanceAttribute
    requestParameters.userData|exists: true
  condition: selection
---
title: Instance stopped and its startup script changed
id: 9a4e2c71-3d5b-4a8e-b0f2-6c1d7e8f9a02
correlation:
  type: )" +
         type + R"(
  rules:
    - stop_instances
    - user_data_changed
  group-by:
    - instance
  timespan: 30m
  aliases:
    instance:
      stop_instances: requestParameters.instancesSet.items.instanceId
      user_data_changed: requestParameters.instanceId
level: high
)";
}

TEST_F(CorrelationTest, TemporalNeedsEveryRuleOnTheSameAliasedGroupInAnyOrder) {
  Rules(InstanceRules("temporal"));
  Trail({UserData(0, "mod"), Stop(600, "stop")});
  HuntResult r = Run();
  auto hits = Of(r, "Instance stopped and its startup script changed");
  ASSERT_EQ(hits.size(), 1u);
  const model::Evidence& ev = *hits[0]->evidence();
  EXPECT_EQ(ev.type, "temporal");
  EXPECT_EQ(ev.count, 2);
  EXPECT_EQ(ev.group[0], (std::pair<std::string, std::string>{"instance", "i-EXAMPLE56126103cb"}));
  EXPECT_EQ(ev.event_ids, (std::vector<std::string>{"mod", "stop"}));
  EXPECT_EQ(hits[0]->event_name(), "StopInstances");
  EXPECT_TRUE(Of(r, "Instances stopped").empty());
}

TEST_F(CorrelationTest, TemporalNearMisses) {
  Rules(InstanceRules("temporal"));
  // Another instance; then the same one but 30 minutes and a second apart.
  Trail({Stop(0, "stop"), UserData(60, "other", "i-0fffffffffffffff0"), UserData(1801, "late")});
  EXPECT_TRUE(Of(Run(), "Instance stopped and its startup script changed").empty());
}

// --- temporal_ordered ---

TEST_F(CorrelationTest, TemporalOrderedNeedsTheListedOrder) {
  Rules(InstanceRules("temporal_ordered"));
  Trail({UserData(0, "mod"), Stop(600, "stop")});
  EXPECT_TRUE(Of(Run(), "Instance stopped and its startup script changed").empty());
  Trail({UserData(0, "mod0"), Stop(600, "stop"), UserData(900, "mod1")});
  HuntResult r = Run();
  auto hits = Of(r, "Instance stopped and its startup script changed");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->evidence()->type, "temporal_ordered");
  EXPECT_EQ(hits[0]->evidence()->event_ids, (std::vector<std::string>{"stop", "mod1"}));
}

TEST_F(CorrelationTest, ExampleRuleStopThenUserDataChange) {
  // docs/correlations: temporal_ordered with an alias and generate: true.
  fs::copy_file(
      std::string(CIRT_SOURCE_DIR) + "/docs/correlations/mr_aws_ec2_stop_then_user_data_change.yml",
      dir_ / "rules" / "rules.yml");
  Trail({Stop(0, "stop"), UserData(1200, "mod")});
  HuntResult r = Run();
  auto hits = Of(r, "EC2 Instance Stopped Then Its User Data Changed");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->evidence()->event_ids, (std::vector<std::string>{"stop", "mod"}));
  // generate: true keeps the referenced rules' own detections.
  EXPECT_EQ(Of(r, "EC2 Instances Stopped").size(), 1u);
  EXPECT_EQ(Of(r, "EC2 Instance User Data Changed").size(), 1u);
  // An hour and a second apart: too late.
  Trail({Stop(0, "stop"), UserData(3601, "mod")});
  EXPECT_TRUE(Of(Run(), "EC2 Instance Stopped Then Its User Data Changed").empty());
}

// The specification's closing example, "Multiple failed logins followed by
// successful login", on Panther's root console sign-in events: a chain of
// an event_count correlation and a temporal_ordered one in one file.
constexpr const char* kBruteForce =
    R"(title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
correlation:
  type: temporal_ordered
  rules:
    - multiple_failed_login
    - successful_login
  group-by:
    - sourceIPAddress
  timespan: 10m
falsepositives:
  - Unlikely
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
  type: event_count
  rules:
    - failed_login
  group-by:
    - sourceIPAddress
  timespan: 10m
  condition:
    gte: 3
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Success
  condition: selection
)";

std::string Login(bool ok, int64_t seconds, const std::string& id) {
  return Record("aws_console_root_login_failed.yml", ok ? "Successful Login" : "Failed Root Login",
                seconds, id);
}

TEST_F(CorrelationTest, ChainedCorrelationsFailedLoginsThenSuccess) {
  Rules(kBruteForce);
  Trail({Login(false, 0, "f0"), Login(false, 60, "f1"), Login(false, 120, "f2"),
         Login(true, 300, "ok")});
  HuntResult r = Run();
  auto hits = Of(r, "Correlation - Multiple Failed Logins Followed by Successful Login");
  ASSERT_EQ(hits.size(), 1u);
  const model::Detection& d = *hits[0];
  EXPECT_EQ(d.rule().id, "b180ead8-d58f-40b2-ae54-c8940995b9b6");
  EXPECT_EQ(d.event_id(), "ok");
  const model::Evidence& ev = *d.evidence();
  EXPECT_EQ(ev.event_ids, (std::vector<std::string>{"f0", "f1", "f2", "ok"}));
  EXPECT_EQ(ev.first_time_us, kBase);
  EXPECT_EQ(ev.last_time_us, kBase + 300 * 1000000LL);
  EXPECT_EQ(ev.group[0],
            (std::pair<std::string, std::string>{"sourceIPAddress", "111.111.111.111"}));
  // Only the outermost correlation is reported.
  EXPECT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.rules.correlation, 2u);
}

TEST_F(CorrelationTest, ChainedCorrelationsNearMisses) {
  Rules(kBruteForce);
  // Success before the failures; then too few failures.
  Trail({Login(true, 0, "ok"), Login(false, 60, "f0"), Login(false, 120, "f1"),
         Login(false, 180, "f2")});
  EXPECT_TRUE(Run().detections.empty());
  Trail({Login(false, 0, "f0"), Login(false, 60, "f1"), Login(true, 300, "ok")});
  EXPECT_TRUE(Run().detections.empty());
}

// --- the evidence in the output formats ---

// A long run: past a few thousand events a correlation lets go of the
// groups and windows no later event can use, and must detect exactly what
// it would holding them. One principal denied in bursts of three, 5,000
// others once each, and one every 100 s: only the bursts fire, sliding
// (gte) and fixed (eq) windows alike.
TEST_F(CorrelationTest, LongRunsDetectTheSameAsTheyLetGo) {
  auto correlation = [](const std::string& title, const std::string& id, const std::string& cond) {
    return "---\ntitle: " + title + "\nid: " + id +
           "\ncorrelation:\n  type: event_count\n  rules:\n    - iam_call_denied\n"
           "  group-by:\n    - userIdentity.arn\n  timespan: 1m\n  condition:\n    " + cond +
           "\nlevel: high\n";
  };
  Rules(std::string(kDeniedRule) +
        correlation("Burst sliding", "6a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a51", "gte: 3") +
        correlation("Burst fixed", "6a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a52", "eq: 3"));
  const std::string tmpl = Denied(0, "ID", {{"userIdentity.arn", "ARN"}});
  auto make = [&](int64_t seconds, const std::string& id, const std::string& arn) {
    std::string r = tmpl;
    r.replace(r.find(testing_records::At(0)), testing_records::At(0).size(),
              testing_records::At(seconds));
    r.replace(r.find("\"ID\""), 4, "\"" + id + "\"");
    r.replace(r.find("\"ARN\""), 5, "\"" + arn + "\"");
    return r;
  };
  std::vector<std::string> records;
  for (int b = 0; b < 100; ++b) {
    const int64_t t0 = b * 300;
    // Two of a burst, 50 others, the third a minute after the first: the
    // sweeps (every 4,096 events) fall inside the bursts.
    records.push_back(make(t0, fmt::format("a{}-0", b), "arn:a"));
    records.push_back(make(t0 + 5, fmt::format("a{}-1", b), "arn:a"));
    for (int i = 0; i < 50; ++i) {
      records.push_back(make(t0 + 10 + i, fmt::format("f{}-{}", b, i), fmt::format("arn:f{}-{}", b, i)));
    }
    records.push_back(make(t0 + 60, fmt::format("a{}-2", b), "arn:a"));
    records.push_back(make(t0 + 150, fmt::format("s{}", b), "arn:s"));
  }
  Trail(records);
  HuntResult r = Run();
  for (const char* title : {"Burst sliding", "Burst fixed"}) {
    auto hits = Of(r, title);
    ASSERT_EQ(hits.size(), 100u) << title;
    for (int b = 0; b < 100; ++b) {
      const model::Detection& d = *hits[static_cast<size_t>(b)];
      EXPECT_EQ(d.principal_arn(), "arn:a") << title;
      EXPECT_EQ(d.evidence()->event_ids,
                (std::vector<std::string>{fmt::format("a{}-0", b), fmt::format("a{}-1", b),
                                          fmt::format("a{}-2", b)}))
          << title;
    }
  }
}

TEST_F(CorrelationTest, EvidenceIsAnExtraJsonlKeyOnCorrelationsOnly) {
  std::string rules = kEventCount;
  rules.replace(rules.find("level: high"), 11, "level: high\ngenerate: true");
  Rules(rules);
  Trail({Denied(0, "e0"), Denied(1, "e1"), Denied(2, "e2"), Denied(3, "e3"), Denied(4, "e4")});
  HuntResult r = Run();
  ASSERT_EQ(r.detections.size(), 6u);
  char* buf = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&buf, &size);
  auto writer = report::MakeDetectionWriter(report::Format::kJsonl, mem, {});
  for (const auto* d : r.detections) writer->Write(*d);
  writer->Finish();
  std::fclose(mem);
  std::string out(buf, size);
  std::free(buf);
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; (nl = out.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    lines.push_back(out.substr(pos, nl - pos));
  }
  ASSERT_EQ(lines.size(), 6u);
  size_t with_evidence = 0;
  for (const auto& line : lines) {
    if (line.find("\"evidence\"") == std::string::npos) continue;
    ++with_evidence;
    EXPECT_NE(line.find(R"("file":)"), std::string::npos);
    EXPECT_NE(
        line.find(
            R"(,"evidence":{"type":"event_count","count":5,"group":{"userIdentity.arn":"arn:aws:iam::123456789012:user/tester"},"first_time":"2026-03-24T10:00:00Z","last_time":"2026-03-24T10:00:04Z","event_ids":["e0","e1","e2","e3","e4"]}})"),
        std::string::npos)
        << line;
  }
  EXPECT_EQ(with_evidence, 1u);
}

// --- rules that cannot run: `cirt rules check` reports them with the reason ---

std::vector<sigma::LoadOutcome> Check(const std::string& yaml) {
  std::vector<sigma::Rule> rules;
  std::vector<sigma::Correlation> correlations;
  auto outcomes = sigma::ParseRules(yaml, "c.yml", {}, &rules, &correlations);
  model::FieldPlan plan;
  std::vector<sigma::LoadOutcome> errors;
  auto matcher = sigma::Matcher::Compile(std::move(rules), &plan, &errors);
  std::vector<std::unique_ptr<model::RuleInfo>> infos;
  CorrelationEngine::Build(*matcher, std::move(correlations), &plan, &infos, &errors);
  std::vector<sigma::LoadOutcome> failed;
  for (auto& o : outcomes) {
    if (o.kind == sigma::LoadOutcome::Kind::kError) failed.push_back(o);
  }
  failed.insert(failed.end(), errors.begin(), errors.end());
  return failed;
}

std::string Corr(const std::string& body) {
  return std::string(kDeniedRule) + "---\ntitle: C\nname: c\ncorrelation:\n" + body;
}

struct BadCase {
  const char* name;
  std::string yaml;
  const char* reason;
};

TEST(CorrelationCheck, ReportsWhyACorrelationCannotRun) {
  const BadCase cases[] = {
      {"unknown rule",
       Corr("  type: event_count\n  rules: [nope]\n  group-by: [eventName]\n"
            "  timespan: 5m\n  condition: {gte: 2}\n"),
       "C: unknown rule 'nope'"},
      {"bad timespan",
       Corr("  type: event_count\n  rules: [iam_call_denied]\n  timespan: 5 min\n"
            "  condition: {gte: 2}\n"),
       "C: correlation: bad timespan '5 min'"},
      {"week timespan",
       Corr("  type: event_count\n  rules: [iam_call_denied]\n  timespan: 1w\n"
            "  condition: {gte: 2}\n"),
       "C: correlation: bad timespan '1w'"},
      {"no timespan",
       Corr("  type: event_count\n  rules: [iam_call_denied]\n  condition: {gte: 2}\n"),
       "C: correlation: missing timespan"},
      {"no condition", Corr("  type: event_count\n  rules: [iam_call_denied]\n  timespan: 5m\n"),
       "C: correlation: event_count needs a condition"},
      {"bad condition",
       Corr("  type: event_count\n  rules: [iam_call_denied]\n  timespan: 5m\n"
            "  condition: {more: 2}\n"),
       "C: correlation: unknown condition 'more'"},
      {"value_count without field",
       Corr("  type: value_count\n  rules: [iam_call_denied]\n  timespan: 5m\n  condition: {gte: "
            "2}\n"),
       "C: correlation: value_count needs condition.field"},
      {"unknown type", Corr("  type: value_median\n  rules: [iam_call_denied]\n  timespan: 5m\n"),
       "C: unknown correlation type 'value_median'"},
      {"percentile",
       Corr("  type: value_percentile\n  rules: [iam_call_denied]\n  timespan: 5m\n"
            "  condition: {field: eventName, lte: 1}\n"),
       "C: correlation type value_percentile is not supported"},
      {"alias without the rule",
       Corr("  type: temporal\n  rules: [iam_call_denied]\n  group-by: [who]\n  timespan: 5m\n"
            "  aliases:\n    who:\n      other_rule: userIdentity.arn\n"),
       "C: alias 'who' has no field for rule 'iam_call_denied'"},
      {"partial ordered sequence",
       Corr("  type: temporal_ordered\n  rules: [iam_call_denied]\n  timespan: 5m\n"
            "  condition: {gte: 2}\n"),
       "C: a temporal_ordered condition must hold for the whole sequence"},
      {"cycle",
       Corr("  type: temporal\n  rules: [iam_call_denied, d]\n  timespan: 5m\n") +
           "---\ntitle: D\nname: d\ncorrelation:\n  type: temporal\n  rules: [c]\n"
           "  timespan: 5m\n",
       "C: reference cycle"},
      {"group-by the inner correlation lacks",
       Corr("  type: event_count\n  rules: [iam_call_denied]\n  group-by: [eventName]\n"
            "  timespan: 5m\n  condition: {gte: 2}\n") +
           "---\ntitle: D\ncorrelation:\n  type: temporal\n  rules: [c]\n  group-by: "
           "[sourceIPAddress]\n"
           "  timespan: 5m\n",
       "D: 'sourceIPAddress' is not a group-by field of the correlation 'c'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto failed = Check(c.yaml);
    ASSERT_FALSE(failed.empty());
    bool found = false;
    for (const auto& f : failed) {
      EXPECT_EQ(f.file, "c.yml");
      found |= f.message.rfind(c.reason, 0) == 0;
    }
    EXPECT_TRUE(found) << failed[0].message;
  }
}

TEST(CorrelationCheck, LegacyAggregationsCannotBeCorrelated) {
  auto failed = Check(R"(title: Agg
name: agg
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: GetRole
  timeframe: 5m
  condition: selection | count() > 3
---
title: C
correlation:
  type: event_count
  rules: [agg]
  timespan: 5m
  condition: {gte: 2}
)");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].message.find("legacy aggregation"), std::string::npos) << failed[0].message;
}

TEST(CorrelationCheck, TypeNamesRoundTrip) {
  using Type = sigma::Correlation::Type;
  std::set<std::string_view> names;
  for (Type type : {Type::kEventCount, Type::kValueCount, Type::kTemporal, Type::kTemporalOrdered,
                    Type::kValueSum, Type::kValueAvg}) {
    const std::string_view name = sigma::CorrelationTypeName(type);
    names.insert(name);
    const bool valued = type == Type::kValueCount || type == Type::kValueSum ||
                        type == Type::kValueAvg;
    std::string yaml = "title: T\ncorrelation:\n  type: " + std::string(name) +
                       "\n  rules: [r]\n  timespan: 1m\n  condition: {gte: 1" +
                       (valued ? ", field: f" : "") + "}\n";
    if (type == Type::kTemporalOrdered) yaml.replace(yaml.find("gte: 1"), 6, "eq: 1");
    std::vector<sigma::Rule> rules;
    std::vector<sigma::Correlation> correlations;
    auto outcomes = sigma::ParseRules(yaml, "t.yml", {}, &rules, &correlations);
    ASSERT_EQ(correlations.size(), 1u) << name << ": " << outcomes[0].message;
    EXPECT_EQ(correlations[0].type, type) << name;
  }
  EXPECT_EQ(names.size(), 6u);
}

TEST(CorrelationCheck, SpecificationExamplesParse) {
  const std::string dir =
      std::string(CIRT_CORPUS_DIR) + "/sigma-specification/tests/schema/correlation";
  size_t parsed = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::vector<sigma::Rule> rules;
    std::vector<sigma::Correlation> correlations;
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto outcomes = sigma::ParseRules(text, entry.path().string(), {}, &rules, &correlations);
    ASSERT_EQ(outcomes.size(), 1u) << entry.path();
    if (entry.path().filename() == "value_percentile.yml") {
      EXPECT_EQ(outcomes[0].kind, sigma::LoadOutcome::Kind::kError);
      EXPECT_NE(outcomes[0].message.find("not supported"), std::string::npos);
      continue;
    }
    EXPECT_EQ(outcomes[0].kind, sigma::LoadOutcome::Kind::kCorrelation)
        << entry.path() << ": " << outcomes[0].message;
    ASSERT_EQ(correlations.size(), 1u);
    ++parsed;
    if (entry.path().filename() == "value_count.yml") {
      const auto& c = correlations[0];
      EXPECT_EQ(c.type, sigma::Correlation::Type::kValueCount);
      EXPECT_EQ(c.group_by, (std::vector<std::string>{"ComputerName", "WorkstationName"}));
      EXPECT_EQ(c.timespan_us, 86400LL * 1000000);
      EXPECT_EQ(c.fields, std::vector<std::string>{"User"});
      ASSERT_EQ(c.condition.size(), 1u);
      EXPECT_EQ(c.condition[0].cmp, sigma::Cmp::kGte);
      EXPECT_EQ(c.condition[0].value, 100);
    }
  }
  EXPECT_EQ(parsed, 7u);
}

}  // namespace
}  // namespace cirt::detect
