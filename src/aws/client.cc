#include "aws/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <random>
#include <thread>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/protocol/errors.h"
#include "aws/signer.h"
#include "aws/timestamp.h"

namespace cirt::aws {

namespace {

constexpr size_t kMaxLoggedBody = 4096;

// Servers reject signatures more than 15 minutes off; correct well before
// that, but not for ordinary jitter between clocks.
constexpr std::chrono::minutes kSkewThreshold{4};

// Codes meaning "your signing time is off" (botocore's clock-skew set).
constexpr std::string_view kClockSkewCodes[] = {
    "RequestTimeTooSkewed",      "RequestExpired",        "RequestInTheFuture",
    "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"};
// Codes meaning "your temporary credentials have expired".
constexpr std::string_view kExpiredCredentialsCodes[] = {
    "ExpiredToken", "ExpiredTokenException", "RequestExpired"};

bool IsClockSkewCode(std::string_view code) {
  return std::find(std::begin(kClockSkewCodes), std::end(kClockSkewCodes),
                   code) != std::end(kClockSkewCodes);
}

bool IsExpiredCredentialsCode(std::string_view code) {
  return std::find(std::begin(kExpiredCredentialsCodes),
                   std::end(kExpiredCredentialsCodes),
                   code) != std::end(kExpiredCredentialsCodes);
}

// Field names whose values are secrets in AWS answers and requests.
constexpr std::string_view kSecretFields[] = {
    "SecretAccessKey",  "SessionToken", "Token",
    "secretAccessKey",  "sessionToken", "accessToken",
    "WebIdentityToken", "SecretKey",    "Password"};

bool IsDnsCompatibleBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    // Dots break TLS wildcard certificates: use path-style for them.
    if (!ok) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

void ReplaceAll(std::string& text, std::string_view what,
                std::string_view with) {
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
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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

std::string DescribeRequestForLog(const Request& request,
                                  const std::string& url,
                                  const Credentials* credentials) {
  // Rebuild the URL from the parameters so query secrets can be masked.
  std::string base = url.substr(0, url.find('?'));
  QueryParams redacted_query;
  for (const auto& [name, value] : request.query) {
    redacted_query.emplace(name, RedactQueryValue(name, value));
  }
  std::string out = fmt::format("request: {} {}", request.method, base);
  if (!redacted_query.empty()) {
    out.push_back('?');
    out += EncodeQuery(redacted_query);
  }
  out += "\n";
  for (const auto& [name, value] : request.headers) {
    out += fmt::format("{}: {}\n", name, RedactHeaderValue(name, value));
  }
  if (!request.body.empty()) {
    out.push_back('\n');
    out += RedactBody(request.body.substr(0, kMaxLoggedBody));
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
    out.push_back('\n');
    out += RedactBody(response.body.substr(0, kMaxLoggedBody));
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
  if (!options_.clock)
    options_.clock = [] { return std::chrono::system_clock::now(); };
}

Result<Client::Addressed> Client::Address(const Request& original,
                                          const std::string& region) const {
  Addressed out;
  CIRT_ASSIGN_OR_RETURN(out.endpoint,
                        options_.endpoints.Resolve(original.service, region));
  out.request = original;
  std::string host = out.endpoint.host;
  std::string path = original.path.empty() ? "/" : original.path;
  if (original.service == "s3" && !out.endpoint.custom) {
    // Virtual-hosted style for DNS-safe bucket names; path-style otherwise
    // and whenever a custom endpoint is configured (moto, LocalStack).
    size_t end = path.find('/', 1);
    std::string bucket =
        path.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    if (IsDnsCompatibleBucket(bucket)) {
      host = fmt::format("{}.{}", bucket, host);
      path = end == std::string::npos ? "/" : path.substr(end);
    }
  }
  out.request.path = out.endpoint.base_path + path;
  SetHeader(out.request.headers, "Host", host);
  SetHeader(out.request.headers, "User-Agent", options_.user_agent);
  out.url =
      fmt::format("{}://{}{}", out.endpoint.scheme, host, out.request.path);
  if (!out.request.query.empty()) {
    out.url.push_back('?');
    out.url += EncodeQuery(out.request.query);
  }
  return out;
}

Result<Response> Client::Call(Request original) {
  std::string region =
      original.region.empty() ? options_.region : original.region;
  CIRT_ASSIGN_OR_RETURN(Addressed addressed, Address(original, region));
  const bool is_s3 = original.service == "s3";
  bool followed_region = false;
  RetryState retry(options_.retry, quota_, options_.random);
  bool refreshed_credentials = false;
  bool corrected_clock = false;
  for (int attempt = 1;;) {
    const Request& request = addressed.request;
    Request signed_request = request;
    Credentials credentials;
    if (!request.anonymous) {
      CIRT_ASSIGN_OR_RETURN(credentials, credentials_.Resolve());
      SigningParams params{
          .region = addressed.endpoint.signing_region,
          .service = request.service,
          .time = options_.clock() +
                  std::chrono::milliseconds(clock_skew_ms_.load()),
          .normalize_path = !is_s3,
          .payload =
              is_s3 ? PayloadSigning::kHashWithHeader : PayloadSigning::kHash,
      };
      CIRT_RETURN_IF_ERROR(
          SignRequest(signed_request, credentials, params).status());
    }
    if (options_.debug_log) {
      options_.debug_log(
          DescribeRequestForLog(signed_request, addressed.url, &credentials));
    }
    Result<Response> sent = transport_.Send(signed_request, addressed.url);
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
      std::string code = AwsErrorCode(failure);
      // Three answers are acted on once per call, outside the retry budget.
      // S3 names the bucket's region when we asked the wrong one
      // (PermanentRedirect, AuthorizationHeaderMalformed): go there once.
      std::optional<std::string> bucket_region =
          FindHeader(sent->headers, "x-amz-bucket-region");
      if (is_s3 && !followed_region && bucket_region &&
          !bucket_region->empty() &&
          *bucket_region != addressed.endpoint.signing_region) {
        CIRT_ASSIGN_OR_RETURN(addressed, Address(original, *bucket_region));
        followed_region = true;
        if (options_.debug_log) {
          options_.debug_log(
              fmt::format("bucket is in {}; sending there", *bucket_region));
        }
        continue;
      }
      // Our clock is off: re-sign with the server's time.
      if (!request.anonymous && !corrected_clock && IsClockSkewCode(code)) {
        if (std::optional<std::chrono::milliseconds> skew = SkewFrom(*sent)) {
          clock_skew_ms_.store(skew->count());
          corrected_clock = true;
          if (options_.debug_log) {
            options_.debug_log(fmt::format(
                "clock skew of {} ms detected; signing again", skew->count()));
          }
          continue;
        }
      }
      // Temporary credentials expired: fetch new ones.
      if (!request.anonymous && !refreshed_credentials &&
          IsExpiredCredentialsCode(code)) {
        credentials_.Invalidate();
        refreshed_credentials = true;
        if (options_.debug_log) {
          options_.debug_log("credentials expired; refreshing them once");
        }
        continue;
      }
    } else {
      failure = sent.status();
      if (options_.debug_log) {
        options_.debug_log("transport error: " + failure.ToString());
      }
    }
    std::optional<std::chrono::milliseconds> delay =
        retry.OnFailure(attempt, failure);
    if (!delay) return failure;
    if (options_.debug_log) {
      options_.debug_log(fmt::format("retry: attempt {} failed, waiting {} ms",
                                     attempt, delay->count()));
    }
    options_.sleep(*delay);
    ++attempt;
  }
}

std::optional<std::chrono::milliseconds> Client::SkewFrom(
    const Response& response) const {
  std::optional<std::string> date = FindHeader(response.headers, "date");
  if (!date) return std::nullopt;
  Result<std::chrono::system_clock::time_point> server = ParseHttpDate(*date);
  if (!server.ok()) return std::nullopt;
  auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(
      *server - options_.clock());
  if (std::chrono::abs(skew) < kSkewThreshold) return std::nullopt;
  return skew;
}

}  // namespace cirt::aws
