// First-seen anomalies and denial bursts over records taken from Panther's
// labelled CloudTrail events in the shared corpus (time, ids and the field
// under test adjusted), read by the real reader. Each kind has a positive
// and a near miss.
#include "detect/anomaly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/diagnostics.h"
#include "detect/hunt.h"
#include "detect/testing_records.h"
#include "ingest/cloudtrail_reader.h"

namespace cirt::detect {
namespace {

namespace fs = std::filesystem;
using testing_records::kBase;
using testing_records::Record;

constexpr int64_t kDay = 86400;
constexpr const char* kNikki = "arn:aws:iam::777788889999:user/Nikki";

// StopInstances by IAM user Nikki with her long-term key AKIAI44QH8DHBEXAMPLE
// from 192.0.2.0 with the CloudShell CLI in us-east-1.
std::string Nikki(int64_t seconds, const std::string& id,
                  std::map<std::string, std::string> fields = {}) {
  return Record("aws_ec2_stopinstances.yml", "CloudTrail Instances Were Stopped", seconds, id,
                fields);
}

// GetRole denied for user "tester".
std::string Denied(int64_t seconds, const std::string& id) {
  return Record("aws_iam_user_recon_denied.yml", "Unauthorized API Call", seconds, id);
}

class FeedSink : public ingest::RecordSink {
 public:
  explicit FeedSink(AnomalyDetector* detector) : detector_(detector) {}
  void OnRecord(const model::Event& event, const model::FieldValues&,
                const model::RecordOrigin& origin) override {
    detector_->Add(event, origin, file_index);
  }
  uint32_t file_index = 0;

