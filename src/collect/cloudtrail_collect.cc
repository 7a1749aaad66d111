#include "collect/cloudtrail_collect.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "aws/error.h"
#include "aws/services/cloudtrail.h"
#include "aws/services/s3.h"
#include "aws/services/sts.h"
#include "aws/timestamp.h"
#include "collect/crypto.h"
#include "collect/manifest.h"
#include "collect/verify.h"

namespace cirt::collect {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

struct Listed {
  aws::s3::ObjectSummary object;
  bool digest = false;
};

Status WriteFileAtomic(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Status::Io("cannot create folder: " + ec.message(), {.file = path.string()});
  fs::path tmp = path;
  tmp += ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Io("cannot write", {.file = tmp.string()});
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return Status::Io("write failed", {.file = tmp.string()});
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::Io("cannot rename: " + ec.message(), {.file = path.string()});
  return Status::Ok();
}

// The last '/'-separated segment of a prefix ending in '/'.
std::string LastSegment(const std::string& prefix) {
  std::string_view p(prefix);
  if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  size_t slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

bool Wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

class Collector {
 public:
  Collector(aws::Client& client, const CloudTrailCollectOptions& o, Manifest& manifest)
      : client_(client), o_(o), manifest_(manifest) {}

  Status Run(Clock::time_point start, Clock::time_point end) {
    Identify();
    std::string base = o_.prefix;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.empty()) base += '/';
    base += "AWSLogs/";
    std::vector<Listed> objects;
    std::set<std::string> regions;
    for (const std::string& scope : Scopes(base)) {
      for (const std::string& region : Regions(scope)) {
        regions.insert(region);
        for (bool digest : {false, true}) {
          for (const std::string& day : DayPrefixes(start, end)) {
            std::string prefix = fmt::format(
                "{}{}/{}/{}", scope, digest ? "CloudTrail-Digest" : "CloudTrail", region, day);
            auto listed = aws::s3::ListObjectsV2(client_, o_.bucket, prefix);
            if (!listed.ok()) {
              RecordFailure({"s3", "ListObjectsV2", client_.region(), o_.bucket, prefix, "", ""},
                            listed.status());
              continue;
            }
            for (auto& object : *listed) objects.push_back({std::move(object), digest});
          }
        }
      }
    }
    stats_.listed = objects.size();
    if (o_.progress) o_.progress->objects_total = objects.size();
    Download(objects);
    if (o_.public_keys) CIRT_RETURN_IF_ERROR(SavePublicKeys(regions, start, end));
    return Status::Ok();
  }

  CollectStats& stats() { return stats_; }
  const CollectorIdentity& identity() const { return identity_; }

 private:
  std::string Now() const { return aws::FormatIso8601(o_.now ? o_.now() : Clock::now()); }

  void Identify() {
    auto id = aws::sts::GetCallerIdentity(client_);
    if (id.ok()) {
      identity_ = {id->account, id->arn, id->user_id};
    } else {
      RecordFailure({"sts", "GetCallerIdentity", client_.region(), "", "", "", ""}, id.status());
    }
  }

  // Records a denied or failed call in the manifest; the run goes on.
  void RecordFailure(EntrySource source, const Status& status) {
    ManifestEntry e;
    bool denied = IsAccessDenied(status);
    e.status = denied ? EntryStatus::kDenied : EntryStatus::kError;
    e.error = status.ToString();
    std::string what = source.bucket.empty() ? source.service + ":" + source.operation
                                             : fmt::format("s3://{}/{} ({})", source.bucket,
                                                           source.key, source.operation);
    e.source = std::move(source);
    e.collected_at = Now();
    e.collector_arn = identity_.arn;
    manifest_.Append(std::move(e));
    std::lock_guard lock(mu_);
    (denied ? stats_.denied : stats_.errors) += 1;
    stats_.problems.push_back(fmt::format("{}: {}", what, status.ToString()));
  }

  void RecordFile(const std::string& rel, std::string_view bytes, EntrySource source) {
    ManifestEntry e;
    e.path = rel;
    e.sha256 = Sha256Hex(bytes);
    e.size = bytes.size();
    e.source = std::move(source);
    e.collected_at = Now();
    e.collector_arn = identity_.arn;
    manifest_.Append(std::move(e));
  }

  // "AWSLogs/<acct>/" or "AWSLogs/o-<org>/<acct>/" scopes to collect.
  std::vector<std::string> Scopes(const std::string& base) {
    std::vector<std::string> scopes;
    auto top = aws::s3::ListCommonPrefixes(client_, o_.bucket, base);
    if (!top.ok()) {
      RecordFailure({"s3", "ListObjectsV2", client_.region(), o_.bucket, base, "", ""},
                    top.status());
      // Without a listing, the accounts given are still worth trying.
      for (const std::string& account : o_.accounts) scopes.push_back(base + account + "/");
      return scopes;
    }
    for (const std::string& p : *top) {
      std::string name = LastSegment(p);
      if (name.rfind("o-", 0) == 0) {
        auto accounts = aws::s3::ListCommonPrefixes(client_, o_.bucket, p);
        if (!accounts.ok()) {
          RecordFailure({"s3", "ListObjectsV2", client_.region(), o_.bucket, p, "", ""},
                        accounts.status());
          continue;
        }
        for (const std::string& a : *accounts)
          if (Wanted(o_.accounts, LastSegment(a))) scopes.push_back(a);
      } else if (Wanted(o_.accounts, name)) {
        scopes.push_back(p);
      }
    }
    return scopes;
  }

  std::vector<std::string> Regions(const std::string& scope) {
    if (!o_.regions.empty()) return o_.regions;
    std::set<std::string> found;
    for (const char* kind : {"CloudTrail/", "CloudTrail-Digest/"}) {
      auto prefixes = aws::s3::ListCommonPrefixes(client_, o_.bucket, scope + kind);
      if (!prefixes.ok()) {
        RecordFailure({"s3", "ListObjectsV2", client_.region(), o_.bucket, scope + kind, "", ""},
                      prefixes.status());
        continue;
      }
      for (const std::string& p : *prefixes) found.insert(LastSegment(p));
    }
    return {found.begin(), found.end()};
  }

  void Download(const std::vector<Listed>& objects) {
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i = next++; i < objects.size(); i = next++) {
        DownloadOne(objects[i]);
        if (o_.progress) ++o_.progress->objects_done;
      }
    };
    unsigned n = std::max(1u, std::min<unsigned>(o_.jobs, static_cast<unsigned>(objects.size())));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
  }

  void DownloadOne(const Listed& listed) {
    const auto& object = listed.object;
    EntrySource source{"s3", "GetObject", client_.region(), o_.bucket, object.key, object.etag, ""};
    if (!IsSafeKey(object.key)) {
      RecordFailure(source, Status::Unsupported("key cannot be stored as a local path"));
      return;
    }
    std::string rel = o_.bucket + "/" + object.key;
    fs::path path = fs::path(o_.out_dir) / rel;
    std::string sidecar_rel = rel + std::string(kSidecarSuffix);
    auto latest = manifest_.LatestFor(o_.bucket, object.key);
    std::error_code ec;
    if (latest && latest->status == EntryStatus::kOk && latest->size == object.size &&
        latest->source.etag == object.etag && fs::file_size(path, ec) == object.size && !ec &&
        (!listed.digest || fs::exists(fs::path(o_.out_dir) / sidecar_rel, ec))) {
      std::lock_guard lock(mu_);
      ++stats_.unchanged;
      return;
    }
    auto got = aws::s3::GetObject(client_, o_.bucket, object.key);
    if (!got.ok()) {
      RecordFailure(source, got.status());
      return;
    }
    if (!got->info.etag.empty()) source.etag = got->info.etag;
    Status written = WriteFileAtomic(path, got->bytes);
    if (!written.ok()) {
      RecordFailure(source, written);
      return;
    }
    RecordFile(rel, got->bytes, source);
    if (listed.digest) {
      nlohmann::ordered_json sidecar;
      sidecar["bucket"] = o_.bucket;
      sidecar["key"] = object.key;
      sidecar["etag"] = source.etag;
      sidecar["metadata"] = nlohmann::ordered_json::object();
      for (const auto& [name, value] : got->info.metadata) sidecar["metadata"][name] = value;
      std::string text =
          sidecar.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
      EntrySource meta = source;
      meta.operation = "GetObjectMetadata";
      Status sidecar_written = WriteFileAtomic(fs::path(o_.out_dir) / sidecar_rel, text);
      if (sidecar_written.ok()) {
        RecordFile(sidecar_rel, text, meta);
      } else {
        RecordFailure(meta, sidecar_written);
      }
    }
    if (o_.progress) o_.progress->bytes_downloaded += got->bytes.size();
    std::lock_guard lock(mu_);
    ++stats_.downloaded;
    stats_.bytes += got->bytes.size();
  }

  Status SavePublicKeys(const std::set<std::string>& regions, Clock::time_point start,
                        Clock::time_point end) {
    nlohmann::ordered_json doc;
    doc["regions"] = nlohmann::ordered_json::array();
    size_t count = 0;
    for (const std::string& region : regions) {
      auto keys =
          aws::cloudtrail::ListPublicKeys(client_, region, start, end + std::chrono::hours(24));
      if (!keys.ok()) {
        RecordFailure({"cloudtrail", "ListPublicKeys", region, "", "", "", ""}, keys.status());
        continue;
      }
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& key : *keys) {
        list.push_back({{"Value", key.value_base64},
                        {"Fingerprint", key.fingerprint},
                        {"ValidityStartTime", key.validity_start},
                        {"ValidityEndTime", key.validity_end}});
      }
      count += keys->size();
      doc["regions"].push_back({{"region", region}, {"PublicKeyList", std::move(list)}});
    }
    stats_.public_keys = count;
    if (count == 0) return Status::Ok();
    std::string text = doc.dump(2) + "\n";
    std::string rel(kPublicKeysFile);
    auto latest = manifest_.LatestForPath(rel);
    if (latest && latest->sha256 == Sha256Hex(text)) return Status::Ok();
    CIRT_RETURN_IF_ERROR(WriteFileAtomic(fs::path(o_.out_dir) / rel, text));
    nlohmann::json request = {{"StartTime", aws::FormatIso8601(start)},
                              {"EndTime", aws::FormatIso8601(end + std::chrono::hours(24))},
                              {"Regions", regions}};
    RecordFile(rel, text, {"cloudtrail", "ListPublicKeys", "", "", "", "", request.dump()});
    return Status::Ok();
  }

  aws::Client& client_;
  const CloudTrailCollectOptions& o_;
  Manifest& manifest_;
  CollectorIdentity identity_;
  std::mutex mu_;
  CollectStats stats_;
};

}  // namespace

