// Runs the real `cirt` binary the way users do and checks what they rely on:
// exit codes, one clear stderr line per bad input naming file and position,
// detections from the good files still reported, and the output formats.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "io/gzip.h"
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct CirtRun {
  int exit_code;
  std::string out, err;
};

CirtRun Cirt(const std::string& args) {
  static int n = 0;
  fs::path err_file = fs::temp_directory_path() / ("cirt_cli_err_" + std::to_string(::getpid()) +
                                                   "_" + std::to_string(n++));
  std::string cmd = std::string(CIRT_BINARY_DIR) + "/src/cli/cirt " + args + " 2>" +
                    err_file.string();
  CirtRun r{};
  std::FILE* p = ::popen(cmd.c_str(), "r");
  char buf[65536];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, got);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  fs::remove(err_file);
  return r;
}

std::string Gzip(const std::string& plain) { return cirt::io::GzipCompress(plain); }

// A StopLogging record as CloudTrail writes it (SigmaHQ's
// aws_cloudtrail_disable_logging.yml fires on it).
std::string StopLogging(int i) {
  return R"({"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEID","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"mallory"},"eventTime":"2026-03-24T10:0)" +
         std::to_string(i % 10) +
         R"(:02Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/main"},"responseElements":null,"requestID":"r-1","eventID":"ev-)" +
         std::to_string(i) +
         R"(","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cirt_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "good");
    fs::create_directories(dir_ / "bad");
    Write(dir_ / "good" / "a.json.gz", Gzip("{\"Records\":[" + StopLogging(1) + "]}"));
    Write(dir_ / "good" / "b.jsonl", StopLogging(2) + "\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void Write(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
  }
  std::string Sigma() const { return std::string(CIRT_CORPUS_DIR) + "/sigmahq-sigma"; }
  fs::path dir_;
};

TEST_F(CliTest, CleanRunExitsZeroWithJsonlContract) {
  CirtRun r = Cirt("hunt --no-builtin-rules --rules " + Sigma() + " --format jsonl " +
               (dir_ / "good").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::ordered_json::parse(line);
    std::vector<std::string> keys;
    for (auto& [k, v] : j.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"rule_id", "rule_title", "level", "tags", "event_id",
                                              "event_time", "event_source", "event_name",
                                              "aws_region", "account_id", "principal_arn",
                                              "access_key_id", "source_ip", "user_agent",
                                              "error_code", "file"}));
    if (j["rule_id"] == "4db60cc0-36fb-42b7-9b58-a5b53019fb74") {
      ++n;
      EXPECT_EQ(j["event_name"], "StopLogging");
      EXPECT_EQ(j["account_id"], "111122223333");
      EXPECT_EQ(j["access_key_id"], "AKIAIOSFODNN7EXAMPLE");
    }
  }
  EXPECT_EQ(n, 2) << r.out;
}