 private:
  AnomalyDetector* detector_;
};

// Feeds `records` (one file each) to `detector` through the reader.
void Feed(const std::vector<std::string>& records, AnomalyDetector* detector,
          uint32_t first_file = 0) {
  model::FieldPlan plan;
  ingest::ModelSlots slots = ingest::ModelSlots::Register(&plan);
  Diagnostics diag(nullptr);
  ingest::CloudTrailReader reader(plan, slots, &diag);
  FeedSink sink(detector);
  for (size_t i = 0; i < records.size(); ++i) {
    sink.file_index = first_file + static_cast<uint32_t>(i);
    ingest::ReadStats stats = reader.ReadBytes("r.json", records[i], &sink);
    EXPECT_EQ(stats.records, 1u) << records[i];
  }
}

AnomalyOptions OneDayBaseline() {
  AnomalyOptions o;
  o.baseline_end_us = kBase + kDay * 1000000;
  return o;
}

std::vector<model::Detection> Detect(const std::vector<std::string>& records,
                                     AnomalyOptions options = OneDayBaseline()) {
  AnomalyDetector detector(options);
  Feed(records, &detector);
  return detector.Finish();
}

// "type event_id" of each detection, in order.
std::vector<std::string> Kinds(const std::vector<model::Detection>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) {
    EXPECT_NE(d.evidence(), nullptr);
    out.push_back(d.evidence()->type + " " + std::string(d.event_id()));
  }
  return out;
}

const model::Detection* Find(const std::vector<model::Detection>& ds, std::string_view type) {
  for (const auto& d : ds) {
    if (d.evidence() && d.evidence()->type == type) return &d;
  }
  return nullptr;
}

std::vector<std::string> Baseline() {
  return {Nikki(0, "b0", {{"sourceIPAddress", "192.0.2.10"}}),
          Nikki(3600, "b1", {{"sourceIPAddress", "2001:db8:1::5"}})};
}

std::vector<std::string> With(std::vector<std::string> records, const std::string& more) {
  records.push_back(more);
  return records;
}

TEST(Anomaly, FirstSeenNetwork) {
  // Same /24 and same /48: nothing new.
  EXPECT_TRUE(
      Detect(With(With(Baseline(), Nikki(2 * kDay, "n0", {{"sourceIPAddress", "192.0.2.200"}})),
                  Nikki(2 * kDay + 1, "n1", {{"sourceIPAddress", "2001:db8:1:ff::9"}})))
          .empty());
  auto ds =
      Detect(With(With(Baseline(), Nikki(2 * kDay, "v4", {{"sourceIPAddress", "198.51.100.7"}})),
                  Nikki(2 * kDay + 1, "v6", {{"sourceIPAddress", "2001:db8:2::1"}})));
  EXPECT_EQ(Kinds(ds),
            (std::vector<std::string>{"first_seen_network v4", "first_seen_network v6"}));
  const model::Evidence& ev = *ds[0].evidence();
  EXPECT_EQ(ev.group, (std::vector<std::pair<std::string, std::string>>{
                          {"principal", kNikki}, {"network", "198.51.100.0/24"}}));
  EXPECT_EQ(ev.event_ids, std::vector<std::string>{"v4"});
  EXPECT_EQ(ds[0].source_ip(), "198.51.100.7");
  EXPECT_EQ(ds[0].rule().id, "86ce0f56-9bd8-42e0-a5df-2e5a070fed47");
  EXPECT_EQ(ds[0].rule().level, model::Level::kLow);
  EXPECT_EQ(ds[1].evidence()->group[1].second, "2001:db8:2::/48");
  // Only the first event of a new network is reported.
  ds = Detect(With(With(Baseline(), Nikki(2 * kDay, "v4", {{"sourceIPAddress", "198.51.100.7"}})),
                   Nikki(2 * kDay + 9, "again", {{"sourceIPAddress", "198.51.100.8"}})));
  EXPECT_EQ(Kinds(ds), std::vector<std::string>{"first_seen_network v4"});
}

TEST(Anomaly, FirstSeenNetworkPrefixIsConfigurable) {
  AnomalyOptions o = OneDayBaseline();
  o.ipv4_prefix = 32;
  auto ds =
      Detect(With(Baseline(), Nikki(2 * kDay, "n0", {{"sourceIPAddress", "192.0.2.200"}})), o);
  EXPECT_EQ(Kinds(ds), std::vector<std::string>{"first_seen_network n0"});
  EXPECT_EQ(ds[0].evidence()->group[1].second, "192.0.2.200/32");
}

TEST(Anomaly, FirstSeenUserAgent) {
  EXPECT_TRUE(Detect(With(Baseline(), Nikki(2 * kDay, "same", {{"sourceIPAddress", "192.0.2.10"}})))
                  .empty());
  auto ds = Detect(With(Baseline(), Nikki(2 * kDay, "ua",
                                          {{"sourceIPAddress", "192.0.2.10"},
                                           {"userAgent", "python-requests/2.31.0"}})));
  EXPECT_EQ(Kinds(ds), std::vector<std::string>{"first_seen_user_agent ua"});
  EXPECT_EQ(ds[0].evidence()->group[1],
            (std::pair<std::string, std::string>{"user_agent", "python-requests/2.31.0"}));
}

TEST(Anomaly, FirstSeenRegion) {
  auto miss = Detect(
      With(Baseline(),
           Nikki(2 * kDay, "r0", {{"sourceIPAddress", "192.0.2.10"}, {"awsRegion", "us-east-1"}})));
  EXPECT_TRUE(miss.empty());
  auto ds = Detect(With(
      Baseline(),
      Nikki(2 * kDay, "r1", {{"sourceIPAddress", "192.0.2.10"}, {"awsRegion", "ap-southeast-3"}})));
  EXPECT_EQ(Kinds(ds), std::vector<std::string>{"first_seen_region r1"});
  EXPECT_EQ(ds[0].rule().level, model::Level::kMedium);
  EXPECT_NE(std::find(ds[0].rule().tags.begin(), ds[0].rule().tags.end(), "attack.t1535"),
            ds[0].rule().tags.end());
}

TEST(Anomaly, FirstSeenApi) {
  EXPECT_TRUE(Detect(With(Baseline(), Nikki(2 * kDay, "a0",
                                            {{"sourceIPAddress", "192.0.2.10"},
                                             {"eventName", "StopInstances"}})))
                  .empty());
  auto ds = Detect(With(
      Baseline(), Nikki(2 * kDay, "a1",
                        {{"sourceIPAddress", "192.0.2.10"}, {"eventName", "TerminateInstances"}})));
  EXPECT_EQ(Kinds(ds), std::vector<std::string>{"first_seen_api a1"});
  EXPECT_EQ(ds[0].evidence()->group[1].second, "ec2.amazonaws.com:TerminateInstances");
}

TEST(Anomaly, LongTermKeyUsedFromOutsideAwsForTheFirstTime) {
  // During the baseline the key only acted through CloudFormation (the
  // source is a service name, not an address).
  const std::vector<std::string> baseline = {
      Nikki(0, "b0", {{"sourceIPAddress", "cloudformation.amazonaws.com"}})};
  auto ds = Detect(With(baseline, Nikki(2 * kDay, "k",
                                        {{"sourceIPAddress", "203.0.113.50"},
                                         {"userAgent", "cloudformation.amazonaws.com"}})));
  const model::Detection* d = Find(ds, "long_term_key_outside_aws");
  ASSERT_NE(d, nullptr) << ::testing::PrintToString(Kinds(ds));
  EXPECT_EQ(d->event_id(), "k");
  EXPECT_EQ(d->evidence()->group,
            (std::vector<std::pair<std::string, std::string>>{
                {"principal", kNikki}, {"access_key_id", "AKIAI44QH8DHBEXAMPLE"}}));
  // Near misses: a temporary key (ASIA...) from an address; the long-term key
  // already used from an address during the baseline.
  ds = Detect(With(baseline, Nikki(2 * kDay, "t",
                                   {{"sourceIPAddress", "203.0.113.50"},
                                    {"userIdentity.accessKeyId", "ASIAY34FZKBOKMUTVV7A"}})));
  EXPECT_EQ(Find(ds, "long_term_key_outside_aws"), nullptr);
  ds = Detect(With(Baseline(), Nikki(2 * kDay, "k2", {{"sourceIPAddress", "203.0.113.50"}})));
  EXPECT_EQ(Find(ds, "long_term_key_outside_aws"), nullptr);
  EXPECT_NE(Find(ds, "first_seen_network"), nullptr);
}

TEST(Anomaly, AccessDeniedBurst) {
  std::vector<std::string> burst;
  for (int i = 0; i < 10; ++i) burst.push_back(Denied(60 * i, "d" + std::to_string(i)));  // 9 min
  auto ds = Detect(burst);
  ASSERT_EQ(Kinds(ds), std::vector<std::string>{"access_denied_burst d9"});
  const model::Evidence& ev = *ds[0].evidence();
  EXPECT_EQ(ev.count, 10);
  EXPECT_EQ(ev.event_ids.size(), 10u);
  EXPECT_EQ(ev.event_ids.front(), "d0");
  EXPECT_EQ(ev.first_time_us, kBase);
  EXPECT_EQ(ev.last_time_us, kBase + 540 * 1000000LL);
  EXPECT_EQ(ev.group[0].second, "arn:aws:iam::123456789012:user/tester");
  // Near misses: nine denials; ten spread over more than ten minutes.
  burst.pop_back();
  EXPECT_TRUE(Detect(burst).empty());
  burst.push_back(Denied(601, "late"));
  EXPECT_TRUE(Detect(burst).empty());
  // The threshold and window are options.
  AnomalyOptions o = OneDayBaseline();
  o.denial_threshold = 3;
  o.denial_window_us = 120 * 1000000LL;
  EXPECT_EQ(Kinds(Detect(burst, o)),
            (std::vector<std::string>{"access_denied_burst d2", "access_denied_burst d5",
                                      "access_denied_burst d8"}));
}

TEST(Anomaly, PrincipalWithoutBaselineHasNoFirstSeen) {
  EXPECT_TRUE(Detect({Nikki(2 * kDay, "x",
                            {{"sourceIPAddress", "198.51.100.7"},
                             {"userIdentity.accessKeyId", "ASIAY34FZKBOKMUTVV7A"}})})
                  .empty());
}

TEST(Anomaly, AssumedRoleSessionsAreTheirRole) {
  // Panther's ModifyInstanceAttribute by a CodeBuild role session.
  auto role = [](int64_t t, const std::string& id, std::map<std::string, std::string> f) {
    return Record("aws_ec2_startup_script_change.yml", "ModifyInstanceAttributeUserdata", t, id, f);
  };
  const std::string session_b = "arn:aws:sts::0123456789:assumed-role/Role-us-1/OtherBuild";
  auto ds = Detect(
      {role(0, "a", {}), role(2 * kDay, "b", {{"userIdentity.arn", session_b}}),
       role(2 * kDay + 1, "c", {{"userIdentity.arn", session_b}, {"awsRegion", "sa-east-1"}})});
  ASSERT_EQ(Kinds(ds), std::vector<std::string>{"first_seen_region c"});
  EXPECT_EQ(ds[0].evidence()->group[0].second, "arn:aws:iam::0123456789:role/CodeBuild-US-East");
}

TEST(Anomaly, OrderAndThreadsDoNotChangeTheResult) {
  std::vector<std::string> records = Baseline();
  records.push_back(Nikki(2 * kDay, "v4", {{"sourceIPAddress", "198.51.100.7"}}));
  records.push_back(Nikki(2 * kDay + 5, "v4b", {{"sourceIPAddress", "198.51.100.8"}}));
  records.push_back(
      Nikki(2 * kDay + 7, "reg", {{"awsRegion", "eu-north-1"}, {"sourceIPAddress", "192.0.2.1"}}));
  for (int i = 0; i < 10; ++i) records.push_back(Denied(2 * kDay + i, "d" + std::to_string(i)));
  const auto forward = Kinds(Detect(records));
  ASSERT_EQ(forward.size(), 3u);
  // Reversed, in one detector.
  AnomalyDetector reversed(OneDayBaseline());
  std::vector<std::string> back(records.rbegin(), records.rend());
  Feed(back, &reversed, 0);
  // The file indexes differ, but only time decides here (no ties).
  EXPECT_EQ(Kinds(reversed.Finish()), forward);
  // Split over two detectors (two threads) and merged.
  AnomalyDetector a(OneDayBaseline()), b(OneDayBaseline());
  std::vector<std::string> odd, even;
  for (size_t i = 0; i < records.size(); ++i) (i % 2 ? odd : even).push_back(records[i]);
  Feed(odd, &a);
  Feed(even, &b, 100);
  a.Merge(std::move(b));
  EXPECT_EQ(Kinds(a.Finish()), forward);
}

TEST(Anomaly, DefaultBaselineIsTheFirstWeek) {
  AnomalyDetector detector;  // default options
  EXPECT_FALSE(detector.baseline_end_us());
  Feed({Nikki(0, "b0"), Nikki(6 * kDay, "inside", {{"awsRegion", "eu-west-1"}}),
        Nikki(8 * kDay, "after", {{"awsRegion", "eu-west-2"}})},
       &detector);
  EXPECT_EQ(detector.baseline_end_us(), kBase + 7 * kDay * 1000000);
  EXPECT_EQ(Kinds(detector.Finish()), std::vector<std::string>{"first_seen_region after"});
}

TEST(Anomaly, HuntReportsThemWithoutRules) {
  const fs::path dir =
      fs::temp_directory_path() / ("cirt_anomaly_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  testing_records::WriteTrail(dir / "a.json.gz", Baseline());
  testing_records::WriteTrail(
      dir / "b.json.gz", {Nikki(2 * kDay, "v4", {{"sourceIPAddress", "198.51.100.7"}}),
                          Nikki(2 * kDay + 7, "reg",
                                {{"awsRegion", "eu-north-1"}, {"sourceIPAddress", "192.0.2.1"}})});
  HuntOptions o;
  o.inputs = {dir.string()};
  o.builtin_rules = false;
  o.jobs = 2;
  o.anomalies = OneDayBaseline();
  Diagnostics diag(nullptr);
  auto r = Hunt(o, &diag);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->detections.size(), 2u);
  EXPECT_EQ(r->detections[0]->rule().title, "First-seen source network for a principal");
  EXPECT_EQ(r->detections[1]->rule().title, "First-seen region for a principal");
  EXPECT_EQ(r->baseline_end_us, kBase + kDay * 1000000);
  o.min_level = model::Level::kMedium;
  r = Hunt(o, &diag);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->detections.size(), 1u);
  EXPECT_EQ(r->detections[0]->event_id(), "reg");
  // Without anomalies and rules there is nothing to run.
  o.anomalies.reset();
  EXPECT_FALSE(Hunt(o, &diag).ok());
  fs::remove_all(dir);
}

TEST(Anomaly, KindsHaveFixedNamesAndRules) {
  std::set<std::string> ids, names;
  for (size_t k = 0; k < kAnomalyKindCount; ++k) {
    auto kind = static_cast<AnomalyKind>(k);
    names.insert(std::string(AnomalyKindName(kind)));
    const model::RuleInfo& rule = AnomalyRule(kind);
    ids.insert(rule.id);
    EXPECT_FALSE(rule.title.empty());
    EXPECT_TRUE(std::any_of(rule.tags.begin(), rule.tags.end(), [](const std::string& t) {
      return t.rfind("attack.t", 0) == 0;
    })) << rule.title;
  }
  EXPECT_EQ(ids.size(), kAnomalyKindCount);
  EXPECT_EQ(names.size(), kAnomalyKindCount);
}

}  // namespace
}  // namespace cirt::detect
