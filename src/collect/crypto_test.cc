#include "collect/crypto.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collect/corpus_util.h"
#include "collect/public_keys.h"
#include "collect/testing_trail.h"

namespace cirt::collect {
namespace {

TEST(Crypto, Sha256OfKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 sha;
  sha.Update("a");
  sha.Update("bc");
  EXPECT_EQ(sha.FinishHex(), Sha256Hex("abc"));
}

TEST(Crypto, HexRoundTripAndErrors) {
  EXPECT_EQ(HexEncode("\x01\xab\xff"), "01abff");
  EXPECT_EQ(HexDecode("01ABff").value(), "\x01\xab\xff");
  EXPECT_EQ(HexDecode("abc").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(HexDecode("zz").status().code(), ErrorCode::kCorrupt);
}

TEST(Crypto, Base64DecodesPaddingAndWhitespace) {
  EXPECT_EQ(Base64Decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(Base64Decode("aGVs\nbG8h").value(), "hello!");
  EXPECT_EQ(Base64Decode("a$==").status().code(), ErrorCode::kCorrupt);
}

// The three sample keys of the custom-validation page: two are PKCS#1
// RSAPublicKey DER, one SubjectPublicKeyInfo; each page fingerprint is the
// MD5 of the key's own encoding, so both must be computed.
TEST(Crypto, DocSampleKeysMatchTheirFingerprints) {
  std::string block =
      testing::CodeBlockAfter("cloudtrail-log-file-custom-validation.md", " **Sample Response**");
  ASSERT_FALSE(block.empty());
  auto j = nlohmann::json::parse(block);
  ASSERT_EQ(j["publicKeyList"].size(), 3u);
  for (const auto& entry : j["publicKeyList"]) {
    Result<PublicKey> key = PublicKey::Parse(entry["Value"].get<std::string>());
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    std::vector<std::string> fingerprints = key->Fingerprints();
    EXPECT_NE(std::find(fingerprints.begin(), fingerprints.end(),
                        entry["Fingerprint"].get<std::string>()),
              fingerprints.end())
        << entry["Fingerprint"];
  }
  PublicKeyStore store;
  ASSERT_TRUE(store.LoadJson(block).ok());
  EXPECT_NE(store.Find("31E8B5433410DFB61A9DC45CC65B22FF"), nullptr);
  EXPECT_EQ(store.Find("00000000000000000000000000000000"), nullptr);
}

TEST(Crypto, ParsesPemAndDerAndVerifiesSignatures) {
  const auto& test_key = testing::TestKey::Get();
  std::string signature = test_key.Sign("message");
  for (const std::string& encoding : {test_key.PublicPem(), test_key.PublicDerPkcs1(),
                                      testing::Base64(test_key.PublicDerPkcs1())}) {
    Result<PublicKey> key = PublicKey::Parse(encoding);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_TRUE(key->VerifySha256Rsa("message", signature));
    EXPECT_FALSE(key->VerifySha256Rsa("messagE", signature));
  }
  Result<PublicKey> other = PublicKey::Parse(testing::TestKey::Get(1).PublicPem());
  EXPECT_FALSE(other->VerifySha256Rsa("message", signature));
  EXPECT_EQ(PublicKey::Parse("not a key").status().code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cirt::collect
