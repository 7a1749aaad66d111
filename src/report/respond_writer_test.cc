// The respond tables: what a responder reads before typing the playbook's
// name must show every call, the current and intended state, and refusals.
#include "report/respond_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace cirt::report {
namespace {

using nlohmann::json;

std::string Render(Status (*write)(const json&, Format, std::FILE*), const json& doc,
                   Format format, Status* status) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  *status = write(doc, format, out);
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

json Plan() {
  return json{
      {"playbook", "iam-access-key"},
      {"origin", "builtin:playbooks/iam-access-key.yml"},
      {"caller", {{"arn", "arn:aws:sts::1:assumed-role/IR/me"}, {"account", "1"}}},
      {"region", "us-east-1"},
      {"inputs", {{"access_key_id", "AKIAIOSFODNN7EXAMPLE"}}},
      {"lookups", {{"owner", {{"user_name", "alice"}, {"arn", "arn:aws:iam::1:user/alice"}}}}},
      {"steps",
       json::array(
           {json{{"id", "deactivate-key"},
                 {"action", "iam.update-access-key"},
                 {"disposition", "change"},
                 {"note", ""},
                 {"current", {{"status", "Active"}}},
                 {"intended", {{"status", "Inactive"}}},
                 {"calls", json::array({json{{"operation", "iam:UpdateAccessKey"},
                                             {"parameters", {{"Status", "Inactive"}}}}})}},
            json{{"id", "deny-all"},
                 {"action", "iam.put-user-policy"},
                 {"disposition", "in-effect"},
                 {"note", ""},
                 {"current", {{"document", std::string(300, 'x') + "\x1b[31m"}}},
                 {"intended", nullptr},
                 {"calls", json::array()}},
            json{{"id", "deactivate-mfa"},
                 {"action", "iam.deactivate-mfa-devices"},
                 {"disposition", "skipped"},
                 {"note", "condition false: {{deactivate_mfa}}"},
                 {"current", nullptr},
                 {"intended", nullptr},
                 {"calls", json::array()}}})},
      {"changed_resources", json::array({"arn:aws:iam::1:user/alice"})},
      {"refusals", json::array({"arn:aws:iam::1:user/alice is protected by 'x' in g.yaml"})},
      {"guardrails", {{"source", "g.yaml"}, {"max_resources", 10}, {"forced", false}}}};
}

TEST(RespondWriter, PlanTableShowsCallsStatesAndRefusals) {
  Status status;
  std::string table = Render(WriteRespondPlan, Plan(), Format::kTable, &status);
  ASSERT_TRUE(status.ok());
  EXPECT_NE(table.find("deactivate-key"), std::string::npos);
  EXPECT_NE(table.find(R"({"status":"Active"} -> {"status":"Inactive"})"), std::string::npos);
  EXPECT_NE(table.find(R"(iam:UpdateAccessKey {"Status":"Inactive"})"), std::string::npos);
  EXPECT_NE(table.find("already in effect"), std::string::npos);
  EXPECT_NE(table.find("condition false: {{deactivate_mfa}}"), std::string::npos);
  EXPECT_NE(table.find("target owner: arn=arn:aws:iam::1:user/alice user_name=alice"),
            std::string::npos);
  EXPECT_NE(table.find("resources to change: 1 (max_resources 10)"), std::string::npos);
  EXPECT_NE(table.find("REFUSED: arn:aws:iam::1:user/alice is protected"), std::string::npos);
  // Long states are cut; control characters from AWS data never reach the terminal.
  EXPECT_NE(table.find("..."), std::string::npos);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
}

TEST(RespondWriter, JsonIsTheDocumentAndOtherFormatsAreRefused) {
  Status status;
  std::string text = Render(WriteRespondPlan, Plan(), Format::kJson, &status);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(json::parse(text), Plan());
  Render(WriteRespondPlan, Plan(), Format::kCsv, &status);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
}

TEST(RespondWriter, RunAndStatusTables) {
  json run{{"kind", "rollback"},
           {"run_id", "r1"},
           {"journal", "case/respond/r1.jsonl"},
           {"steps", json::array({json{{"id", "deactivate-mfa"},
                                       {"action", "iam.deactivate-mfa-devices"},
                                       {"outcome", "manual"},
                                       {"verified", false},
                                       {"request_ids", json::array()},
                                       {"error", ""},
                                       {"note", "run aws iam enable-mfa-device"}}})}};
  Status status;
  std::string table = Render(WriteRespondRun, run, Format::kTable, &status);
  ASSERT_TRUE(status.ok());
  EXPECT_NE(table.find("rollback r1  journal case/respond/r1.jsonl"), std::string::npos);
  EXPECT_NE(table.find("manual"), std::string::npos);
  EXPECT_NE(table.find("run aws iam enable-mfa-device"), std::string::npos);
  json st{{"run_id", "r1"},         {"playbook", "p"},
          {"started_at", "t"},      {"caller", {{"arn", "a"}}},
          {"region", "r"},          {"status", "completed"},
          {"rollback", ""},         {"journal", "j"},
          {"journal_lines", 9},     {"chain", "verified"},
          {"steps", json::array({json{{"id", "s"},
                                      {"action", "a"},
                                      {"apply", "applied"},
                                      {"rollback", ""},
                                      {"request_ids", json::array({"REQ"})},
                                      {"error", ""}}})}};
  std::string status_table = Render(WriteRespondStatus, st, Format::kTable, &status);
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status_table.find("apply completed  rollback -  journal j (9 lines, hash chain verified)"),
            std::string::npos)
      << status_table;
  EXPECT_NE(status_table.find("REQ"), std::string::npos);
}

}  // namespace
}  // namespace cirt::report
