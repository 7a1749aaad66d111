// src/collect/public_keys.h
// The CloudTrail public keys a verification may use, indexed by fingerprint.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collect/crypto.h"
#include "core/result.h"

namespace cirt::collect {

class PublicKeyStore {
 public:
  // Adds `key` under its computed fingerprints and under `fingerprint` (the
  // one ListPublicKeys reported) when not empty.
  void Add(PublicKey key, std::string_view fingerprint = "");

  // Loads a key file: a ListPublicKeys-style JSON document (see
  // LoadJson), else one PEM, base64 DER or DER key.
  // Errors: kNotFound/kIo (file), kCorrupt (content; context names the file).
  Status LoadFile(const std::string& path);

  // Loads the keys of a JSON document: {"PublicKeyList": [...]} (ListPublicKeys'
  // answer; "publicKeyList" too) or cirt's public-keys.json {"regions": [{"region":
  // ..., "PublicKeyList": [...]}]}. Each entry: {"Value": base64 DER,
  // "Fingerprint": hex, ...}. Errors: kCorrupt.
  Status LoadJson(std::string_view text);

  // The key for a digest's digestPublicKeyFingerprint (case-insensitive), or nullptr.
  const PublicKey* Find(std::string_view fingerprint) const;
  size_t size() const { return keys_.size(); }

 private:
  std::vector<PublicKey> keys_;
  std::map<std::string, size_t> by_fingerprint_;
};

}  // namespace cirt::collect
