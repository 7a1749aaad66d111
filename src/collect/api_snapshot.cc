#include "collect/api_snapshot.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>

#include "aws/timestamp.h"
#include "collect/cloudtrail_collect.h"
#include "collect/crypto.h"
#include "collect/digest.h"

namespace cirt::collect {

namespace fs = std::filesystem;

namespace {

constexpr size_t kStampLength = 16;  // "20260101T120000Z"

bool IsCompactStamp(std::string_view s) {
  if (s.size() != kStampLength || s[8] != 'T' || s[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i) {
    if (i == 8) continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// "dir/name.ext" + stamp -> "dir/name.<stamp>.ext".
std::string StampedPath(std::string_view base, std::string_view stamp) {
  size_t slash = base.rfind('/');
  size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return fmt::format("{}.{}", base, stamp);
  return fmt::format("{}.{}{}", base.substr(0, dot), stamp, base.substr(dot));
}

Status WriteFileAtomically(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Status::Io("cannot create: " + ec.message(), {.file = path.parent_path().string()});
  fs::path tmp = path;
  tmp += ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return Status::Io("write failed", {.file = tmp.string()});
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::Io("cannot rename: " + ec.message(), {.file = path.string()});
  return Status::Ok();
}

}  // namespace

std::string SnapshotBase(std::string_view path) {
  // "<stem>.<stamp><ext>" where ext is "" or ".xyz" without another dot.
  size_t slash = path.rfind('/');
  std::string_view name = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  size_t ext_dot = name.rfind('.');
  for (std::string_view ext :
       {name.substr(ext_dot == std::string_view::npos ? name.size() : ext_dot),
        std::string_view()}) {
    std::string_view rest = name.substr(0, name.size() - ext.size());
    if (rest.size() <= kStampLength + 1) continue;
    std::string_view stamp = rest.substr(rest.size() - kStampLength);
    if (rest[rest.size() - kStampLength - 1] != '.' || !IsCompactStamp(stamp)) continue;
    std::string_view dir = path.substr(0, path.size() - name.size());
    return fmt::format("{}{}{}", dir, rest.substr(0, rest.size() - kStampLength - 1), ext);
  }
  return std::string(path);
}

std::string SnapshotJson(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

SnapshotWriter::SnapshotWriter(Manifest& manifest, std::string out_dir, std::string collector_arn,
                               std::function<std::chrono::system_clock::time_point()> now)
    : manifest_(manifest),
      out_dir_(std::move(out_dir)),
      collector_arn_(std::move(collector_arn)),
      now_(std::move(now)) {
  for (const ManifestEntry& e : manifest_.entries()) {
    if (e.status != EntryStatus::kOk || !e.source.bucket.empty()) continue;
    latest_[SnapshotBase(e.path)] = {e.path, e.sha256};
  }
}

Status SnapshotWriter::Write(const std::string& rel, std::string_view bytes, EntrySource source) {
  if (!IsSafeKey(rel))
    return Status::InvalidArgument(fmt::format("unsafe evidence path '{}'", rel));
  std::string sha = Sha256Hex(bytes);
  auto collected = now_();
  std::string path = rel;
  {
    std::lock_guard lock(mu_);
    auto it = latest_.find(rel);
    if (it != latest_.end()) {
      std::error_code ec;
      bool present = fs::is_regular_file(fs::path(out_dir_) / it->second.path, ec);
      if (it->second.sha256 == sha && present) {
        ++counts_.unchanged;
        return Status::Ok();
      }
      // Changed: a new file beside the old one. A vanished file is written
      // again where it was.
      path = present ? StampedPath(rel, CompactTimestamp(aws::FormatIso8601(collected)))
                     : it->second.path;
      std::error_code exists_ec;
      if (present && fs::exists(fs::path(out_dir_) / path, exists_ec))
        return Status::Conflict(fmt::format("snapshot {} already exists", path));
    }
    latest_[rel] = {path, sha};
  }
  CIRT_RETURN_IF_ERROR(WriteFileAtomically(fs::path(out_dir_) / path, bytes));
  ManifestEntry e;
  e.path = path;
  e.sha256 = sha;
  e.size = bytes.size();
  e.source = std::move(source);
  e.collected_at = aws::FormatIso8601(collected);
  e.collector_arn = collector_arn_;
  manifest_.Append(std::move(e));
  std::lock_guard lock(mu_);
  ++counts_.written;
  counts_.bytes += bytes.size();
  return Status::Ok();
}

void SnapshotWriter::RecordFailure(EntrySource source, const Status& status) {
  ManifestEntry e;
  bool denied = IsAccessDenied(status);
  e.status = denied ? EntryStatus::kDenied : EntryStatus::kError;
  e.error = status.ToString();
  std::string line = fmt::format("{}:{}{}: {}", source.service, source.operation,
                                 source.region.empty() ? "" : " (" + source.region + ")", e.error);
  e.source = std::move(source);
  e.collected_at = aws::FormatIso8601(now_());
  e.collector_arn = collector_arn_;
  manifest_.Append(std::move(e));
  std::lock_guard lock(mu_);
  (denied ? counts_.denied : counts_.errors) += 1;
  counts_.problems.push_back(std::move(line));
}

SnapshotCounts SnapshotWriter::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

}  // namespace cirt::collect
