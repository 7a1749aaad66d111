// The case store: schema, ingest (re-ingest, resume after a kill, bad
// input), raw record retrieval, and GuardDuty / Security Hub findings from
// the corpus as alerts.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "io/gzip.h"
#include "store/case.h"
#include "model/event.h"
#include "store/ingest.h"

namespace cirt::store {
namespace {

namespace fs = std::filesystem;

const std::string kChain = std::string(CIRT_SOURCE_DIR) + "/src/investigate/testdata/chain";
const std::string kCorpus = CIRT_CORPUS_DIR;

class TempDir {
 public:
  explicit TempDir(std::string_view name)
      : path_((fs::temp_directory_path() / fmt::format("cirt-store-{}-{}", name, getpid()))
                  .string()) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(std::string_view p) const { return (fs::path(path_) / p).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

int64_t Count(Case& c, const std::string& sql) {
  auto n = c.db().QueryInt(sql);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : -1;
}

Result<IngestStats> IngestPaths(Case* c, std::vector<std::string> inputs, Diagnostics* d,
                                std::function<void(const IngestProgress&)> progress = {}) {
  IngestOptions options;
  options.inputs = std::move(inputs);
  options.builtin_rules = true;
  options.on_progress = std::move(progress);
  return Ingest(c, options, d);
}

// What a case holds, for comparing two cases.
struct Snapshot {
  int64_t files, events, credentials, detections, alerts, entities;
  std::set<std::string> event_ids;
  bool operator==(const Snapshot&) const = default;
};
Snapshot Snap(Case& c) {
  Snapshot s{Count(c, "SELECT count(*) FROM files"),
             Count(c, "SELECT count(*) FROM events"),
             Count(c, "SELECT count(*) FROM credentials"),
             Count(c, "SELECT count(*) FROM detections"),
             Count(c, "SELECT count(*) FROM alerts"),
             Count(c, "SELECT count(*) FROM alert_entities"),
             {}};
  auto q = c.db().Prepare("SELECT event_id || '/' || coalesce(resources, '') FROM events");
  EXPECT_TRUE(q.ok());
  while (*q->Step()) s.event_ids.insert(std::string(q->Text(0)));
  return s;
}

TEST(Case, InitCreatesAWalDatabaseAndRefusesASecondInit) {
  TempDir dir("init");
  auto c = Case::Init(dir / "case");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto mode = c->db().Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->Text(0), "wal");
  EXPECT_EQ(*c->db().QueryInt("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(Case::Init(dir / "case").status().code(), ErrorCode::kConflict);
  EXPECT_EQ(Case::Open(dir / "nothing").status().code(), ErrorCode::kNotFound);
  WriteText(dir / "bogus/case.db", "");
  fs::create_directories(dir / "bogus");
  WriteText(dir / "bogus/case.db", "this is not a database, just text that is long enough....");
  EXPECT_EQ(Case::Open(dir / "bogus").status().code(), ErrorCode::kCorrupt);
}

TEST(Ingest, IndexesEventsAndReingestingAddsNothing) {
  TempDir dir("reingest");
  auto c = Case::Init(dir / "case");
  ASSERT_TRUE(c.ok());
  Diagnostics diagnostics(nullptr);
  auto first = IngestPaths(&*c, {kChain}, &diagnostics);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->files_ingested, 2u);
  EXPECT_EQ(first->events, 19u);
  EXPECT_EQ(diagnostics.warnings(), 0u);
  const Snapshot before = Snap(*c);
  EXPECT_EQ(before.events, 19);
  EXPECT_EQ(before.credentials, 5);  // 3 AssumeRole in A (one by Lambda), B's copy, CreateAccessKey
  // Every ingested file is recorded with its SHA-256 and kept as evidence.
  auto q = c->db().Prepare("SELECT sha256, evidence FROM files ORDER BY path");
  ASSERT_TRUE(q.ok());
  while (*q->Step()) {
    EXPECT_EQ(q->Text(0).size(), 64u);
    EXPECT_TRUE(fs::exists(dir / ("case/" + std::string(q->Text(1)))));
  }
  // The indexed fields of one record.
  auto e = c->db().Prepare(
      "SELECT identity_type, principal_arn, access_key_id, session_issuer_arn, session_name, "
      "session_creation_time, read_only, resources FROM events WHERE event_name = 'RunInstances'");
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(*e->Step());
  EXPECT_EQ(e->Text(0), "AssumedRole");
  EXPECT_EQ(e->Text(1),
            "arn:aws:sts::444455556666:assumed-role/OrganizationAccountAccessRole/pivot");
  EXPECT_EQ(e->Text(2), "ASIAZ7XKZ3R4PIVOT002");
  EXPECT_EQ(e->Text(3), "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole");
  EXPECT_EQ(e->Text(4), "pivot");
  EXPECT_EQ(e->Text(5), "2024-03-14T10:03:01Z");
  EXPECT_EQ(e->Int(6), 0);
  EXPECT_EQ(e->Text(7), "instanceId=i-0abc1234def567890");

  // A folder holding the case itself: the case's own files are never inputs.
  auto self = IngestPaths(&*c, {dir.path()}, &diagnostics);
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->files, 0u);
  EXPECT_EQ(diagnostics.warnings(), 0u);

  auto again = IngestPaths(&*c, {kChain}, &diagnostics);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->files_already, 2u);
  EXPECT_EQ(again->files_ingested, 0u);
  EXPECT_EQ(again->events, 0u);
  EXPECT_EQ(Snap(*c), before);
}

// The same events from a second source (here the trail file re-exported as
// the LookupEvents shape the AWS CLI prints) and a record delivered twice in
// one file are stored once, by eventID, with no second set of detections.
TEST(Ingest, StoresAnEventOnceByEventId) {
  TempDir dir("dedup");
  auto c = Case::Init(dir / "case");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Diagnostics diagnostics;
  const std::string trail = kChain + "/account-a.json";
  auto first = IngestPaths(&*c, {trail}, &diagnostics);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_GT(first->events, 3u);
  EXPECT_EQ(first->duplicates, 0u);
  const Snapshot before = Snap(*c);

  auto records = nlohmann::json::parse(ReadText(trail))["Records"];
  nlohmann::json lookup = {{"Events", nlohmann::json::array()}};
  for (const auto& r : records) {
    lookup["Events"].push_back({{"EventId", r["eventID"]}, {"CloudTrailEvent", r.dump()}});
  }
  WriteText(dir / "lookup-events.json", lookup.dump());
  auto second = IngestPaths(&*c, {dir / "lookup-events.json"}, &diagnostics);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->files_ingested, 1u);
  EXPECT_EQ(second->events, 0u);
  EXPECT_EQ(second->duplicates, records.size());
  EXPECT_EQ(second->detections, 0u);
  EXPECT_EQ(second->resources, 0u);
  Snapshot after = Snap(*c);
  EXPECT_EQ(after.events, before.events);
  EXPECT_EQ(after.detections, before.detections);
  EXPECT_EQ(after.event_ids, before.event_ids);

