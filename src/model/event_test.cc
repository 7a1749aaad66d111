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
