#include "io/file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cirt::io {
namespace {

namespace fs = std::filesystem;

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cirt_file_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "a" / "b");
    fs::create_directories(dir_ / ".hidden");
    Write(dir_ / "a" / "b" / "2.json", "two");
    Write(dir_ / "a" / "1.json", "one");
    Write(dir_ / ".hidden" / "x.json", "x");
    Write(dir_ / "a" / "manifest.json", "{}");
    Write(dir_ / "a" / "x_CloudTrail-Digest.json.gz.metadata.json", "{}");
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void Write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
  fs::path dir_;
};

TEST_F(FileTest, ExpandsDirectoriesRecursivelySortedSkippingHidden) {
  std::vector<Status> errors;
  auto files = ExpandInputs({dir_.string(), (dir_ / "a" / "1.json").string()}, &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, (dir_ / "a" / "1.json").string());
  EXPECT_EQ(files[1].path, (dir_ / "a" / "b" / "2.json").string());
  EXPECT_EQ(files[1].size, 3u);
}

TEST_F(FileTest, CollectorBookkeepingIsSkippedUnlessNamed) {
  EXPECT_TRUE(IsCollectorFile("public-keys.json"));
  EXPECT_TRUE(IsCollectorFile("k.json.gz.part"));
  EXPECT_FALSE(IsCollectorFile("trail.json.gz"));
  std::vector<Status> errors;
  auto named = ExpandInputs({(dir_ / "a" / "manifest.json").string()}, &errors);
  EXPECT_EQ(named.size(), 1u);
}

// A `cirt collect` folder: its manifest says which files are CloudTrail,
// findings or other API answers; files it does not list stay unknown.
TEST_F(FileTest, EvidenceFolderManifestGivesEachFileItsKind) {
  fs::path ev = dir_ / "evidence";
  fs::create_directories(ev / "AWSLogs" / "111122223333");
  fs::create_directories(ev / "findings" / "securityhub");
  fs::create_directories(ev / "iam");
  Write(ev / "AWSLogs" / "111122223333" / "t.json.gz", "x");
  Write(ev / "findings" / "securityhub" / "us-east-1.json", "{}");
  Write(ev / "iam" / "account-authorization-details.json", "{}");
  Write(ev / "notes.json", "{}");
  Write(ev / "manifest.json", R"({"entries":[
    {"path":"AWSLogs/111122223333/t.json.gz","source":{"service":"s3","operation":"GetObject"}},
    {"path":"findings/securityhub/us-east-1.json",
     "source":{"service":"securityhub","operation":"GetFindings"}},
    {"path":"iam/account-authorization-details.json",
     "source":{"service":"iam","operation":"GetAccountAuthorizationDetails"}},
    {"path":"", "source":{"service":"ec2","operation":"DescribeInstances"}},
    {"path":7}, "junk"]})");
  std::vector<Status> errors;
  auto files = ExpandInputs({ev.string()}, &errors);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].kind, EvidenceKind::kCloudTrail);  // AWSLogs/...
  EXPECT_EQ(files[1].kind, EvidenceKind::kFindings);    // findings/...
  EXPECT_EQ(files[2].kind, EvidenceKind::kSnapshot);    // iam/...
  EXPECT_EQ(files[3].kind, EvidenceKind::kUnknown);     // notes.json
  // Below the folder the manifest is not seen: readers decide by content.
  auto below = ExpandInputs({(ev / "iam").string()}, &errors);
  ASSERT_EQ(below.size(), 1u);
  EXPECT_EQ(below[0].kind, EvidenceKind::kUnknown);
  // A damaged manifest gives no kinds, never an error.
  Write(ev / "manifest.json", "{\"entries\": [");
  for (const InputFile& f : ExpandInputs({ev.string()}, &errors)) {
    EXPECT_EQ(f.kind, EvidenceKind::kUnknown) << f.path;
  }
  EXPECT_TRUE(errors.empty());
}

TEST_F(FileTest, MissingPathIsReportedOthersKept) {
  std::vector<Status> errors;
  auto files = ExpandInputs({(dir_ / "nope").string(), (dir_ / "a").string()}, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), ErrorCode::kNotFound);
  EXPECT_EQ(files.size(), 2u);
}

TEST_F(FileTest, ReadFileReadsAllBytesWithPadding) {
  Buffer buf;
  ASSERT_TRUE(ReadFile((dir_ / "a" / "1.json").string(), &buf).ok());
  EXPECT_EQ(buf.view(), "one");
  EXPECT_GE(buf.capacity(), buf.size() + Buffer::kPadding);
  Status s = ReadFile((dir_ / "missing").string(), &buf);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.context().file, (dir_ / "missing").string());
}

}  // namespace
}  // namespace cirt::io
