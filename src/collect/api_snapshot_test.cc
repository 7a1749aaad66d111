#include "collect/api_snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "collect/crypto.h"
#include "collect/local_files.h"
#include "collect/manifest.h"
#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

TEST(SnapshotBase, StripsOnlyACollectionStamp) {
  EXPECT_EQ(SnapshotBase("ec2/us-east-1/instances.20260101T120000Z.json"),
            "ec2/us-east-1/instances.json");
  EXPECT_EQ(SnapshotBase("iam/credential-report.20991231T235959Z.csv"),
            "iam/credential-report.csv");
  EXPECT_EQ(SnapshotBase("a/noext.20260101T120000Z"), "a/noext");
  EXPECT_EQ(SnapshotBase("ec2/us-east-1/instances.json"), "ec2/us-east-1/instances.json");
  EXPECT_EQ(SnapshotBase("x.2026010XT120000Z.json"), "x.2026010XT120000Z.json");
  EXPECT_EQ(SnapshotBase("x-20260101T120000Z.json"), "x-20260101T120000Z.json");
  EXPECT_EQ(SnapshotBase(".20260101T120000Z.json"), ".20260101T120000Z.json");
  EXPECT_EQ(SnapshotBase(""), "");
}

class SnapshotWriterTest : public ::testing::Test {
 protected:
  SnapshotWriter Writer(Manifest& m) {
    return SnapshotWriter(m, dir_.path().string(), "arn:aws:iam::1:user/ir",
                          [this] { return now_; });
  }
  EntrySource Source() { return {"ec2", "DescribeInstances", "eu-west-1", "", "", "", "{}"}; }
  testing::TempDir dir_;
  Clock::time_point now_ = std::chrono::sys_days(std::chrono::year(2026) / 1 / 1);
};

TEST_F(SnapshotWriterTest, WritesOnceThenOnlyWhatChangedBesideTheOld) {
  const std::string rel = "ec2/eu-west-1/instances.json";
  {
    Manifest m;
    SnapshotWriter w = Writer(m);
    ASSERT_TRUE(w.Write(rel, "{\"a\":1}\n", Source()).ok());
    ASSERT_TRUE(m.Save(dir_.path().string()).ok());
    EXPECT_EQ(w.counts().written, 1u);
    auto e = m.entries().at(0);
    EXPECT_EQ(e.path, rel);
    EXPECT_EQ(e.sha256, Sha256Hex("{\"a\":1}\n"));
    EXPECT_EQ(e.size, 8u);
    EXPECT_EQ(e.collected_at, "2026-01-01T00:00:00Z");
    EXPECT_EQ(e.collector_arn, "arn:aws:iam::1:user/ir");
    EXPECT_EQ(e.source.operation, "DescribeInstances");
  }
  // A new run (manifest loaded from disk): same bytes -> nothing written.
  auto m = Manifest::Load(dir_.path().string());
  ASSERT_TRUE(m.ok());
  now_ += std::chrono::hours(1);
  SnapshotWriter w = Writer(*m);
  ASSERT_TRUE(w.Write(rel, "{\"a\":1}\n", Source()).ok());
  EXPECT_EQ(w.counts().unchanged, 1u);
  EXPECT_EQ(m->entries().size(), 1u);
  // Changed bytes: a stamped file beside the first, which is kept.
  ASSERT_TRUE(w.Write(rel, "{\"a\":2}\n", Source()).ok());
  const std::string stamped = "ec2/eu-west-1/instances.20260101T010000Z.json";
  EXPECT_EQ(ReadWholeFile((dir_.path() / stamped).string()).value(), "{\"a\":2}\n");
  EXPECT_EQ(ReadWholeFile((dir_.path() / rel).string()).value(), "{\"a\":1}\n");
  EXPECT_EQ(m->entries().back().path, stamped);
  // The newest snapshot is now the stamped one: the same bytes again are unchanged...
  ASSERT_TRUE(w.Write(rel, "{\"a\":2}\n", Source()).ok());
  EXPECT_EQ(w.counts().unchanged, 2u);
  // ... and going back to the first content is a change too.
  now_ += std::chrono::hours(1);
  ASSERT_TRUE(w.Write(rel, "{\"a\":1}\n", Source()).ok());
  EXPECT_EQ(m->entries().back().path, "ec2/eu-west-1/instances.20260101T020000Z.json");
  EXPECT_EQ(w.counts().written, 2u);
  ASSERT_TRUE(m->Save(dir_.path().string()).ok());
  auto check = VerifyManifest(dir_.path().string());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
  EXPECT_EQ(check->totals.files, 3u);
}

TEST_F(SnapshotWriterTest, AVanishedSnapshotIsWrittenAgainWhereItWas) {
  Manifest m;
  SnapshotWriter w = Writer(m);
  ASSERT_TRUE(w.Write("iam/credential-report.csv", "user,arn\n", Source()).ok());
  fs::remove(dir_.path() / "iam/credential-report.csv");
  SnapshotWriter again = Writer(m);
  ASSERT_TRUE(again.Write("iam/credential-report.csv", "user,arn\n", Source()).ok());
  EXPECT_EQ(again.counts().written, 1u);
  EXPECT_EQ(m.entries().back().path, "iam/credential-report.csv");
  EXPECT_TRUE(fs::exists(dir_.path() / "iam/credential-report.csv"));
}

TEST_F(SnapshotWriterTest, UnsafePathsAreRefused) {
  Manifest m;
  SnapshotWriter w = Writer(m);
  for (const char* rel : {"../x.json", "/abs.json", "a//b.json", "a/./b.json", ""})
    EXPECT_EQ(w.Write(rel, "{}", Source()).code(), ErrorCode::kInvalidArgument) << rel;
  EXPECT_TRUE(m.entries().empty());
}

TEST_F(SnapshotWriterTest, FailuresAreRecordedAsDeniedOrError) {
  Manifest m;
  SnapshotWriter w = Writer(m);
  w.RecordFailure(Source(), Status::PermissionDenied("no"));
  w.RecordFailure({"securityhub", "GetFindings", "eu-west-1", "", "", "", "{}"},
                  Status::Network("connection refused"));
  auto entries = m.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].status, EntryStatus::kDenied);
  EXPECT_EQ(entries[1].status, EntryStatus::kError);
  EXPECT_NE(entries[1].error.find("connection refused"), std::string::npos);
  EXPECT_EQ(entries[1].path, "");
  SnapshotCounts c = w.counts();
  EXPECT_EQ(c.denied, 1u);
  EXPECT_EQ(c.errors, 1u);
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[1].rfind("securityhub:GetFindings (eu-west-1): ", 0), 0u) << c.problems[1];
}

}  // namespace
}  // namespace cirt::collect
