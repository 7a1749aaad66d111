#include "aws/transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

namespace cirt::aws {

namespace {

constexpr std::string_view kTimeoutPrefix = "timeout: ";

struct Collector {
  Response response;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* collector = static_cast<Collector*>(user);
  collector->response.body.append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* collector = static_cast<Collector*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line (after "100 Continue"): start over.
    collector->response.headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  collector->response.headers.emplace(std::string(name), std::string(value));
  return size * count;
}

struct CurlHandle {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  ~CurlHandle() {
    curl_slist_free_all(headers);
    if (curl) curl_easy_cleanup(curl);
  }
};

}  // namespace

Status TimeoutError(std::string message) {
  return Status::Network(std::string(kTimeoutPrefix) + message);
}

bool IsTimeoutError(const Status& status) {
  return status.code() == ErrorCode::kNetwork &&
         status.message().substr(0, kTimeoutPrefix.size()) == kTimeoutPrefix;
}

CurlTransport::CurlTransport(CurlOptions options)
    : options_(std::move(options)) {}

Result<Response> CurlTransport::Send(const Request& request,
                                     const std::string& url) {
  CurlHandle handle;
  if (!handle.curl) return Status::Internal("curl_easy_init failed");
  CURL* curl = handle.curl;
  Collector collector;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!options_.ca_bundle.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  if (options_.total_timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(options_.total_timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collector);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collector);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty() || request.method == "POST" ||
        request.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    }
  }
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's way to send a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    handle.headers = curl_slist_append(handle.headers, line.c_str());
  }
  // Keep libcurl from adding headers we did not sign or want.
  handle.headers = curl_slist_append(handle.headers, "Expect:");
  if (!FindHeader(request.headers, "content-type")) {
    handle.headers = curl_slist_append(handle.headers, "Content-Type:");
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, handle.headers);

  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return TimeoutError(
        fmt::format("{} {}: {}", request.method, url, curl_easy_strerror(rc)));
  }
  if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
    return Status::InvalidArgument(
        fmt::format("bad URL {}: {}", url, curl_easy_strerror(rc)));
  }
  if (rc != CURLE_OK) {
    return Status::Network(
        fmt::format("{} {}: {}", request.method, url, curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  collector.response.status = static_cast<int>(status);
  return std::move(collector.response);
}

void FakeTransport::Enqueue(Result<Response> answer) {
  std::lock_guard<std::mutex> lock(mu_);
  answers_.push_back(std::move(answer));
}

void FakeTransport::Enqueue(int status, std::string body, Headers headers) {
  Enqueue(Response{status, std::move(headers), std::move(body)});
}

void FakeTransport::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

Result<Response> FakeTransport::Send(const Request& request,
                                     const std::string& url) {
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sent_.push_back(Sent{request, url});
    if (!answers_.empty()) {
      Result<Response> answer = std::move(answers_.front());
      answers_.pop_front();
      return answer;
    }
    handler = handler_;
  }
  if (handler) return handler(request, url);
  return Status::Internal(fmt::format(
      "FakeTransport: no answer queued for {} {}", request.method, url));
}

std::vector<FakeTransport::Sent> FakeTransport::sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

size_t FakeTransport::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return answers_.size();
}

}  // namespace cirt::aws
