// src/collect/manifest.h
// The evidence manifest (<dir>/manifest.json) `cirt collect` keeps: one
// entry per collected file (or denied call) with its SHA-256, size, source
// and collection time, appended across runs, each entry hash-chained to the
// one before it so that a later edit of any entry is detectable.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/verify.h"
#include "core/result.h"

namespace cirt::collect {

inline constexpr std::string_view kManifestFile = "manifest.json";
inline constexpr std::string_view kManifestFormat = "cirt-manifest/1";

enum class EntryStatus : uint8_t {
  kOk,      // the file was written; sha256/size describe it
  kDenied,  // AccessDenied: nothing written, error says why
  kError,   // another failure: nothing written
};
std::string_view EntryStatusName(EntryStatus status);
Result<EntryStatus> ParseEntryStatus(std::string_view name);

struct EntrySource {
  std::string service;    // "s3", "cloudtrail", "sts"
  std::string operation;  // "GetObject", "ListPublicKeys"
  std::string region;
  std::string bucket;   // S3 only
  std::string key;      // S3 only
  std::string etag;     // S3 only, as returned (quotes kept)
  std::string request;  // other calls: the request parameters (JSON)
};

struct ManifestEntry {
  uint64_t seq = 0;  // 0-based position in the chain
  EntryStatus status = EntryStatus::kOk;
  std::string path;    // relative to the folder, '/'-separated ("" if denied)
  std::string sha256;  // of the bytes as written
  uint64_t size = 0;
  EntrySource source;
  std::string collected_at;   // UTC, ISO-8601
  std::string collector_arn;  // GetCallerIdentity Arn of the run
  std::string error;          // kDenied/kError
  std::string prev_hash;      // entry_hash of entry seq-1 (64 '0' for the first)
  std::string entry_hash;     // SHA-256 of prev_hash + '\n' + canonical JSON of the rest
};

struct CollectorIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

struct ManifestRun {
  std::string started_at;
  std::string finished_at;
  std::string command;  // "collect cloudtrail --bucket ..."
  CollectorIdentity collector;
};

// Thread-safe: Append may be called from download workers concurrently.
class Manifest {
 public:
  Manifest() = default;
  Manifest(Manifest&& other) noexcept;
  Manifest& operator=(Manifest&& other) noexcept;

  // Reads <dir>/manifest.json. Errors: kNotFound when absent, kCorrupt when
  // it is not a cirt manifest. The chain is not checked here (VerifyManifest).
  static Result<Manifest> Load(const std::string& dir);

  // For a collection run: creates `dir` if needed and loads its manifest, or
  // starts an empty one when there is none yet.
  static Result<Manifest> OpenForCollection(const std::string& dir);

  // Fills seq, prev_hash and entry_hash and appends.
  void Append(ManifestEntry entry);
  void AddRun(ManifestRun run);

  // The newest GetObject entry for the S3 object (any status), or nullopt.
  std::optional<ManifestEntry> LatestFor(std::string_view bucket, std::string_view key) const;
  // The newest entry that wrote relative path `path`, or nullopt.
  std::optional<ManifestEntry> LatestForPath(std::string_view path) const;

  // Writes <dir>/manifest.json atomically (temp file + rename). Errors: kIo.
  Status Save(const std::string& dir) const;

  std::vector<ManifestEntry> entries() const;
  std::vector<ManifestRun> runs() const;
  // entry_hash of the last entry (64 '0' when empty): record it elsewhere
  // to detect a rewrite of the whole chain.
  std::string head() const;

 private:
  mutable std::mutex mu_;
  std::vector<ManifestEntry> entries_;
  std::vector<ManifestRun> runs_;
};

// The entry hash of `entry` given its prev_hash (entry_hash ignored).
std::string ComputeEntryHash(const ManifestEntry& entry);

// Checks a collected folder against its manifest: the hash chain, then each
// file's latest entry (present, size, SHA-256), and files no entry names
// (except manifest.json). Denied entries are notices. Files are hashed on
// `jobs` threads (0 = hardware concurrency, at most 16). Errors: kNotFound
// (no dir or no manifest), kCorrupt (unparsable manifest).
Result<VerifyResult> VerifyManifest(const std::string& dir, unsigned jobs = 0);

}  // namespace cirt::collect
