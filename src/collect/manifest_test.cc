#include "collect/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "collect/crypto.h"
#include "collect/local_files.h"
#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

namespace fs = std::filesystem;

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [rel, bytes] : files_) {
      testing::WriteFile(dir_.path() / rel, bytes);
      ManifestEntry e;
      e.path = rel;
      e.sha256 = Sha256Hex(bytes);
      e.size = bytes.size();
      e.source = {"s3", "GetObject", "us-east-1", "bucket", rel.substr(7), "\"etag\"", ""};
      e.collected_at = "2024-05-01T00:00:00Z";
      e.collector_arn = "arn:aws:sts::123456789012:user/moto";
      manifest_.Append(e);
    }
    ManifestEntry denied;
    denied.status = EntryStatus::kDenied;
    denied.source = {"s3", "GetObject", "us-east-1", "bucket", "secret.json.gz", "", ""};
    denied.error = "HTTP 403 AccessDenied: Access Denied";
    manifest_.Append(denied);
    manifest_.AddRun({"2024-05-01T00:00:00Z",
                      "2024-05-01T00:00:01Z",
                      "collect cloudtrail",
                      {"123456789012", "arn:aws:sts::123456789012:user/moto", "AID"}});
    ASSERT_TRUE(manifest_.Save(dir_.path().string()).ok());
  }

  VerifyResult Verify() {
    Result<VerifyResult> r = VerifyManifest(dir_.path().string());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : VerifyResult{};
  }

  static size_t Count(const VerifyResult& r, Verdict v) {
    size_t n = 0;
    for (const auto& f : r.findings) n += f.verdict == v;
    return n;
  }

  testing::TempDir dir_;
  Manifest manifest_;
  std::vector<std::pair<std::string, std::string>> files_ = {
      {"bucket/a.json.gz", "aaa"}, {"bucket/b.json.gz", "bbbb"}, {"bucket/c.json.gz", "c"}};
};

TEST_F(ManifestTest, RoundTripsAndVerifies) {
  Result<Manifest> loaded = Manifest::Load(dir_.path().string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->entries().size(), 4u);
  EXPECT_EQ(loaded->head(), manifest_.head());
  EXPECT_EQ(loaded->runs().size(), 1u);
  auto latest = loaded->LatestFor("bucket", "b.json.gz");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->source.etag, "\"etag\"");
  EXPECT_EQ(latest->size, 4u);
  VerifyResult r = Verify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.totals.files, 3u);
  EXPECT_EQ(r.totals.files_valid, 3u);
  EXPECT_EQ(Count(r, Verdict::kDenied), 1u);
}

TEST_F(ManifestTest, ChangedFileFails) {
  testing::WriteFile(dir_.path() / "bucket/b.json.gz", "bbbB");
  VerifyResult r = Verify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Count(r, Verdict::kChanged), 1u);
  testing::WriteFile(dir_.path() / "bucket/b.json.gz", "bbbbb");
  EXPECT_EQ(Count(Verify(), Verdict::kChanged), 1u);
}

TEST_F(ManifestTest, MissingAndExtraFilesFail) {
  fs::remove(dir_.path() / "bucket/a.json.gz");
  testing::WriteFile(dir_.path() / "bucket/new.json.gz", "x");
  VerifyResult r = Verify();
  EXPECT_EQ(Count(r, Verdict::kMissing), 1u);
  EXPECT_EQ(Count(r, Verdict::kExtra), 1u);
  EXPECT_EQ(r.totals.failures, 2u);
}

TEST_F(ManifestTest, EditedEntryBreaksTheChain) {
  // Someone updates the recorded hash to match a changed file.
  std::string path = (dir_.path() / "manifest.json").string();
  std::string text = ReadWholeFile(path).value();
  std::string old_hash = Sha256Hex("bbbb");
  text.replace(text.find(old_hash), old_hash.size(), Sha256Hex("bbbB"));
  testing::WriteFile(path, text);
  testing::WriteFile(dir_.path() / "bucket/b.json.gz", "bbbB");
  VerifyResult r = Verify();
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(Count(r, Verdict::kChainMismatch), 1u);
  EXPECT_EQ(Count(r, Verdict::kChanged), 0u);
}

TEST_F(ManifestTest, RemovedEntryBreaksTheChain) {
  std::string path = (dir_.path() / "manifest.json").string();
  auto j = nlohmann::json::parse(ReadWholeFile(path).value());
  j["entries"].erase(j["entries"].begin());
  testing::WriteFile(path, j.dump());
  VerifyResult r = Verify();
  EXPECT_GE(Count(r, Verdict::kChainMismatch), 1u);
  EXPECT_EQ(Count(r, Verdict::kExtra), 1u);  // a.json.gz is no longer listed
}

TEST(Manifest, MissingOrForeignManifestIsAnError) {
  testing::TempDir dir;
  EXPECT_EQ(VerifyManifest(dir.path().string()).status().code(), ErrorCode::kNotFound);
  testing::WriteFile(dir.path() / "manifest.json", "{\"format\":\"other\"}");
  EXPECT_EQ(VerifyManifest(dir.path().string()).status().code(), ErrorCode::kCorrupt);
}

TEST(Manifest, StatusNamesRoundTrip) {
  for (EntryStatus s : {EntryStatus::kOk, EntryStatus::kDenied, EntryStatus::kError})
    EXPECT_EQ(ParseEntryStatus(EntryStatusName(s)).value(), s);
  EXPECT_FALSE(ParseEntryStatus("nope").ok());
}

}  // namespace
}  // namespace cirt::collect
