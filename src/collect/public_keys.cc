#include "collect/public_keys.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "collect/local_files.h"

namespace cirt::collect {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status LoadKeyList(const nlohmann::json& list, PublicKeyStore* store) {
  if (!list.is_array()) return Status::Corrupt("PublicKeyList is not an array");
  for (const auto& entry : list) {
    if (!entry.is_object() || !entry.contains("Value") || !entry["Value"].is_string())
      return Status::Corrupt("public key entry has no Value");
    CIRT_ASSIGN_OR_RETURN(std::string der, Base64Decode(entry["Value"].get<std::string>()));
    CIRT_ASSIGN_OR_RETURN(PublicKey key, PublicKey::Parse(der));
    std::string fingerprint;
    if (entry.contains("Fingerprint") && entry["Fingerprint"].is_string())
      fingerprint = entry["Fingerprint"].get<std::string>();
    store->Add(std::move(key), fingerprint);
  }
  return Status::Ok();
}

}  // namespace

void PublicKeyStore::Add(PublicKey key, std::string_view fingerprint) {
  size_t index = keys_.size();
  for (const std::string& f : key.Fingerprints()) by_fingerprint_.emplace(f, index);
  if (!fingerprint.empty()) by_fingerprint_.emplace(Lower(fingerprint), index);
  keys_.push_back(std::move(key));
}

Status PublicKeyStore::LoadJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corrupt("public keys are not a JSON object");
  bool found = false;
  for (const char* name : {"PublicKeyList", "publicKeyList"}) {
    if (j.contains(name)) {
      CIRT_RETURN_IF_ERROR(LoadKeyList(j[name], this));
      found = true;
    }
  }
  if (j.contains("regions")) {
    if (!j["regions"].is_array()) return Status::Corrupt("public keys: regions is not an array");
    for (const auto& region : j["regions"]) {
      if (region.is_object() && region.contains("PublicKeyList")) {
        CIRT_RETURN_IF_ERROR(LoadKeyList(region["PublicKeyList"], this));
      }
    }
    found = true;
  }
  if (!found) return Status::Corrupt("no PublicKeyList in public keys JSON");
  return Status::Ok();
}

Status PublicKeyStore::LoadFile(const std::string& path) {
  Result<std::string> read = ReadWholeFile(path);
  if (!read.ok()) return read.status();
  const std::string& text = *read;
  size_t first = text.find_first_not_of(" \t\r\n");
  Status status;
  if (first != std::string::npos && text[first] == '{') {
    status = LoadJson(text);
  } else {
    Result<PublicKey> key = PublicKey::Parse(text);
    if (key.ok()) {
      Add(std::move(key).value());
    } else {
      status = key.status();
    }
  }
  return status.WithFile(path);
}

const PublicKey* PublicKeyStore::Find(std::string_view fingerprint) const {
  auto it = by_fingerprint_.find(Lower(fingerprint));
  return it == by_fingerprint_.end() ? nullptr : &keys_[it->second];
}

}  // namespace cirt::collect
