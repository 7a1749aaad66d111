#include "collect/verify.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

namespace fs = std::filesystem;
using testing::TrailBuilder;

class VerifyTrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    trail_.Build(/*hours=*/4, /*logs_per_hour=*/2);
    trail_.WritePublicKeysJson();
  }

  VerifyResult Verify(std::vector<std::string> key_files = {}) {
    Result<VerifyResult> r = VerifyTrailFolder({dir_.path().string(), std::move(key_files)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : VerifyResult{};
  }

  // The findings with `verdict`.
  static std::vector<Finding> With(const VerifyResult& r, Verdict verdict) {
    std::vector<Finding> out;
    for (const auto& f : r.findings)
      if (f.verdict == verdict) out.push_back(f);
    return out;
  }

  testing::TempDir dir_;
  TrailBuilder trail_{dir_.path(), "trail-bucket"};
};

TEST_F(VerifyTrailTest, AllValid) {
  VerifyResult r = Verify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.totals.digests, 4u);
  EXPECT_EQ(r.totals.digests_valid, 4u);
  EXPECT_EQ(r.totals.log_files, 8u);
  EXPECT_EQ(r.totals.log_files_valid, 8u);
  EXPECT_EQ(r.totals.failures, 0u);
  ASSERT_EQ(With(r, Verdict::kChainStart).size(), 1u);
  EXPECT_EQ(With(r, Verdict::kChainStart)[0].detail, "starting digest");
}

TEST_F(VerifyTrailTest, ValidFromTheBucketFolderToo) {
  Result<VerifyResult> r = VerifyTrailFolder(
      {trail_.bucket_dir().string(), {(dir_.path() / "public-keys.json").string()}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->totals.digests_valid, 4u);
}

TEST_F(VerifyTrailTest, TamperedLogFileIsChanged) {
  const auto& log = trail_.logs()[3];
  testing::WriteFile(log.path, io::GzipCompress(R"({"Records":[]})"));
  VerifyResult r = Verify();
  EXPECT_FALSE(r.ok());
  auto changed = With(r, Verdict::kChanged);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].kind, CheckKind::kLogFile);
  EXPECT_EQ(changed[0].location, "s3://trail-bucket/" + log.key);
  EXPECT_EQ(changed[0].detail, "hash value doesn't match");
  EXPECT_EQ(r.totals.digests_valid, 4u);
  EXPECT_EQ(r.totals.log_files_valid, 7u);
  EXPECT_EQ(r.totals.failures, 1u);
}

TEST_F(VerifyTrailTest, NonGzipLogFileIsChanged) {
  testing::WriteFile(trail_.logs()[0].path, "\x1f\x8b garbage");
  VerifyResult r = Verify();
  ASSERT_EQ(With(r, Verdict::kChanged).size(), 1u);
}

TEST_F(VerifyTrailTest, DeletedLogFileIsMissing) {
  fs::remove(trail_.logs()[5].path);
  VerifyResult r = Verify();
  EXPECT_FALSE(r.ok());
  auto missing = With(r, Verdict::kMissing);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].location, "s3://trail-bucket/" + trail_.logs()[5].key);
  EXPECT_EQ(r.totals.failures, 1u);
}

TEST_F(VerifyTrailTest, DeletedMiddleDigestIsAChainGap) {
  fs::remove(trail_.digests()[2].path);
  fs::remove(trail_.digests()[2].path.string() + ".metadata.json");
  VerifyResult r = Verify();
  EXPECT_FALSE(r.ok());
  auto gaps = With(r, Verdict::kChainGap);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].location, "s3://trail-bucket/" + trail_.digests()[2].key);
  // Its two log files are no longer covered by any digest, but lie inside
  // the time range the remaining digests span.
  EXPECT_EQ(With(r, Verdict::kExtra).size(), 2u);
  EXPECT_EQ(r.totals.digests_valid, 3u);
}

TEST_F(VerifyTrailTest, OldestDigestNotCollectedIsOnlyANotice) {
  fs::remove(trail_.digests()[0].path);
  VerifyResult r = Verify();
  EXPECT_EQ(With(r, Verdict::kChainGap).size(), 0u);
  auto starts = With(r, Verdict::kChainStart);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_NE(starts[0].detail.find("before the collected range"), std::string::npos);
  // The first hour's logs are now outside every digest: noticed, not failed.
  EXPECT_EQ(With(r, Verdict::kNotCovered).size(), 2u);
  EXPECT_TRUE(r.ok());
}

TEST_F(VerifyTrailTest, WrongSignatureIsInvalid) {
  std::string bad = trail_.digests()[1].signature_hex;
  bad[10] = bad[10] == '0' ? '1' : '0';
  trail_.WriteSidecar(trail_.digests()[1], bad);
  VerifyResult r = Verify();
  EXPECT_FALSE(r.ok());
  auto invalid = With(r, Verdict::kInvalidSignature);
  ASSERT_EQ(invalid.size(), 1u);
  EXPECT_EQ(invalid[0].location, "s3://trail-bucket/" + trail_.digests()[1].key);
  // The next digest carries the real signature: the sidecar disagrees with it.
  EXPECT_EQ(With(r, Verdict::kChainMismatch).size(), 1u);
}

