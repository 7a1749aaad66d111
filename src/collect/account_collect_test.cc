// CollectAccount, DiscoverTrail/ChooseTrail and ParseJsonArgument over a
// FakeTransport that answers like the services do (routing on the signed
// service and region), so that files, manifest entries, denials and re-runs
// are checked without a network.
#include "collect/account_collect.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>

#include "aws/credentials.h"
#include "aws/transport.h"
#include "collect/collect_all.h"
#include "collect/crypto.h"
#include "collect/local_files.h"
#include "collect/manifest.h"
#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr char kIdentity[] =
    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ir"
    "</Arn><UserId>AID</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    "</GetCallerIdentityResponse>";

// "us-east-1/ec2" from the credential scope of the Authorization header.
std::string Scope(const aws::Request& r) {
  std::string auth = aws::FindHeader(r.headers, "Authorization").value_or("");
  size_t end = auth.find("/aws4_request");
  size_t service = auth.rfind('/', end - 1);
  size_t region = auth.rfind('/', service - 1);
  return auth.substr(region + 1, end - region - 1);
}

std::string FormValue(const std::string& body, const std::string& name) {
  size_t at = body.find(name + "=");
  if (at == std::string::npos) return "";
  size_t end = body.find('&', at);
  return aws::UriDecode(body.substr(at + name.size() + 1,
                                    end == std::string::npos ? end : end - at - name.size() - 1));
}

// The account the fake services describe. Mutable between runs.
struct FakeAccount {
  std::string security_group_name = "web";
  bool deny_eu_instances = true;
  std::atomic<int> calls{0};

  Result<aws::Response> Answer(const aws::Request& r) {
    ++calls;
    std::string scope = Scope(r);
    std::string action = FormValue(r.body, "Action");
    if (scope.ends_with("/sts")) return aws::Response{200, {}, kIdentity};
    if (scope.ends_with("/iam")) {
      if (action == "GetAccountAuthorizationDetails")
        return aws::Response{
            200,
            {},
            R"(<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult>
          <IsTruncated>false</IsTruncated><UserDetailList><member><UserName>alice</UserName><Arn>arn:aws:iam::123456789012:user/alice</Arn></member></UserDetailList>
          <GroupDetailList/><RoleDetailList/><Policies/></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>)"};
      if (action == "GenerateCredentialReport")
        return aws::Response{200,
                             {},
                             "<R><GenerateCredentialReportResult><State>COMPLETE</State></"
                             "GenerateCredentialReportResult></R>"};
      if (action ==
          "GetCredentialReport")  // "user,arn\nalice,arn:aws:iam::123456789012:user/alice\n"
        return aws::Response{200,
                             {},
                             "<R><GetCredentialReportResult><Content>"
                             "dXNlcixhcm4KYWxpY2UsYXJuOmF3czppYW06OjEyMzQ1Njc4OTAxMjp1c2VyL2FsaWNlC"
                             "g==</Content></GetCredentialReportResult></R>"};
    }
    if (scope.ends_with("/ec2")) {
      std::string region = scope.substr(0, scope.find('/'));
      if (action == "DescribeRegions")
        return aws::Response{
            200,
            {},
            "<R><regionInfo><item><regionName>us-east-1</regionName></"
            "item><item><regionName>eu-west-1</regionName></item></regionInfo></R>"};
      if (action == "DescribeInstances") {
        if (region == "eu-west-1" && deny_eu_instances)
          return aws::Response{
              403,
              {},
              "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not "
              "authorized to perform this "
              "operation.</Message></Error></Errors><RequestID>deny-1</RequestID></Response>"};
        return aws::Response{200,
                             {},
                             "<R><reservationSet><item><reservationId>r-1</"
                             "reservationId><instancesSet><item><instanceId>i-" +
                                 region +
                                 "</instanceId></item></instancesSet></item></reservationSet></R>"};
      }
      if (action == "DescribeSecurityGroups")
        return aws::Response{200,
                             {},
                             "<R><securityGroupInfo><item><groupId>sg-1</groupId><groupName>" +
                                 security_group_name +
                                 "</groupName></item></securityGroupInfo></R>"};
      if (action == "DescribeNetworkInterfaces")
        return aws::Response{200, {}, "<R><networkInterfaceSet/></R>"};
    }
    if (scope.ends_with("/guardduty")) {
      std::string region = scope.substr(0, scope.find('/'));
      if (r.path == "/detector")
        return aws::Response{
            200,
            {},
            region == "us-east-1" ? R"({"detectorIds":["det1"]})" : R"({"detectorIds":[]})"};
      if (r.path == "/detector/det1/findings")
        return aws::Response{200, {}, R"({"findingIds":["f2","f1"]})"};
      if (r.path == "/detector/det1/findings/get")
        return aws::Response{
            200,
            {},
            R"({"findings":[{"id":"f2","type":"Recon:EC2/Portscan","severity":2},{"id":"f1","type":"Backdoor:EC2/C&CActivity.B","severity":8}]})"};
    }
    if (scope.ends_with("/securityhub"))
      return aws::Response{
          200,
          {},
          R"({"Findings":[{"Id":"sh-1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty","Severity":{"Label":"HIGH"}}]})"};
    if (scope.ends_with("/cloudtrail"))
      return aws::Response{
          200,
          {},
          R"({"trailList":[{"Name":"t","S3BucketName":"b","S3KeyPrefix":"p","IsOrganizationTrail":true}]})"};
    return aws::Response{404, {}, "<html>no route</html>"};
  }
};

class AccountCollectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport_.SetHandler(
        [this](const aws::Request& r, const std::string&) { return account_.Answer(r); });
  }
  aws::ClientOptions Options() {
    aws::ClientOptions options;
    options.region = "us-east-1";
    options.endpoints = aws::EndpointResolver::ForUrl("http://127.0.0.1:1");
    options.retry.max_attempts = 1;
    return options;
  }
  AccountCollectOptions Collect() {
    AccountCollectOptions o;
    o.findings = o.iam = o.ec2 = true;
    o.out_dir = dir_.path().string();
    o.command = "test";
    o.now = [this] { return now_; };
    o.report_wait.sleep = [](std::chrono::milliseconds) {};
    return o;
  }
  std::string Read(const std::string& rel) {
    auto bytes = ReadWholeFile((dir_.path() / rel).string());
    return bytes.ok() ? *bytes : "<missing>";
  }

  testing::TempDir dir_;
  FakeAccount account_;
  aws::FakeTransport transport_;
  aws::StaticCredentialsProvider creds_{
      aws::Credentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = aws::Secret("secret")}};
  std::chrono::system_clock::time_point now_ =
      std::chrono::sys_days(std::chrono::year(2026) / 1 / 1);
};

TEST_F(AccountCollectTest, CollectsEveryRegionRecordsTheDenialAndSkipsUnchangedOnRerun) {
  aws::Client client(Options(), creds_, transport_);
  auto stats = CollectAccount(client, Collect());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_EQ(stats->denied, 1u);
  EXPECT_EQ(stats->errors, 0u);
  EXPECT_EQ(stats->guardduty_findings, 2u);
  EXPECT_EQ(stats->securityhub_findings, 2u);  // one per region
  EXPECT_EQ(stats->instances, 1u);
  EXPECT_EQ(stats->iam_users, 1u);
  // regions.json, 2 x (detectors, sh, sgs, enis), det1, instances us-east-1, 2 iam files.
  EXPECT_EQ(stats->written, 13u);

  EXPECT_EQ(Read("iam/credential-report.csv"),
            "user,arn\nalice,arn:aws:iam::123456789012:user/alice\n");
  Json gd = Json::parse(Read("findings/guardduty/us-east-1/det1.json"));
  ASSERT_EQ(gd["findings"].size(), 2u);
  EXPECT_EQ(gd["findings"][0]["id"], "f1");  // sorted by id
  EXPECT_EQ(Json::parse(Read("findings/guardduty/eu-west-1/detectors.json"))["detectorIds"],
            Json::array());
  EXPECT_EQ(Json::parse(Read("findings/securityhub/eu-west-1.json"))["Findings"][0]["Id"], "sh-1");
  EXPECT_EQ(
      Json::parse(Read(
          "ec2/us-east-1/instances.json"))["reservationSet"][0]["instancesSet"][0]["instanceId"],
      "i-us-east-1");
  EXPECT_EQ(
      Json::parse(Read("ec2/eu-west-1/security-groups.json"))["securityGroupInfo"][0]["groupName"],
      "web");
  EXPECT_EQ(Json::parse(Read("ec2/regions.json"))["regionInfo"].size(), 2u);
  EXPECT_FALSE(fs::exists(dir_.path() / "ec2/eu-west-1/instances.json"));
  EXPECT_EQ(
      Json::parse(Read("iam/account-authorization-details.json"))["UserDetailList"][0]["UserName"],
      "alice");

  auto manifest = Manifest::Load(dir_.path().string());
  ASSERT_TRUE(manifest.ok());
  size_t denied = 0;
  for (const auto& e : manifest->entries()) {
    EXPECT_EQ(e.collector_arn, "arn:aws:iam::123456789012:user/ir");
    if (e.status == EntryStatus::kDenied) {
      ++denied;
      EXPECT_EQ(e.source.operation, "DescribeInstances");
      EXPECT_EQ(e.source.region, "eu-west-1");
      EXPECT_NE(e.error.find("UnauthorizedOperation"), std::string::npos);
      EXPECT_NE(e.error.find("deny-1"), std::string::npos);
      continue;
    }
    EXPECT_EQ(e.sha256, Sha256Hex(Read(e.path))) << e.path;
    EXPECT_EQ(e.size, Read(e.path).size());
    if (e.path == "findings/guardduty/us-east-1/det1.json") {
      EXPECT_EQ(e.source.service, "guardduty");
      EXPECT_EQ(Json::parse(e.source.request)["detectorId"], "det1");
    }
  }
  EXPECT_EQ(denied, 1u);
  ASSERT_EQ(manifest->runs().size(), 1u);
  EXPECT_EQ(manifest->runs()[0].collector.account, "123456789012");
  auto check = VerifyManifest(dir_.path().string());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());

  // Second run: the denial is lifted, one security group renamed.
  now_ += std::chrono::hours(2);
  account_.deny_eu_instances = false;
  account_.security_group_name = "web-quarantined";
  auto again = CollectAccount(client, Collect());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->written, 3u);  // eu instances + both regions' security groups
  EXPECT_EQ(again->unchanged, 11u);
  EXPECT_EQ(again->denied, 0u);
  EXPECT_EQ(Read("ec2/eu-west-1/security-groups.json").find("quarantined"), std::string::npos);
  EXPECT_NE(Read("ec2/eu-west-1/security-groups.20260101T020000Z.json").find("web-quarantined"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(dir_.path() / "ec2/eu-west-1/instances.json"));
  check = VerifyManifest(dir_.path().string());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
  EXPECT_EQ(Manifest::Load(dir_.path().string())->runs().size(), 2u);
}

