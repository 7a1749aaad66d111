#include "aws/signer.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

namespace cirt::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// Headers that proxies and HTTP stacks rewrite; signing them breaks requests
// for no security gain (botocore leaves out the same ones).
constexpr std::string_view kUnsignedHeaders[] = {"authorization", "user-agent",
                                                 "expect", "x-amzn-trace-id"};

std::string ToHex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &out_len);
  return std::string(reinterpret_cast<char*>(out), out_len);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Trims and collapses every run of whitespace (including the line breaks
// of folded header values) to one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool IsSignedHeader(const std::string& lower_name) {
  return std::find(std::begin(kUnsignedHeaders), std::end(kUnsignedHeaders),
                   lower_name) == std::end(kUnsignedHeaders);
}

struct CanonicalHeaders {
  std::string block;           // "name:value\n" lines
  std::string signed_headers;  // "host;x-amz-date"
};

CanonicalHeaders BuildCanonicalHeaders(const Headers& headers) {
  // Headers is ordered case-insensitively, which for ASCII names is the
  // order of the lower-cased names SigV4 wants.
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& [name, value] : headers) {
    std::string lower = ToLower(name);
    if (!IsSignedHeader(lower)) continue;
    std::string canon = CanonicalHeaderValue(value);
    if (!merged.empty() && merged.back().first == lower) {
      merged.back().second += "," + canon;
    } else {
      merged.emplace_back(std::move(lower), std::move(canon));
    }
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.block += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
  }
  return out;
}

std::string CanonicalQuery(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name), UriEncode(value));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

// RFC 3986 section 5.2.4 plus collapsing empty segments ("//"), keeping a
// trailing slash.
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  bool trailing_slash = false;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view segment = path.substr(pos, next - pos);
    bool last = next >= path.size();
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else if (segment == ".") {
      trailing_slash = last;
    } else if (segment.empty()) {
      trailing_slash = last;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    pos = next + 1;
  }
  std::string out;
  for (std::string_view segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

std::string DateStamp(std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8));
}

std::string SigningKey(const Credentials& credentials, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string key =
      HmacSha256("AWS4" + credentials.secret_access_key.Reveal(), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, "aws4_request");
}

Status CheckInputs(const Request& request, const Credentials& credentials,
                   const SigningParams& params) {
  if (!FindHeader(request.headers, "host")) {
    return Status::InvalidArgument("SigV4: request has no Host header");
  }
  if (credentials.access_key_id.empty()) {
    return Status::InvalidArgument("SigV4: credentials have no access key id");
  }
  if (params.region.empty() || params.service.empty()) {
    return Status::InvalidArgument(
        "SigV4: signing region and service are required");
  }
  return Status::Ok();
}

// Everything after the inputs are prepared: canonical request, string to
// sign, signature.
SigningResult Compute(const Request& request, const Credentials& credentials,
                      const SigningParams& params, std::string_view amz_date,
                      std::string_view payload_hash) {
  SigningResult result;
  CanonicalHeaders headers = BuildCanonicalHeaders(request.headers);
  result.canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method,
                  CanonicalUri(request.path, params.normalize_path),
                  CanonicalQuery(request.query), headers.block,
                  headers.signed_headers, payload_hash);
  std::string date = DateStamp(amz_date);
  std::string scope =
      fmt::format("{}/{}/{}/aws4_request", date, params.region, params.service);
  result.string_to_sign =
      fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope,
                  Sha256Hex(result.canonical_request));
  std::string key =
      SigningKey(credentials, date, params.region, params.service);
  std::string raw = HmacSha256(key, result.string_to_sign);
  result.signature =
      ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  result.authorization =
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}",
                  kAlgorithm, credentials.access_key_id, scope,
                  headers.signed_headers, result.signature);
  return result;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return ToHex(digest, size);
}

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalUri(std::string_view wire_path, bool normalize) {
  if (wire_path.empty()) return "/";
  if (normalize) return UriEncode(RemoveDotSegments(wire_path), true);
  // S3: the path is signed as the key is named, encoded exactly once.
  return UriEncode(UriDecode(wire_path), true);
}

Result<SigningResult> SignRequest(Request& request,
                                  const Credentials& credentials,
                                  const SigningParams& params) {
  CIRT_RETURN_IF_ERROR(CheckInputs(request, credentials, params));
  std::string amz_date = FormatAmzDate(params.time);
  request.headers.erase("authorization");
  SetHeader(request.headers, "X-Amz-Date", amz_date);
  bool has_token = !credentials.session_token.empty();
  if (has_token) {
    if (params.sign_session_token) {
      SetHeader(request.headers, "X-Amz-Security-Token",
                credentials.session_token.Reveal());
    } else {
      request.headers.erase("x-amz-security-token");
    }
  }
  std::string payload_hash;
  switch (params.payload) {
    case PayloadSigning::kHash:
      payload_hash = Sha256Hex(request.body);
      break;
    case PayloadSigning::kHashWithHeader:
      payload_hash = Sha256Hex(request.body);
      SetHeader(request.headers, "X-Amz-Content-SHA256", payload_hash);
      break;
    case PayloadSigning::kUnsignedWithHeader:
      payload_hash = std::string(kUnsignedPayload);
      SetHeader(request.headers, "X-Amz-Content-SHA256", payload_hash);
      break;
  }
  SigningResult result =
      Compute(request, credentials, params, amz_date, payload_hash);
  SetHeader(request.headers, "Authorization", result.authorization);
  if (has_token && !params.sign_session_token) {
    SetHeader(request.headers, "X-Amz-Security-Token",
              credentials.session_token.Reveal());
  }
  return result;
}

Result<SigningResult> PresignRequest(Request& request,
                                     const Credentials& credentials,
                                     const SigningParams& params,
                                     std::chrono::seconds expires) {
  CIRT_RETURN_IF_ERROR(CheckInputs(request, credentials, params));
  std::string amz_date = FormatAmzDate(params.time);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", DateStamp(amz_date),
                                  params.region, params.service);
  CanonicalHeaders headers = BuildCanonicalHeaders(request.headers);
  for (std::string_view name :
       {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
        "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"}) {
    request.query.erase(std::string(name));
  }
  request.query.emplace("X-Amz-Algorithm", std::string(kAlgorithm));
  request.query.emplace("X-Amz-Credential",
                        credentials.access_key_id + "/" + scope);
  request.query.emplace("X-Amz-Date", amz_date);
  request.query.emplace("X-Amz-Expires", std::to_string(expires.count()));
  request.query.emplace("X-Amz-SignedHeaders", headers.signed_headers);
  bool has_token = !credentials.session_token.empty();
  if (has_token && params.sign_session_token) {
    request.query.emplace("X-Amz-Security-Token",
                          credentials.session_token.Reveal());
  }
  std::string payload_hash =
      params.payload == PayloadSigning::kUnsignedWithHeader
          ? std::string(kUnsignedPayload)
          : Sha256Hex(request.body);
  SigningResult result =
      Compute(request, credentials, params, amz_date, payload_hash);
  result.authorization.clear();
  request.query.emplace("X-Amz-Signature", result.signature);
  if (has_token && !params.sign_session_token) {
    request.query.emplace("X-Amz-Security-Token",
                          credentials.session_token.Reveal());
  }
  return result;
}

}  // namespace cirt::aws
