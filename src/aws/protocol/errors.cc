#include "aws/protocol/errors.h"

#include <fmt/format.h>

#include "aws/protocol/json.h"
#include "aws/protocol/query_xml.h"
#include "aws/protocol/rest_json.h"
#include "aws/protocol/rest_xml.h"
#include "aws/retry.h"

namespace cirt::aws {

AwsError DecodeErrorResponse(Protocol protocol, const Response& response) {
  AwsError error;
  switch (protocol) {
    case Protocol::kQueryXml:
      error = DecodeQueryXmlError(response);
      break;
    case Protocol::kJson:
      error = DecodeJsonError(response);
      break;
    case Protocol::kRestJson:
      error = DecodeRestJsonError(response);
      break;
    case Protocol::kRestXml:
      error = DecodeRestXmlError(response);
      break;
  }
  error.http_status = response.status;
  if (error.request_id.empty()) {
    error.request_id = detail::RequestIdFromHeaders(response.headers);
  }
  error.retryable = IsRetryableError(error.http_status, error.code);
  return error;
}

namespace detail {

std::string RequestIdFromHeaders(const Headers& headers) {
  for (std::string_view name :
       {"x-amzn-RequestId", "x-amz-request-id", "x-amzn-request-id"}) {
    if (auto value = FindHeader(headers, name)) return *value;
  }
  return "";
}

std::string CleanErrorCode(std::string_view code) {
  size_t hash = code.rfind('#');
  if (hash != std::string_view::npos) code.remove_prefix(hash + 1);
  size_t colon = code.find(':');
  if (colon != std::string_view::npos) code = code.substr(0, colon);
  while (!code.empty() && (code.back() == ' ' || code.back() == '\n')) {
    code.remove_suffix(1);
  }
  return std::string(code);
}

AwsError NonAwsError(const Response& response) {
  AwsError error;
  error.http_status = response.status;
  std::string content_type =
      FindHeader(response.headers, "content-type").value_or("no Content-Type");
  if (response.body.empty()) {
    error.message = fmt::format("empty answer ({}), not an AWS error document",
                                content_type);
    return error;
  }
  // A short, single-line excerpt is enough to recognise an HTML error page.
  std::string excerpt;
  bool space = false;
  for (char c : response.body.substr(0, 200)) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !excerpt.empty();
      continue;
    }
    if (space) excerpt.push_back(' ');
    space = false;
    excerpt.push_back(c);
  }
  error.message = fmt::format("not an AWS error document ({}, {} bytes): {}",
                              content_type, response.body.size(), excerpt);
  return error;
}

}  // namespace detail
}  // namespace cirt::aws
