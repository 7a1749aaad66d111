// detect::Hunt end to end: real rule files (SigmaHQ's legacy aggregations
// from unsupported/, unchanged), records written to a temporary folder,
// detections as `cirt hunt` reports them.
#include "detect/hunt.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "detect/aggregation.h"
#include "io/gzip.h"

namespace cirt::detect {
namespace {

namespace fs = std::filesystem;

std::string Rec(const std::string& name, const std::string& source, int second,
                const std::string& ip = "203.0.113.7") {
  char time[32];
  std::snprintf(time, sizeof time, "2026-03-24T10:%02d:%02dZ", second / 60, second % 60);
  return std::string(R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accessKeyId":"AKIAEXAMPLE"},"eventTime":")") +
         time + R"(","eventSource":")" + source + R"(","eventName":")" + name +
         R"(","awsRegion":"us-east-1","sourceIPAddress":")" + ip +
         R"(","eventID":"id-)" + name + std::to_string(second) +
         R"(","recipientAccountId":"111122223333"})";
}

class HuntTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cirt_hunt_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void WriteTrail(const std::string& name, const std::vector<std::string>& records) {
    std::string body = "{\"Records\":[";
    for (size_t i = 0; i < records.size(); ++i) body += (i ? "," : "") + records[i];
    body += "]}";
    std::ofstream(dir_ / name, std::ios::binary) << io::GzipCompress(body);
  }
  Result<HuntResult> Run(const std::string& rule, std::optional<model::Level> min_level = {},
                         size_t memory_budget = size_t{1} << 30) {
    HuntOptions o;
    o.memory_budget = memory_budget;
    o.inputs = {dir_.string()};
    o.rule_paths = {rule.starts_with('/') ? rule
                                          : std::string(CIRT_CORPUS_DIR) + "/sigmahq-sigma/" + rule};
    o.builtin_rules = false;
    o.jobs = 2;
    o.min_level = min_level;
    Diagnostics diag(nullptr);
    return Hunt(o, &diag);
  }
  fs::path dir_;
};

