// src/collect/testing_trail.h
// Test helper: builds a CloudTrail bucket layout in a temporary folder with
// log files and hourly digest files signed by the test's own RSA key, in the
// documented digest format (gzip, fields as in the awsdocs digest-file
// structure page) with collect's signature sidecar. Header-only, tests only.
#pragma once

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "collect/crypto.h"
#include "collect/digest.h"
#include "io/gzip.h"

namespace cirt::collect::testing {

// An RSA-2048 key pair (generated once per process per slot: key generation
// is the slow part of these tests).
class TestKey {
 public:
  static const TestKey& Get(int slot = 0) {
    static TestKey keys[2];
    return keys[slot];
  }
  EVP_PKEY* pkey() const { return key_.get(); }

  std::string Sign(std::string_view message) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get());
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()),
                   message.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(message.data()), message.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
  }
  // SubjectPublicKeyInfo PEM.
  std::string PublicPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key_.get());
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
  }
  // PKCS#1 RSAPublicKey DER (what ListPublicKeys returns, base64 in JSON).
  std::string PublicDerPkcs1() const {
    unsigned char* der = nullptr;
    int len = i2d_PublicKey(key_.get(), &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
  }

 private:
  TestKey() : key_(EVP_RSA_gen(2048), EVP_PKEY_free) {}
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key_;
};

inline std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

inline void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Files of one object as they are written to S3.
struct BuiltObject {
  std::string key;
  std::string bytes;           // as stored (gzip)
  std::string signature_hex;   // digests only
  std::filesystem::path path;  // local copy
};

// One trail: account 111122223333, us-east-1, trail "ir-trail", hourly
// digests starting 2024-05-01T00:00:00Z, each listing `logs_per_hour` logs.
class TrailBuilder {
 public:
  static constexpr char kAccount[] = "111122223333";
  static constexpr char kRegion[] = "us-east-1";

  TrailBuilder(std::filesystem::path root, std::string bucket, int key_slot = 0)
      : root_(std::move(root)), bucket_(std::move(bucket)), key_(TestKey::Get(key_slot)) {}

  const std::string& bucket() const { return bucket_; }
  std::filesystem::path bucket_dir() const { return root_ / bucket_; }
  const std::vector<BuiltObject>& logs() const { return logs_; }
  const std::vector<BuiltObject>& digests() const { return digests_; }

  // Builds `hours` digests (the first a starting digest) with `logs_per_hour`
  // log files each and writes everything under <root>/<bucket>/.
  void Build(int hours, int logs_per_hour) {
    std::string previous_signature;
    std::string previous_key;
    std::string previous_hash;
    for (int h = 0; h < hours; ++h) {
      nlohmann::ordered_json log_entries = nlohmann::ordered_json::array();
      for (int i = 0; i < logs_per_hour; ++i) {
        int minute = 5 + i * 10;
        std::string key = fmt::format(
            "AWSLogs/{0}/CloudTrail/{1}/2024/05/01/{0}_CloudTrail_{1}_20240501T{2:02d}{3:02d}Z_"
            "u{2:02d}{3:02d}abcdefghijk.json.gz",
            kAccount, kRegion, h, minute);
        std::string event_time = fmt::format("2024-05-01T{:02d}:{:02d}:00Z", h, minute - 1);
        std::string json = fmt::format(
            R"({{"Records":[{{"eventVersion":"1.08","eventTime":"{}","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.{}","recipientAccountId":"{}"}}]}})",
            event_time, h * 10 + i, kAccount);
        BuiltObject log{key, io::GzipCompress(json), "", bucket_dir() / key};
        log_entries.push_back({{"s3Bucket", bucket_},
                               {"s3Object", key},
                               {"hashValue", Sha256Hex(json)},
                               {"hashAlgorithm", "SHA-256"},
                               {"newestEventTime", event_time},
                               {"oldestEventTime", event_time}});
        logs_.push_back(std::move(log));
      }
      std::string end_ts = fmt::format("20240501T{:02d}0000Z", h + 1);
      std::string key = fmt::format(
          "AWSLogs/{0}/CloudTrail-Digest/{1}/2024/05/01/"
          "{0}_CloudTrail-Digest_{1}_ir-trail_{1}_{2}.json.gz",
          kAccount, kRegion, end_ts);
      nlohmann::ordered_json d;
      d["awsAccountId"] = kAccount;
      d["digestStartTime"] = fmt::format("2024-05-01T{:02d}:00:00Z", h);
      d["digestEndTime"] = fmt::format("2024-05-01T{:02d}:00:00Z", h + 1);
      d["digestS3Bucket"] = bucket_;
      d["digestS3Object"] = key;
      std::vector<std::string> fingerprints =
          PublicKey::Parse(key_.PublicDerPkcs1()).value().Fingerprints();
      d["digestPublicKeyFingerprint"] = fingerprints[0];
      d["digestSignatureAlgorithm"] = "SHA256withRSA";
      d["newestEventTime"] = nullptr;
      d["oldestEventTime"] = nullptr;
      auto nullable = [](const std::string& s) {
        return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
      };
      d["previousDigestS3Bucket"] = nullable(previous_key.empty() ? "" : bucket_);
      d["previousDigestS3Object"] = nullable(previous_key);
      d["previousDigestHashValue"] = nullable(previous_hash);
      d["previousDigestHashAlgorithm"] = nullable(previous_key.empty() ? "" : "SHA-256");
      d["previousDigestSignature"] = nullable(previous_signature);
      d["logFiles"] = log_entries;
      std::string json = d.dump();
      Result<Digest> parsed = ParseDigest(json);
      std::string hash = Sha256Hex(json);
      std::string signature = HexEncode(key_.Sign(DigestStringToSign(parsed.value(), hash)));
      digests_.push_back(BuiltObject{key, io::GzipCompress(json), signature, bucket_dir() / key});
      previous_signature = signature;
      previous_key = key;
      previous_hash = hash;
    }
    for (const auto& log : logs_) WriteFile(log.path, log.bytes);
    for (const auto& digest : digests_) {
      WriteFile(digest.path, digest.bytes);
      WriteSidecar(digest, digest.signature_hex);
    }
  }

  void WriteSidecar(const BuiltObject& digest, const std::string& signature_hex) const {
    nlohmann::ordered_json sidecar = {
        {"bucket", bucket_},
        {"key", digest.key},
        {"metadata", {{"signature", signature_hex}, {"signature-algorithm", "SHA256withRSA"}}}};
    WriteFile(digest.path.string() + std::string(".metadata.json"), sidecar.dump(2));
  }

  // public-keys.json at the root, as collect saves it.
  void WritePublicKeysJson() const {
    nlohmann::ordered_json keys = {
        {"regions",
         {{{"region", kRegion},
           {"PublicKeyList",
            {{{"Value", Base64(key_.PublicDerPkcs1())},
              {"Fingerprint",
               PublicKey::Parse(key_.PublicDerPkcs1()).value().Fingerprints()[0]}}}}}}}};
    WriteFile(root_ / "public-keys.json", keys.dump(2));
  }

 private:
  std::filesystem::path root_;
  std::string bucket_;
  const TestKey& key_;
  std::vector<BuiltObject> logs_;
  std::vector<BuiltObject> digests_;
};

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / fmt::format("cirt-collect-{:x}", rd());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cirt::collect::testing