TEST_F(VerifyTrailTest, EditedDigestFailsItsSignatureAndTheChain) {
  const auto& digest = trail_.digests()[1];
  io::Buffer plain;
  ASSERT_TRUE(io::Gunzip(digest.bytes, &plain).ok());
  std::string text(plain.view());
  text.replace(text.find("\"newestEventTime\":null"), 22, "\"newestEventTime\":\"x\"");
  testing::WriteFile(digest.path, io::GzipCompress(text));
  VerifyResult r = Verify();
  EXPECT_EQ(With(r, Verdict::kInvalidSignature).size(), 1u);
  ASSERT_EQ(With(r, Verdict::kChainMismatch).size(), 1u);
  EXPECT_NE(With(r, Verdict::kChainMismatch)[0].detail.find("previousDigestHashValue"),
            std::string::npos);
}

TEST_F(VerifyTrailTest, WrongKeyIsInvalidOrUnknown) {
  // Only another key, given on the command line: no key with the fingerprint.
  fs::remove(dir_.path() / "public-keys.json");
  fs::path other = dir_.path() / "other.pem";
  testing::WriteFile(other, testing::TestKey::Get(1).PublicPem());
  VerifyResult r = Verify({other.string()});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(With(r, Verdict::kNoPublicKey).size(), 4u);
}

TEST(VerifyTrail, DigestsSignedByAnotherKeyAreInvalid) {
  // Digests signed with key 1 but naming key 0's fingerprint.
  testing::TempDir dir;
  TrailBuilder signer(dir.path(), "trail-bucket", /*key_slot=*/1);
  signer.Build(2, 1);
  TrailBuilder keys(dir.path() / "keys", "unused", /*key_slot=*/0);
  fs::path pem = dir.path() / "key0.pem";
  testing::WriteFile(pem, testing::TestKey::Get(0).PublicPem());
  // Give key 0 the fingerprint the digests name (key 1's) via a key list.
  std::string fingerprint =
      PublicKey::Parse(testing::TestKey::Get(1).PublicDerPkcs1()).value().Fingerprints()[0];
  nlohmann::json list = {{"PublicKeyList",
                          {{{"Value", testing::Base64(testing::TestKey::Get(0).PublicDerPkcs1())},
                            {"Fingerprint", fingerprint}}}}};
  fs::path json = dir.path() / "keys.json";
  testing::WriteFile(json, list.dump());
  Result<VerifyResult> r = VerifyTrailFolder({dir.path().string(), {json.string()}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok());
  size_t invalid = 0;
  for (const auto& f : r->findings) invalid += f.verdict == Verdict::kInvalidSignature;
  EXPECT_EQ(invalid, 2u);
}

TEST_F(VerifyTrailTest, NewestDigestWithoutSidecarHasNoSignature) {
  fs::remove(trail_.digests()[3].path.string() + ".metadata.json");
  fs::remove(trail_.digests()[1].path.string() + ".metadata.json");
  VerifyResult r = Verify();
  // Digest 1 takes its signature from digest 2; digest 3 has none.
  auto none = With(r, Verdict::kNoSignature);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].location, "s3://trail-bucket/" + trail_.digests()[3].key);
  EXPECT_EQ(r.totals.digests_valid, 3u);
}

TEST_F(VerifyTrailTest, MovedDigestIsReported) {
  const auto& digest = trail_.digests()[0];
  // Same trail layout, another day's folder.
  fs::path moved = digest.path.parent_path().parent_path() / "02" / digest.path.filename();
  testing::WriteFile(moved, digest.bytes);
  fs::remove(digest.path);
  VerifyResult r = Verify();
  EXPECT_EQ(With(r, Verdict::kMoved).size(), 1u);
}

TEST_F(VerifyTrailTest, ExtraLogFileInsideTheRangeIsReported) {
  std::string key =
      "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"
      "111122223333_CloudTrail_us-east-1_20240501T0130Z_injectedabcdefgh.json.gz";
  testing::WriteFile(trail_.bucket_dir() / key, io::GzipCompress(R"({"Records":[]})"));
  VerifyResult r = Verify();
  auto extra = With(r, Verdict::kExtra);
  ASSERT_EQ(extra.size(), 1u);
  EXPECT_EQ(extra[0].location, "trail-bucket/" + key);
  EXPECT_FALSE(r.ok());
}

TEST_F(VerifyTrailTest, UnparsableKeyFileIsAnArgumentError) {
  fs::path bad = dir_.path() / "bad.pem";
  testing::WriteFile(bad, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  Result<VerifyResult> r = VerifyTrailFolder({dir_.path().string(), {bad.string()}});
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyTrailFolder({(dir_.path() / "nope").string(), {}}).status().code(),
            ErrorCode::kNotFound);
}

TEST(VerifyTrail, EmptyFolderFails) {
  testing::TempDir dir;
  Result<VerifyResult> r = VerifyTrailFolder({dir.path().string(), {}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok());
}

TEST(Verdicts, NamesRoundTrip) {
  for (int v = 0; v <= static_cast<int>(Verdict::kDenied); ++v) {
    Verdict verdict = static_cast<Verdict>(v);
    Result<Verdict> parsed = ParseVerdict(VerdictName(verdict));
    ASSERT_TRUE(parsed.ok()) << VerdictName(verdict);
    EXPECT_EQ(*parsed, verdict);
  }
  EXPECT_FALSE(IsFailure(Verdict::kValid));
  EXPECT_FALSE(IsFailure(Verdict::kNotCovered));
  EXPECT_TRUE(IsFailure(Verdict::kExtra));
  EXPECT_EQ(ParseVerdict("bogus").status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cirt::collect
