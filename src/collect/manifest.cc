#include "collect/manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "collect/crypto.h"
#include "collect/local_files.h"
#include "collect/parallel_hash.h"

namespace cirt::collect {

namespace {

using Json = nlohmann::json;  // sorted keys: the canonical form the hash covers
const std::string kZeroHash(64, '0');

struct StatusEntry {
  EntryStatus status;
  std::string_view name;
};
constexpr StatusEntry kStatuses[] = {
    {EntryStatus::kOk, "ok"}, {EntryStatus::kDenied, "denied"}, {EntryStatus::kError, "error"}};

Json SourceJson(const EntrySource& s) {
  Json j = {{"service", s.service}, {"operation", s.operation}};
  if (!s.region.empty()) j["region"] = s.region;
  if (!s.bucket.empty()) j["bucket"] = s.bucket;
  if (!s.key.empty()) j["key"] = s.key;
  if (!s.etag.empty()) j["etag"] = s.etag;
  if (!s.request.empty()) j["request"] = s.request;
  return j;
}

// Every field but entry_hash.
Json EntryBody(const ManifestEntry& e) {
  Json j = {{"seq", e.seq},
            {"status", EntryStatusName(e.status)},
            {"path", e.path},
            {"sha256", e.sha256},
            {"size", e.size},
            {"source", SourceJson(e.source)},
            {"collected_at", e.collected_at},
            {"collector_arn", e.collector_arn},
            {"prev_hash", e.prev_hash}};
  if (!e.error.empty()) j["error"] = e.error;
  return j;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

Json IdentityJson(const CollectorIdentity& c) {
  return {{"account", c.account}, {"arn", c.arn}, {"user_id", c.user_id}};
}

}  // namespace

std::string_view EntryStatusName(EntryStatus status) {
  for (const auto& e : kStatuses)
    if (e.status == status) return e.name;
  return "unknown";
}

Result<EntryStatus> ParseEntryStatus(std::string_view name) {
  for (const auto& e : kStatuses)
    if (e.name == name) return e.status;
  return Status::InvalidArgument(fmt::format("unknown manifest entry status '{}'", name));
}

std::string ComputeEntryHash(const ManifestEntry& entry) {
  std::string text = entry.prev_hash;
  text += '\n';
  text += EntryBody(entry).dump(-1, ' ', false, Json::error_handler_t::replace);
  return Sha256Hex(text);
}

Manifest::Manifest(Manifest&& other) noexcept {
  std::lock_guard lock(other.mu_);
  entries_ = std::move(other.entries_);
  runs_ = std::move(other.runs_);
}

Manifest& Manifest::operator=(Manifest&& other) noexcept {
  if (this != &other) {
    std::scoped_lock lock(mu_, other.mu_);
    entries_ = std::move(other.entries_);
    runs_ = std::move(other.runs_);
  }
  return *this;
}

void Manifest::Append(ManifestEntry entry) {
  std::lock_guard lock(mu_);
  entry.seq = entries_.size();
  entry.prev_hash = entries_.empty() ? kZeroHash : entries_.back().entry_hash;
  entry.entry_hash = ComputeEntryHash(entry);
  entries_.push_back(std::move(entry));
}

void Manifest::AddRun(ManifestRun run) {
  std::lock_guard lock(mu_);
  runs_.push_back(std::move(run));
}

std::optional<ManifestEntry> Manifest::LatestFor(std::string_view bucket,
                                                 std::string_view key) const {
  std::lock_guard lock(mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->source.service == "s3" && it->source.operation == "GetObject" &&
        it->source.bucket == bucket && it->source.key == key)
      return *it;
  }
  return std::nullopt;
}

std::optional<ManifestEntry> Manifest::LatestForPath(std::string_view path) const {
  std::lock_guard lock(mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->status == EntryStatus::kOk && it->path == path) return *it;
  }
  return std::nullopt;
}

