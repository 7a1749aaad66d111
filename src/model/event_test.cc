#include "model/event.h"

#include <gtest/gtest.h>

namespace cirt::model {
namespace {

TEST(Timestamp, ParsesCloudTrailEventTime) {
  auto t = ParseUtcTimestamp("2026-03-24T10:01:02Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1774346462000000);  // the Timesketch example in the conventions
  EXPECT_EQ(FormatUtcTimestamp(*t), "2026-03-24T10:01:02Z");
}

TEST(Timestamp, ParsesFractionAndOffset) {
  EXPECT_EQ(*ParseUtcTimestamp("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(*ParseUtcTimestamp("1970-01-01T00:00:00+00:00"), 0);
  EXPECT_EQ(FormatUtcTimestamp(1500000), "1970-01-01T00:00:01.500000Z");
}

TEST(Timestamp, RejectsGarbage) {
  EXPECT_FALSE(ParseUtcTimestamp("").has_value());
  EXPECT_FALSE(ParseUtcTimestamp("2026-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseUtcTimestamp("yesterday").has_value());
  EXPECT_FALSE(ParseUtcTimestamp("2026-03-24T10:01:02+02:00").has_value());
}

}  // namespace
}  // namespace cirt::model

#include "model/detection.h"

namespace cirt::model {
namespace {

TEST(Level, RoundTripsEveryLevel) {
  for (Level l : {Level::kInformational, Level::kLow, Level::kMedium, Level::kHigh,
                  Level::kCritical}) {
    EXPECT_EQ(ParseLevel(LevelName(l)), l);
  }
  EXPECT_EQ(ParseLevel("HIGH"), Level::kHigh);
  EXPECT_FALSE(ParseLevel("severe").has_value());
}

}  // namespace
}  // namespace cirt::model

namespace cirt::model {
namespace {

TEST(Detection, OwnedAndArenaTextSurviveCopiesMovesAndAggregates) {
  RuleInfo rule{"id-1", "Title", Level::kHigh, {"attack.t1078"}};
  Event e;
  e.event_id = "ev-1";
  e.event_name = "StopLogging";
  e.user_identity.arn = "arn:aws:iam::111122223333:user/mallory";
  RecordOrigin origin{"trail.json.gz", 7};
  TextArena arena;
  Detection owned(&rule, e, origin);
  Detection in_arena(&rule, e, origin, &arena);
  for (const Detection* d : {&owned, &in_arena}) {
    Detection copy = *d;
    Detection moved = std::move(copy);
    Detection assigned;
    assigned = moved;
    EXPECT_EQ(assigned.event_name(), "StopLogging");
    EXPECT_EQ(assigned.principal_arn(), "arn:aws:iam::111122223333:user/mallory");
    EXPECT_EQ(assigned.file(), "trail.json.gz");
    EXPECT_EQ(assigned.record_index, 7u);
    EXPECT_EQ(&assigned.rule(), &rule);
    assigned.set_aggregate("count() = 3");
    Detection after = std::move(assigned);
    EXPECT_EQ(after.aggregate(), "count() = 3");
    EXPECT_EQ(after.event_id(), "ev-1");
  }
  // Many arena detections: every one keeps its own text.
  std::vector<Detection> many;
  for (int i = 0; i < 20000; ++i) {
    std::string id = "ev-" + std::to_string(i);
    e.event_id = id;
    many.emplace_back(&rule, e, origin, &arena);
  }
  EXPECT_EQ(many[12345].event_id(), "ev-12345");
  EXPECT_EQ(many.back().event_id(), "ev-19999");
}

}  // namespace
}  // namespace cirt::model