  // A new record and one repeated in the same file: one stored, once.
  nlohmann::json fresh = records[0];
  fresh["eventID"] = "0f0e0d0c-0000-4000-8000-00000000dup1";
  WriteText(dir / "twice.json", nlohmann::json::array({fresh, fresh, records[1]}).dump());
  auto third = IngestPaths(&*c, {dir / "twice.json"}, &diagnostics);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->events, 1u);
  EXPECT_EQ(third->duplicates, 2u);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM events WHERE event_id = "
                      "'0f0e0d0c-0000-4000-8000-00000000dup1'"),
            1);
  EXPECT_EQ(diagnostics.warnings(), 0u);
}

// Rules that arrive after the evidence: --rehunt runs them over the files
// already in the case and adds exactly the detections an ingest with them
// would have stored; running it again adds nothing.
TEST(Ingest, RehuntAddsTheDetectionsOfNewRules) {
  TempDir dir("rehunt");
  const std::string rules = std::string(CIRT_SOURCE_DIR) + "/src/investigate/testdata/rules";
  auto with_rules = Case::Init(dir / "with");
  ASSERT_TRUE(with_rules.ok());
  Diagnostics diagnostics;
  IngestOptions options;
  options.inputs = {kChain};
  options.rule_paths = {rules};
  options.builtin_rules = false;
  ASSERT_TRUE(Ingest(&*with_rules, options, &diagnostics).ok());
  const int64_t expected = Count(*with_rules, "SELECT count(*) FROM detections");
  ASSERT_GT(expected, 0);

  auto later = Case::Init(dir / "later");
  ASSERT_TRUE(later.ok());
  auto first = IngestPaths(&*later, {kChain}, &diagnostics);  // built-in pack only
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const int64_t builtin = Count(*later, "SELECT count(*) FROM detections");
  IngestOptions rehunt;
  rehunt.rehunt = true;
  rehunt.rule_paths = {rules};
  rehunt.builtin_rules = false;
  auto added = Ingest(&*later, rehunt, &diagnostics);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->events, 0u);
  EXPECT_EQ(static_cast<int64_t>(added->rehunt_added), expected);
  EXPECT_EQ(Count(*later, "SELECT count(*) FROM detections"), builtin + expected);
  auto again = Ingest(&*later, rehunt, &diagnostics);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rehunt_added, 0u);
  EXPECT_EQ(diagnostics.warnings(), 0u);
}

