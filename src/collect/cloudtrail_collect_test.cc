#include "collect/cloudtrail_collect.h"

#include <gtest/gtest.h>

namespace cirt::collect {
namespace {

TEST(CloudTrailCollect, SafeKeys) {
  EXPECT_TRUE(IsSafeKey("AWSLogs/1/CloudTrail/us-east-1/2024/05/01/a.json.gz"));
  EXPECT_FALSE(IsSafeKey("/etc/passwd"));
  EXPECT_FALSE(IsSafeKey("AWSLogs/../../x"));
  EXPECT_FALSE(IsSafeKey("AWSLogs/./x"));
  EXPECT_FALSE(IsSafeKey("AWSLogs//x"));
  EXPECT_FALSE(IsSafeKey("AWSLogs/x/"));
  EXPECT_FALSE(IsSafeKey(""));
}

TEST(CloudTrailCollect, DayPrefixesIncludeTheNextDay) {
  auto t = [](int y, unsigned m, unsigned d, int h) {
    return std::chrono::sys_days(std::chrono::year(y) / m / d) + std::chrono::hours(h);
  };
  EXPECT_EQ(DayPrefixes(t(2024, 2, 28, 23), t(2024, 2, 29, 1)),
            (std::vector<std::string>{"2024/02/28/", "2024/02/29/", "2024/03/01/"}));
  EXPECT_EQ(DayPrefixes(t(2024, 12, 31, 5), t(2024, 12, 31, 6)),
            (std::vector<std::string>{"2024/12/31/", "2025/01/01/"}));
}

}  // namespace
}  // namespace cirt::collect
