// src/collect/parallel_hash.h
// SHA-256 of many files on a small pool of threads (cirt verify): each
// worker reads one whole file at a time, optionally transforms it (gunzip
// for CloudTrail logs), and hashes it. Results come back in input order, so
// reports stay deterministic whatever the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace cirt::collect {

struct FileHash {
  Status status;       // kNotFound/kIo (unreadable) or what `transform` returned
  std::string sha256;  // lower-case hex of the (transformed) bytes; "" on error
  uint64_t size = 0;   // bytes read from disk
};

// Hashes `paths` with `jobs` threads (0 = hardware concurrency, at most 16).
// `transform`, when given, maps the bytes read to the bytes hashed; it must
// be thread-safe.
std::vector<FileHash> HashFiles(
    const std::vector<std::string>& paths, unsigned jobs,
    const std::function<Result<std::string>(std::string)>& transform = {});

}  // namespace cirt::collect
