// src/collect/digest.h
// CloudTrail digest files (awsdocs cloudtrail-log-file-validation-digest-
// file-structure): the parsed fields, the data-signing string, and where
// digest and log files sit in the trail bucket layout.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cirt::collect {

struct DigestLogFile {
  std::string s3_bucket;
  std::string s3_object;
  std::string hash_value;      // hex SHA-256 of the *uncompressed* log file
  std::string hash_algorithm;  // "SHA-256"
  std::string newest_event_time;
  std::string oldest_event_time;
};

struct Digest {
  std::string aws_account_id;
  std::string digest_start_time;  // "2015-08-17T14:01:31Z"
  std::string digest_end_time;
  std::string digest_s3_bucket;
  std::string digest_s3_object;
  std::string public_key_fingerprint;  // digestPublicKeyFingerprint (hex)
  std::string signature_algorithm;     // "SHA256withRSA"
  // Null in a starting digest (the first of a chain).
  std::optional<std::string> previous_digest_s3_bucket;
  std::optional<std::string> previous_digest_s3_object;
  std::optional<std::string> previous_digest_hash_value;
  std::optional<std::string> previous_digest_hash_algorithm;
  std::optional<std::string> previous_digest_signature;
  std::vector<DigestLogFile> log_files;
};

// Parses the uncompressed digest JSON. Errors: kCorrupt (not JSON, not an
// object, or a required field (digestPublicKeyFingerprint, digestS3Bucket,
// digestS3Object, digestEndTime, digestStartTime, previousDigestSignature
// (may be null), logFiles) missing or of the wrong type). Never throws.
Result<Digest> ParseDigest(std::string_view json);

// The data-signing string: digestEndTime, "bucket/object", hex SHA-256 of
// the uncompressed digest, and the previous digest's signature (the literal
// "null" in a starting digest, as CloudTrail's Java signer writes it),
// joined by '\n'.
std::string DigestStringToSign(const Digest& digest, std::string_view digest_sha256_hex);

// Where a key sits in the trail layout "[prefix/]AWSLogs/[o-id/]<acct>/
// CloudTrail[-Digest]/<region>/YYYY/MM/DD/<file>".
struct TrailKey {
  enum class Kind { kLog, kDigest, kOther };
  Kind kind = Kind::kOther;
  std::string scope;      // "[prefix/]AWSLogs/[o-id/]<acct>/<region>": log and digest agree
  std::string stream;     // digests: the file name without its timestamp (one trail's chain)
  std::string timestamp;  // "YYYYMMDDTHHMMSSZ" from the file name (logs: seconds 00)
};

// Classifies `key` (a bucket-relative S3 key or a local relative path).
// Only ".json.gz" files under CloudTrail/ and CloudTrail-Digest/ count.
TrailKey ClassifyTrailKey(std::string_view key);

// "2015-08-17T14:01:31Z" -> "20150817T140131Z" (comparable with
// TrailKey::timestamp); "" when `iso` is not of that form.
std::string CompactTimestamp(std::string_view iso);

}  // namespace cirt::collect
