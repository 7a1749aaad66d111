#include "collect/local_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cirt::collect {

namespace fs = std::filesystem;

namespace {

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool PathHoldsKey(std::string_view rel, std::string_view key) {
  if (rel == key) return true;
  return rel.size() > key.size() && rel.substr(rel.size() - key.size()) == key &&
         rel[rel.size() - key.size() - 1] == '/';
}

Result<LocalFiles> LocalFiles::Scan(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("not a directory", {.file = dir});
  LocalFiles out;
  out.root_ = dir;
  while (out.root_.size() > 1 && out.root_.back() == '/') out.root_.pop_back();
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  if (ec) return Status::Io("cannot list: " + ec.message(), {.file = dir});
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::Io("cannot list: " + ec.message(), {.file = dir});
    std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    out.paths_.push_back(fs::relative(it->path(), out.root_, ec).generic_string());
  }
  std::sort(out.paths_.begin(), out.paths_.end());
  for (size_t i = 0; i < out.paths_.size(); ++i)
    out.by_name_.emplace(std::string(BaseName(out.paths_[i])), i);
  return out;
}

std::string LocalFiles::Find(std::string_view bucket, std::string_view key) const {
  auto [first, last] = by_name_.equal_range(BaseName(key));
  std::string best;
  for (auto it = first; it != last; ++it) {
    const std::string& rel = paths_[it->second];
    if (!PathHoldsKey(rel, key)) continue;
    std::string_view parent = std::string_view(rel).substr(0, rel.size() - key.size());
    if (!parent.empty()) parent.remove_suffix(1);  // the '/'
    if (!bucket.empty() && PathHoldsKey(parent, bucket)) return rel;
    if (best.empty() || rel.size() < best.size()) best = rel;
  }
  return best;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Status::NotFound("no such file", {.file = path});
    return Status::Io("cannot open", {.file = path});
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::Io("read failed", {.file = path});
  return buffer.str();
}

}  // namespace cirt::collect
