// src/io/sha256.h
// SHA-256 of evidence bytes (OpenSSL): the one hash helper, shared by
// collect/ (manifests, digest validation) and store/ (ingested files).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace cirt::io {

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Incremental SHA-256 (for large files). Not thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view bytes);
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);

}  // namespace cirt::io
