// Golden tests of timeline, pivot and scope on a case built from CloudTrail
// records shaped as CloudTrail writes them (testdata/chain: an IAM user's
// key assumes a role, the session hops to another account with
// responseElements null, creates a backdoor user and key and changes
// resources; unrelated activity around it) plus a GuardDuty finding in an
// EventBridge envelope. CIRT_UPDATE_GOLDEN=1 rewrites testdata/golden/.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "investigate/incident.h"
#include "investigate/pivot.h"
#include "investigate/rows.h"
#include "investigate/scope.h"
#include "investigate/timeline.h"
#include "store/ingest.h"

namespace cirt::investigate {
namespace {

namespace fs = std::filesystem;

const std::string kTestdata = std::string(CIRT_SOURCE_DIR) + "/src/investigate/testdata";
constexpr std::string_view kDevCiKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSession1 = "ASIAQNZGKIQY56JQ7WML";
constexpr std::string_view kSession2 = "ASIAZ7XKZ3R4PIVOT002";
constexpr std::string_view kBackdoorKey = "AKIAI44QH8DHBEXAMPLE";

// Renders rows through the one output layer into a string.
class Capture {
 public:
  Capture() : file_(open_memstream(&data_, &size_)) {}
  ~Capture() {
    if (file_) std::fclose(file_);
    std::free(data_);
  }
  std::FILE* file() { return file_; }
  std::string Take() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = kTestdata + "/golden/" + name;
  if (std::getenv("CIRT_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with CIRT_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), actual) << "golden " << path;
}

class InvestigateGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(
        (fs::temp_directory_path() / ("cirt-investigate-" + std::to_string(getpid()))).string());
    fs::remove_all(*dir_);
    auto c = store::Case::Init(*dir_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    kase_ = new store::Case(std::move(*c));
    store::IngestOptions options;
    options.inputs = {kTestdata + "/chain", kTestdata + "/findings"};
    options.rule_paths = {kTestdata + "/rules"};
    options.builtin_rules = false;
    Diagnostics diagnostics(nullptr);
    auto stats = store::Ingest(kase_, options, &diagnostics);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    ASSERT_EQ(diagnostics.warnings(), 0u);
    ASSERT_EQ(stats->events, 19u);
    ASSERT_EQ(stats->alerts, 1u);
    ASSERT_EQ(stats->detections, 3u);
  }
  static void TearDownTestSuite() {
    delete kase_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  std::string TimelineText(const TimelineFilter& filter,
                           report::Format format = report::Format::kJsonl) {
    Capture out;
    auto writer = report::MakeRowWriter(format, out.file(), TimelineSchema(), {});
    Status s =
        Timeline(*kase_, filter, [&](const TimelineRow& r) { writer->Write(TimelineCells(r)); });
    EXPECT_TRUE(s.ok()) << s.ToString();
    writer->Finish();
    return out.Take();
  }
  std::string PivotText(const PivotResult& r) {
    Capture out;
    auto writer = report::MakeRowWriter(report::Format::kJsonl, out.file(), PivotSchema(), {});
    for (auto& row : PivotRows(r)) writer->Write(std::move(row));
    writer->Finish();
    return out.Take();
  }
  std::string ScopeText(const std::vector<ScopeEntry>& entries, report::Format format) {
    Capture out;
    auto writer = report::MakeRowWriter(format, out.file(), ScopeSchema(), {});
    for (const auto& e : entries) writer->Write(ScopeCells(e));
    writer->Finish();
    return out.Take();
  }

  static std::string* dir_;
  static store::Case* kase_;
};

std::string* InvestigateGolden::dir_ = nullptr;
store::Case* InvestigateGolden::kase_ = nullptr;

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(InvestigateGolden, TimelineAllInTimeOrder) {
  const std::string text = TimelineText({});
  EXPECT_EQ(Lines(text), 19u);
  ExpectGolden("timeline.jsonl", text);
}

TEST_F(InvestigateGolden, TimelineFilters) {
  TimelineFilter f;
  f.access_key = std::string(kSession2);
  f.writes_only = true;
  const std::string writes = TimelineText(f);
  EXPECT_EQ(Lines(writes), 7u);  // CreateUser ... CreateFunction20150331; GetObject is a read
  ExpectGolden("timeline-session2-writes.jsonl", writes);

  TimelineFilter errors;
  errors.errors_only = true;
  EXPECT_EQ(Lines(TimelineText(errors)), 1u);

  TimelineFilter detections;
  detections.detections_only = true;
  ExpectGolden("timeline-detections.csv", TimelineText(detections, report::Format::kCsv));

  TimelineFilter window;
  window.start_us = *ParseTimeBound("2024-03-14T10:05:00Z");
  window.end_us = *ParseTimeBound("2024-03-14T10:07:00Z");
  EXPECT_EQ(Lines(TimelineText(window)), 3u);  // end is exclusive

  TimelineFilter role;  // a role ARN selects its sessions
  role.principal = "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole";
  EXPECT_EQ(Lines(TimelineText(role)), 8u);

  TimelineFilter ip;
  ip.source_ip = "198.51.100.7";
  ip.event_names = {"ListBuckets"};
  ip.event_sources = {"s3.amazonaws.com"};
  EXPECT_EQ(Lines(TimelineText(ip)), 1u);

  TimelineFilter sketch;
  sketch.principal = "arn:aws:iam::111122223333:user/dev-ci";
  ExpectGolden("timeline-devci.timesketch.jsonl",
               TimelineText(sketch, report::Format::kTimesketch));
}

TEST_F(InvestigateGolden, PivotKeyFollowsTheChainDownAcrossAccounts) {
  auto r = Pivot(*kase_, kDevCiKey);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->subject.kind, SubjectKind::kAccessKey);
  EXPECT_EQ(r->events, 3u);
  EXPECT_EQ(r->first_seen, "2024-03-14T10:00:00Z");
  ASSERT_EQ(r->chain.size(), 3u);
  // Hop 1: logged with responseElements.credentials.
  EXPECT_EQ(r->chain[0].direction, "down");
  EXPECT_EQ(r->chain[0].issue.issued_key, kSession1);
  EXPECT_FALSE(r->chain[0].issue.inferred);
  // Hop 2: cross-account, responseElements null: inferred from the session context.
  EXPECT_EQ(r->chain[1].depth, 2);
  EXPECT_EQ(r->chain[1].issue.issued_key, kSession2);
  EXPECT_EQ(r->chain[1].issue.role_arn,
            "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole");
  EXPECT_TRUE(r->chain[1].issue.inferred);
  EXPECT_EQ(r->chain[1].use.events, 8u);
  // Hop 3: the second session created a key for a new user.
  EXPECT_EQ(r->chain[2].depth, 3);
  EXPECT_EQ(r->chain[2].issue.event_name, "CreateAccessKey");
  EXPECT_EQ(r->chain[2].issue.issued_key, kBackdoorKey);
  EXPECT_EQ(r->chain[2].issue.user_name, "backdoor");
  EXPECT_FALSE(r->chain[2].issue.inferred);
  EXPECT_EQ(r->chain[2].use.events, 1u);
  ExpectGolden("pivot-devci-key.jsonl", PivotText(*r));
}

TEST_F(InvestigateGolden, PivotBackdoorKeyWalksUpToTheFirstKey) {
  auto r = Pivot(*kase_, kBackdoorKey);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->chain.size(), 3u);
  EXPECT_EQ(r->chain[0].direction, "up");
  EXPECT_EQ(r->chain[0].issue.event_name, "CreateAccessKey");
  EXPECT_EQ(r->chain[0].issue.caller_key, kSession2);
  EXPECT_FALSE(r->chain[0].issue.inferred);
  EXPECT_EQ(r->chain[1].issue.caller_key, kSession1);
  EXPECT_TRUE(r->chain[1].issue.inferred);
  EXPECT_EQ(r->chain[1].issue.account_id, "111122223333");  // the caller's copy of the call
  EXPECT_EQ(r->chain[2].issue.caller_key, kDevCiKey);
  EXPECT_FALSE(r->chain[2].issue.inferred);
  ASSERT_EQ(r->alerts.size(), 1u);  // the GuardDuty finding names the key
  ExpectGolden("pivot-backdoor-key.jsonl", PivotText(*r));
}

TEST_F(InvestigateGolden, PivotByIpRoleAndSession) {
  auto ip = Pivot(*kase_, "203.0.113.50");
  ASSERT_TRUE(ip.ok()) << ip.status().ToString();
  EXPECT_EQ(ip->subject.kind, SubjectKind::kIp);
  EXPECT_EQ(ip->events, 13u);
  ExpectGolden("pivot-attacker-ip.jsonl", PivotText(*ip));

  auto role = Pivot(*kase_, "arn:aws:iam::111122223333:role/DeployRole");
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->subject.kind, SubjectKind::kRole);
  EXPECT_EQ(role->events, 1u);

