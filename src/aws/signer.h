// src/aws/signer.h
// AWS Signature Version 4, the one implementation in cirt: header signing
// (Authorization) and query signing (presigned URLs). Pure functions of the
// request, the credentials and an injected timestamp: nothing here reads the
// clock or the environment. Verified against both published copies of the
// AWS SigV4 test suite (signer_test.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credentials_value.h"
#include "aws/request.h"
#include "core/result.h"

namespace cirt::aws {

// How the payload enters the signature.
enum class PayloadSigning : uint8_t {
  kHash,                // hex(SHA-256(body)) in the canonical request only
  kHashWithHeader,      // same, and send/sign x-amz-content-sha256 (S3)
  kUnsignedWithHeader,  // "UNSIGNED-PAYLOAD" + x-amz-content-sha256 (S3)
};

struct SigningParams {
  std::string region;   // credential-scope region, e.g. "us-east-1"
  std::string service;  // signing name, e.g. "iam", "s3"
  // Signing time. Callers inject it (tests pass the suite's timestamp).
  std::chrono::system_clock::time_point time{};
  // true (every service but S3): remove dot segments, collapse "//", and
  // URI-encode the wire path again ("double encoding"). false (S3): keep
  // the path literally and encode it once.
  bool normalize_path = true;
  PayloadSigning payload = PayloadSigning::kHash;
  // false: X-Amz-Security-Token is added after signing and left out of the
  // signature (the suite's post-sts-header-after). Default: signed.
  bool sign_session_token = true;
};

// The intermediate values, for tests and --debug.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // header value; empty for presigning
};

// Signs `request` in place for header authentication: sets X-Amz-Date,
// X-Amz-Security-Token (when the credentials carry a token),
// x-amz-content-sha256 (per params.payload) and Authorization.
// REQUIRES: a Host header is present. Errors: kInvalidArgument when Host or
// the access key is missing.
Result<SigningResult> SignRequest(Request& request,
                                  const Credentials& credentials,
                                  const SigningParams& params);

// Signs `request` in place for query authentication (a presigned URL):
// adds X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
// -Security-Token and -Signature to request.query. The payload hash is
// UNSIGNED-PAYLOAD for kUnsignedWithHeader, else the body hash; no
// x-amz-content-sha256 header is added. Errors as SignRequest.
Result<SigningResult> PresignRequest(Request& request,
                                     const Credentials& credentials,
                                     const SigningParams& params,
                                     std::chrono::seconds expires);

// The canonical URI for a wire path (see SigningParams::normalize_path).
std::string CanonicalUri(std::string_view wire_path, bool normalize);

// "20150830T123600Z" for `time` (UTC).
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace cirt::aws
