// src/aws/transport.h
// Transport: sends one already-signed Request to a URL and returns the raw
// HTTP answer, whatever its status. It never retries, never follows
// redirects and never looks inside bodies; the Client does all of that.
// Production uses CurlTransport; unit tests use FakeTransport (recording and
// replaying), like leveldb's Env/memenv.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/request.h"
#include "core/result.h"

namespace cirt::aws {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends `request` (method, headers, body; path and query are already in
  // `url`) and returns the answer for any HTTP status. Errors: kNetwork for
  // DNS/connect/TLS/read failures (timeouts are marked, see IsTimeoutError),
  // kInvalidArgument for an unusable URL. Thread-safe in both
  // implementations.
  virtual Result<Response> Send(const Request& request,
                                const std::string& url) = 0;
};

// A kNetwork Status marked as a timeout (the retry quota charges more).
Status TimeoutError(std::string message);
bool IsTimeoutError(const Status& status);

struct CurlOptions {
  // Default: 10 s. Give up connecting after this long.
  std::chrono::milliseconds connect_timeout{10000};
  // Default: 0 = no limit (S3 downloads can be large). Whole-request limit.
  std::chrono::milliseconds total_timeout{0};
  // Default: 60 s. Abort when fewer than 1 byte/s arrive for this long.
  std::chrono::seconds stall_timeout{60};
  // Default: empty = system store. AWS_CA_BUNDLE / ca_bundle.
  std::string ca_bundle{};
};

// libcurl: TLS peer and host verification always on, http/https only, no
// redirects, no proxies beyond libcurl's own environment handling.
class CurlTransport : public Transport {
 public:
  explicit CurlTransport(CurlOptions options = {});
  Result<Response> Send(const Request& request,
                        const std::string& url) override;

 private:
  CurlOptions options_;
};

// Unit-test transport: records every request and answers from a queue of
// canned results (Enqueue), or from a handler when one is set.
class FakeTransport : public Transport {
 public:
  struct Sent {
    Request request;
    std::string url;
  };
  using Handler =
      std::function<Result<Response>(const Request&, const std::string&)>;

  // Queues the next answer; answers are used in order.
  void Enqueue(Result<Response> answer);
  // Shorthand for a Response with `status` and `body` (and headers).
  void Enqueue(int status, std::string body, Headers headers = {});
  // Answers every request for which the queue is empty.
  void SetHandler(Handler handler);

  Result<Response> Send(const Request& request,
                        const std::string& url) override;

  // Everything sent so far, in order.
  std::vector<Sent> sent() const;
  size_t pending() const;

 private:
  mutable std::mutex mu_;
  std::deque<Result<Response>> answers_;
  Handler handler_;
  std::vector<Sent> sent_;
};

}  // namespace cirt::aws
