#include "io/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cirt::io {

namespace fs = std::filesystem;

namespace {

Status ErrnoStatus(int err, const std::string& path, std::string_view what) {
  std::string msg = fmt::format("{}: {}", what, std::strerror(err));
  ErrorContext ctx{.file = path};
  if (err == ENOENT) return Status::NotFound(std::move(msg), std::move(ctx));
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(std::move(msg), std::move(ctx));
  return Status::Io(std::move(msg), std::move(ctx));
}

}  // namespace

Status ReadFile(const std::string& path, Buffer* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoStatus(errno, path, "cannot open");
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  size_t size = 0;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    long end = std::ftell(f);
    if (end > 0) size = static_cast<size_t>(end);
    std::rewind(f);
  }
  out->Resize(0);
  out->Reserve(size);
  size_t total = 0;
  while (true) {
    if (total == out->capacity() - Buffer::kPadding) out->Reserve(total * 2 + 4096);
    size_t want = out->capacity() - Buffer::kPadding - total;
    size_t got = std::fread(out->data() + total, 1, want, f);
    total += got;
    if (got < want) {
      if (std::ferror(f)) return ErrnoStatus(errno ? errno : EIO, path, "read failed");
      break;
    }
  }
  out->Resize(total);
  return Status::Ok();
}

bool IsCollectorFile(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  return name == "manifest.json" || name == "public-keys.json" || ends_with(".metadata.json") ||
         ends_with(".part");
}

EvidenceKind EvidenceKindOf(std::string_view service, std::string_view operation) {
  if ((service == "s3" && operation == "GetObject") ||
      (service == "cloudtrail" && operation == "LookupEvents")) {
    return EvidenceKind::kCloudTrail;
  }
  if ((service == "guardduty" && operation.find("GetFindings") != std::string_view::npos) ||
      (service == "securityhub" && operation == "GetFindings")) {
    return EvidenceKind::kFindings;
  }
  return EvidenceKind::kSnapshot;
}

namespace {

// Relative path -> kind for the files a collector manifest at `dir` lists;
// empty when there is none or it is not a manifest (checked fully by
// `cirt verify --manifest`, not here).
std::map<std::string, EvidenceKind> ManifestKinds(const fs::path& dir) {
  std::map<std::string, EvidenceKind> kinds;
  Buffer text;
  if (!ReadFile((dir / "manifest.json").string(), &text).ok()) return kinds;
  const nlohmann::json manifest =
      nlohmann::json::parse(text.view(), nullptr, /*allow_exceptions=*/false);
  auto string_at = [](const nlohmann::json& j, const char* key) -> const std::string* {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  if (!manifest.is_object()) return kinds;
  auto entries = manifest.find("entries");
  if (entries == manifest.end() || !entries->is_array()) return kinds;
  for (const nlohmann::json& entry : *entries) {
    if (!entry.is_object()) continue;
    auto source = entry.find("source");
    if (source == entry.end() || !source->is_object()) continue;
    const std::string* rel = string_at(entry, "path");
    const std::string* service = string_at(*source, "service");
    const std::string* operation = string_at(*source, "operation");
    if (rel == nullptr || service == nullptr || operation == nullptr || rel->empty()) continue;
    kinds[*rel] = EvidenceKindOf(*service, *operation);
  }
  return kinds;
}

}  // namespace

std::vector<InputFile> ExpandInputs(const std::vector<std::string>& paths,
                                    std::vector<Status>* errors) {
  std::set<std::string> seen;
  std::vector<InputFile> files;
  auto add = [&](const fs::path& p, uint64_t size, EvidenceKind kind = EvidenceKind::kUnknown) {
    std::string s = p.string();
    if (seen.insert(s).second) files.push_back({std::move(s), size, kind});
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      errors->push_back(Status::NotFound("no such file or directory", {.file = path}));
      continue;
    }
    if (fs::is_regular_file(st)) {
      add(path, fs::file_size(path, ec));
      continue;
    }
    if (!fs::is_directory(st)) {
      errors->push_back(Status::InvalidArgument("not a regular file or directory", {.file = path}));
      continue;
    }
    const std::map<std::string, EvidenceKind> kinds = ManifestKinds(path);
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      errors->push_back(ErrnoStatus(ec.value(), path, "cannot list directory"));
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        errors->push_back(ErrnoStatus(ec.value(), path, "cannot list directory"));
        break;
      }
      const fs::path& p = it->path();
      std::string name = p.filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (IsCollectorFile(name)) continue;
      if (it->is_regular_file(ec)) {
        auto known = kinds.find(p.lexically_relative(path).generic_string());
        add(p, it->file_size(ec), known == kinds.end() ? EvidenceKind::kUnknown : known->second);
      }
    }
  }
  std::sort(files.begin(), files.end(),
            [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace cirt::io