std::vector<ManifestEntry> Manifest::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::vector<ManifestRun> Manifest::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

std::string Manifest::head() const {
  std::lock_guard lock(mu_);
  return entries_.empty() ? kZeroHash : entries_.back().entry_hash;
}

Status Manifest::Save(const std::string& dir) const {
  nlohmann::ordered_json j;
  {
    std::lock_guard lock(mu_);
    j["format"] = kManifestFormat;
    j["head"] = entries_.empty() ? kZeroHash : entries_.back().entry_hash;
    j["runs"] = nlohmann::ordered_json::array();
    for (const ManifestRun& r : runs_) {
      j["runs"].push_back({{"started_at", r.started_at},
                           {"finished_at", r.finished_at},
                           {"command", r.command},
                           {"collector", IdentityJson(r.collector)}});
    }
    j["entries"] = nlohmann::ordered_json::array();
    for (const ManifestEntry& e : entries_) {
      // Sorted keys as hashed, then the entry's own hash.
      auto body = nlohmann::ordered_json::parse(
          EntryBody(e).dump(-1, ' ', false, Json::error_handler_t::replace));
      body["entry_hash"] = e.entry_hash;
      j["entries"].push_back(std::move(body));
    }
  }
  std::string path = dir + "/" + std::string(kManifestFile);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Io("cannot write", {.file = tmp});
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    if (!out) return Status::Io("write failed", {.file = tmp});
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Io("cannot rename: " + ec.message(), {.file = path});
  return Status::Ok();
}

Result<Manifest> Manifest::Load(const std::string& dir) {
  std::string path = dir + "/" + std::string(kManifestFile);
  CIRT_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || Str(j, "format") != kManifestFormat ||
      !j.contains("entries") || !j["entries"].is_array()) {
    return Status::Corrupt("not a cirt manifest", {.file = path});
  }
  Manifest m;
  uint64_t index = 0;
  for (const Json& e : j["entries"]) {
    if (!e.is_object())
      return Status::Corrupt("manifest entry is not an object",
                             {.file = path, .record_index = index});
    ManifestEntry entry;
    entry.seq = e.value("seq", uint64_t{0});
    Result<EntryStatus> status = ParseEntryStatus(Str(e, "status"));
    if (!status.ok())
      return Status::Corrupt(std::string(status.status().message()),
                             {.file = path, .record_index = index});
    entry.status = *status;
    entry.path = Str(e, "path");
    entry.sha256 = Str(e, "sha256");
    entry.size =
        e.contains("size") && e["size"].is_number_unsigned() ? e["size"].get<uint64_t>() : 0;
    if (e.contains("source") && e["source"].is_object()) {
      const Json& s = e["source"];
      entry.source = {Str(s, "service"), Str(s, "operation"), Str(s, "region"), Str(s, "bucket"),
                      Str(s, "key"),     Str(s, "etag"),      Str(s, "request")};
    }
    entry.collected_at = Str(e, "collected_at");
    entry.collector_arn = Str(e, "collector_arn");
    entry.error = Str(e, "error");
    entry.prev_hash = Str(e, "prev_hash");
    entry.entry_hash = Str(e, "entry_hash");
    m.entries_.push_back(std::move(entry));
    ++index;
  }
  if (j.contains("runs") && j["runs"].is_array()) {
    for (const Json& r : j["runs"]) {
      if (!r.is_object()) continue;
      ManifestRun run{Str(r, "started_at"), Str(r, "finished_at"), Str(r, "command"), {}};
      if (r.contains("collector") && r["collector"].is_object()) {
        const Json& c = r["collector"];
        run.collector = {Str(c, "account"), Str(c, "arn"), Str(c, "user_id")};
      }
      m.runs_.push_back(std::move(run));
    }
  }
  return m;
}

