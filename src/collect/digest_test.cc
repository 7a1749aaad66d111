#include "collect/digest.h"

#include <gtest/gtest.h>

#include "collect/corpus_util.h"

namespace cirt::collect {
namespace {

constexpr char kPage[] = "cloudtrail-log-file-validation-digest-file-structure.md";

TEST(Digest, ParsesTheDocumentedSampleUnchanged) {
  std::string text = testing::CodeBlockAfter(kPage, "## Sample digest file contents");
  ASSERT_FALSE(text.empty());
  Result<Digest> d = ParseDigest(text);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->aws_account_id, "111122223333");
  EXPECT_EQ(d->digest_end_time, "2015-08-17T15:01:31Z");
  EXPECT_EQ(d->digest_s3_bucket, "S3-bucket-name");
  EXPECT_EQ(d->public_key_fingerprint, "31e8b5433410dfb61a9dc45cc65b22ff");
  EXPECT_EQ(d->signature_algorithm, "SHA256withRSA");
  ASSERT_TRUE(d->previous_digest_signature.has_value());
  EXPECT_EQ(d->previous_digest_signature->size(), 512u);
  ASSERT_EQ(d->log_files.size(), 1u);
  EXPECT_EQ(d->log_files[0].hash_value,
            "9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6");
  EXPECT_EQ(d->log_files[0].hash_algorithm, "SHA-256");

  TrailKey digest_key = ClassifyTrailKey(d->digest_s3_object);
  EXPECT_EQ(digest_key.kind, TrailKey::Kind::kDigest);
  EXPECT_EQ(digest_key.timestamp, "20150817T150131Z");
  EXPECT_EQ(digest_key.scope, "AWSLogs/111122223333/us-east-2");
  TrailKey log_key = ClassifyTrailKey(d->log_files[0].s3_object);
  EXPECT_EQ(log_key.kind, TrailKey::Kind::kLog);
  EXPECT_EQ(log_key.timestamp, "20150817T144500Z");
  EXPECT_EQ(log_key.scope, digest_key.scope);
  EXPECT_EQ(ClassifyTrailKey(*d->previous_digest_s3_object).stream, digest_key.stream);
}

TEST(Digest, ParsesTheDocumentedEmptyDigest) {
  std::string text = testing::CodeBlockAfter(kPage, "## 'Empty' digest files");
  Result<Digest> d = ParseDigest(text);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->log_files.empty());
  EXPECT_EQ(d->digest_start_time, "2015-08-20T17:01:31Z");
}

TEST(Digest, StartingDigestSignsTheLiteralNull) {
  Result<Digest> d = ParseDigest(R"({"digestStartTime":"2015-08-17T14:01:31Z",
    "digestEndTime":"2015-08-17T15:01:31Z","digestS3Bucket":"b","digestS3Object":"k",
    "digestPublicKeyFingerprint":"ab","previousDigestSignature":null,"logFiles":[]})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->previous_digest_signature.has_value());
  EXPECT_EQ(DigestStringToSign(*d, "00ff"), "2015-08-17T15:01:31Z\nb/k\n00ff\nnull");
}

TEST(Digest, MissingRequiredFieldIsCorrupt) {
  Result<Digest> d = ParseDigest(R"({"digestEndTime":"x","logFiles":[]})");
  EXPECT_EQ(d.status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseDigest("[1]").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseDigest("{").status().code(), ErrorCode::kCorrupt);
  Result<Digest> wrong_type = ParseDigest(R"({"digestStartTime":1,"digestEndTime":"x",
    "digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"ab",
    "previousDigestSignature":null,"logFiles":[]})");
  EXPECT_EQ(wrong_type.status().code(), ErrorCode::kCorrupt);
}

TEST(Digest, ClassifiesOrganizationBackfillAndOtherKeys) {
  TrailKey org = ClassifyTrailKey(
      "p/AWSLogs/o-abc123/111122223333/CloudTrail-Digest/eu-west-1/2024/05/01/"
      "111122223333_CloudTrail-Digest_eu-west-1_org_us-east-1_20240501T010203Z_backfill.json.gz");
  EXPECT_EQ(org.kind, TrailKey::Kind::kDigest);
  EXPECT_EQ(org.scope, "p/AWSLogs/o-abc123/111122223333/eu-west-1");
  EXPECT_EQ(org.timestamp, "20240501T010203Z");
  EXPECT_EQ(ClassifyTrailKey("AWSLogs/1/CloudTrail-Insight/us-east-1/2024/05/01/x.json.gz").kind,
            TrailKey::Kind::kOther);
  EXPECT_EQ(ClassifyTrailKey("manifest.json").kind, TrailKey::Kind::kOther);
  EXPECT_EQ(CompactTimestamp("2015-08-17T14:01:31Z"), "20150817T140131Z");
  EXPECT_EQ(CompactTimestamp("yesterday"), "");
}

}  // namespace
}  // namespace cirt::collect
