// End-to-end tests of `cirt collect findings|iam|ec2|all` and of trail
// discovery against moto_server (ctest -L moto, serial; CIRT_MOTO_ENDPOINT
// must name it, else every test FAILS). State is seeded with the AWS CLI
// (IAM users and keys, EC2 instances, a GuardDuty detector, a trail and its
// bucket) and, for Security Hub, with BatchImportFindings of the ASFF
// samples in ../shared/corpus/aws-cli-examples/securityhub (sent through
// cirt's client: botocore refuses the samples' numeric Severity.Original
// before sending). The real cirt binary does the collecting.
//
// moto gaps (see docs/collect.md): GuardDuty has no ListFindings/GetFindings
// (404), so the detector list is collected and ListFindings is recorded as a
// failed call (request shape: aws/services/guardduty_test.cc); CloudTrail
// ListPublicKeys and LookupEvents are 500s.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/protocol/rest_json.h"
#include "aws/testing_util.h"
#include "aws/transport.h"
#include "collect/crypto.h"
#include "collect/local_files.h"
#include "collect/manifest.h"
#include "aws/testing_moto.h"
#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::pair<int, std::string> ShellRun(const std::string& command) {
  auto run = aws::testing::RunShell(command, "/tmp/cirt-account-moto-stderr.log");
  return {run.rc, run.out};
}

std::string LastStderr() { return ReadWholeFile("/tmp/cirt-account-moto-stderr.log").value(); }

// The ASFF findings of the corpus: the batch-import-findings example's
// --findings argument and the get-findings example's first output.
Json CorpusAsffFindings() {
  Json findings = Json::array();
  std::string import = ReadWholeFile(std::string(CIRT_CORPUS_DIR) +
                                     "/aws-cli-examples/securityhub/batch-import-findings.rst")
                           .value();
  size_t open = import.find("--findings '");
  size_t close = import.find('\'', open + 12);
  for (auto& f : Json::parse(import.substr(open + 12, close - open - 12))) findings.push_back(f);
  for (const std::string& block : aws::testing_util::RstLiteralBlocks(
           aws::testing_util::ReadCliExample("securityhub/get-findings.rst"))) {
    Json parsed = Json::parse(block, nullptr, false);
    if (!parsed.is_discarded() && parsed.contains("Findings")) {
      findings.push_back(parsed["Findings"][0]);
      break;
    }
  }
  return findings;
}

class AccountMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = aws::testing::MotoEndpoint();
    ASSERT_EQ(aws::testing::MotoEndpointProblem(endpoint_), "");
    aws::testing::UseMotoEnvironment(dir_.path());
    ASSERT_EQ(ShellRun("curl -sf -X POST " + endpoint_ + "/moto-api/reset").first, 0);
  }

  std::pair<int, std::string> Aws(const std::string& args) {
    return ShellRun("aws --output json --endpoint-url " + endpoint_ + " " + args);
  }
  Json AwsJson(const std::string& args) {
    auto [rc, out] = Aws(args);
    EXPECT_EQ(rc, 0) << args << "\n" << LastStderr();
    return Json::parse(out, nullptr, false);
  }
  std::pair<int, std::string> Cirt(const std::string& args, const std::string& env = "") {
    return ShellRun(env + " " + std::string(CIRT_BINARY_DIR) + "/src/cli/cirt " + args +
                    " --endpoint-url " + endpoint_);
  }
  std::string Read(const std::string& rel) {
    auto bytes = ReadWholeFile((out_ / rel).string());
    return bytes.ok() ? *bytes : "<missing>";
  }
  Json ReadJson(const std::string& rel) { return Json::parse(Read(rel), nullptr, false); }

  // IAM users with keys, two instances, a detector, Security Hub findings.
  void SeedAccount() {
    for (const char* user : {"alice", "bob"}) {
      AwsJson(std::string("iam create-user --user-name ") + user);
      AwsJson(std::string("iam create-access-key --user-name ") + user);
    }
    std::string ami = AwsJson(
        "ec2 describe-images --owners amazon --filters Name=name,Values=amzn2*")["Images"][0]
                                                                                ["ImageId"];
    Json run = AwsJson("ec2 run-instances --count 2 --instance-type t3.micro --image-id " + ami);
    for (const auto& i : run["Instances"]) instance_ids_.insert(i["InstanceId"].get<std::string>());
    ASSERT_EQ(instance_ids_.size(), 2u);
    detector_ = AwsJson("guardduty create-detector --enable")["DetectorId"];
    AwsJson("securityhub enable-security-hub");
    asff_ = CorpusAsffFindings();
    ASSERT_EQ(asff_.size(), 2u);
    aws::ClientOptions options;
    options.region = "us-east-1";
    options.endpoints = aws::EndpointResolver::ForUrl(endpoint_);
    options.retry.max_attempts = 1;
    aws::Client client(options, creds_, transport_);
    auto imported = client.Call(aws::MakeRestJsonRequest("securityhub", "POST", "/findings/import",
                                                         {}, Json{{"Findings", asff_}}));
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    ASSERT_EQ(Json::parse(imported->body)["SuccessCount"], 2) << imported->body;
  }

  // Every ok entry's file matches its hash and size; returns entries.
  std::vector<ManifestEntry> CheckManifest(
      const std::string& collector = "arn:aws:sts::123456789012:user/moto") {
    auto manifest = Manifest::Load(out_.string());
    EXPECT_TRUE(manifest.ok()) << manifest.status().ToString();
    if (!manifest.ok()) return {};
    for (const auto& e : manifest->entries()) {
      EXPECT_EQ(e.collector_arn, collector);
      if (e.status != EntryStatus::kOk) continue;
      std::string bytes = Read(e.path);
      EXPECT_EQ(e.sha256, Sha256Hex(bytes)) << e.path;
      EXPECT_EQ(e.size, bytes.size()) << e.path;
    }
    return manifest->entries();
  }

  testing::TempDir dir_;
  fs::path out_ = dir_.path() / "evidence";
  std::string endpoint_;
  std::set<std::string> instance_ids_;
  std::string detector_;
  Json asff_;
  aws::CurlTransport transport_{
      aws::CurlOptions{.connect_timeout = std::chrono::milliseconds(2000),
                       .total_timeout = std::chrono::milliseconds(30000)}};
  aws::StaticCredentialsProvider creds_{
      aws::Credentials{.access_key_id = "testing", .secret_access_key = aws::Secret("testing")}};
};