TEST_F(AccountCollectTest, GivenRegionsSkipDescribeRegionsAndIamIsOnlyCollectedWhenAsked) {
  aws::Client client(Options(), creds_, transport_);
  AccountCollectOptions o = Collect();
  o.iam = false;
  o.findings = false;
  o.regions = {"us-east-1"};
  auto stats = CollectAccount(client, o);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->written, 3u);
  EXPECT_FALSE(fs::exists(dir_.path() / "ec2/regions.json"));
  EXPECT_FALSE(fs::exists(dir_.path() / "iam"));
  EXPECT_FALSE(fs::exists(dir_.path() / "findings"));
  for (const auto& sent : transport_.sent())
    EXPECT_EQ(FormValue(sent.request.body, "Action") == "DescribeRegions", false);
}

TEST_F(AccountCollectTest, BadOptionsStopBeforeAnyCall) {
  aws::Client client(Options(), creds_, transport_);
  AccountCollectOptions o = Collect();
  o.guardduty_criteria = Json::parse(R"({"severity":7})");
  EXPECT_EQ(CollectAccount(client, o).status().code(), ErrorCode::kInvalidArgument);
  o = Collect();
  o.securityhub_filters = Json::array();
  EXPECT_EQ(CollectAccount(client, o).status().code(), ErrorCode::kInvalidArgument);
  o = Collect();
  o.findings = o.iam = o.ec2 = false;
  EXPECT_EQ(CollectAccount(client, o).status().code(), ErrorCode::kInvalidArgument);
  o = Collect();
  o.regions = {"us-east-1", "../etc"};
  EXPECT_EQ(CollectAccount(client, o).status().code(), ErrorCode::kInvalidArgument);
  o = Collect();
  o.out_dir.clear();
  EXPECT_EQ(CollectAccount(client, o).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(account_.calls, 0);
}

TEST_F(AccountCollectTest, UnreachableServiceIsRecordedAndTheRunGoesOn) {
  transport_.SetHandler(
      [this](const aws::Request& r, const std::string& url) -> Result<aws::Response> {
        if (Scope(r).ends_with("/securityhub")) return Status::Network("connection refused");
        return account_.Answer(r);
      });
  aws::Client client(Options(), creds_, transport_);
  AccountCollectOptions o = Collect();
  o.regions = {"us-east-1"};
  auto stats = CollectAccount(client, o);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->errors, 1u);
  ASSERT_EQ(stats->problems.size(), 1u);
  EXPECT_NE(stats->problems[0].find("securityhub:GetFindings (us-east-1)"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_.path() / "ec2/us-east-1/instances.json"));
  EXPECT_FALSE(fs::exists(dir_.path() / "findings/securityhub"));
}