TEST_F(CliTest, BadInputsAreReportedSkippedCountedAndExitOne) {
  std::string gz = Gzip("{\"Records\":[" + StopLogging(3) + "," + StopLogging(4) + "]}");
  Write(dir_ / "bad" / "truncated.json.gz", gz.substr(0, gz.size() - 12));
  Write(dir_ / "bad" / "invalid.json", "{\"Records\":[{\"eventVersion\":oops}]}");
  Write(dir_ / "bad" / "notobject.json", "[42]");
  Write(dir_ / "bad" / "wrongtype.json", "[{\"eventVersion\":\"1.08\",\"eventName\":7}]");
  Write(dir_ / "bad" / "empty.json", "");
  CirtRun r = Cirt("hunt --no-builtin-rules --rules " + Sigma() + " --format jsonl " +
               (dir_ / "bad").string() + " " + (dir_ / "good").string() + " " +
               (dir_ / "missing").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("truncated.json.gz: byte "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("invalid.json: byte "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("notobject.json: record 0: record is a number"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wrongtype.json: record 0: field eventName is a number"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("empty.json: empty file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing: no such file or directory"), std::string::npos) << r.err;
  // The good files' detections are all there.
  EXPECT_NE(r.out.find("\"event_id\":\"ev-1\""), std::string::npos);
  EXPECT_NE(r.out.find("\"event_id\":\"ev-2\""), std::string::npos);
  EXPECT_NE(r.err.find("records, "), std::string::npos);
  EXPECT_NE(r.err.find("skipped:"), std::string::npos);
}

TEST_F(CliTest, RuleErrorsExitTwoButTheRunGoesOn) {
  fs::create_directories(dir_ / "rules");
  Write(dir_ / "rules" / "utf16.yml",
        "title: Wide\nlogsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  sel:\n    eventName|utf16le: 'x'\n  condition: sel\nlevel: low\n");
  CirtRun r = Cirt("hunt --rules " + (dir_ / "rules").string() + " --rules " + Sigma() +
               " --format jsonl " + (dir_ / "good").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("utf16.yml: Wide: search 'sel': modifier 'utf16le' cannot apply"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("StopLogging"), std::string::npos);  // the other rules still ran
  CirtRun check = Cirt("rules check " + (dir_ / "rules").string());
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.out.find("FAIL"), std::string::npos);
}

TEST_F(CliTest, RulesCheckLoadsEverySigmaHqRule) {
  CirtRun r = Cirt("rules check " + Sigma());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("66 rules load, 0 fail"), std::string::npos) << r.out;
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Cirt("hunt").exit_code, 2);
  EXPECT_EQ(Cirt("hunt --format xml " + dir_.string()).exit_code, 2);
  EXPECT_EQ(Cirt("hunt --rules /nonexistent/rules " + dir_.string()).exit_code, 2);
  EXPECT_EQ(Cirt("frobnicate").exit_code, 2);
  EXPECT_EQ(Cirt("hunt --start yesterday " + dir_.string()).exit_code, 2);
  EXPECT_EQ(Cirt("hunt --start 2024-05-02 --end 2024-05-01 " + dir_.string()).exit_code, 2);
}

// `cirt respond` refuses bad usage before any AWS call (no endpoint is
// reachable here: each of these would fail differently if it got that far).
TEST_F(CliTest, RespondUsageErrorsExitTwoBeforeCallingAws) {
  const std::string nowhere = " --endpoint-url http://127.0.0.1:1";
  CirtRun list = Cirt("respond list --format json");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::vector<std::string> names;
  for (const auto& p : nlohmann::json::parse(list.out)) names.push_back(p["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"ec2-instance", "finding-workflow", "iam-access-key",
                                             "iam-role", "lambda-function", "s3-bucket"}));
  CirtRun missing = Cirt("respond plan no-such-playbook" + nowhere);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no playbook named 'no-such-playbook'"), std::string::npos);
  CirtRun no_input = Cirt("respond plan iam-access-key" + nowhere);
  EXPECT_EQ(no_input.exit_code, 2);
  EXPECT_NE(no_input.err.find("needs --input access_key_id=<access_key_id>"), std::string::npos)
      << no_input.err;
  CirtRun bad = Cirt("respond plan iam-access-key --input access_key_id=nope" + nowhere);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("is not a valid access_key_id"), std::string::npos) << bad.err;
  // --input before the playbook name takes one value only.
  CirtRun order = Cirt("respond plan --input access_key_id=AKIAIOSFODNN7EXAMPLE iam-access-key "
                       "--input colour=red" + nowhere);
  EXPECT_EQ(order.exit_code, 2);
  EXPECT_NE(order.err.find("has no input 'colour'"), std::string::npos) << order.err;
  CirtRun no_case = Cirt("respond apply iam-access-key --yes --input "
                         "access_key_id=AKIAIOSFODNN7EXAMPLE" + nowhere);
  EXPECT_EQ(no_case.exit_code, 2);
  Write(dir_ / "guardrails.yaml", "protect: [x]\n");
  CirtRun guard = Cirt("respond plan iam-access-key --input access_key_id=AKIAIOSFODNN7EXAMPLE "
                       "--guardrails " + (dir_ / "guardrails.yaml").string() + nowhere);
  EXPECT_EQ(guard.exit_code, 2);
  EXPECT_NE(guard.err.find("unknown key 'protect'"), std::string::npos) << guard.err;
  CirtRun status = Cirt("respond status --last --case " + (dir_ / "good").string());
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_NE(status.err.find("no respond runs"), std::string::npos) << status.err;
}

