// src/aws/client.h
// Client: the one request path. Call() resolves the endpoint, adds Host and
// User-Agent, signs with SigV4 (fresh credentials and time per attempt),
// sends through the Transport, turns non-2xx answers into AwsError statuses
// with the request's protocol decoder, and retries per the standard mode.
// Service files (services/*.cc) build Requests and decode Responses; they
// never sign, send or retry themselves.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "aws/client_options.h"
#include "aws/credentials_value.h"
#include "aws/request.h"
#include "aws/retry.h"
#include "aws/transport.h"
#include "core/result.h"

namespace cirt::aws {

class CredentialsProvider;

class Client {
 public:
  // `credentials` and `transport` must outlive the Client. Thread-safe: Call
  // may run concurrently (the retry quota is shared and locked).
  Client(ClientOptions options, CredentialsProvider& credentials,
         Transport& transport);

  // Sends `request` and returns the 2xx Response. Besides the standard
  // retries, two authentication failures are corrected once per call: a
  // clock-skew error whose Date header shows our clock > 4 min off (later
  // calls keep the correction) and an expired-token error (the credentials
  // provider is invalidated and asked again). S3 answers naming another
  // bucket region (x-amz-bucket-region) are followed once. Errors: kAws
  // (AwsError via GetAwsError) for error answers, kNetwork for transport
  // failures after retries, kInvalidArgument for an unresolvable endpoint or
  // region, and whatever the credentials provider returns.
  Result<Response> Call(Request original);

  // Region used when a Request has none.
  const std::string& region() const { return options_.region; }
  int retry_quota_available() const { return quota_.available(); }

 private:
  // A request ready to sign: endpoint resolved for `region`, S3 bucket
  // placed in host or path, Host/User-Agent set, full URL built.
  struct Addressed {
    Endpoint endpoint;
    Request request;
    std::string url;
  };
  Result<Addressed> Address(const Request& original,
                            const std::string& region) const;

  // The server's clock minus ours when an answer proves ours is off by
  // more than a few minutes (from its Date header); nullopt otherwise.
  std::optional<std::chrono::milliseconds> SkewFrom(
      const Response& response) const;

  ClientOptions options_;
  CredentialsProvider& credentials_;
  Transport& transport_;
  RetryQuota quota_;
  // Added to the signing time once a skew was detected; shared by calls.
  std::atomic<int64_t> clock_skew_ms_{0};
};

// Redacted, human-readable forms used by the --debug hook (exposed so tests
// can prove the redaction on real signed requests). `credentials`, when
// given, also has its secret and token values masked wherever they appear.
std::string DescribeRequestForLog(const Request& request,
                                  const std::string& url,
                                  const Credentials* credentials);
std::string DescribeResponseForLog(const Response& response,
                                   const Credentials* credentials);

// Masks secrets inside a body: XML elements and JSON fields named
// SecretAccessKey, SessionToken, Token, secretAccessKey, sessionToken,
// accessToken, and form fields WebIdentityToken and Password
// (CreateLoginProfile).
std::string RedactBody(std::string_view body);

}  // namespace cirt::aws
