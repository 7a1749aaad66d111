// src/collect/verify.h
// Offline CloudTrail integrity validation of a collected trail folder, the
// algorithm of awsdocs "Custom implementations of CloudTrail log file
// integrity validation" (what `aws cloudtrail validate-logs` does online):
// each digest's SHA256withRSA signature, the previousDigestSignature chain,
// and each log file's SHA-256 (of its uncompressed bytes) against its digest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cirt::collect {

// What a finding is about.
enum class CheckKind : uint8_t { kDigest, kLogFile, kChain, kManifest, kFile };

// The outcome of one check. Names (VerdictName) are a contract for scripts.
enum class Verdict : uint8_t {
  kValid,             // verified
  kInvalidSignature,  // digest: RSA signature does not verify
  kInvalidFormat,     // not gzip / not a digest / unsupported algorithm
  kMoved,             // digest is not where its digestS3Object says
  kNoPublicKey,       // no key with the digest's fingerprint
  kNoSignature,       // no sidecar and no next digest carrying its signature
  kChanged,           // log file (or manifest entry): hash differs
  kMissing,           // log file / manifest file not in the folder
  kExtra,             // log file inside the digests' time range not covered by any
  kChainGap,          // a digest the chain points to is missing
  kChainMismatch,     // next digest's previousDigestSignature/HashValue disagrees
  kChainStart,        // notice: chain starts (or restarts) here
  kNotCovered,        // notice: log file outside every digest's time range
  kDenied,            // notice: manifest records a denied call (nothing collected)
};

std::string_view CheckKindName(CheckKind kind);
std::string_view VerdictName(Verdict verdict);
// Inverse of VerdictName. Errors: kInvalidArgument.
Result<Verdict> ParseVerdict(std::string_view name);
// True for verdicts that make a verification fail (everything but kValid
// and the notices kChainStart, kNotCovered, kDenied).
bool IsFailure(Verdict verdict);

struct Finding {
  CheckKind kind = CheckKind::kDigest;
  Verdict verdict = Verdict::kValid;
  std::string location;  // "s3://bucket/key" when known, else the relative path
  std::string path;      // local file, "" when there is none
  std::string detail;    // human explanation ("" for valid)
};

struct VerifyTotals {
  size_t digests = 0, digests_valid = 0;
  size_t log_files = 0, log_files_valid = 0;
  size_t files = 0, files_valid = 0;  // manifest mode
  size_t failures = 0, notices = 0;
};

struct VerifyResult {
  std::vector<Finding> findings;
  VerifyTotals totals;
  bool ok() const { return totals.failures == 0; }
};

// The sidecar collect writes next to each digest file: "<file>.metadata.json",
// {"bucket": "...", "key": "...", "etag": "...", "metadata": {"signature":
// "<hex>", "signature-algorithm": "SHA256withRSA"}} (S3 user metadata, names
// lower-cased without "x-amz-meta-").
inline constexpr std::string_view kSidecarSuffix = ".metadata.json";
// The public keys collect saves in the folder (see LoadPublicKeysJson).
inline constexpr std::string_view kPublicKeysFile = "public-keys.json";

struct TrailVerifyOptions {
  std::string dir;  // holds the bucket layout, at any depth
  // Key files: PEM, base64 DER, DER, or ListPublicKeys JSON. Added to
  // <dir>/public-keys.json when that exists.
  std::vector<std::string> public_key_files;
  // Threads hashing log files (0 = hardware concurrency, at most 16).
  unsigned jobs = 0;
};

// Verifies every digest file under `dir` and the log files they list, and
// reports log files no digest covers. Per-file problems are findings, not
// errors. Errors: kNotFound (dir), kInvalidArgument (unreadable or
// unparsable key file or public-keys.json). Thread-compatible.
Result<VerifyResult> VerifyTrailFolder(const TrailVerifyOptions& options);

}  // namespace cirt::collect