TEST_F(CliTest, FormatsCsvJsonTimesketchAndOutputFile) {
  std::string base = "hunt --no-builtin-rules -q --rules " + Sigma() + " " + (dir_ / "good").string();
  CirtRun csv = Cirt(base + " --format csv");
  EXPECT_EQ(csv.out.rfind("rule_id,rule_title,level,tags,event_id,", 0), 0u) << csv.out;
  CirtRun json = Cirt(base + " --format json");
  auto arr = nlohmann::json::parse(json.out);
  ASSERT_TRUE(arr.is_array());
  EXPECT_GE(arr.size(), 2u);
  fs::path out = dir_ / "ts.jsonl";
  CirtRun ts = Cirt(base + " --format timesketch --output " + out.string());
  EXPECT_EQ(ts.exit_code, 0);
  EXPECT_TRUE(ts.out.empty());
  std::ifstream in(out);
  std::string first;
  std::getline(in, first);
  auto j = nlohmann::json::parse(first);
  EXPECT_TRUE(j.contains("message") && j.contains("datetime") && j.contains("timestamp_desc"));
  EXPECT_EQ(j["datetime"], j["event_time"]);
  CirtRun table = Cirt(base);
  EXPECT_NE(table.out.find("Detections: "), std::string::npos);
  EXPECT_NE(table.out.find("arn:aws:iam::111122223333"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("StopLogging"), std::string::npos);
}

// Contract keys of a JSONL line, in order.
std::vector<std::string> Keys(const std::string& line) {
  const auto j = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  return keys;
}

const std::vector<std::string> kContract = {
    "rule_id",    "rule_title",   "level",         "tags",          "event_id",  "event_time",
    "event_source", "event_name", "aws_region",    "account_id",    "principal_arn",
    "access_key_id", "source_ip", "user_agent",    "error_code",    "file"};

TEST_F(CliTest, CorrelationRulesRunAndCarryEvidence) {
  fs::create_directories(dir_ / "rules");
  Write(dir_ / "rules" / "mr_trail_stopped_twice.yml", R"(title: Trail stopped twice by one principal
id: 7f3c9a1e-2b4d-4e8f-9a6b-0c1d2e3f4a5b
correlation:
  type: event_count
  rules:
    - trail_stopped
  group-by:
    - userIdentity.arn
  timespan: 1h
  condition:
    gte: 2
level: critical
---
title: Trail stopped
name: trail_stopped
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: StopLogging
  condition: selection
level: medium
)");
  const std::string base =
      "hunt --no-builtin-rules --rules " + (dir_ / "rules").string() + " " + (dir_ / "good").string();
  CirtRun r = Cirt(base + " --format jsonl");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 rules, 1 correlation rules"), std::string::npos) << r.err;
  // One line: the referenced rule is not reported alone (generate: false).
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  std::vector<std::string> keys = kContract;
  keys.push_back("evidence");
  EXPECT_EQ(Keys(r.out), keys);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rule_title"], "Trail stopped twice by one principal");
  EXPECT_EQ(j["level"], "critical");
  EXPECT_EQ(j["event_id"], "ev-2");
  EXPECT_EQ(j["evidence"]["type"], "event_count");
  EXPECT_EQ(j["evidence"]["count"], 2);
  EXPECT_EQ(j["evidence"]["group"]["userIdentity.arn"], "arn:aws:iam::111122223333:user/mallory");
  EXPECT_EQ(j["evidence"]["event_ids"], (std::vector<std::string>{"ev-1", "ev-2"}));
  EXPECT_EQ(j["evidence"]["first_time"], "2026-03-24T10:01:02Z");
  EXPECT_EQ(j["evidence"]["last_time"], "2026-03-24T10:02:02Z");
  // csv gets an evidence column, the table a summary and the event ids.
  CirtRun csv = Cirt(base + " -q --format csv");
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "rule_id,rule_title,level,tags,event_id,event_time,event_source,event_name,aws_region,"
            "account_id,principal_arn,access_key_id,source_ip,user_agent,error_code,file,evidence");
  CirtRun table = Cirt(base + " -q --no-color");
  EXPECT_NE(table.out.find("\u2514 event_count 2 by userIdentity.arn=arn:aws:iam::111122223333:"
                           "user/mallory; 2 events 2026-03-24T10:01:02Z .. 2026-03-24T10:02:02Z: "
                           "ev-1, ev-2\n"),
            std::string::npos)
      << table.out;
}

