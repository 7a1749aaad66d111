#include "aws/client.h"

#include <cctype>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/protocol/errors.h"
#include "aws/signer.h"

namespace cirt::aws {

namespace {

constexpr size_t kMaxLoggedBody = 4096;

// Field names whose values are secrets in AWS answers and requests.
constexpr std::string_view kSecretFields[] = {
    "SecretAccessKey", "SessionToken", "Token", "secretAccessKey",
    "sessionToken",    "accessToken",  "WebIdentityToken", "SecretKey"};

bool IsDnsCompatibleBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    // Dots break TLS wildcard certificates: use path-style for them.
    if (!ok) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

void ReplaceAll(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  size_t pos = 0;
  while ((pos = text.find(what, pos)) != std::string::npos) {
    text.replace(pos, what.size(), with);
    pos += with.size();
  }
}

void MaskKnownSecrets(std::string& text, const Credentials* credentials) {
  if (credentials == nullptr) return;
  ReplaceAll(text, credentials->secret_access_key.Reveal(), "***");
  ReplaceAll(text, credentials->session_token.Reveal(), "***");
}

// Masks the value after each occurrence of `open` up to the first of
// `terminators`.
void MaskAfter(std::string& text, std::string_view open,
               std::string_view terminators) {
  size_t pos = 0;
  while ((pos = text.find(open, pos)) != std::string::npos) {
    size_t start = pos + open.size();
    size_t end = text.find_first_of(terminators, start);
    if (end == std::string::npos) end = text.size();
    text.replace(start, end - start, "***");
    pos = start + 3;
  }
}

std::string RedactHeaderValue(std::string_view name, const std::string& value) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "authorization") {
    // Keep the key id and the signed headers (useful, not secret).
    size_t sig = value.find("Signature=");
    if (sig == std::string::npos) return "***";
    return value.substr(0, sig) + "Signature=***";
  }
  if (lower == "x-amz-security-token" || lower == "x-aws-ec2-metadata-token" ||
      lower == "x-amz-sso_bearer_token") {
    return "***";
  }
  return value;
}

std::string RedactQueryValue(std::string_view name, const std::string& value) {
  if (name == "X-Amz-Signature" || name == "X-Amz-Security-Token") return "***";
  return value;
}

}  // namespace

std::string RedactBody(std::string_view body) {
  std::string out(body);
  for (std::string_view field : kSecretFields) {
    MaskAfter(out, fmt::format("<{}>", field), "<");
    MaskAfter(out, fmt::format("\"{}\":\"", field), "\"");
    MaskAfter(out, fmt::format("\"{}\": \"", field), "\"");
    MaskAfter(out, fmt::format("{}=", field), "&");
  }
  return out;
}

std::string DescribeRequestForLog(const Request& request, const std::string& url,
                                  const Credentials* credentials) {
  // Rebuild the URL from the parameters so query secrets can be masked.
  std::string base = url.substr(0, url.find('?'));
  QueryParams redacted_query;
  for (const auto& [name, value] : request.query) {
    redacted_query.emplace(name, RedactQueryValue(name, value));
  }
  std::string out = fmt::format("request: {} {}", request.method, base);
  if (!redacted_query.empty()) out += "?" + EncodeQuery(redacted_query);
  out += "\n";
  for (const auto& [name, value] : request.headers) {
    out += fmt::format("{}: {}\n", name, RedactHeaderValue(name, value));
  }
  if (!request.body.empty()) {
    out += "\n" + RedactBody(request.body.substr(0, kMaxLoggedBody));
    if (request.body.size() > kMaxLoggedBody) out += "...";
  }
  MaskKnownSecrets(out, credentials);
  return out;
}

std::string DescribeResponseForLog(const Response& response,
                                   const Credentials* credentials) {
  std::string out = fmt::format("response: HTTP {}\n", response.status);
  for (const auto& [name, value] : response.headers) {
    out += fmt::format("{}: {}\n", name, RedactHeaderValue(name, value));
  }
  if (!response.body.empty()) {
    out += "\n" + RedactBody(response.body.substr(0, kMaxLoggedBody));
    if (response.body.size() > kMaxLoggedBody) out += "...";
  }
  MaskKnownSecrets(out, credentials);
  return out;
}

Client::Client(ClientOptions options, CredentialsProvider& credentials,
               Transport& transport)
    : options_(std::move(options)),
      credentials_(credentials),
      transport_(transport),
      quota_(options_.retry.quota_capacity) {
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds delay) {
      std::this_thread::sleep_for(delay);
    };
  }
  if (!options_.random) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    auto mu = std::make_shared<std::mutex>();
    options_.random = [engine, mu]() {
      std::lock_guard<std::mutex> lock(*mu);
      return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
  }
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
}

Result<Response> Client::Call(Request request) {
  std::string region = request.region.empty() ? options_.region : request.region;
  CIRT_ASSIGN_OR_RETURN(Endpoint endpoint,
                        options_.endpoints.Resolve(request.service, region));
  bool is_s3 = request.service == "s3";
  std::string host = endpoint.host;
  std::string path = request.path.empty() ? "/" : request.path;
  if (is_s3 && !endpoint.custom) {
    // Virtual-hosted style for DNS-safe bucket names; path-style otherwise
    // and whenever a custom endpoint is configured (moto, LocalStack).
    size_t end = path.find('/', 1);
    std::string bucket = path.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    if (IsDnsCompatibleBucket(bucket)) {
      host = bucket + "." + host;
      path = end == std::string::npos ? "/" : path.substr(end);
    }
  }
  request.path = endpoint.base_path + path;
  SetHeader(request.headers, "Host", host);
  SetHeader(request.headers, "User-Agent", options_.user_agent);
  std::string url = endpoint.scheme + "://" + host + request.path;
  if (!request.query.empty()) url += "?" + EncodeQuery(request.query);

  RetryState retry(options_.retry, quota_, options_.random);
  for (int attempt = 1;; ++attempt) {
    Request signed_request = request;
    Credentials credentials;
    if (!request.anonymous) {
      CIRT_ASSIGN_OR_RETURN(credentials, credentials_.Resolve());
      SigningParams params{
          .region = endpoint.signing_region,
          .service = request.service,
          .time = options_.clock(),
          .normalize_path = !is_s3,
          .payload = is_s3 ? PayloadSigning::kHashWithHeader : PayloadSigning::kHash,
      };
      CIRT_ASSIGN_OR_RETURN(SigningResult signing,
                            SignRequest(signed_request, credentials, params));
      (void)signing;
    }
    if (options_.debug_log) {
      options_.debug_log(DescribeRequestForLog(signed_request, url, &credentials));
    }
    Result<Response> sent = transport_.Send(signed_request, url);
    Status failure;
    if (sent.ok()) {
      if (options_.debug_log) {
        options_.debug_log(DescribeResponseForLog(*sent, &credentials));
      }
      if (sent->status >= 200 && sent->status < 300) {
        retry.OnSuccess();
        return sent;
      }
      failure = ToStatus(DecodeErrorResponse(request.protocol, *sent));
    } else {
      failure = sent.status();
      if (options_.debug_log) {
        options_.debug_log("transport error: " + failure.ToString());
      }
    }
    std::optional<std::chrono::milliseconds> delay = retry.OnFailure(attempt, failure);
    if (!delay) return failure;
    if (options_.debug_log) {
      options_.debug_log(fmt::format("retry: attempt {} failed, waiting {} ms",
                                     attempt, delay->count()));
    }
    options_.sleep(*delay);
  }
}

}  // namespace cirt::aws
