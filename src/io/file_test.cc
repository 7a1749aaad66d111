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
