// src/aws/client.h
// Client: the one request path. Call() resolves the endpoint, adds Host and
// User-Agent, signs with SigV4 (fresh credentials and time per attempt),
// sends through the Transport, turns non-2xx answers into AwsError statuses
// with the request's protocol decoder, and retries per the standard mode.
// Service files (services/*.cc) build Requests and decode Responses; they
// never sign, send or retry themselves.
#pragma once

#include <memory>
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

  // Sends `request` and returns the 2xx Response. Errors: kAws (AwsError via
  // GetAwsError) for error answers, kNetwork for transport failures after
  // retries, kInvalidArgument for an unresolvable endpoint or region, and
  // whatever the credentials provider returns.
  Result<Response> Call(Request request);

  // Region used when a Request has none.
  const std::string& region() const { return options_.region; }
  int retry_quota_available() const { return quota_.available(); }

 private:
  ClientOptions options_;
  CredentialsProvider& credentials_;
  Transport& transport_;
  RetryQuota quota_;
};

// Redacted, human-readable forms used by the --debug hook (exposed so tests
// can prove the redaction on real signed requests). `credentials`, when
// given, also has its secret and token values masked wherever they appear.
std::string DescribeRequestForLog(const Request& request, const std::string& url,
                                  const Credentials* credentials);
std::string DescribeResponseForLog(const Response& response,
                                   const Credentials* credentials);

// Masks secrets inside a body: XML elements and JSON fields named
// SecretAccessKey, SessionToken, Token, secretAccessKey, sessionToken,
// accessToken, and form fields WebIdentityToken.
std::string RedactBody(std::string_view body);

}  // namespace cirt::aws
