#include "collect/digest.h"

#include <nlohmann/json.hpp>

namespace cirt::collect {

namespace {

using Json = nlohmann::json;

// Reads string member `name`; required members must be present and strings.
Status GetString(const Json& object, const char* name, bool required, std::string* out) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Status::Corrupt(std::string("digest has no ") + name);
    return Status::Ok();
  }
  if (!it->is_string())
    return Status::Corrupt(std::string("digest field ") + name + " is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

// A member that is a string or null ("previous*" fields of a starting digest).
Status GetNullable(const Json& object, const char* name, bool required,
                   std::optional<std::string>* out) {
  auto it = object.find(name);
  if (it == object.end()) {
    if (required) return Status::Corrupt(std::string("digest has no ") + name);
    return Status::Ok();
  }
  if (it->is_null()) return Status::Ok();
  if (!it->is_string())
    return Status::Corrupt(std::string("digest field ") + name + " is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Result<Digest> ParseDigest(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corrupt("digest is not valid JSON");
  if (!j.is_object()) return Status::Corrupt("digest is not a JSON object");
  Digest d;
  CIRT_RETURN_IF_ERROR(GetString(j, "awsAccountId", false, &d.aws_account_id));
  CIRT_RETURN_IF_ERROR(GetString(j, "digestStartTime", true, &d.digest_start_time));
  CIRT_RETURN_IF_ERROR(GetString(j, "digestEndTime", true, &d.digest_end_time));
  CIRT_RETURN_IF_ERROR(GetString(j, "digestS3Bucket", true, &d.digest_s3_bucket));
  CIRT_RETURN_IF_ERROR(GetString(j, "digestS3Object", true, &d.digest_s3_object));
  CIRT_RETURN_IF_ERROR(GetString(j, "digestPublicKeyFingerprint", true, &d.public_key_fingerprint));
  CIRT_RETURN_IF_ERROR(GetString(j, "digestSignatureAlgorithm", false, &d.signature_algorithm));
  CIRT_RETURN_IF_ERROR(
      GetNullable(j, "previousDigestS3Bucket", false, &d.previous_digest_s3_bucket));
  CIRT_RETURN_IF_ERROR(
      GetNullable(j, "previousDigestS3Object", false, &d.previous_digest_s3_object));
  CIRT_RETURN_IF_ERROR(
      GetNullable(j, "previousDigestHashValue", false, &d.previous_digest_hash_value));
  CIRT_RETURN_IF_ERROR(
      GetNullable(j, "previousDigestHashAlgorithm", false, &d.previous_digest_hash_algorithm));
  CIRT_RETURN_IF_ERROR(
      GetNullable(j, "previousDigestSignature", true, &d.previous_digest_signature));
  auto logs = j.find("logFiles");
  if (logs == j.end() || !logs->is_array()) return Status::Corrupt("digest has no logFiles array");
  for (const Json& entry : *logs) {
    if (!entry.is_object()) return Status::Corrupt("digest logFiles entry is not an object");
    DigestLogFile f;
    CIRT_RETURN_IF_ERROR(GetString(entry, "s3Bucket", true, &f.s3_bucket));
    CIRT_RETURN_IF_ERROR(GetString(entry, "s3Object", true, &f.s3_object));
    CIRT_RETURN_IF_ERROR(GetString(entry, "hashValue", true, &f.hash_value));
    CIRT_RETURN_IF_ERROR(GetString(entry, "hashAlgorithm", true, &f.hash_algorithm));
    CIRT_RETURN_IF_ERROR(GetString(entry, "newestEventTime", false, &f.newest_event_time));
    CIRT_RETURN_IF_ERROR(GetString(entry, "oldestEventTime", false, &f.oldest_event_time));
    d.log_files.push_back(std::move(f));
  }
  return d;
}

std::string DigestStringToSign(const Digest& digest, std::string_view digest_sha256_hex) {
  std::string s;
  s += digest.digest_end_time;
  s += '\n';
  s += digest.digest_s3_bucket;
  s += '/';
  s += digest.digest_s3_object;
  s += '\n';
  s += digest_sha256_hex;
  s += '\n';
  s += digest.previous_digest_signature.value_or("null");
  return s;
}

TrailKey ClassifyTrailKey(std::string_view key) {
  TrailKey out;
  constexpr std::string_view kGz = ".json.gz";
  if (key.size() <= kGz.size() || key.substr(key.size() - kGz.size()) != kGz) return out;
  std::string_view marker;
  size_t pos = std::string_view::npos;
  // A digest's folder is "/CloudTrail-Digest/", a log's "/CloudTrail/";
  // a key may also start with "AWSLogs/" directly (no prefix).
  for (std::string_view m :
       {std::string_view("/CloudTrail-Digest/"), std::string_view("/CloudTrail/")}) {
    size_t p = key.find(m);
    if (p != std::string_view::npos) {
      marker = m;
      pos = p;
      break;
    }
  }
  if (pos == std::string_view::npos) return out;
  bool digest = marker == "/CloudTrail-Digest/";
  std::string_view rest = key.substr(pos + marker.size());  // region/YYYY/MM/DD/file
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return out;
  std::string_view region = rest.substr(0, slash);
  std::string_view file = BaseName(rest);
  std::string_view stem = file.substr(0, file.size() - kGz.size());
  if (digest) {
    // <acct>_CloudTrail-Digest_<region>_<trail>_<home>_<YYYYMMDDTHHmmssZ>[_backfill]
    constexpr std::string_view kBackfill = "_backfill";
    if (stem.size() > kBackfill.size() && stem.substr(stem.size() - kBackfill.size()) == kBackfill)
      stem.remove_suffix(kBackfill.size());
    size_t us = stem.rfind('_');
    if (us == std::string_view::npos) return out;
    std::string_view ts = stem.substr(us + 1);
    if (ts.size() != 16 || ts[8] != 'T' || !IsDigits(ts.substr(0, 8)) ||
        !IsDigits(ts.substr(9, 6)) || ts[15] != 'Z')
      return out;
    out.kind = TrailKey::Kind::kDigest;
    out.timestamp = std::string(ts);
    out.stream = std::string(key.substr(0, pos)) + "/" + std::string(stem.substr(0, us));
  } else {
    // <acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>
    size_t last = stem.rfind('_');
    if (last == std::string_view::npos || last == 0) return out;
    size_t prev = stem.rfind('_', last - 1);
    if (prev == std::string_view::npos) return out;
    std::string_view ts = stem.substr(prev + 1, last - prev - 1);
    if (ts.size() != 14 || ts[8] != 'T' || !IsDigits(ts.substr(0, 8)) ||
        !IsDigits(ts.substr(9, 4)) || ts[13] != 'Z')
      return out;
    out.kind = TrailKey::Kind::kLog;
    out.timestamp = std::string(ts.substr(0, 13)) + "00Z";
  }
  out.scope = std::string(key.substr(0, pos)) + "/" + std::string(region);
  return out;
}

std::string CompactTimestamp(std::string_view iso) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (iso.size() < 20 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
      iso[16] != ':' || iso.back() != 'Z')
    return "";
  std::string out;
  for (size_t i = 0; i < 19; ++i) {
    char c = iso[i];
    if (c == '-' || c == ':') continue;
    out.push_back(c);
  }
  out.push_back('Z');
  return out;
}

}  // namespace cirt::collect