TEST_F(AccountMotoTest, CollectAllTakesTrailFindingsIamAndEc2AndARerunOnlyWhatChanged) {
  SeedAccount();
  // A trail and one CloudTrail object in the real layout under its prefix.
  testing::TrailBuilder trail(dir_.path() / "seed", "ir-trail-logs");
  trail.Build(/*hours=*/1, /*logs_per_hour=*/1);
  AwsJson("s3api create-bucket --bucket ir-trail-logs");
  AwsJson(
      "cloudtrail create-trail --name ir-trail --s3-bucket-name ir-trail-logs "
      "--s3-key-prefix ir --is-multi-region-trail --enable-log-file-validation");
  const auto& log = trail.logs()[0];
  AwsJson("s3api put-object --bucket ir-trail-logs --key ir/" + log.key + " --body " +
          log.path.string());

  auto [rc, out] = Cirt(
      "collect all -q --regions us-east-1 --start 2024-05-01 --end "
      "2024-05-01T01:00:00Z --out " +
      out_.string());
  std::string stderr_text = LastStderr();
  // Exit 1: moto's missing GuardDuty ListFindings and CloudTrail ListPublicKeys are recorded.
  EXPECT_EQ(rc, 1) << stderr_text;
  EXPECT_NE(stderr_text.find("guardduty:ListFindings (us-east-1): HTTP 404"), std::string::npos)
      << stderr_text;

  // CloudTrail: the bucket and prefix came from DescribeTrails.
  EXPECT_EQ(ReadJson("cloudtrail/trails.json")["trailList"][0]["S3KeyPrefix"], "ir");
  EXPECT_EQ(Read("ir-trail-logs/ir/" + log.key), log.bytes);
  // Findings: the detector, and both corpus findings as Security Hub returns them.
  EXPECT_EQ(ReadJson("findings/guardduty/us-east-1/detectors.json")["detectorIds"],
            Json::array({detector_}));
  Json sh = ReadJson("findings/securityhub/us-east-1.json");
  ASSERT_EQ(sh["Findings"].size(), 2u) << Read("findings/securityhub/us-east-1.json");
  std::set<std::string> ids;
  for (const auto& f : sh["Findings"]) ids.insert(f["Id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{asff_[0]["Id"], asff_[1]["Id"]}));
  // IAM: both users in the authorization details and the credential report.
  Json details = ReadJson("iam/account-authorization-details.json");
  std::set<std::string> users;
  for (const auto& u : details["UserDetailList"]) users.insert(u["UserName"].get<std::string>());
  EXPECT_EQ(users, (std::set<std::string>{"alice", "bob"}));
  std::string csv = Read("iam/credential-report.csv");
  EXPECT_EQ(csv.rfind("user,arn,user_creation_time,", 0), 0u) << csv;
  EXPECT_NE(csv.find("\nalice,arn:aws:iam::123456789012:user/alice,"), std::string::npos) << csv;
  // EC2: both instances, their security group and network interfaces.
  std::set<std::string> seen;
  Json instances = ReadJson("ec2/us-east-1/instances.json");
  for (const auto& r : instances["reservationSet"])
    for (const auto& i : r["instancesSet"]) seen.insert(i["instanceId"].get<std::string>());
  EXPECT_EQ(seen, instance_ids_);
  EXPECT_GE(ReadJson("ec2/us-east-1/security-groups.json")["securityGroupInfo"].size(), 1u);
  EXPECT_GE(ReadJson("ec2/us-east-1/network-interfaces.json")["networkInterfaceSet"].size(), 2u);

  auto entries = CheckManifest();
  std::map<std::string, std::string> ops;  // path -> service:operation
  bool list_findings_failed = false;
  for (const auto& e : entries) {
    if (e.status == EntryStatus::kOk) ops[e.path] = e.source.service + ":" + e.source.operation;
    if (e.source.operation == "ListFindings") {
      list_findings_failed = e.status == EntryStatus::kError;
      EXPECT_EQ(Json::parse(e.source.request)["detectorId"], detector_);
    }
  }
  EXPECT_TRUE(list_findings_failed);
  EXPECT_EQ(ops["ec2/us-east-1/instances.json"], "ec2:DescribeInstances");
  EXPECT_EQ(ops["findings/securityhub/us-east-1.json"], "securityhub:GetFindings");
  EXPECT_EQ(ops["iam/credential-report.csv"], "iam:GetCredentialReport");
  EXPECT_EQ(ops["cloudtrail/trails.json"], "cloudtrail:DescribeTrails");
  EXPECT_EQ(ops["ir-trail-logs/ir/" + log.key], "s3:GetObject");
  EXPECT_EQ(
      ShellRun(std::string(CIRT_BINARY_DIR) + "/src/cli/cirt verify --manifest " + out_.string())
          .first,
      0)
      << LastStderr();

  // Second run of the API collectors: nothing changed, nothing written.
  size_t before = entries.size();
  for (const char* what : {"findings", "iam", "ec2"}) {
    auto again =
        Cirt(std::string("collect ") + what + " --regions us-east-1 --out " + out_.string());
    EXPECT_NE(LastStderr().find(" 0 files written"), std::string::npos)
        << what << ": " << LastStderr();
    EXPECT_EQ(again.first, std::string(what) == "findings" ? 1 : 0) << LastStderr();
  }
  EXPECT_EQ(CheckManifest().size(), before + 1);  // + ListFindings, failing again

  // A state change: one instance stopped -> a new instances snapshot beside the first.
  AwsJson("ec2 stop-instances --instance-ids " + *instance_ids_.begin());
  ASSERT_EQ(Cirt("collect ec2 --regions us-east-1 --out " + out_.string()).first, 0)
      << LastStderr();
  std::vector<std::string> snapshots;
  for (const auto& f : fs::directory_iterator(out_ / "ec2/us-east-1"))
    if (f.path().filename().string().rfind("instances.", 0) == 0)
      snapshots.push_back(f.path().filename());
  ASSERT_EQ(snapshots.size(), 2u);
  std::sort(snapshots.begin(), snapshots.end());
  EXPECT_EQ(snapshots[1], "instances.json");
  std::string stamped = Read("ec2/us-east-1/" + snapshots[0]);
  EXPECT_NE(stamped.find("\"stopped\""), std::string::npos);
  EXPECT_EQ(Read("ec2/us-east-1/instances.json").find("\"stopped\""), std::string::npos);
  CheckManifest();
  EXPECT_EQ(
      ShellRun(std::string(CIRT_BINARY_DIR) + "/src/cli/cirt verify --manifest " + out_.string())
          .first,
      0);
}

TEST_F(AccountMotoTest, CollectCloudTrailFindsTheOrganisationTrailLayout) {
  testing::TrailBuilder trail(dir_.path() / "seed", "org-trail-logs");
  trail.Build(/*hours=*/2, /*logs_per_hour=*/1);
  AwsJson("s3api create-bucket --bucket org-trail-logs");
  AwsJson(
      "cloudtrail create-trail --name org-trail --s3-bucket-name org-trail-logs "
      "--s3-key-prefix org --is-multi-region-trail --is-organization-trail");
  // AWSLogs/<org-id>/<account>/...: an organisation trail's layout.
  std::vector<std::string> keys;
  for (const auto& log : trail.logs()) {
    std::string key = "org/AWSLogs/o-exampleorg1/" + log.key.substr(std::string("AWSLogs/").size());
    AwsJson("s3api put-object --bucket org-trail-logs --key " + key + " --body " +
            log.path.string());
    keys.push_back(key);
  }
  auto [rc, out] = Cirt("collect cloudtrail --start 2024-05-01 --end 2024-05-01T02:00:00Z --out " +
                        out_.string());
  EXPECT_EQ(rc, 1) << LastStderr();  // ListPublicKeys: moto 500, recorded
  EXPECT_NE(LastStderr().find("trail org-trail (organisation): s3://org-trail-logs/org"),
            std::string::npos)
      << LastStderr();
  for (size_t i = 0; i < keys.size(); ++i)
    EXPECT_EQ(Read("org-trail-logs/" + keys[i]), trail.logs()[i].bytes) << keys[i];
  CheckManifest();
  // No trail at all: a clear message, nothing collected.
  ASSERT_EQ(ShellRun("curl -sf -X POST " + endpoint_ + "/moto-api/reset").first, 0);
  testing::TempDir other;
  auto none =
      ShellRun(std::string(CIRT_BINARY_DIR) + "/src/cli/cirt collect cloudtrail --endpoint-url " +
               endpoint_ + " --out " + other.path().string());
  EXPECT_EQ(none.first, 1);
  EXPECT_NE(LastStderr().find("no trail with an S3 bucket"), std::string::npos) << LastStderr();
}

// moto's auth mode: the IAM policy of the user is enforced and our SigV4
// signatures are checked. REST-JSON GETs (GuardDuty ListDetectors) get
// false 403s there, so findings are not collected in this mode.
class AuthMode {
 public:
  explicit AuthMode(const std::string& endpoint) : endpoint_(endpoint) { on_ = Post("0"); }
  ~AuthMode() {
    if (on_) Post("inf");
  }
  bool on() const { return on_; }

 private:
  bool Post(const char* body) {
    return ShellRun("curl -sf -X POST -H 'Content-Type: text/plain' --data " + std::string(body) +
                    " " + endpoint_ + "/moto-api/reset-auth")
               .first == 0;
  }
  std::string endpoint_;
  bool on_ = false;
};

TEST_F(AccountMotoTest, DeniedCallsAreRecordedAndTheRestIsCollected) {
  AwsJson("iam create-user --user-name responder");
  AwsJson(
      "iam put-user-policy --user-name responder --policy-name partial --policy-document "
      "'{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":["
      "\"sts:GetCallerIdentity\",\"iam:GetAccountAuthorizationDetails\","
      "\"ec2:DescribeSecurityGroups\",\"ec2:DescribeNetworkInterfaces\"],\"Resource\":\"*\"}]}'");
  Json key = AwsJson("iam create-access-key --user-name responder")["AccessKey"];
  std::string env = "AWS_ACCESS_KEY_ID=" + key["AccessKeyId"].get<std::string>() +
                    " AWS_SECRET_ACCESS_KEY=" + key["SecretAccessKey"].get<std::string>();
  {
    AuthMode auth(endpoint_);
    ASSERT_TRUE(auth.on());
    auto ec2 = Cirt("collect ec2 --regions us-east-1 --out " + out_.string(), env);
    EXPECT_EQ(ec2.first, 1) << LastStderr();
    EXPECT_NE(LastStderr().find("ec2:DescribeInstances (us-east-1): HTTP 403 AccessDenied"),
              std::string::npos)
        << LastStderr();
    auto iam = Cirt("collect iam --out " + out_.string(), env);
    EXPECT_EQ(iam.first, 1) << LastStderr();
    // A wrong secret is refused by moto's signature check: nothing but failures.
    auto forged = Cirt("collect ec2 --regions us-east-1 --out " + (dir_.path() / "forged").string(),
                       env + "x");
    EXPECT_EQ(forged.first, 1);
    EXPECT_NE(LastStderr().find("AuthFailure"), std::string::npos) << LastStderr();
  }
  EXPECT_TRUE(fs::exists(out_ / "ec2/us-east-1/security-groups.json"));
  EXPECT_TRUE(fs::exists(out_ / "ec2/us-east-1/network-interfaces.json"));
  EXPECT_FALSE(fs::exists(out_ / "ec2/us-east-1/instances.json"));
  EXPECT_TRUE(fs::exists(out_ / "iam/account-authorization-details.json"));
  EXPECT_FALSE(fs::exists(out_ / "iam/credential-report.csv"));
  std::map<std::string, const ManifestEntry*> denied;
  auto entries = CheckManifest("arn:aws:iam::123456789012:user/responder");
  for (const auto& e : entries)
    if (e.status == EntryStatus::kDenied) denied[e.source.operation] = &e;
  ASSERT_EQ(denied.size(), 2u);
  ASSERT_TRUE(denied.contains("DescribeInstances"));
  EXPECT_NE(
      denied["DescribeInstances"]->error.find("not authorized to perform: ec2:DescribeInstances"),
      std::string::npos);
  ASSERT_TRUE(denied.contains("GetCredentialReport"));
  // verify --manifest: denials are notices, the collected files verify.
  EXPECT_EQ(
      ShellRun(std::string(CIRT_BINARY_DIR) + "/src/cli/cirt verify --manifest " + out_.string())
          .first,
      0);
}

}  // namespace
}  // namespace cirt::collect