TEST_F(AccountCollectTest, AnUnusableRegionNameFromDescribeRegionsIsSkippedAndRecorded) {
  transport_.SetHandler([this](const aws::Request& r, const std::string&) -> Result<aws::Response> {
    if (FormValue(r.body, "Action") == "DescribeRegions")
      return aws::Response{
          200,
          {},
          "<R><regionInfo><item><regionName>us-east-1</regionName></item>"
          "<item><regionName>../../cirt-escape-probe</regionName></item></regionInfo></R>"};
    return account_.Answer(r);
  });
  aws::Client client(Options(), creds_, transport_);
  AccountCollectOptions o = Collect();
  o.iam = o.findings = false;
  auto stats = CollectAccount(client, o);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->regions, std::vector<std::string>{"us-east-1"});
  EXPECT_EQ(stats->errors, 1u);
  EXPECT_FALSE(fs::exists(dir_.path().parent_path() / "cirt-escape-probe"));
  for (const auto& e : Manifest::Load(dir_.path().string())->entries())
    EXPECT_EQ(e.path.find(".."), std::string::npos) << e.path;
}

TEST(ChooseTrail, PrefersOrganisationThenMultiRegionThenValidation) {
  Json trails = Json::parse(R"([
    {"Name":"b-local","S3BucketName":"local"},
    {"Name":"no-bucket","IsOrganizationTrail":true},
    {"Name":"multi","S3BucketName":"multi-logs","IsMultiRegionTrail":true,"LogFileValidationEnabled":true},
    {"Name":"org","S3BucketName":"org-logs","S3KeyPrefix":"ct","IsOrganizationTrail":true,"HomeRegion":"eu-west-1"}])");
  auto chosen = ChooseTrail(trails);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->name, "org");
  EXPECT_EQ(chosen->bucket, "org-logs");
  EXPECT_EQ(chosen->prefix, "ct");
  EXPECT_TRUE(chosen->organization);
  trails.erase(3);
  EXPECT_EQ(ChooseTrail(trails)->name, "multi");
  trails.erase(2);
  EXPECT_EQ(ChooseTrail(trails)->name, "b-local");
  trails.erase(0);
  EXPECT_FALSE(ChooseTrail(trails).has_value());
  EXPECT_FALSE(ChooseTrail(Json::object()).has_value());
  EXPECT_FALSE(ChooseTrail(Json::parse(R"([1,"x",null])")).has_value());
}

TEST_F(AccountCollectTest, DiscoverTrailSavesTheAnswerAndRecordsADenial) {
  aws::Client client(Options(), creds_, transport_);
  auto found = DiscoverTrail(client, dir_.path().string(), "test", [this] { return now_; });
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->trail.has_value());
  EXPECT_EQ(found->trail->bucket, "b");
  EXPECT_EQ(found->trail->prefix, "p");
  EXPECT_EQ(Json::parse(Read("cloudtrail/trails.json"))["trailList"][0]["Name"], "t");

  transport_.SetHandler([](const aws::Request&, const std::string&) -> Result<aws::Response> {
    return aws::Response{400,
                         {{"x-amzn-RequestId", "r9"}},
                         R"({"__type":"AccessDeniedException","message":"not allowed"})"};
  });
  auto denied = DiscoverTrail(client, dir_.path().string(), "test", [this] { return now_; });
  ASSERT_TRUE(denied.ok()) << denied.status().ToString();
  EXPECT_FALSE(denied->trail.has_value());
  EXPECT_TRUE(denied->failed);
  auto last = Manifest::Load(dir_.path().string())->entries().back();
  EXPECT_EQ(last.status, EntryStatus::kDenied);
  EXPECT_EQ(last.source.operation, "DescribeTrails");
}

TEST(ParseJsonArgument, TextFileAndErrors) {
  EXPECT_EQ(ParseJsonArgument(R"({"a":1})").value()["a"], 1);
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "c.json", R"({"Criterion":{"severity":{"Gte":7}}})");
  auto from_file = ParseJsonArgument("file://" + (dir.path() / "c.json").string());
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_file.value()["Criterion"]["severity"]["Gte"], 7);
  auto bad = ParseJsonArgument(R"({"a":})");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().context().offset.value_or(0), 6u);
  EXPECT_EQ(ParseJsonArgument("file:///nonexistent/x.json").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cirt::collect
