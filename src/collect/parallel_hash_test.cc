#include "collect/parallel_hash.h"

#include <gtest/gtest.h>

#include "collect/crypto.h"
#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

TEST(HashFiles, ResultsInInputOrderWhateverTheThreadCount) {
  testing::TempDir dir;
  std::vector<std::string> paths;
  std::vector<std::string> contents;
  for (int i = 0; i < 37; ++i) {
    contents.push_back(
        std::string(static_cast<size_t>(i) * 1000 + 1, static_cast<char>('a' + i % 26)));
    paths.push_back((dir.path() / ("f" + std::to_string(i))).string());
    testing::WriteFile(paths.back(), contents.back());
  }
  paths.push_back((dir.path() / "missing").string());
  for (unsigned jobs : {1u, 3u, 0u, 64u}) {
    std::vector<FileHash> hashes = HashFiles(paths, jobs);
    ASSERT_EQ(hashes.size(), paths.size());
    for (size_t i = 0; i < contents.size(); ++i) {
      ASSERT_TRUE(hashes[i].status.ok()) << hashes[i].status.ToString();
      EXPECT_EQ(hashes[i].sha256, Sha256Hex(contents[i])) << "jobs " << jobs << " file " << i;
      EXPECT_EQ(hashes[i].size, contents[i].size());
    }
    EXPECT_EQ(hashes.back().status.code(), ErrorCode::kNotFound);
    EXPECT_EQ(hashes.back().sha256, "");
  }
  EXPECT_TRUE(HashFiles({}, 4).empty());
}

TEST(HashFiles, TransformDecidesWhatIsHashedAndItsErrorsAreKept) {
  testing::TempDir dir;
  std::string good = (dir.path() / "good").string();
  std::string bad = (dir.path() / "bad").string();
  testing::WriteFile(good, "abc");
  testing::WriteFile(bad, "xyz");
  auto upper = [](std::string bytes) -> Result<std::string> {
    if (std::string_view(bytes) == "xyz") return Status::Corrupt("not allowed");
    for (char& c : bytes) c = static_cast<char>(c - 32);
    return bytes;
  };
  std::vector<FileHash> hashes = HashFiles({good, bad}, 2, upper);
  EXPECT_EQ(hashes[0].sha256, Sha256Hex("ABC"));
  EXPECT_EQ(hashes[0].size, 3u);
  EXPECT_EQ(hashes[1].status.code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cirt::collect