TEST_F(CliTest, RulesCheckReportsCorrelationsThatCannotRun) {
  fs::create_directories(dir_ / "rules");
  Write(dir_ / "rules" / "bad.yml", R"(title: Refers to nothing
correlation:
  type: event_count
  rules: [no_such_rule]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {gte: 2}
---
title: Odd timespan
correlation:
  type: temporal
  rules: [no_such_rule]
  timespan: 1 hour
)");
  CirtRun r = Cirt("rules check " + (dir_ / "rules").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("FAIL  " + (dir_ / "rules" / "bad.yml").string() +
                       ": Refers to nothing: unknown rule 'no_such_rule'"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(": Odd timespan: correlation: bad timespan '1 hour'"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("0 rules load, 2 fail"), std::string::npos) << r.out;
}

TEST_F(CliTest, ExampleCorrelationRulesLoad) {
  CirtRun r = Cirt("rules check " + std::string(CIRT_SOURCE_DIR) + "/docs/correlations");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("6 rules load, 0 fail, 0 skipped (other logsource), 5 correlation rules load"),
            std::string::npos)
      << r.out;
}

TEST_F(CliTest, HuntAnomaliesAgainstABaseline) {
  // mallory's key from a new address after the baseline.
  std::string later = StopLogging(3);
  later.replace(later.find("203.0.113.7"), 11, "198.51.100.4");
  later.replace(later.find("2026-03-24T10:03:02Z"), 20, "2026-03-25T10:03:02Z");
  Write(dir_ / "good" / "c.json", later);
  const std::string base = "hunt --no-builtin-rules --anomalies " + (dir_ / "good").string();
  CirtRun r = Cirt(base + " --baseline-end 2026-03-24T12:00:00Z --format jsonl");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("anomalies: baseline ends 2026-03-24T12:00:00Z"), std::string::npos) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> types;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    types.push_back(j["evidence"]["type"]);
    EXPECT_EQ(j["event_id"], "ev-3");
    EXPECT_EQ(j["evidence"]["event_ids"], std::vector<std::string>{"ev-3"});
  }
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types, (std::vector<std::string>{"first_seen_network"})) << r.out;
  // The default baseline (a week from the first event) holds everything.
  EXPECT_EQ(Cirt(base + " -q --format jsonl").out, "");
  EXPECT_EQ(Cirt(base + " --baseline-end yesterday").exit_code, 2);
  EXPECT_EQ(Cirt(base + " --denial-window 5x").exit_code, 2);
  EXPECT_EQ(Cirt("hunt --no-builtin-rules --baseline-end 2026-03-24T12:00:00Z " +
                 (dir_ / "good").string())
                .exit_code,
            2);
}

TEST_F(CliTest, BundledExamplesHuntCleanly) {
  CirtRun r = Cirt("hunt -q --format jsonl " + std::string(CIRT_SOURCE_DIR) + "/examples");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
}

// --start/--end on the bundled trail: every detection inside the window,
// fewer of them than without it, and the statistics say what was left out.
TEST_F(CliTest, HuntTimeWindowKeepsOnlyItsDetections) {
  const std::string examples = std::string(CIRT_SOURCE_DIR) + "/examples";
  CirtRun all = Cirt("hunt -q --format jsonl " + examples);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  std::vector<std::string> times;
  std::istringstream all_lines(all.out);
  for (std::string line; std::getline(all_lines, line);) {
    times.push_back(nlohmann::json::parse(line)["event_time"].get<std::string>());
  }
  ASSERT_GT(times.size(), 2u);
  std::sort(times.begin(), times.end());
  // From the second detection's time to the last's (exclusive).
  const std::string start = times[1], end = times.back();
  CirtRun window = Cirt("hunt --format jsonl --start " + start + " --end " + end + " " + examples);
  ASSERT_EQ(window.exit_code, 0) << window.err;
  size_t n = 0;
  std::istringstream window_lines(window.out);
  for (std::string line; std::getline(window_lines, line);) {
    const std::string t = nlohmann::json::parse(line)["event_time"].get<std::string>();
    EXPECT_GE(t, start);
    EXPECT_LT(t, end);
    ++n;
  }
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, times.size());
  EXPECT_NE(window.err.find("cirt: time window " + start + " to " + end + ": "),
            std::string::npos)
      << window.err;
}

}  // namespace