  auto session = Pivot(*kase_, "pivot");
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->subject.kind, SubjectKind::kSession);
  EXPECT_EQ(session->events, 8u);

  auto none = Pivot(*kase_, "AKIANOTINTHECASE0000");
  EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);
}

bool Has(const std::vector<ScopeEntry>& entries, std::string_view playbook,
         std::string_view value) {
  for (const auto& e : entries) {
    if (e.playbook == playbook && e.value == value) return true;
  }
  return false;
}

TEST_F(InvestigateGolden, ScopeFromTheFirstKeyReachesEverything) {
  auto r = Scope(*kase_, kDevCiKey);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(*r, "iam-access-key", kDevCiKey));
  EXPECT_TRUE(Has(*r, "iam-access-key", "AKIAI3XYZOLDKEY00001"));  // the user's other key
  EXPECT_TRUE(Has(*r, "iam-user", "dev-ci"));
  EXPECT_TRUE(Has(*r, "iam-role", "DeployRole"));
  EXPECT_TRUE(Has(*r, "iam-role", "OrganizationAccountAccessRole"));
  EXPECT_TRUE(Has(*r, "iam-user", "backdoor"));
  EXPECT_TRUE(Has(*r, "iam-access-key", kBackdoorKey));
  EXPECT_TRUE(Has(*r, "ec2-instance", "i-0abc1234def567890"));
  EXPECT_TRUE(Has(*r, "ebs-snapshot", "snap-0123456789abcdef0"));
  EXPECT_TRUE(Has(*r, "s3-bucket", "prod-customer-data"));
  EXPECT_TRUE(Has(*r, "lambda-function", "exfil-fn"));
  EXPECT_FALSE(Has(*r, "iam-role", "lambda-exec-orders"));
  EXPECT_FALSE(Has(*r, "iam-user", "alice"));
  for (const auto& e : *r) {
    if (e.playbook == "iam-role" && e.value == "OrganizationAccountAccessRole") {
      EXPECT_NE(e.reason.find("UpdateAssumeRolePolicy (trust policy changed)"), std::string::npos)
          << e.reason;
      EXPECT_TRUE(e.inferred);  // reached only through the inferred hop
    }
  }
  ExpectGolden("scope-devci-key.jsonl", ScopeText(*r, report::Format::kJsonl));
}

