// src/aws/request.h
// The one shape every AWS call takes on its way through cirt:
// Request -> Signer -> Transport -> Response -> protocol decoder.
// A Request is built by a protocol helper (protocol/*.h) and a service
// file (services/*.cc); the Client fills in the endpoint, signs and sends it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cirt::aws {

// Orders header names case-insensitively (ASCII), so "Host" and "host" are
// the same key while the spelling of the first insertion is kept.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};

// HTTP headers. Repeated names keep their insertion order.
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;

// Query parameters, *decoded* (the transport and signer encode them).
// Ordered by name; repeated names keep their insertion order.
using QueryParams = std::multimap<std::string, std::string>;

// Wire protocol of a service; selects the error decoder.
enum class Protocol : uint8_t { kQueryXml, kJson, kRestJson, kRestXml };

struct Request {
  std::string service;  // signing name: "iam", "s3", "sts", "guardduty"...
  std::string region;   // signing region; empty = the client's region
  std::string method = "GET";
  // The path as sent on the wire, already percent-encoded (use UriEncode for
  // user values such as S3 keys), always starting with '/'. For S3 it is
  // path-style "/bucket/key"; the client moves the bucket into the host
  // when virtual-host addressing applies.
  std::string path = "/";
  QueryParams query;
  Headers headers;
  std::string body;
  Protocol protocol = Protocol::kQueryXml;
  // When true the request is sent without SigV4 (STS
  // AssumeRoleWithWebIdentity).
  bool anonymous = false;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

// Returns the first value of header `name`, or nullopt.
std::optional<std::string> FindHeader(const Headers& headers,
                                      std::string_view name);

// The AWS request id of an answer (x-amzn-RequestId, x-amz-request-id or
// x-amzn-request-id), "" when it carries none.
std::string RequestIdOf(const Response& response);

// Replaces every value of header `name` with `value`.
void SetHeader(Headers& headers, std::string_view name, std::string value);

// RFC 3986 percent-encoding as SigV4 wants it: every byte except
// A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex). '/' is kept when
// `keep_slash` (paths) and encoded otherwise (query names and values).
std::string UriEncode(std::string_view in, bool keep_slash = false);

// Decodes %XX escapes; '+' stays '+'. Malformed escapes are kept verbatim.
std::string UriDecode(std::string_view in);

// "a=1&b=2" from decoded params, names and values UriEncode'd, in the
// map's order (used for bodies of query-protocol POSTs and for URLs).
std::string EncodeQuery(const QueryParams& params);

}  // namespace cirt::aws
