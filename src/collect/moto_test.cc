// End-to-end tests of `cirt collect cloudtrail` and `cirt verify` against
// moto_server (ctest -L moto, serial). Start one with
// tests/moto/run-moto.sh start PORT and export
// CIRT_MOTO_ENDPOINT=http://127.0.0.1:PORT; without it every test FAILS.
// The trail bucket is seeded with the AWS CLI (s3api put-object, digests
// with --metadata signature=...), as CloudTrail itself would write it.
// moto does not implement cloudtrail ListPublicKeys (HTTP 500): collect
// records the failure in the manifest and these tests pass the test key
// with --public-key (the request shape is unit-tested in
// cloudtrail_service_test.cc).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/transport.h"
#include "collect/cloudtrail_collect.h"
#include "collect/local_files.h"
#include "collect/manifest.h"
#include "aws/testing_moto.h"
#include "collect/testing_trail.h"
#include "collect/verify.h"

namespace cirt::collect {
namespace {

namespace fs = std::filesystem;
using testing::TrailBuilder;

constexpr char kBucket[] = "ir-trail-bucket";

// Runs a shell command; returns its exit code and stdout.
std::pair<int, std::string> Shell(const std::string& command) {
  auto run = aws::testing::RunShell(command, "/tmp/cirt-collect-moto-stderr.log");
  return {run.rc, run.out};
}

class CollectMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = aws::testing::MotoEndpoint();
    ASSERT_EQ(aws::testing::MotoEndpointProblem(endpoint_), "");
    aws::testing::UseMotoEnvironment(dir_.path());
    ASSERT_EQ(Aws("--version").first, 0) << "the AWS CLI is needed to seed moto";
    ASSERT_EQ(Shell("curl -sf -X POST " + endpoint_ + "/moto-api/reset").first, 0);
    trail_.Build(/*hours=*/3, /*logs_per_hour=*/1);
    ASSERT_EQ(Aws(std::string("s3api create-bucket --bucket ") + kBucket).first, 0);
    for (const auto& log : trail_.logs()) Put(log.key, log.path, "");
    for (const auto& digest : trail_.digests())
      Put(digest.key, digest.path,
          "signature=" + digest.signature_hex + ",signature-algorithm=SHA256withRSA");
    // Outside the range: another month.
    Put("AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/01/"
        "111122223333_CloudTrail_us-east-1_20240701T0005Z_outsiderangeabcd.json.gz",
        trail_.logs()[0].path, "");
    pem_ = (dir_.path() / "test-key.pem").string();
    testing::WriteFile(pem_, testing::TestKey::Get().PublicPem());
  }

  std::pair<int, std::string> Aws(const std::string& args) {
    return Shell("aws --endpoint-url " + endpoint_ + " " + args);
  }

  void Put(const std::string& key, const fs::path& body, const std::string& metadata) {
    std::string command = std::string("s3api put-object --bucket ") + kBucket + " --key " + key +
                          " --body " + body.string();
    if (!metadata.empty()) command += " --metadata " + metadata;
    ASSERT_EQ(Aws(command).first, 0) << command;
  }

  aws::ClientOptions Options() {
    aws::ClientOptions options;
    options.region = "us-east-1";
    options.endpoints = aws::EndpointResolver::ForUrl(endpoint_);
    options.retry.max_attempts = 1;  // moto's 500s are final answers
    return options;
  }

  CloudTrailCollectOptions Collect() {
    CloudTrailCollectOptions o;
    o.bucket = kBucket;
    o.start = aws_time("2024-05-01T00:00:00Z");
    o.end = aws_time("2024-05-01T03:00:00Z");
    o.out_dir = out_.string();
    o.jobs = 4;
    o.command = "test";
    return o;
  }

  static std::chrono::system_clock::time_point aws_time(const char* iso) {
    std::tm tm{};
    strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::chrono::system_clock::from_time_t(timegm(&tm));
  }

  static std::string Cirt() { return std::string(CIRT_BINARY_DIR) + "/src/cli/cirt"; }

  testing::TempDir dir_;
  fs::path out_ = dir_.path() / "evidence";
  TrailBuilder trail_{dir_.path() / "seed", kBucket};
  std::string endpoint_;
  std::string pem_;
  aws::CurlTransport transport_{
      aws::CurlOptions{.connect_timeout = std::chrono::milliseconds(2000),
                       .total_timeout = std::chrono::milliseconds(30000)}};
  aws::StaticCredentialsProvider creds_{
      aws::Credentials{.access_key_id = "testing", .secret_access_key = aws::Secret("testing")}};
};

