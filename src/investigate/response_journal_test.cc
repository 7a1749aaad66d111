#include "investigate/response_journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/sha256.h"
#include "model/event.h"
#include "respond/journal.h"

namespace cirt::investigate {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Chains `entries` the way `cirt respond` writes its journal: seq, prev
// (SHA-256 hex of the previous line's bytes), time, then the entry's keys.
std::vector<std::string> Chain(const std::vector<json>& entries) {
  std::vector<std::string> lines;
  std::string prev(64, '0');
  for (size_t i = 0; i < entries.size(); ++i) {
    json line{{"seq", i}, {"prev", prev}};
    for (const auto& [k, v] : entries[i].items()) line[k] = v;
    lines.push_back(line.dump());
    prev = io::Sha256Hex(lines.back());
  }
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

// A run of the iam-access-key playbook: capture, deactivate (applied),
// attach a deny policy (failed), then a rollback that restores the key.
std::vector<json> PlaybookRun() {
  json plan{{"run_id", "run-20260324T110000Z-1a2b"},
            {"playbook", "iam-access-key"},
            {"steps", json::array({json{{"id", "capture_key"},
                                        {"action", "iam.capture_access_key"},
                                        {"resources", {"AKIAATTACKERKEY00001"}}},
                                   json{{"id", "deactivate_key"},
                                        {"action", "iam.deactivate_access_key"},
                                        {"resources", {"AKIAATTACKERKEY00001"}}},
                                   json{{"id", "deny_user"},
                                        {"action", "iam.attach_deny_all"},
                                        {"params", {{"user_name", "mallory"}}}}})}};
  return {
      json{{"time", "2026-03-24T11:00:00.000Z"}, {"type", "run"}, {"plan", plan}},
      json{{"time", "2026-03-24T11:00:01.000Z"},
           {"type", "capture"},
           {"step", "capture_key"},
           {"action", "iam.capture_access_key"},
           {"state", {{"Status", "Active"}}}},
      json{{"time", "2026-03-24T11:00:02.000Z"},
           {"type", "before"},
           {"step", "deactivate_key"},
           {"action", "iam.deactivate_access_key"},
           {"before", {{"Status", "Active"}}}},
      json{{"time", "2026-03-24T11:00:03.250Z"},
           {"type", "result"},
           {"step", "deactivate_key"},
           {"action", "iam.deactivate_access_key"},
           {"outcome", "applied"},
           {"request_ids", {"req-aaa"}},
           {"verified", true}},
      json{{"time", "2026-03-24T11:00:04.000Z"},
           {"type", "before"},
           {"step", "deny_user"},
           {"action", "iam.attach_deny_all"}},
      json{{"time", "2026-03-24T11:00:05.000Z"},
           {"type", "result"},
           {"step", "deny_user"},
           {"action", "iam.attach_deny_all"},
           {"outcome", "failed"},
           {"request_ids", {"req-bbb"}},
           {"error",
            {{"code", "aws"},
             {"aws_code", "AccessDenied"},
             {"message", "not authorized to perform iam:PutUserPolicy"}}}},
      json{{"time", "2026-03-24T11:00:06.000Z"}, {"type", "end"}, {"status", "failed"}},
      json{{"time", "2026-03-24T12:00:00.000Z"}, {"type", "rollback"}, {"status", "started"}},
      json{{"time", "2026-03-24T12:00:01.000Z"},
           {"type", "revert"},
           {"step", "deactivate_key"},
           {"action", "iam.deactivate_access_key"},
           {"outcome", "restored"}},
  };
}

class ResponseJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cirt_journal_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "respond");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / "respond" / name, std::ios::binary) << text;
  }
  std::string Path(const std::string& name) const { return (dir_ / "respond" / name).string(); }
  fs::path dir_;
};