TEST_F(InvestigateGolden, ScopeFromAFindingWalksUpAndDown) {
  auto r = Scope(*kase_, "a2c5f1e0d3b4c6a7e8f9a0b1c2d3e4f5");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(*r, "iam-access-key", kBackdoorKey));
  EXPECT_TRUE(Has(*r, "iam-user", "backdoor"));
  // Up the chain: the keys the attacker held before.
  EXPECT_TRUE(Has(*r, "iam-access-key", kDevCiKey));
  EXPECT_TRUE(Has(*r, "s3-bucket", "prod-customer-data"));
  EXPECT_FALSE(Has(*r, "iam-user", "alice"));
  ExpectGolden("scope-finding.txt", ScopeText(*r, report::Format::kTable));

  EXPECT_EQ(Scope(*kase_, "no-such-finding").status().code(), ErrorCode::kNotFound);
}

// A correlation stored at ingest reaches the report with its evidence: what
// it counted, the group and the span of its evidence events.
TEST(IncidentReport, DerivedDetectionsCarryTheirEvidence) {
  const std::string dir =
      (fs::temp_directory_path() / ("cirt-incident-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir + "/rules");
  std::ofstream(dir + "/rules/burst.yml") << R"(title: Calls by the dev-ci user
id: 5d1c0a8e-1111-4c3b-9a51-0c6f2d7e0001
name: devci_calls
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    userIdentity.userName: dev-ci
  condition: selection
level: low
---
title: Burst of dev-ci calls
id: 5d1c0a8e-1111-4c3b-9a51-0c6f2d7e0002
status: test
correlation:
  type: event_count
  rules: [devci_calls]
  group-by: [userIdentity.arn]
  timespan: 15m
  condition: {gte: 3}
level: high
)";
  auto c = store::Case::Init(dir + "/case");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  store::IngestOptions options;
  options.inputs = {kTestdata + "/chain"};
  options.rule_paths = {dir + "/rules"};
  options.builtin_rules = false;
  Diagnostics diagnostics(nullptr);
  auto stats = store::Ingest(&*c, options, &diagnostics);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  ASSERT_EQ(stats->derived, 1u);

  // The same trail again as LookupEvents output: stored once, and the
  // correlation over the case still counts each event once.
  std::ifstream trail(kTestdata + "/chain/account-a.json");
  const auto records = nlohmann::json::parse(trail)["Records"];
  nlohmann::json lookup = {{"Events", nlohmann::json::array()}};
  for (const auto& r : records) lookup["Events"].push_back({{"CloudTrailEvent", r.dump()}});
  std::ofstream(dir + "/lookup-events.json") << lookup.dump();
  options.inputs = {dir + "/lookup-events.json"};
  stats = store::Ingest(&*c, options, &diagnostics);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events, 0u);
  EXPECT_EQ(stats->duplicates, records.size());
  ASSERT_EQ(stats->derived, 1u);

  auto report = BuildIncidentReport(*c, {}, &diagnostics);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const report::ReportDetection* burst = nullptr;
  for (const auto& d : report->detections) {
    if (d.rule_title == "Burst of dev-ci calls") burst = &d;
  }
  ASSERT_NE(burst, nullptr);
  EXPECT_EQ(burst->level, model::Level::kHigh);
  EXPECT_EQ(burst->aggregate,
            "event_count 3 by userIdentity.arn=arn:aws:iam::111122223333:user/dev-ci; "
            "3 evidence events, 2024-03-14T09:50:00Z to 2024-03-14T10:01:00Z");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cirt::investigate