TEST_F(CollectMotoTest, CollectsVerifiesAndSkipsUnchanged) {
  aws::Client client(Options(), creds_, transport_);
  Result<CollectStats> stats = CollectCloudTrail(client, Collect());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->listed, 6u);
  EXPECT_EQ(stats->downloaded, 6u);
  EXPECT_EQ(stats->denied, 0u);
  // moto: ListPublicKeys is not implemented (500), recorded and not fatal.
  EXPECT_EQ(stats->errors, 1u);
  ASSERT_EQ(stats->problems.size(), 1u);
  EXPECT_NE(stats->problems[0].find("ListPublicKeys"), std::string::npos);

  // Bytes exactly as stored; digest metadata in the sidecar.
  for (const auto& object : trail_.logs())
    EXPECT_EQ(ReadWholeFile((out_ / kBucket / object.key).string()).value(), object.bytes);
  for (const auto& digest : trail_.digests()) {
    EXPECT_EQ(ReadWholeFile((out_ / kBucket / digest.key).string()).value(), digest.bytes);
    auto sidecar = nlohmann::json::parse(
        ReadWholeFile((out_ / kBucket / digest.key).string() + ".metadata.json").value());
    EXPECT_EQ(sidecar["metadata"]["signature"], digest.signature_hex);
    EXPECT_EQ(sidecar["key"], digest.key);
  }
  EXPECT_FALSE(fs::exists(out_ / kBucket / "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07"));

  // The manifest: one entry per file (6 objects + 3 sidecars) and the failure.
  Result<Manifest> manifest = Manifest::Load(out_.string());
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  auto entries = manifest->entries();
  ASSERT_EQ(entries.size(), 10u);
  size_t ok = 0;
  for (const auto& e : entries) {
    if (e.status != EntryStatus::kOk) {
      EXPECT_EQ(e.source.operation, "ListPublicKeys");
      continue;
    }
    ++ok;
    EXPECT_EQ(e.source.service, "s3");
    EXPECT_EQ(e.source.bucket, kBucket);
    EXPECT_EQ(e.collector_arn, "arn:aws:sts::123456789012:user/moto");
    EXPECT_FALSE(e.source.etag.empty());
    EXPECT_EQ(e.collected_at.size(), 20u);
    std::string bytes = ReadWholeFile((out_ / e.path).string()).value();
    EXPECT_EQ(e.sha256, Sha256Hex(bytes));
    EXPECT_EQ(e.size, bytes.size());
  }
  EXPECT_EQ(ok, 9u);
  ASSERT_EQ(manifest->runs().size(), 1u);
  EXPECT_EQ(manifest->runs()[0].collector.account, "123456789012");

  // Offline verification, library and CLI.
  Result<VerifyResult> manifest_check = VerifyManifest(out_.string());
  ASSERT_TRUE(manifest_check.ok());
  EXPECT_TRUE(manifest_check->ok());
  Result<VerifyResult> trail_check = VerifyTrailFolder({out_.string(), {pem_}});
  ASSERT_TRUE(trail_check.ok());
  EXPECT_TRUE(trail_check->ok());
  EXPECT_EQ(trail_check->totals.digests_valid, 3u);
  EXPECT_EQ(trail_check->totals.log_files_valid, 3u);
  EXPECT_EQ(Shell(Cirt() + " verify --manifest " + out_.string()).first, 0);
  EXPECT_EQ(Shell(Cirt() + " verify " + out_.string() + " --public-key " + pem_).first, 0);
  EXPECT_EQ(Shell(Cirt() + " verify " + out_.string()).first, 1);  // no key: unverifiable
  EXPECT_EQ(Shell(Cirt() + " verify --bogus " + out_.string()).first, 2);

  // A second run downloads nothing.
  Result<CollectStats> again = CollectCloudTrail(client, Collect());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->downloaded, 0u);
  EXPECT_EQ(again->unchanged, 6u);
  EXPECT_EQ(Manifest::Load(out_.string())->entries().size(), 11u);  // + the ListPublicKeys failure

  // A changed object in the bucket is downloaded again.
  Put(trail_.logs()[1].key, trail_.logs()[0].path, "");
  Result<CollectStats> third = CollectCloudTrail(client, Collect());
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->downloaded, 1u);
  // ... and verify now sees the log that differs from its digest.
  EXPECT_EQ(Shell(Cirt() + " verify --manifest " + out_.string()).first, 0);
  auto [rc, jsonl] = Shell(Cirt() + " verify -f jsonl " + out_.string() + " --public-key " + pem_);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(jsonl.find("\"status\":\"changed\""), std::string::npos) << jsonl;

  // Editing a collected file breaks the manifest check.
  testing::WriteFile(out_ / kBucket / trail_.logs()[2].key, "edited");
  EXPECT_EQ(Shell(Cirt() + " verify --manifest " + out_.string()).first, 1);
}