// The same events from two sources (a trail object and a JSON Lines copy):
// each rule reports an event once, and counts see each event once.
TEST_F(HuntTest, AnEventHeldTwiceIsReportedAndCountedOnce) {
  std::vector<std::string> records = {Rec("StopLogging", "cloudtrail.amazonaws.com", 1),
                                      Rec("DeleteTrail", "cloudtrail.amazonaws.com", 2)};
  WriteTrail("a.json.gz", records);
  std::ofstream(dir_ / "b.jsonl") << records[1] << "\n" << records[0] << "\n";
  auto r = Run("rules/cloud/aws/cloudtrail/aws_cloudtrail_disable_logging.yml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->detections.size(), 2u);
  EXPECT_EQ(r->repeated, 2u);
  EXPECT_EQ(r->detections[0]->event_id(), "id-StopLogging1");
  EXPECT_EQ(r->detections[1]->event_id(), "id-DeleteTrail2");
  // The copy kept is the first in input order, whatever the threads did.
  EXPECT_EQ(fs::path(std::string(r->detections[0]->file())).filename(), "a.json.gz");
  EXPECT_EQ(fs::path(std::string(r->detections[1]->file())).filename(), "a.json.gz");

  // aws_enum_listing.yml needs more than 50 listings in 10 minutes: 30
  // events held twice are still 30.
  std::vector<std::string> listings;
  for (int i = 0; i < 30; ++i) listings.push_back(Rec("ListBuckets", "s3.amazonaws.com", i * 5));
  WriteTrail("c.json.gz", listings);
  WriteTrail("d.json.gz", listings);
  auto counted = Run("unsupported/cloud/aws_enum_listing.yml");
  ASSERT_TRUE(counted.ok()) << counted.status().ToString();
  EXPECT_TRUE(counted->detections.empty());
  for (int i = 30; i < 60; ++i) listings.push_back(Rec("ListBuckets", "s3.amazonaws.com", i * 5));
  WriteTrail("d.json.gz", listings);  // now 60 distinct events
  counted = Run("unsupported/cloud/aws_enum_listing.yml");
  ASSERT_TRUE(counted.ok()) << counted.status().ToString();
  ASSERT_EQ(counted->detections.size(), 1u);
  EXPECT_EQ(counted->detections[0]->event_id(), "id-ListBuckets250");  // the 51st distinct
}

// Past the memory budget, detections go to temporary files and come back
// merged: the same detections in the same order, repeats dropped the same.
TEST_F(HuntTest, SpilledDetectionsComeBackInTheSameOrder) {
  for (int f = 0; f < 6; ++f) {
    std::vector<std::string> records;
    for (int i = 0; i < 40; ++i) {
      records.push_back(Rec(i % 2 ? "StopLogging" : "DeleteTrail", "cloudtrail.amazonaws.com",
                            (i * 7 + f * 3) % 300));
    }
    WriteTrail(fmt::format("f{}.json.gz", f), records);
    if (f == 2) WriteTrail("f2-again.json.gz", records);  // the same events from elsewhere
  }
  auto listing = [](HuntResult* r, bool* ok) {
    std::vector<std::string> out;
    Status s = r->ForEach([&](const model::Detection& d) {
      out.push_back(fmt::format("{} {} {} {}", d.event_time(), d.event_id(), d.rule().title,
                                fs::path(std::string(d.file())).filename().string()));
    });
    *ok = s.ok();
    return out;
  };
  const std::string rule = "rules/cloud/aws/cloudtrail/aws_cloudtrail_disable_logging.yml";
  auto in_memory = Run(rule);
  ASSERT_TRUE(in_memory.ok()) << in_memory.status().ToString();
  EXPECT_FALSE(in_memory->spilled());
  auto spilled = Run(rule, {}, /*memory_budget=*/1);
  ASSERT_TRUE(spilled.ok()) << spilled.status().ToString();
  EXPECT_TRUE(spilled->spilled());
  bool ok_memory = false, ok_spilled = false;
  const auto expected = listing(&*in_memory, &ok_memory);
  const auto actual = listing(&*spilled, &ok_spilled);
  ASSERT_TRUE(ok_memory && ok_spilled);
  EXPECT_EQ(in_memory->repeated, 40u);  // f2-again.json.gz
  EXPECT_EQ(spilled->repeated, in_memory->repeated);
  EXPECT_EQ(actual, expected);
}

TEST_F(HuntTest, LegacyCountFiresOnceWhenTheWindowPassesTheThreshold) {
  // aws_enum_listing.yml: eventName list* | count() > 50 within 10m.
  std::vector<std::string> records;
  for (int i = 0; i < 60; ++i) records.push_back(Rec("ListBuckets", "s3.amazonaws.com", i * 5));
  WriteTrail("a.json.gz", records);
  auto r = Run("unsupported/cloud/aws_enum_listing.yml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->detections.size(), 1u);
  EXPECT_EQ(r->detections[0]->event_id(), "id-ListBuckets250");  // the 51st event
  EXPECT_NE(r->detections[0]->aggregate().find("count() = 51"), std::string_view::npos);
  const model::Evidence* ev = r->detections[0]->evidence();
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->type, "count");
  EXPECT_EQ(ev->count, 51);
  ASSERT_EQ(ev->event_ids.size(), 51u);
  EXPECT_EQ(ev->event_ids.front(), "id-ListBuckets0");
  EXPECT_EQ(ev->event_ids.back(), "id-ListBuckets250");
  EXPECT_TRUE(r->may_have_evidence);
}

TEST_F(HuntTest, LegacyCountRespectsTheTimeframe) {
  std::vector<std::string> records;
  // 60 events spread over 59 minutes: never more than 11 in any 10 minutes.
  for (int i = 0; i < 60; ++i) records.push_back(Rec("ListBuckets", "s3.amazonaws.com", i * 59));
  WriteTrail("a.json.gz", records);
  auto r = Run("unsupported/cloud/aws_enum_listing.yml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->detections.empty());
}

TEST_F(HuntTest, LegacyCountGroupsBy) {
  // aws_macic_evasion.yml: Macie changes | count() by sourceIPAddress > 5 within 10m.
  std::vector<std::string> records;
  for (int i = 0; i < 6; ++i) {
    records.push_back(Rec("ArchiveFindings", "macie2.amazonaws.com", i * 10,
                          i % 2 ? "198.51.100.1" : "203.0.113.7"));
  }
  WriteTrail("a.json.gz", records);
  auto r = Run("unsupported/cloud/aws_macic_evasion.yml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->detections.empty());  // three per address
  for (int i = 6; i < 9; ++i)
    records.push_back(Rec("ArchiveFindings", "macie2.amazonaws.com", i * 10));
  WriteTrail("a.json.gz", records);
  r = Run("unsupported/cloud/aws_macic_evasion.yml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->detections.size(), 1u);
  EXPECT_NE(r->detections[0]->aggregate().find("by sourceIPAddress=203.0.113.7"),
            std::string_view::npos)
      << r->detections[0]->aggregate();
  EXPECT_EQ(r->detections[0]->evidence()->group,
            (std::vector<std::pair<std::string, std::string>>{{"sourceIPAddress", "203.0.113.7"}}));
  EXPECT_EQ(r->detections[0]->evidence()->event_ids.size(), 6u);
}

TEST_F(HuntTest, LegacyNearPairsCreateWithInvoke) {
  // aws_lambda_function_created_or_invoked.yml: selection1 | near selection2.
  WriteTrail("a.json.gz", {Rec("CreateFunction20150331", "lambda.amazonaws.com", 1),
                           Rec("CreateFunction", "lambda.amazonaws.com", 2),
                           Rec("Invoke", "lambda.amazonaws.com", 30)});
  auto r = Run("unsupported/cloud/aws_lambda_function_created_or_invoked.yml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->detections.size(), 1u);
  EXPECT_EQ(r->detections[0]->event_name(), "CreateFunction");
  EXPECT_NE(r->detections[0]->aggregate().find("near event id-Invoke30"), std::string_view::npos);
  EXPECT_EQ(r->detections[0]->evidence()->event_ids,
            (std::vector<std::string>{"id-CreateFunction2", "id-Invoke30"}));
}

// A legacy aggregation rule written for a test (SigmaHQ has no `near` with
// a timeframe and no `count() < N`).
std::string AggregationRule(const std::string& condition, const std::string& timeframe) {
  return "title: Test aggregation\nid: 5f0c3e4a-2b1d-4c6e-9a7f-0d8e1b2c3a4f\n"
         "logsource:\n  product: aws\n  service: cloudtrail\n"
         "detection:\n  selection1:\n    eventName: CreateFunction\n"
         "  selection2:\n    eventName: Invoke\n" +
         (timeframe.empty() ? "" : "  timeframe: " + timeframe + "\n") +
         "  condition: " + condition + "\nlevel: low\n";
}

// Each detection with its aggregate text and evidence, in output order.
std::vector<std::string> Listing(HuntResult* r) {
  std::vector<std::string> out;
  Status s = r->ForEach([&](const model::Detection& d) {
    std::string line = fmt::format("{} {} [{}]", d.event_id(), d.rule().title, d.aggregate());
    if (const model::Evidence* ev = d.evidence()) {
      line += fmt::format(" {} {} {}-{}", ev->type, ev->count, ev->first_time_us, ev->last_time_us);
      for (const auto& [field, value] : ev->group) line += " " + field + "=" + value;
      for (const auto& id : ev->event_ids) line += " " + id;
    }
    out.push_back(line);
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST_F(HuntTest, LegacyNearWithATimeframeLooksBothWays) {
  const std::string rule = (dir_ / "near.yml").string();
  std::ofstream(rule) << AggregationRule("selection1 | near selection2", "1m");
  WriteTrail("a.json.gz", {Rec("CreateFunction", "lambda.amazonaws.com", 0),
                           Rec("Invoke", "lambda.amazonaws.com", 30),
                           Rec("Invoke", "lambda.amazonaws.com", 170),
                           Rec("CreateFunction", "lambda.amazonaws.com", 200),
                           Rec("CreateFunction", "lambda.amazonaws.com", 500),
                           Rec("CreateFunction", "lambda.amazonaws.com", 600),
                           Rec("Invoke", "lambda.amazonaws.com", 700)});
  auto r = Run(rule);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The Invoke after the first, the one before the second; the others have
  // none within a minute.
  EXPECT_EQ(Listing(&*r),
            (std::vector<std::string>{
                "id-CreateFunction0 Test aggregation [near event id-Invoke30] near 2 "
                "1774346400000000-1774346430000000 id-CreateFunction0 id-Invoke30",
                "id-CreateFunction200 Test aggregation [near event id-Invoke170] near 2 "
                "1774346570000000-1774346600000000 id-Invoke170 id-CreateFunction200"}));
}

TEST_F(HuntTest, LegacyCountBelowReportsEachGroupAtTheEnd) {
  const std::string rule = (dir_ / "below.yml").string();
  std::ofstream(rule) << AggregationRule("selection1 | count() by sourceIPAddress < 3", "");
  std::vector<std::string> records;
  for (int i = 0; i < 2; ++i) records.push_back(Rec("CreateFunction", "lambda.amazonaws.com", i, "198.51.100.1"));
  for (int i = 0; i < 5; ++i) records.push_back(Rec("CreateFunction", "lambda.amazonaws.com", 10 + i));
  WriteTrail("a.json.gz", records);
  auto r = Run(rule);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Listing(&*r), (std::vector<std::string>{
                              "id-CreateFunction1 Test aggregation [count() = 2] count 2 "
                              "1774346400000000-1774346401000000 sourceIPAddress=198.51.100.1 "
                              "id-CreateFunction0 id-CreateFunction1"}));
}

// A window without a timeframe counts every event but lists at most
// kMaxWindowEvents of them, so its memory stays bounded.
TEST_F(HuntTest, LegacyCountWithoutATimeframeListsBoundedEvidence) {
  const std::string rule = (dir_ / "many.yml").string();
  std::ofstream(rule) << AggregationRule("selection1 | count() < 20000", "");
  const size_t n = Aggregations::kMaxWindowEvents + 50;
  std::vector<std::string> records;
  for (size_t i = 0; i < n; ++i) {
    records.push_back(Rec("CreateFunction", "lambda.amazonaws.com", static_cast<int>(i % 3600)));
    // Unique eventIDs: Rec's is the name and second.
    records.back().replace(records.back().find("\"id-"), 4, fmt::format("\"id{}-", i));
  }
  WriteTrail("a.json.gz", records);
  auto r = Run(rule);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->detections.size(), 1u);
  EXPECT_EQ(r->detections[0]->aggregate(), fmt::format("count() = {}", n));
  const model::Evidence* ev = r->detections[0]->evidence();
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->count, static_cast<double>(n));
  EXPECT_EQ(ev->event_ids.size(), Aggregations::kMaxWindowEvents);
  EXPECT_EQ(ev->last_time_us - ev->first_time_us, 3599 * 1000000LL);
}

// A long run: past a few thousand matches an aggregation lets go of the
// groups no later match can count, and must detect exactly what it would
// holding them. aws_macic_evasion.yml (more than 5 by sourceIPAddress in
// 10 minutes): one address six times in 5 minutes, every 30 minutes, and
// 5,000 others once each.
TEST_F(HuntTest, LongLegacyCountsDetectTheSameAsTheyLetGo) {
  const int64_t base = model::ParseUtcTimestamp("2026-03-24T10:00:00Z").value();
  auto make = [&](int64_t seconds, const std::string& id, const std::string& ip) {
    std::string r = Rec("ArchiveFindings", "macie2.amazonaws.com", 0, ip);
    const std::string time = model::FormatUtcTimestamp(base + seconds * 1000000);
    r.replace(r.find("2026-03-24T10:00:00Z"), 20, time);
    r.replace(r.find("id-ArchiveFindings0"), 19, id);
    return r;
  };
  std::vector<std::string> records;
  for (int b = 0; b < 50; ++b) {
    const int64_t t0 = b * 1800;
    // Half a burst, 100 others, the other half 5 minutes on: the sweeps
    // (every 4,096 matches) fall between the halves.
    for (int k = 0; k < 6; ++k) {
      records.push_back(make(t0 + 10 * k + (k < 3 ? 0 : 270), fmt::format("a{}-{}", b, k),
                             "203.0.113.7"));
      if (k != 2) continue;
      for (int i = 0; i < 100; ++i) {
        records.push_back(make(t0 + 100 + i, fmt::format("f{}-{}", b, i),
                               fmt::format("10.{}.{}.1", b, i)));
      }
    }
  }
  WriteTrail("a.json.gz", records);
  auto r = Run("unsupported/cloud/aws_macic_evasion.yml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->detections.size(), 50u);
  for (int b = 0; b < 50; ++b) {
    EXPECT_EQ(r->detections[static_cast<size_t>(b)]->event_id(), fmt::format("a{}-5", b));
    EXPECT_EQ(r->detections[static_cast<size_t>(b)]->evidence()->event_ids.size(), 6u);
  }
}

// Past the budget, aggregation matches go to temporary files too and come
// back merged: every aggregation detects the same, with the same evidence.
TEST_F(HuntTest, SpilledAggregationHitsGiveTheSameDetections) {
  const std::string near = (dir_ / "rules" / "near.yml").string();
  fs::create_directories(dir_ / "rules");
  std::ofstream(near) << AggregationRule("selection1 | near selection2", "2m");
  std::vector<std::string> listings, macie, lambda;
  for (int f = 0; f < 4; ++f) {
    std::vector<std::string> records;
    for (int i = 0; i < 30; ++i) {
      const int t = (f * 30 + i) * 3;
      records.push_back(Rec("ListBuckets", "s3.amazonaws.com", t));
      records.push_back(Rec("ArchiveFindings", "macie2.amazonaws.com", t + 1,
                            i % 3 ? "198.51.100.1" : "203.0.113.7"));
      if (i % 7 == 0) records.push_back(Rec(i % 2 ? "Invoke" : "CreateFunction", "lambda.amazonaws.com", t + 2));
    }
    WriteTrail(fmt::format("f{}.json.gz", f), records);
    if (f == 1) WriteTrail("f1-again.json.gz", records);  // counted once
  }
  auto run = [&](size_t budget) {
    HuntOptions o;
    o.memory_budget = budget;
    o.inputs = {dir_.string()};
    const std::string unsupported = std::string(CIRT_CORPUS_DIR) + "/sigmahq-sigma/unsupported/cloud/";
    o.rule_paths = {unsupported + "aws_enum_listing.yml", unsupported + "aws_macic_evasion.yml",
                    unsupported + "aws_lambda_function_created_or_invoked.yml", near};
    o.builtin_rules = false;
    o.jobs = 2;
    Diagnostics diag(nullptr);
    return Hunt(o, &diag);
  };
  auto in_memory = run(size_t{1} << 30);
  ASSERT_TRUE(in_memory.ok()) << in_memory.status().ToString();
  EXPECT_EQ(in_memory->spilled_aggregate_hits, 0u);
  auto spilled = run(1);
  ASSERT_TRUE(spilled.ok()) << spilled.status().ToString();
  EXPECT_GT(spilled->spilled_aggregate_hits, 0u);
  const auto expected = Listing(&*in_memory);
  // Every kind fired: counts (listing, Macie by address) and both nears.
  for (const char* kind : {"count() = 51", "by sourceIPAddress=", "Test aggregation [near",
                           "AWS Lambda Function Created or Invoked"}) {
    EXPECT_TRUE(std::any_of(expected.begin(), expected.end(),
                            [&](const std::string& l) { return l.find(kind) != std::string::npos; }))
        << kind;
  }
  EXPECT_EQ(Listing(&*spilled), expected);
}

TEST_F(HuntTest, DetectionsAreSortedByTimeAcrossFilesAndThreads) {
  WriteTrail("b.json.gz", {Rec("StopLogging", "cloudtrail.amazonaws.com", 40),
                           Rec("StopLogging", "cloudtrail.amazonaws.com", 10)});
  WriteTrail("a.json.gz", {Rec("DeleteTrail", "cloudtrail.amazonaws.com", 20)});
  auto r = Run("rules/cloud/aws/cloudtrail/aws_cloudtrail_disable_logging.yml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->detections.size(), 3u);
  EXPECT_EQ(r->detections[0]->event_id(), "id-StopLogging10");
  EXPECT_EQ(r->detections[1]->event_id(), "id-DeleteTrail20");
  EXPECT_EQ(r->detections[2]->event_id(), "id-StopLogging40");
  EXPECT_EQ(r->stats.records, 3u);
  EXPECT_EQ(r->stats.files, 2u);
  EXPECT_FALSE(r->may_have_evidence);
  // --level above the rule's level keeps nothing.
  auto high = Run("rules/cloud/aws/cloudtrail/aws_cloudtrail_disable_logging.yml",
                  model::Level::kCritical);
  ASSERT_TRUE(high.ok());
  EXPECT_TRUE(high->detections.empty());
}

// --start/--end: only the events of the window are hunted; a log file whose
// name says it was delivered before the window is not even read.
TEST_F(HuntTest, TimeWindowHuntsOnlyItsEventsAndSkipsFilesDeliveredBefore) {
  // Delivered at 10:00: its events all precede 10:01.
  WriteTrail("111122223333_CloudTrail_us-east-1_20260324T1000Z_aaaaaaaaaaaaaaaa.json.gz",
             {Rec("StopLogging", "cloudtrail.amazonaws.com", 5)});
  WriteTrail("111122223333_CloudTrail_us-east-1_20260324T1010Z_bbbbbbbbbbbbbbbb.json.gz",
             {Rec("DeleteTrail", "cloudtrail.amazonaws.com", 300),
              Rec("StopLogging", "cloudtrail.amazonaws.com", 540)});
  // No delivery time in the name: read, its events filtered by time.
  std::ofstream(dir_ / "export.jsonl")
      << Rec("StopLogging", "cloudtrail.amazonaws.com", 120) << "\n"
      << R"({"eventVersion":"1.08","eventSource":"cloudtrail.amazonaws.com",)"
      << R"("eventName":"StopLogging","eventID":"no-time"})" << "\n";
  auto run = [&](const char* start, const char* end) {
    HuntOptions o;
    o.inputs = {dir_.string()};
    o.rule_paths = {std::string(CIRT_CORPUS_DIR) +
                    "/sigmahq-sigma/rules/cloud/aws/cloudtrail/aws_cloudtrail_disable_logging.yml"};
    o.builtin_rules = false;
    o.jobs = 2;
    if (start) o.start_us = model::ParseUtcTimestamp(start);
    if (end) o.end_us = model::ParseUtcTimestamp(end);
    Diagnostics diag(nullptr);
    return Hunt(o, &diag);
  };
  auto all = run(nullptr, nullptr);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->detections.size(), 5u);
  EXPECT_EQ(all->stats.records_outside, 0u);

  auto window = run("2026-03-24T10:03:00Z", "2026-03-24T10:08:00Z");
  ASSERT_TRUE(window.ok()) << window.status().ToString();
  ASSERT_EQ(window->detections.size(), 1u);
  EXPECT_EQ(window->detections[0]->event_id(), "id-DeleteTrail300");
  EXPECT_EQ(window->files_before_start, 1u);
  EXPECT_EQ(window->stats.files, 2u);
  EXPECT_EQ(window->stats.records_outside, 3u);  // 10:09, 10:02 and the one without a time

  // The end is exclusive; a file delivered in the minute the window starts is read.
  auto edge = run("2026-03-24T10:00:30Z", "2026-03-24T10:05:00Z");
  ASSERT_TRUE(edge.ok()) << edge.status().ToString();
  EXPECT_EQ(edge->files_before_start, 0u);
  ASSERT_EQ(edge->detections.size(), 1u);
  EXPECT_EQ(edge->detections[0]->event_id(), "id-StopLogging120");

  // Only an end: the records without a time are still outside.
  auto until = run(nullptr, "2026-03-24T10:03:00Z");
  ASSERT_TRUE(until.ok()) << until.status().ToString();
  EXPECT_EQ(until->detections.size(), 2u);  // 10:00:05 and 10:02
  EXPECT_EQ(until->stats.records_outside, 3u);
}

TEST_F(HuntTest, NoRulesIsAnError) {
  HuntOptions o;
  o.inputs = {dir_.string()};
  o.builtin_rules = false;
  Diagnostics diag(nullptr);
  auto r = Hunt(o, &diag);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cirt::detect
