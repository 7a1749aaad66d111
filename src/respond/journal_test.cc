// The run journal: append-only JSON Lines with a SHA-256 chain; any edit,
// removal, reordering or cut is found and named by line.
#include "respond/journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "collect/crypto.h"

namespace cirt::respond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("cirt-journal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    path_ = (dir_ / "respond" / "run.jsonl").string();
    auto writer = JournalWriter::Create(path_);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->Append(json{{"type", "step"}, {"n", i}}).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Lines() {
    std::ifstream in(path_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  void WriteLines(const std::vector<std::string>& lines, bool final_newline = true) {
    std::ofstream out(path_, std::ios::trunc | std::ios::binary);
    for (size_t i = 0; i < lines.size(); ++i)
      out << lines[i] << (i + 1 < lines.size() || final_newline ? "\n" : "");
  }
  void ExpectBrokenAt(uint64_t line, const std::string& fragment) {
    auto entries = ReadJournal(path_);
    ASSERT_FALSE(entries.ok());
    EXPECT_EQ(entries.status().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(entries.status().context().line, line) << entries.status().ToString();
    EXPECT_EQ(entries.status().context().file, path_);
    EXPECT_NE(entries.status().ToString().find(fragment), std::string::npos)
        << entries.status().ToString();
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(JournalTest, ChainsEveryLineToTheOneBefore) {
  auto entries = ReadJournal(path_);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 4u);
  std::vector<std::string> lines = Lines();
  EXPECT_EQ((*entries)[0]["prev"], std::string(kGenesisHash));
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ((*entries)[i]["seq"], i);
    EXPECT_EQ((*entries)[i]["prev"], collect::Sha256Hex(lines[i - 1]));
    EXPECT_EQ((*entries)[i]["n"], i);
    EXPECT_EQ((*entries)[i]["time"].get<std::string>().size(), 24u);
  }
}

TEST_F(JournalTest, PrefixKeepsTheLinesBeforeAnEditedOne) {
  std::vector<std::string> lines = Lines();
  size_t at = lines[2].find("\"n\":2");
  ASSERT_NE(at, std::string::npos);
  lines[2].replace(at, 5, "\"n\":9");
  WriteLines(lines);
  std::vector<json> read;
  Status s = ReadJournalPrefix(path_, &read);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_EQ(s.context().line, 4u);
  // Lines 1 and 2; line 3 (the edited one) is not trusted.
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[1]["n"], 1);
  read.clear();
  // A prev that is not a string is a break, not an exception.
  lines = Lines();
  const size_t prev = lines[1].find("\"prev\":\"");
  ASSERT_NE(prev, std::string::npos);
  lines[1].replace(prev, 8, "\"prev\":5,\"x\":\"");
  WriteLines(lines);
  ExpectBrokenAt(2, "hash chain broken");
  EXPECT_EQ(ReadJournalPrefix(path_, &read).code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(read.empty());
}

TEST_F(JournalTest, DetectsAnEditedLine) {
  std::vector<std::string> lines = Lines();
  size_t at = lines[1].find("\"n\":1");
  ASSERT_NE(at, std::string::npos);
  lines[1].replace(at, 5, "\"n\":7");
  WriteLines(lines);
  ExpectBrokenAt(3, "hash chain broken");
}

TEST_F(JournalTest, DetectsARemovedLine) {
  std::vector<std::string> lines = Lines();
  lines.erase(lines.begin() + 2);
  WriteLines(lines);
  ExpectBrokenAt(3, "seq is not 2");
}

TEST_F(JournalTest, DetectsSwappedLines) {
  std::vector<std::string> lines = Lines();
  std::swap(lines[1], lines[2]);
  WriteLines(lines);
  ExpectBrokenAt(2, "seq is not 1");
}

TEST_F(JournalTest, DetectsARecomputedSeqWithoutTheChain) {
  // Removing line 2 and renumbering seq still breaks the hash chain.
  std::vector<std::string> lines = Lines();
  json third = json::parse(lines[2]);
  third["seq"] = 1;
  lines.erase(lines.begin() + 1);
  lines[1] = third.dump();
  WriteLines({lines[0], lines[1]});
  ExpectBrokenAt(2, "prev is not the SHA-256");
}

TEST_F(JournalTest, DetectsACutLastLineAndGarbage) {
  std::vector<std::string> lines = Lines();
  lines.back().resize(lines.back().size() / 2);
  WriteLines(lines, /*final_newline=*/false);
  ExpectBrokenAt(4, "not terminated");
  lines.back() = "not json";
  WriteLines(lines);
  ExpectBrokenAt(4, "not a JSON object");
}

TEST_F(JournalTest, NeverOverwritesAndAppendsToAVerifiedChain) {
  auto again = JournalWriter::Create(path_);
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict);
  auto writer = JournalWriter::Open(path_);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ(writer->head(), collect::Sha256Hex(Lines().back()));
  ASSERT_TRUE(writer->Append(json{{"type", "rollback"}}).ok());
  auto entries = ReadJournal(path_);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 5u);
  EXPECT_EQ((*entries)[4]["type"], "rollback");
  // A broken journal cannot be appended to.
  std::vector<std::string> lines = Lines();
  lines[0][lines[0].size() - 2] = 'X';
  WriteLines(lines);
  EXPECT_EQ(JournalWriter::Open(path_).status().code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cirt::respond