TEST_F(CollectMotoTest, CliCollectsWithGlobalFlags) {
  std::string command = Cirt() + " collect cloudtrail -q --endpoint-url " + endpoint_ +
                        " --region us-east-1 --bucket " + kBucket +
                        " --start 2024-05-01 --end 2024-05-01T03:00:00Z --regions us-east-1"
                        " --accounts 111122223333 --out " +
                        out_.string();
  // Exit 1: moto's ListPublicKeys failure is recorded (not fatal).
  EXPECT_EQ(Shell(command).first, 1);
  EXPECT_EQ(Shell(Cirt() + " verify --manifest " + out_.string()).first, 0);
  EXPECT_EQ(Shell(Cirt() + " verify " + out_.string() + " --public-key " + pem_).first, 0);
  EXPECT_EQ(
      Shell(Cirt() + " collect cloudtrail --bucket b --out " + out_.string() + " --start yesterday")
          .first,
      2);
}

// A denied GetObject. moto's auth mode cannot provide it: its signature
// check rejects every S3 list request whose query holds a '/' (prefix=AWSLogs/),
// botocore's as well as ours (SignatureDoesNotMatch), so an IAM deny on one
// object cannot be reached through a listing. The denial is injected at the
// Transport seam instead; every other call goes to moto.
class DenyingTransport : public aws::Transport {
 public:
  DenyingTransport(aws::Transport& inner, std::string denied_path)
      : inner_(inner), denied_path_(std::move(denied_path)) {}
  Result<aws::Response> Send(const aws::Request& request, const std::string& url) override {
    if (request.method == "GET" && url.find(denied_path_) != std::string::npos) {
      return aws::Response{403,
                           {{"x-amz-request-id", "DENIED1"}},
                           "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
                           "<RequestId>DENIED1</RequestId></Error>"};
    }
    return inner_.Send(request, url);
  }

 private:
  aws::Transport& inner_;
  std::string denied_path_;
};

TEST_F(CollectMotoTest, AccessDeniedIsRecordedAndTheRunGoesOn) {
  const std::string denied_key = trail_.logs()[1].key;
  DenyingTransport denying(transport_, std::string("/") + kBucket + "/" + denied_key);
  aws::Client client(Options(), creds_, denying);
  Result<CollectStats> stats = CollectCloudTrail(client, Collect());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  std::string problems;
  for (const auto& p : stats->problems) problems += p + "\n";
  EXPECT_EQ(stats->denied, 1u) << problems;
  EXPECT_EQ(stats->downloaded, 5u);
  Result<Manifest> manifest = Manifest::Load(out_.string());
  ASSERT_TRUE(manifest.ok());
  auto latest = manifest->LatestFor(kBucket, denied_key);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->status, EntryStatus::kDenied);
  EXPECT_NE(latest->error.find("AccessDenied"), std::string::npos) << latest->error;
  EXPECT_NE(latest->error.find("DENIED1"), std::string::npos) << latest->error;
  // verify: the denial is a notice for --manifest, a missing log for the digests.
  EXPECT_EQ(Shell(Cirt() + " verify --manifest " + out_.string()).first, 0);
  EXPECT_EQ(Shell(Cirt() + " verify " + out_.string() + " --public-key " + pem_).first, 1);
  // The next run (access granted again) fetches what was denied.
  aws::Client granted(Options(), creds_, transport_);
  Result<CollectStats> again = CollectCloudTrail(granted, Collect());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->downloaded, 1u);
  EXPECT_EQ(Shell(Cirt() + " verify " + out_.string() + " --public-key " + pem_).first, 0);
}

}  // namespace
}  // namespace cirt::collect