TEST_F(ResponseJournalTest, StepsOfARunWithResultsRequestIdsAndRollback) {
  Write("run-1.jsonl", Join(Chain(PlaybookRun())));
  std::vector<json> lines;
  ASSERT_TRUE(respond::ReadJournalPrefix(Path("run-1.jsonl"), &lines).ok());
  ASSERT_EQ(lines.size(), 9u);
  std::vector<report::ReportAction> actions = ActionsFromJournal(lines);
  ASSERT_EQ(actions.size(), 3u);

  EXPECT_EQ(actions[0].step, "capture_key");
  EXPECT_EQ(actions[0].result, "captured");
  EXPECT_TRUE(actions[0].succeeded);
  EXPECT_FALSE(actions[0].containment);

  const report::ReportAction& deactivate = actions[1];
  EXPECT_EQ(deactivate.run_id, "run-20260324T110000Z-1a2b");
  EXPECT_EQ(deactivate.playbook, "iam-access-key");
  EXPECT_EQ(deactivate.action, "iam.deactivate_access_key");
  EXPECT_EQ(deactivate.target, "AKIAATTACKERKEY00001");
  EXPECT_EQ(deactivate.result, "applied");
  EXPECT_TRUE(deactivate.succeeded);
  EXPECT_TRUE(deactivate.containment);
  EXPECT_TRUE(deactivate.rolled_back);
  EXPECT_EQ(deactivate.request_id, "req-aaa");
  EXPECT_EQ(deactivate.time_us, *model::ParseUtcTimestamp("2026-03-24T11:00:03.250Z"));

  const report::ReportAction& deny = actions[2];
  EXPECT_EQ(deny.target, "user_name=mallory");  // no resources: the parameters
  EXPECT_FALSE(deny.succeeded);
  EXPECT_TRUE(deny.containment);
  EXPECT_FALSE(deny.rolled_back);
  EXPECT_EQ(deny.error, "AccessDenied: not authorized to perform iam:PutUserPolicy");
}

TEST_F(ResponseJournalTest, EditedLineBreaksTheChainAtTheNextLine) {
  std::vector<std::string> lines = Chain(PlaybookRun());
  // Someone turns the failure into a success after the fact.
  const size_t at = lines[5].find("\"failed\"");
  ASSERT_NE(at, std::string::npos);
  lines[5].replace(at, 8, "\"applied\"");
  Write("run-1.jsonl", Join(lines));
  std::vector<json> read;
  Status s = respond::ReadJournalPrefix(Path("run-1.jsonl"), &read);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.ToString().find("run-1.jsonl"), std::string::npos);
  EXPECT_NE(s.ToString().find("run-1.jsonl:7"), std::string::npos) << s.ToString();
  EXPECT_EQ(read.size(), 5u);  // the lines before the break, less the edited one
}

TEST_F(ResponseJournalTest, CutShortAndNotJsonAreCorrupt) {
  std::string text = Join(Chain(PlaybookRun()));
  Write("cut.jsonl", text.substr(0, text.size() - 10));
  std::vector<json> read;
  EXPECT_EQ(respond::ReadJournalPrefix(Path("cut.jsonl"), &read).code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(read.size(), 8u);
  Write("bad.jsonl", "{\"seq\":0,\n");
  read.clear();
  EXPECT_EQ(respond::ReadJournalPrefix(Path("bad.jsonl"), &read).code(),
            ErrorCode::kCorrupt);
  EXPECT_TRUE(read.empty());
}

TEST_F(ResponseJournalTest, CaseJournalsAreAllReadAndProblemsNamed) {
  Write("run-1.jsonl", Join(Chain(PlaybookRun())));
  std::vector<std::string> lines = Chain(PlaybookRun());
  lines.erase(lines.begin() + 2);  // a removed line
  Write("run-2.jsonl", Join(lines));
  Write("notes.txt", "not a journal");
  Diagnostics diagnostics(nullptr);
  ResponseJournals j = ReadResponseJournals(dir_.string(), &diagnostics);
  EXPECT_EQ(j.journals, 2u);
  ASSERT_EQ(j.problems.size(), 1u);
  EXPECT_NE(j.problems[0].find("run-2.jsonl"), std::string::npos);
  EXPECT_EQ(diagnostics.warnings(), 1u);
  EXPECT_EQ(j.actions.size(), 3u + 1u);  // run-2: the capture before the break

  fs::remove_all(dir_ / "respond");
  ResponseJournals none = ReadResponseJournals(dir_.string(), &diagnostics);
  EXPECT_EQ(none.journals, 0u);
  EXPECT_TRUE(none.actions.empty());
}

}  // namespace
}  // namespace cirt::investigate
