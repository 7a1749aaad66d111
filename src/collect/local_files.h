// src/collect/local_files.h
// A collected folder's files by relative path, and the lookup from an S3
// (bucket, key) to the local file that holds it: collect stores an object at
// <dir>/<bucket>/<key>, but a user may point at the bucket folder or copy the
// AWSLogs tree elsewhere, so a key is found at any depth.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cirt::collect {

class LocalFiles {
 public:
  // Walks `dir` recursively (regular files; hidden entries skipped).
  // Errors: kNotFound when `dir` is not a directory, kIo when unreadable.
  static Result<LocalFiles> Scan(const std::string& dir);

  const std::string& root() const { return root_; }
  // Relative paths ('/'-separated), sorted.
  const std::vector<std::string>& paths() const { return paths_; }
  std::string Absolute(std::string_view rel) const { return root_ + "/" + std::string(rel); }

  // The relative path holding s3://bucket/key: "<bucket>/<key>", else "<key>",
  // else a path ending in "/<key>" (preferring one whose parent folder
  // chain ends with the bucket). "" when none.
  std::string Find(std::string_view bucket, std::string_view key) const;

 private:
  std::string root_;
  std::vector<std::string> paths_;
  std::multimap<std::string, size_t, std::less<>> by_name_;  // base name -> index
};

// True when relative path `rel` is where S3 `key` would be stored.
bool PathHoldsKey(std::string_view rel, std::string_view key);

// Reads a whole file. Errors: kNotFound, kIo.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace cirt::collect