bool IsAccessDenied(const Status& status) {
  if (status.code() == ErrorCode::kPermissionDenied) return true;
  std::string code = aws::AwsErrorCode(status);
  return code == "AccessDenied" || code == "AccessDeniedException" ||
         code == "UnauthorizedOperation";
}

bool IsSafeKey(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::vector<std::string> DayPrefixes(Clock::time_point start, Clock::time_point end) {
  using std::chrono::days;
  std::vector<std::string> out;
  auto first = std::chrono::floor<days>(start);
  auto last = std::chrono::floor<days>(end) + days(1);
  for (auto day = first; day <= last; day += days(1)) {
    std::chrono::year_month_day ymd(day);
    out.push_back(fmt::format("{:04d}/{:02d}/{:02d}/", static_cast<int>(ymd.year()),
                              static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day())));
  }
  return out;
}

Result<CollectStats> CollectCloudTrail(aws::Client& client, const CloudTrailCollectOptions& o) {
  if (o.bucket.empty()) return Status::InvalidArgument("--bucket is required");
  if (o.out_dir.empty()) return Status::InvalidArgument("--out is required");
  Clock::time_point now = o.now ? o.now() : Clock::now();
  Clock::time_point end = o.end.value_or(now);
  Clock::time_point start = o.start.value_or(end - std::chrono::hours(24));
  if (start > end) return Status::InvalidArgument("--start is after --end");
  if (end - start > std::chrono::days(3660))
    return Status::InvalidArgument("time range over 10 years");
  CIRT_ASSIGN_OR_RETURN(Manifest manifest, Manifest::OpenForCollection(o.out_dir));
  std::string started = aws::FormatIso8601(now);
  Collector collector(client, o, manifest);
  Status status = collector.Run(start, end);
  manifest.AddRun({started, aws::FormatIso8601(o.now ? o.now() : Clock::now()), o.command,
                   collector.identity()});
  // The manifest is saved even when the run stopped: it describes what is on disk.
  Status saved = manifest.Save(o.out_dir);
  CIRT_RETURN_IF_ERROR(status);
  CIRT_RETURN_IF_ERROR(saved);
  CollectStats stats = std::move(collector.stats());
  stats.manifest_head = manifest.head();
  return stats;
}

}  // namespace cirt::collect