TEST(Ingest, ResumesAfterBeingKilledMidFile) {
  TempDir dir("resume");
  // Three files: the kill lands while the second one's rows are written.
  const std::vector<std::string> inputs = {kChain + "/account-a.json", kChain + "/account-b.jsonl",
                                           kChain + "/../findings/guardduty-backdoor.json"};
  auto clean = Case::Init(dir / "clean");
  ASSERT_TRUE(clean.ok());
  Diagnostics quiet(nullptr);
  ASSERT_TRUE(IngestPaths(&*clean, inputs, &quiet).ok());

  ASSERT_TRUE(Case::Init(dir / "killed").ok());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto c = Case::Open(dir / "killed");
    if (!c.ok()) _exit(3);
    Diagnostics d(nullptr);
    (void)IngestPaths(&*c, inputs, &d, [](const IngestProgress& p) {
      // Rows of the second file are written, its transaction is open.
      if (!p.file_committed && p.files_done == 1) kill(getpid(), SIGKILL);
    });
    _exit(4);  // not reached when the kill happened
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);

  auto c = Case::Open(dir / "killed");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // Only the first file's commit survived, whole.
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM files"), 1);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM events"),
            Count(*c, "SELECT coalesce(sum(records), 0) FROM files WHERE kind = 'cloudtrail'"));
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM alerts"),
            Count(*c, "SELECT coalesce(sum(records), 0) FROM files WHERE kind = 'findings'"));
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM events WHERE file_id NOT IN (SELECT id FROM files)"),
            0);

  Diagnostics d(nullptr);
  auto resumed = IngestPaths(&*c, inputs, &d);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->files_already, 1u);
  EXPECT_EQ(resumed->files_ingested, 2u);
  EXPECT_EQ(Snap(*c), Snap(*clean));
}

TEST(Ingest, DamagedAndForeignInputIsReportedNotFatal) {
  TempDir dir("bad");
  auto c = Case::Init(dir / "case");
  ASSERT_TRUE(c.ok());
  // A gzip cut in the middle keeps the records before the cut.
  const std::string gz = io::GzipCompress(ReadText(kChain + "/account-a.json"));
  WriteText(dir / "in/cut.json.gz", "");
  fs::create_directories(dir / "in");
  WriteText(dir / "in/cut.json.gz", std::string_view(gz).substr(0, gz.size() * 2 / 3));
  // A valid trail file with no records is ingested (and recorded).
  WriteText(dir / "in/empty.json", R"({"Records":[]})");
  // JSON that is neither CloudTrail nor findings.
  WriteText(dir / "in/other.json", R"({"hello": "world", "items": [1, 2, 3]})");
  Diagnostics diagnostics(nullptr);
  auto r = IngestPaths(&*c, {dir / "in", dir / "missing"}, &diagnostics);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->input_errors, 1u);
  EXPECT_EQ(r->files_ingested, 2u);
  EXPECT_EQ(r->files_skipped, 1u);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM files WHERE records = 0"), 1);
  EXPECT_GT(r->events, 0u);
  EXPECT_LT(r->events, 9u);
  EXPECT_GE(diagnostics.warnings(), 3u);
  EXPECT_EQ(Count(*c, "SELECT sum(partial) FROM files"), 1);
  bool named = false;
  for (const Status& s : diagnostics.Kept()) {
    named |= s.ToString().find("cut.json.gz") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

TEST(Ingest, RawRecordIsRetrievableFromTheEvidenceCopy) {
  TempDir dir("raw");
  auto c = Case::Init(dir / "case");
  ASSERT_TRUE(c.ok());
  Diagnostics d(nullptr);
  ASSERT_TRUE(IngestPaths(&*c, {kChain}, &d).ok());
  auto q = c->db().Prepare("SELECT id, event_id FROM events WHERE event_name = 'CreateAccessKey'");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  auto raw = RawEvent(&*c, q->Int(0));
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  auto json = nlohmann::json::parse(*raw);
  EXPECT_EQ(json["eventID"], std::string(q->Text(1)));
  EXPECT_EQ(json["responseElements"]["accessKey"]["accessKeyId"], "AKIAI44QH8DHBEXAMPLE");
  EXPECT_EQ(RawEvent(&*c, 999999).status().code(), ErrorCode::kNotFound);
}

// The JSON after "Output::" in an aws-cli example (indented by 4).
std::string CliOutput(const std::string& rst) {
  std::istringstream in(ReadText(rst));
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!inside) {
      inside = line.rfind("Output::", 0) == 0;
      continue;
    }
    if (!line.empty() && line.rfind("    ", 0) != 0) break;
    out += (line.size() >= 4 ? line.substr(4) : std::string()) + "\n";
  }
  return out;
}