Result<VerifyResult> VerifyManifest(const std::string& dir, unsigned jobs) {
  CIRT_ASSIGN_OR_RETURN(LocalFiles files, LocalFiles::Scan(dir));
  CIRT_ASSIGN_OR_RETURN(Manifest manifest, Manifest::Load(dir));
  VerifyResult result;
  auto add = [&](Finding f) {
    if (IsFailure(f.verdict)) {
      ++result.totals.failures;
    } else if (f.verdict != Verdict::kValid) {
      ++result.totals.notices;
    }
    result.findings.push_back(std::move(f));
  };
  std::string manifest_path = files.Absolute(kManifestFile);
  std::vector<ManifestEntry> entries = manifest.entries();
  // 1. The chain: each entry names its predecessor's hash, and its own hash
  //    covers its content; the first break is where the edit happened.
  std::string prev = kZeroHash;
  for (size_t i = 0; i < entries.size(); ++i) {
    const ManifestEntry& e = entries[i];
    std::string where = fmt::format("{}#entry {}", kManifestFile, i);
    if (e.seq != i || e.prev_hash != prev || ComputeEntryHash(e) != e.entry_hash) {
      add({CheckKind::kManifest, Verdict::kChainMismatch, where, manifest_path,
           e.prev_hash != prev ? "entry does not chain to the one before it (entries removed, "
                                 "reordered or inserted)"
                               : "entry was edited after it was written (hash mismatch)"});
    }
    prev = e.entry_hash;
  }
  // 2. Each path's newest entry against the file.
  std::map<std::string, const ManifestEntry*> latest;
  for (const ManifestEntry& e : entries) {
    if (e.status == EntryStatus::kOk) {
      latest[e.path] = &e;
    } else {
      std::string what = e.source.bucket.empty()
                             ? e.source.service + ":" + e.source.operation
                             : fmt::format("s3://{}/{}", e.source.bucket, e.source.key);
      add({CheckKind::kFile, Verdict::kDenied, what, "",
           fmt::format("{}: {}", EntryStatusName(e.status), e.error)});
    }
  }
  // The files present, hashed in parallel; checked below in path order.
  std::vector<std::string> present_paths;
  for (const auto& [rel, e] : latest) {
    if (std::binary_search(files.paths().begin(), files.paths().end(), rel))
      present_paths.push_back(files.Absolute(rel));
  }
  std::vector<FileHash> hashes = HashFiles(present_paths, jobs);
  size_t next_hash = 0;
  for (const auto& [rel, e] : latest) {
    ++result.totals.files;
    std::string path = files.Absolute(rel);
    bool present = std::binary_search(files.paths().begin(), files.paths().end(), rel);
    if (!present) {
      add({CheckKind::kFile, Verdict::kMissing, rel, "", "file listed in the manifest is missing"});
      continue;
    }
    const FileHash& hash = hashes[next_hash++];
    if (!hash.status.ok()) {
      add({CheckKind::kFile, Verdict::kMissing, rel, path, hash.status.ToString()});
      continue;
    }
    if (hash.size != e->size || hash.sha256 != e->sha256) {
      add({CheckKind::kFile, Verdict::kChanged, rel, path,
           hash.size != e->size
               ? fmt::format("size {} differs from the manifest's {}", hash.size, e->size)
               : std::string("SHA-256 differs from the manifest")});
      continue;
    }
    ++result.totals.files_valid;
    add({CheckKind::kFile, Verdict::kValid, rel, path, ""});
  }
  // 3. Files the manifest does not know.
  for (const std::string& rel : files.paths()) {
    if (rel == kManifestFile || latest.contains(rel)) continue;
    add({CheckKind::kFile, Verdict::kExtra, rel, files.Absolute(rel), "file not in the manifest"});
  }
  return result;
}

Result<Manifest> Manifest::OpenForCollection(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Io("cannot create: " + ec.message(), {.file = dir});
  Result<Manifest> loaded = Load(dir);
  if (loaded.ok() || loaded.status().code() != ErrorCode::kNotFound) return loaded;
  return Manifest();
}

}  // namespace cirt::collect
