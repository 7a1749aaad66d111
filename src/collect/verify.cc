#include "collect/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "collect/crypto.h"
#include "collect/digest.h"
#include "collect/local_files.h"
#include "collect/parallel_hash.h"
#include "collect/public_keys.h"
#include "io/buffer.h"
#include "io/gzip.h"

namespace cirt::collect {

namespace {

struct VerdictEntry {
  Verdict verdict;
  std::string_view name;
};
constexpr VerdictEntry kVerdicts[] = {
    {Verdict::kValid, "valid"},
    {Verdict::kInvalidSignature, "invalid-signature"},
    {Verdict::kInvalidFormat, "invalid-format"},
    {Verdict::kMoved, "moved"},
    {Verdict::kNoPublicKey, "no-public-key"},
    {Verdict::kNoSignature, "no-signature"},
    {Verdict::kChanged, "changed"},
    {Verdict::kMissing, "missing"},
    {Verdict::kExtra, "extra"},
    {Verdict::kChainGap, "chain-gap"},
    {Verdict::kChainMismatch, "chain-mismatch"},
    {Verdict::kChainStart, "chain-start"},
    {Verdict::kNotCovered, "not-covered"},
    {Verdict::kDenied, "denied"},
};

constexpr std::string_view kCheckNames[] = {"digest", "log", "chain", "manifest", "file"};

// Decompresses gzip (whole stream, CRCs checked); other bytes are taken as
// they are (a log someone gunzipped is still comparable with its hash).
Result<std::string> Uncompressed(std::string bytes) {
  if (!io::IsGzip(bytes)) return bytes;
  io::Buffer out;
  CIRT_RETURN_IF_ERROR(io::Gunzip(bytes, &out));
  return std::string(out.view());
}

std::string S3Url(std::string_view bucket, std::string_view key) {
  return fmt::format("s3://{}/{}", bucket, key);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct DigestState {
  std::string rel;
  TrailKey trail;
  std::optional<Digest> digest;  // nullopt when unreadable
  std::string parse_error;
  std::string sha256;  // of the uncompressed digest
  std::optional<std::string> sidecar_signature;
  std::optional<size_t> successor;  // the digest whose previousDigestS3Object is this one
};

class Verifier {
 public:
  Verifier(const LocalFiles& files, const PublicKeyStore& keys, unsigned jobs)
      : files_(files), keys_(keys), jobs_(jobs) {}

  VerifyResult Run() {
    LoadDigests();
    HashLogs();
    LinkChain();
    std::vector<size_t> order(digests_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const auto& x = digests_[a].trail;
      const auto& y = digests_[b].trail;
      return std::tie(x.stream, x.timestamp, digests_[a].rel) <
             std::tie(y.stream, y.timestamp, digests_[b].rel);
    });
    for (size_t i : order) CheckDigest(i);
    CheckExtraLogs();
    if (digests_.empty()) {
      Add({CheckKind::kDigest, Verdict::kMissing, files_.root(), "",
           "no CloudTrail digest files (…/CloudTrail-Digest/…json.gz) in the folder"});
    }
    return std::move(result_);
  }

 private:
  void Add(Finding f) {
    if (IsFailure(f.verdict)) {
      ++result_.totals.failures;
    } else if (f.verdict != Verdict::kValid) {
      ++result_.totals.notices;
    }
    result_.findings.push_back(std::move(f));
  }

  void LoadDigests() {
    for (const std::string& rel : files_.paths()) {
      TrailKey tk = ClassifyTrailKey(rel);
      if (tk.kind == TrailKey::Kind::kLog) logs_.push_back(rel);
      if (tk.kind != TrailKey::Kind::kDigest) continue;
      DigestState state;
      state.rel = rel;
      state.trail = std::move(tk);
      Result<std::string> bytes = ReadWholeFile(files_.Absolute(rel));
      Result<std::string> plain =
          bytes.ok() ? Uncompressed(std::move(bytes).value()) : Result<std::string>(bytes.status());
      if (!plain.ok()) {
        state.parse_error = std::string(plain.status().message());
      } else {
        state.sha256 = Sha256Hex(*plain);
        Result<Digest> digest = ParseDigest(*plain);
        if (digest.ok()) {
          state.digest = std::move(digest).value();
        } else {
          state.parse_error = std::string(digest.status().message());
        }
      }
      state.sidecar_signature = ReadSidecarSignature(rel);
      if (state.digest) {
        by_location_[state.digest->digest_s3_bucket + "/" + state.digest->digest_s3_object] =
            digests_.size();
      }
      digests_.push_back(std::move(state));
    }
  }

  std::optional<std::string> ReadSidecarSignature(const std::string& rel) {
    Result<std::string> text = ReadWholeFile(files_.Absolute(rel + std::string(kSidecarSuffix)));
    if (!text.ok()) return std::nullopt;
    auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    const nlohmann::json* meta = &j;
    if (j.contains("metadata") && j["metadata"].is_object()) meta = &j["metadata"];
    for (const char* name : {"signature", "x-amz-meta-signature"}) {
      auto it = meta->find(name);
      if (it != meta->end() && it->is_string()) return it->get<std::string>();
    }
    return std::nullopt;
  }

  void LinkChain() {
    for (size_t i = 0; i < digests_.size(); ++i) {
      const auto& d = digests_[i].digest;
      if (!d || !d->previous_digest_s3_object) continue;
      auto it = by_location_.find(d->previous_digest_s3_bucket.value_or("") + "/" +
                                  *d->previous_digest_s3_object);
      if (it != by_location_.end() && !digests_[it->second].successor) {
        digests_[it->second].successor = i;
      }
    }
  }

  // True when an older digest of the same trail is in the folder.
  bool HasOlderInStream(const DigestState& s) const {
    for (const auto& other : digests_) {
      if (other.trail.stream == s.trail.stream && other.trail.timestamp < s.trail.timestamp)
        return true;
    }
    return false;
  }

  void CheckDigest(size_t index) {
    DigestState& s = digests_[index];
    ++result_.totals.digests;
    std::string path = files_.Absolute(s.rel);
    if (!s.digest) {
      Add({CheckKind::kDigest, Verdict::kInvalidFormat, s.rel, path, s.parse_error});
      return;
    }
    const Digest& d = *s.digest;
    std::string location = S3Url(d.digest_s3_bucket, d.digest_s3_object);
    Finding f{CheckKind::kDigest, Verdict::kValid, location, path, ""};
    std::optional<std::string> successor_signature;
    if (s.successor) successor_signature = digests_[*s.successor].digest->previous_digest_signature;
    std::optional<std::string> signature =
        s.sidecar_signature ? s.sidecar_signature : successor_signature;
    const PublicKey* key = keys_.Find(d.public_key_fingerprint);
    if (!PathHoldsKey(s.rel, d.digest_s3_object)) {
      f.verdict = Verdict::kMoved;
      f.detail = "digest file has been moved from its original location " + location;
    } else if (!d.signature_algorithm.empty() && d.signature_algorithm != "SHA256withRSA") {
      f.verdict = Verdict::kInvalidFormat;
      f.detail = "unsupported signature algorithm " + d.signature_algorithm;
    } else if (!signature) {
      f.verdict = Verdict::kNoSignature;
      f.detail = "no signature: no " + std::string(kSidecarSuffix) +
                 " sidecar and no later digest in the folder";
    } else if (key == nullptr) {
      f.verdict = Verdict::kNoPublicKey;
      f.detail = "public key not found for fingerprint " + d.public_key_fingerprint;
    } else {
      Result<std::string> raw = HexDecode(*signature);
      if (!raw.ok() || !key->VerifySha256Rsa(DigestStringToSign(d, s.sha256), *raw)) {
        f.verdict = Verdict::kInvalidSignature;
        f.detail = s.sidecar_signature ? "signature verification failed"
                                       : "signature verification failed (signature from the "
                                         "next digest's previousDigestSignature)";
      }
    }
    bool valid = f.verdict == Verdict::kValid;
    if (valid) ++result_.totals.digests_valid;
    Add(std::move(f));

    // The next digest vouches for this one: its previousDigestSignature and
    // previousDigestHashValue must be this digest's.
    if (s.successor) {
      const Digest& next = *digests_[*s.successor].digest;
      std::string next_location = S3Url(next.digest_s3_bucket, next.digest_s3_object);
      if (s.sidecar_signature && next.previous_digest_signature &&
          Lower(*next.previous_digest_signature) != Lower(*s.sidecar_signature)) {
        Add({CheckKind::kChain, Verdict::kChainMismatch, location, path,
             "previousDigestSignature in " + next_location +
                 " differs from this digest's signature"});
      }
      if (next.previous_digest_hash_value && Lower(*next.previous_digest_hash_value) != s.sha256) {
        Add({CheckKind::kChain, Verdict::kChainMismatch, location, path,
             "previousDigestHashValue in " + next_location + " does not match this digest"});
      }
    }
    // Where the chain goes back from here.
    if (d.previous_digest_s3_object) {
      std::string prev =
          d.previous_digest_s3_bucket.value_or("") + "/" + *d.previous_digest_s3_object;
      if (!by_location_.contains(prev)) {
        std::string prev_url =
            S3Url(d.previous_digest_s3_bucket.value_or(""), *d.previous_digest_s3_object);
        if (HasOlderInStream(s)) {
          Add({CheckKind::kChain, Verdict::kChainGap, prev_url, "",
               "previous digest missing (referenced by " + location + ")"});
        } else {
          Add({CheckKind::kChain, Verdict::kChainStart, location, path,
               "chain continues before the collected range (" + prev_url + " not collected)"});
        }
      }
    } else {
      Add({CheckKind::kChain, Verdict::kChainStart, location, path,
           HasOlderInStream(s) ? "chain restarts: no digests between the previous digest and " +
                                     d.digest_start_time + " (logging or validation was off)"
                               : "starting digest"});
    }
    CheckLogs(d);
    Extend(s.trail.scope, d);
  }

  void CheckLogs(const Digest& d) {
    for (const DigestLogFile& log : d.log_files) {
      ++result_.totals.log_files;
      std::string location = S3Url(log.s3_bucket, log.s3_object);
      std::string rel = files_.Find(log.s3_bucket, log.s3_object);
      if (rel.empty()) {
        Add({CheckKind::kLogFile, Verdict::kMissing, location, "", "log file not found"});
        continue;
      }
      covered_.insert(rel);
      std::string path = files_.Absolute(rel);
      if (log.hash_algorithm != "SHA-256") {
        Add({CheckKind::kLogFile, Verdict::kInvalidFormat, location, path,
             "unsupported hash algorithm " + log.hash_algorithm});
        continue;
      }
      auto hashed = log_hashes_.find(rel);  // HashLogs hashed every listed file
      FileHash hash =
          hashed != log_hashes_.end() ? hashed->second : HashFiles({path}, 1, Uncompressed).front();
      if (!hash.status.ok()) {
        Add({CheckKind::kLogFile, Verdict::kChanged, location, path,
             "cannot read: " + std::string(hash.status.message())});
        continue;
      }
      if (hash.sha256 != Lower(log.hash_value)) {
        Add({CheckKind::kLogFile, Verdict::kChanged, location, path, "hash value doesn't match"});
        continue;
      }
      ++result_.totals.log_files_valid;
      Add({CheckKind::kLogFile, Verdict::kValid, location, path, ""});
    }
  }

  // The uncompressed SHA-256 of every log file a digest lists, on jobs_
  // threads, before the (sequential, ordered) checks read them.
  void HashLogs() {
    std::set<std::string> listed;
    for (const DigestState& s : digests_) {
      if (!s.digest) continue;
      for (const DigestLogFile& log : s.digest->log_files) {
        std::string rel = files_.Find(log.s3_bucket, log.s3_object);
        if (!rel.empty()) listed.insert(std::move(rel));
      }
    }
    std::vector<std::string> rels(listed.begin(), listed.end());
    std::vector<std::string> paths;
    paths.reserve(rels.size());
    for (const std::string& rel : rels) paths.push_back(files_.Absolute(rel));
    std::vector<FileHash> hashes = HashFiles(paths, jobs_, Uncompressed);
    for (size_t i = 0; i < rels.size(); ++i) log_hashes_.emplace(rels[i], std::move(hashes[i]));
  }

  // The delivery time range the digests of a scope (account + region) cover.
  void Extend(const std::string& scope, const Digest& d) {
    std::string start = CompactTimestamp(d.digest_start_time);
    std::string end = CompactTimestamp(d.digest_end_time);
    if (start.empty() || end.empty()) return;
    start.replace(11, 4, "0000");  // log keys carry minutes only
    auto [it, inserted] = coverage_.try_emplace(scope, start, end);
    if (!inserted) {
      it->second.first = std::min(it->second.first, start);
      it->second.second = std::max(it->second.second, end);
    }
  }

  void CheckExtraLogs() {
    for (const std::string& rel : logs_) {
      if (covered_.contains(rel)) continue;
      TrailKey tk = ClassifyTrailKey(rel);
      auto it = coverage_.find(tk.scope);
      bool inside = it != coverage_.end() && tk.timestamp >= it->second.first &&
                    tk.timestamp <= it->second.second;
      if (inside) {
        Add({CheckKind::kLogFile, Verdict::kExtra, rel, files_.Absolute(rel),
             "log file not listed in any digest covering its delivery time"});
      } else {
        Add({CheckKind::kLogFile, Verdict::kNotCovered, rel, files_.Absolute(rel),
             "delivered outside the time range of the collected digests"});
      }
    }
  }

  const LocalFiles& files_;
  const PublicKeyStore& keys_;
  unsigned jobs_;
  std::map<std::string, FileHash> log_hashes_;  // rel -> hash of the uncompressed bytes
  std::vector<DigestState> digests_;
  std::vector<std::string> logs_;
  std::map<std::string, size_t> by_location_;  // "bucket/object" -> digest
  std::set<std::string> covered_;
  std::map<std::string, std::pair<std::string, std::string>> coverage_;
  VerifyResult result_;
};

}  // namespace

std::string_view CheckKindName(CheckKind kind) { return kCheckNames[static_cast<size_t>(kind)]; }

std::string_view VerdictName(Verdict verdict) {
  for (const auto& e : kVerdicts)
    if (e.verdict == verdict) return e.name;
  return "unknown";
}

Result<Verdict> ParseVerdict(std::string_view name) {
  for (const auto& e : kVerdicts)
    if (e.name == name) return e.verdict;
  return Status::InvalidArgument(fmt::format("unknown verdict '{}'", name));
}

bool IsFailure(Verdict verdict) {
  return verdict != Verdict::kValid && verdict != Verdict::kChainStart &&
         verdict != Verdict::kNotCovered && verdict != Verdict::kDenied;
}

Result<VerifyResult> VerifyTrailFolder(const TrailVerifyOptions& options) {
  CIRT_ASSIGN_OR_RETURN(LocalFiles files, LocalFiles::Scan(options.dir));
  PublicKeyStore keys;
  std::string saved = files.Absolute(kPublicKeysFile);
  if (std::find(files.paths().begin(), files.paths().end(), std::string(kPublicKeysFile)) !=
      files.paths().end()) {
    Status status = keys.LoadFile(saved);
    if (!status.ok()) return Status::InvalidArgument(status.ToString());
  }
  for (const std::string& file : options.public_key_files) {
    Status status = keys.LoadFile(file);
    if (!status.ok()) return Status::InvalidArgument(status.ToString());
  }
  return Verifier(files, keys, options.jobs).Run();
}

}  // namespace cirt::collect