// The ``` block of a docs page that contains `marker`.
std::string DocBlock(const std::string& md, std::string_view marker) {
  const std::string text = ReadText(md);
  const size_t at = text.find(marker);
  if (at == std::string::npos) return {};
  const size_t open = text.rfind("```", at);
  const size_t start = text.find('\n', open) + 1;
  const size_t close = text.find("```", at);
  return text.substr(start, close - start);
}

std::set<std::pair<std::string, std::string>> Entities(Case& c, std::string_view source) {
  std::set<std::pair<std::string, std::string>> out;
  auto q = c.db().Prepare(
      "SELECT x.kind, x.value FROM alert_entities x JOIN alerts a ON a.id = x.alert "
      "WHERE a.source = ?1");
  q->BindText(1, source);
  while (*q->Step()) out.emplace(std::string(q->Text(0)), std::string(q->Text(1)));
  return out;
}

TEST(Ingest, CorpusGuardDutyAndSecurityHubFindingsBecomeAlerts) {
  TempDir dir("findings");
  const std::string gd = CliOutput(kCorpus + "/aws-cli-examples/guardduty/get-findings.rst");
  const std::string asff = CliOutput(kCorpus + "/aws-cli-examples/securityhub/get-findings.rst");
  ASSERT_FALSE(gd.empty());
  ASSERT_FALSE(asff.empty());
  fs::create_directories(dir / "in");
  WriteText(dir / "in/guardduty-get-findings.json", gd);
  WriteText(dir / "in/securityhub-get-findings.json", asff);
  // The same findings in the EventBridge envelopes the user guides document.
  const auto gd_finding = nlohmann::json::parse(gd)["Findings"][0];
  std::string envelope = DocBlock(kCorpus +
                                      "/awsdocs-guardduty-user-guide/doc_source/"
                                      "guardduty_findings_cloudwatch.md",
                                  "{GUARDDUTY_FINDING_JSON_OBJECT}");
  const size_t slot = envelope.find("{GUARDDUTY_FINDING_JSON_OBJECT}");
  ASSERT_NE(slot, std::string::npos) << envelope;
  envelope.replace(slot, std::strlen("{GUARDDUTY_FINDING_JSON_OBJECT}"), gd_finding.dump());
  WriteText(dir / "in/guardduty-eventbridge.json", envelope);
  std::string sh = DocBlock(kCorpus +
                                "/awsdocs-security-hub-user-guide/doc_source/"
                                "securityhub-cwe-event-formats.md",
                            "\"detail-type\":\"Security Hub Findings - Imported\"");
  const size_t content = sh.find("<finding content>");
  ASSERT_NE(content, std::string::npos) << sh;
  const std::string members = nlohmann::json::parse(asff)["Findings"][0].dump();
  sh.replace(content, std::strlen("<finding content>"), members.substr(1, members.size() - 2));
  WriteText(dir / "in/securityhub-eventbridge.json", sh);

  auto c = Case::Init(dir / "case");
  ASSERT_TRUE(c.ok());
  Diagnostics diagnostics(nullptr);
  auto r = IngestPaths(&*c, {dir / "in"}, &diagnostics);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const Status& s : diagnostics.Kept()) ADD_FAILURE() << s.ToString();
  EXPECT_EQ(r->files_ingested, 4u);
  EXPECT_EQ(r->events, 0u);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM alerts WHERE source = 'guardduty'"), 2);
  const int64_t asff_count = static_cast<int64_t>(nlohmann::json::parse(asff)["Findings"].size());
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM alerts WHERE source = 'securityhub'"), asff_count + 1);
  EXPECT_EQ(Count(*c, "SELECT count(DISTINCT finding_id) FROM alerts WHERE source = 'guardduty'"),
            1);

  const auto g = Entities(*c, "guardduty");
  EXPECT_TRUE(g.count({"access_key_id", "ASIASZ4SI7REEEXAMPLE"}));
  EXPECT_TRUE(g.count({"user_name", "testuser"}));
  EXPECT_TRUE(g.count({"principal_id", "AIDACKCEVSQ6C2EXAMPLE"}));
  EXPECT_TRUE(g.count({"ip", "52.94.36.7"}));
  auto a = c->db().Prepare(
      "SELECT type, severity, severity_label, account_id, first_seen FROM alerts "
      "WHERE source = 'guardduty' LIMIT 1");
  ASSERT_TRUE(*a->Step());
  EXPECT_EQ(a->Text(0), "Recon:IAMUser/UserPermissions");
  EXPECT_EQ(a->Double(1), 5);
  EXPECT_EQ(a->Text(2), "MEDIUM");
  EXPECT_EQ(a->Text(3), "111122223333");
  EXPECT_EQ(a->Text(4), "2020-05-26T22:02:24Z");

  // ASFF findings are tied to their resources.
  const auto s = Entities(*c, "securityhub");
  size_t resources = 0;
  const nlohmann::json asff_doc = nlohmann::json::parse(asff);
  for (const auto& f : asff_doc["Findings"]) {
    for (const auto& res : f["Resources"]) {
      const std::string id = res["Id"];
      EXPECT_TRUE(s.count({"resource", id})) << id;
      if (id.rfind("arn:", 0) == 0) {
        EXPECT_TRUE(s.count({"arn", id})) << id;
      }
      ++resources;
    }
  }
  EXPECT_GT(resources, 0u);
}


