// src/collect/crypto.h
// The cryptography CloudTrail integrity validation needs, over OpenSSL:
// SHA-256, hex, base64, RSA public keys in every encoding a responder meets
// (PEM, base64 DER as ListPublicKeys returns it, raw DER; PKCS#1
// RSAPublicKey or SubjectPublicKeyInfo) and SHA256withRSA verification.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "io/sha256.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace cirt::collect {

// SHA-256 and hex live in io/sha256.h (shared with store/).
using io::HexEncode;
using io::Sha256;
using io::Sha256Hex;

// Errors: kCorrupt for odd length or a non-hex character. Case-insensitive.
Result<std::string> HexDecode(std::string_view hex);
// Standard alphabet; whitespace ignored. Errors: kCorrupt.
Result<std::string> Base64Decode(std::string_view text);

// An RSA public key. Move-only; thread-safe for concurrent Verify calls.
class PublicKey {
 public:
  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  ~PublicKey();

  // Accepts PEM ("BEGIN PUBLIC KEY" or "BEGIN RSA PUBLIC KEY"), base64 of
  // DER, or DER; DER may be PKCS#1 RSAPublicKey or SubjectPublicKeyInfo.
  // Errors: kCorrupt when none of these parses, kUnsupported for a non-RSA key.
  static Result<PublicKey> Parse(std::string_view text_or_der);

  // The CloudTrail fingerprints this key can go by: hex MD5 of its PKCS#1
  // DER and of its SubjectPublicKeyInfo DER (ListPublicKeys' Fingerprint is
  // the MD5 of the Value bytes, and the documented samples use both forms).
  std::vector<std::string> Fingerprints() const;

  // True when `signature` is a valid RSA PKCS#1 v1.5 signature with SHA-256
  // over `message` (CloudTrail's SHA256withRSA).
  bool VerifySha256Rsa(std::string_view message, std::string_view signature) const;

 private:
  explicit PublicKey(EVP_PKEY* key) : key_(key) {}
  EVP_PKEY* key_ = nullptr;
};

}  // namespace cirt::collect