namespace {

// The case commands end to end on the investigate fixture.
TEST_F(CliTest, CaseInitIngestTimelinePivotScope) {
  const std::string testdata = std::string(CIRT_SOURCE_DIR) + "/src/investigate/testdata";
  const std::string kase = (dir_ / "case").string();
  EXPECT_EQ(Cirt("case init " + kase).exit_code, 0);
  EXPECT_EQ(Cirt("case init " + kase).exit_code, 2);  // already a case
  CirtRun ingest = Cirt("case ingest " + kase + " " + testdata + "/chain " + testdata +
                        "/findings --no-builtin-rules --rules " + testdata + "/rules");
  EXPECT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.err.find("3 files: 3 ingested"), std::string::npos) << ingest.err;
  EXPECT_NE(ingest.err.find("19 events"), std::string::npos) << ingest.err;
  CirtRun again = Cirt("case ingest -q " + kase + " " + testdata + "/chain");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.err, "");

  CirtRun timeline = Cirt("timeline --case " + kase + " -f jsonl --errors-only");
  EXPECT_EQ(timeline.exit_code, 0) << timeline.err;
  auto row = nlohmann::json::parse(timeline.out);
  EXPECT_EQ(row["event_name"], "ListRoles");
  EXPECT_EQ(row["error_code"], "AccessDenied");
  EXPECT_EQ(row["detections"], nlohmann::json::array({"Test - access denied (low)"}));

  CirtRun raw = Cirt("case raw " + kase + " " + std::string(row["event_id"]));
  EXPECT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(nlohmann::json::parse(raw.out)["eventID"], row["event_id"]);

  CirtRun pivot = Cirt("pivot --case " + kase + " AKIAI44QH8DHBEXAMPLE -f csv");
  EXPECT_EQ(pivot.exit_code, 0) << pivot.err;
  EXPECT_EQ(pivot.out.rfind("section,value,detail,count,first_seen", 0), 0u);
  EXPECT_NE(pivot.out.find("chain,ASIAQNZGKIQY56JQ7WML -> ASIAZ7XKZ3R4PIVOT002"), std::string::npos);

  CirtRun scope = Cirt("scope --case " + kase + " a2c5f1e0d3b4c6a7e8f9a0b1c2d3e4f5 -f jsonl");
  EXPECT_EQ(scope.exit_code, 0) << scope.err;
  EXPECT_NE(scope.out.find("\"input\":\"access_key_id=AKIAIOSFODNN7EXAMPLE\""), std::string::npos);
  EXPECT_NE(scope.out.find("\"input\":\"bucket=prod-customer-data\""), std::string::npos);

  EXPECT_EQ(Cirt("pivot --case " + kase + " AKIANOTINTHECASE0000").exit_code, 1);
  EXPECT_EQ(Cirt("timeline --case " + kase + " -f xml").exit_code, 2);
  EXPECT_EQ(Cirt("timeline --case " + kase + " --start yesterday").exit_code, 2);
  EXPECT_EQ(Cirt("timeline --case " + (dir_ / "nocase").string()).exit_code, 2);
  EXPECT_EQ(Cirt("timeline").exit_code, 2);
  // Secrets in the records (session tokens) never reach the case output.
  CirtRun all = Cirt("timeline --case " + kase + " -f jsonl");
  EXPECT_EQ(all.out.find("IQoJb3JpZ2lu"), std::string::npos);
  const std::string assume_role = "6f1c2b9e-0007-4d2a-9c1e-5a7b3c9d0007";
  CirtRun raw_assume = Cirt("case raw " + kase + " " + assume_role);
  EXPECT_EQ(raw_assume.exit_code, 0);
  EXPECT_NE(raw_assume.out.find("ASIAQNZGKIQY56JQ7WML"), std::string::npos);
  EXPECT_EQ(raw_assume.out.find("IQoJb3JpZ2lu"), std::string::npos) << raw_assume.out;
}


// Anomalies at ingest, over files ingested in separate runs, shown by the
// timeline; re-ingesting does not duplicate them.
TEST_F(CliTest, CaseIngestAnomaliesShowInTheTimeline) {
  std::string later = StopLogging(3);
  later.replace(later.find("203.0.113.7"), 11, "198.51.100.4");
  later.replace(later.find("2026-03-24T10:03:02Z"), 20, "2026-03-25T10:03:02Z");
  Write(dir_ / "c.json", later);
  const std::string kase = (dir_ / "case").string();
  ASSERT_EQ(Cirt("case init " + kase).exit_code, 0);
  const std::string flags = " --no-builtin-rules --anomalies --baseline-end 2026-03-24T12:00:00Z";
  CirtRun first = Cirt("case ingest " + kase + " " + (dir_ / "good").string() + flags);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("0 derived detections"), std::string::npos) << first.err;
  for (int run = 0; run < 2; ++run) {
    CirtRun second = Cirt("case ingest " + kase + " " + (dir_ / "c.json").string() + flags);
    EXPECT_EQ(second.exit_code, 0) << second.err;
    EXPECT_NE(second.err.find("1 derived detections"), std::string::npos) << second.err;
    CirtRun timeline = Cirt("timeline --case " + kase + " -f jsonl --detections-only");
    EXPECT_EQ(timeline.exit_code, 0) << timeline.err;
    auto row = nlohmann::json::parse(timeline.out);  // exactly one row
    EXPECT_EQ(row["event_id"], "ev-3");
    EXPECT_EQ(row["detections"],
              nlohmann::json::array({"First-seen source network for a principal (low)"}));
  }
  EXPECT_EQ(Cirt("case ingest " + kase + " " + (dir_ / "c.json").string() +
                 " --anomalies --denial-burst 0")
                .exit_code,
            2);
  EXPECT_EQ(Cirt("case ingest " + kase + " " + (dir_ / "c.json").string() +
                 " --baseline-end 2026-03-24T12:00:00Z")
                .exit_code,
            2);
}

}  // namespace