// A CloudTrail record for the derived-detection tests.
std::string Record(std::string_view id, std::string_view time, std::string_view name,
                   std::string_view source, std::string_view ip, std::string_view user,
                   std::string_view response) {
  return fmt::format(
      R"({{"eventVersion":"1.08","eventTime":"{}","eventSource":"{}","eventName":"{}",)"
      R"("awsRegion":"us-east-1","sourceIPAddress":"{}","userAgent":"Mozilla/5.0",)"
      R"("eventID":"{}","recipientAccountId":"111122223333","userIdentity":{{"type":"IAMUser",)"
      R"("arn":"arn:aws:iam::111122223333:user/{}","accountId":"111122223333","userName":"{}"}},)"
      R"("responseElements":{}}})",
      time, source, name, ip, id, user, user, response);
}

std::string Trail(const std::vector<std::string>& records) {
  std::string s = R"({"Records":[)";
  for (size_t i = 0; i < records.size(); ++i) s += (i ? "," : "") + records[i];
  return s + "]}";
}

std::set<std::string> EvidenceIds(Case& c, std::string_view type) {
  auto q = c.db().Prepare(
      "SELECT e.event_id FROM derived x JOIN detection_evidence de ON de.detection = x.detection "
      "JOIN events e ON e.id = de.event WHERE x.type = ?1");
  EXPECT_TRUE(q.ok());
  q->BindText(1, type);
  std::set<std::string> ids;
  while (*q->Step()) ids.insert(std::string(q->Text(0)));
  return ids;
}

