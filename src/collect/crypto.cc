#include "collect/crypto.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>

namespace cirt::collect {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string Md5Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_md5(), nullptr) != 1) return "";
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

// DER as PKCS#1 RSAPublicKey, then as SubjectPublicKeyInfo; nullptr if neither.
EVP_PKEY* ParseDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (key && p == reinterpret_cast<const unsigned char*>(der.data() + der.size())) return key;
  EVP_PKEY_free(key);
  p = reinterpret_cast<const unsigned char*>(der.data());
  key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
  if (key && p == reinterpret_cast<const unsigned char*>(der.data() + der.size())) return key;
  EVP_PKEY_free(key);
  return nullptr;
}

}  // namespace

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::Corrupt("hex string of odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::Corrupt("not a hex string");
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (IsSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int v = Base64Value(c);
    if (v < 0 || padding > 0) return Status::Corrupt("not base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (padding > 2 || bits >= 6) return Status::Corrupt("truncated base64");
  return out;
}

PublicKey::PublicKey(PublicKey&& other) noexcept : key_(other.key_) { other.key_ = nullptr; }
PublicKey& PublicKey::operator=(PublicKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = other.key_;
    other.key_ = nullptr;
  }
  return *this;
}
PublicKey::~PublicKey() { EVP_PKEY_free(key_); }

Result<PublicKey> PublicKey::Parse(std::string_view input) {
  std::string der;
  size_t begin = input.find("-----BEGIN ");
  if (begin != std::string_view::npos) {
    size_t body = input.find('\n', begin);
    size_t end = input.find("-----END ", begin);
    if (body == std::string_view::npos || end == std::string_view::npos || end < body) {
      return Status::Corrupt("malformed PEM public key");
    }
    CIRT_ASSIGN_OR_RETURN(der, Base64Decode(input.substr(body, end - body)));
  } else if (!input.empty() && static_cast<unsigned char>(input[0]) == 0x30) {
    der = std::string(input);  // DER: a SEQUENCE
  } else {
    CIRT_ASSIGN_OR_RETURN(der, Base64Decode(input));
  }
  EVP_PKEY* key = ParseDer(der);
  if (key == nullptr)
    return Status::Corrupt("not an RSA public key (PKCS#1 or SubjectPublicKeyInfo)");
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    return Status::Unsupported("public key is not RSA");
  }
  return PublicKey(key);
}

std::vector<std::string> PublicKey::Fingerprints() const {
  std::vector<std::string> out;
  unsigned char* der = nullptr;
  int len = i2d_PublicKey(key_, &der);
  if (len > 0) out.push_back(Md5Hex(std::string_view(reinterpret_cast<char*>(der), len)));
  OPENSSL_free(der);
  der = nullptr;
  len = i2d_PUBKEY(key_, &der);
  if (len > 0) out.push_back(Md5Hex(std::string_view(reinterpret_cast<char*>(der), len)));
  OPENSSL_free(der);
  return out;
}

bool PublicKey::VerifySha256Rsa(std::string_view message, std::string_view signature) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
            EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace cirt::collect