TEST(Derived, CorrelationAcrossFilesWithEvidence) {
  TempDir tmp("correlation");
  // Five failed console logins in one file, the successful one from the
  // same address in another: only the case as a whole fires the rule.
  const std::string failure = R"({"ConsoleLogin":"Failure"})";
  std::vector<std::string> failures;
  for (int i = 0; i < 5; ++i) {
    failures.push_back(Record(fmt::format("fail-{}", i), fmt::format("2026-03-24T10:0{}:00Z", i),
                              "ConsoleLogin", "signin.amazonaws.com", "198.51.100.7", "alice",
                              failure));
  }
  WriteText(tmp / "a.json", Trail(failures));
  WriteText(tmp / "b.json",
            Trail({Record("ok-1", "2026-03-24T10:07:00Z", "ConsoleLogin", "signin.amazonaws.com",
                          "198.51.100.7", "alice", R"({"ConsoleLogin":"Success"})"),
                   Record("other", "2026-03-24T10:08:00Z", "ListBuckets", "s3.amazonaws.com",
                          "198.51.100.7", "alice", "null")}));
  auto c = Case::Init(tmp / "case");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  IngestOptions options;
  options.builtin_rules = false;
  options.rule_paths = {std::string(CIRT_SOURCE_DIR) +
                        "/docs/correlations/mr_aws_console_bruteforce_then_success.yml"};
  Diagnostics quiet(nullptr);

  // The first file alone: the failures, no success, nothing fires.
  options.inputs = {tmp / "a.json"};
  auto first = Ingest(&*c, options, &quiet);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->derived, 0u);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM derived"), 0);

  options.inputs = {tmp / "b.json"};
  auto second = Ingest(&*c, options, &quiet);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->derived, 1u);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM derived WHERE type='temporal_ordered'"), 1);
  EXPECT_EQ(EvidenceIds(*c, "temporal_ordered"),
            (std::set<std::string>{"fail-0", "fail-1", "fail-2", "fail-3", "fail-4", "ok-1"}));
  // The detection hangs on the event that completed it, under its rule.
  EXPECT_EQ(Count(*c,
                  "SELECT count(*) FROM derived x JOIN detections d ON d.id = x.detection "
                  "JOIN events e ON e.id = d.event JOIN rules r ON r.id = d.rule "
                  "WHERE e.event_id = 'ok-1' AND r.rule_id = "
                  "'6c6a06a3-aa44-4c82-b222-d490efc18c95' AND r.level = 'high'"),
            1);
  const int64_t detections = Count(*c, "SELECT count(*) FROM detections");
  const int64_t evidence = Count(*c, "SELECT count(*) FROM detection_evidence");

  // Re-ingesting (nothing new, then both files again) recomputes, never duplicates.
  options.inputs = {tmp / "a.json", tmp / "b.json"};
  auto again = Ingest(&*c, options, &quiet);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->files_already, 2u);
  EXPECT_EQ(again->derived, 1u);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM derived"), 1);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM detections"), detections);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM detection_evidence"), evidence);
}

TEST(Derived, AnomalyOverTheCase) {
  TempDir tmp("anomaly");
  // Baseline: bob from one network; later, from a new one.
  WriteText(tmp / "old.json",
            Trail({Record("b-1", "2026-03-20T09:00:00Z", "ListBuckets", "s3.amazonaws.com",
                          "203.0.113.5", "bob", "null"),
                   Record("b-2", "2026-03-21T09:00:00Z", "ListBuckets", "s3.amazonaws.com",
                          "203.0.113.6", "bob", "null")}));
  WriteText(tmp / "new.json",
            Trail({Record("n-1", "2026-03-25T09:00:00Z", "ListBuckets", "s3.amazonaws.com",
                          "192.0.2.44", "bob", "null")}));
  auto c = Case::Init(tmp / "case");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  IngestOptions options;
  options.builtin_rules = false;
  options.inputs = {tmp / "old.json", tmp / "new.json"};
  Diagnostics quiet(nullptr);

  // Without --anomalies: none.
  auto plain = Ingest(&*c, options, &quiet);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM derived"), 0);

  detect::AnomalyOptions a;
  a.baseline_end_us = model::ParseUtcTimestamp("2026-03-23T00:00:00Z");
  options.anomalies = a;
  for (int run = 0; run < 2; ++run) {
    auto r = Ingest(&*c, options, &quiet);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Count(*c, "SELECT count(*) FROM derived WHERE type='first_seen_network'"), 1)
        << "run " << run;
    EXPECT_EQ(EvidenceIds(*c, "first_seen_network"), std::set<std::string>{"n-1"});
    EXPECT_EQ(Count(*c,
                    "SELECT count(*) FROM derived WHERE type='first_seen_network' AND grp LIKE "
                    "'%192.0.2.0/24%'"),
              1);
  }
  // A later ingest without --anomalies keeps them.
  options.anomalies.reset();
  auto later = Ingest(&*c, options, &quiet);
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM derived WHERE type='first_seen_network'"), 1);
}

TEST(Derived, SchemaVersionOneIsUpgraded) {
  TempDir tmp("upgrade");
  {
    auto c = Case::Init(tmp / "case");
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->db()
                    .Exec("DROP TABLE derived; DROP TABLE detection_evidence; "
                          "PRAGMA user_version=1")
                    .ok());
  }
  auto c = Case::Open(tmp / "case");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c->db().QueryInt("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM derived"), 0);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM detection_evidence"), 0);
}

}  // namespace
}  // namespace cirt::store
