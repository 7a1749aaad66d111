// src/aws/paginator.h
// Pagination, written once: a table of token conventions and a loop that
// follows them until the service says it is done. Rules (botocore
// paginate.py): stop when the output token is absent or empty or the
// truncation flag is false; fail if the same token comes back twice.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cirt::aws {

struct PageTokenStyle {
  std::string_view input;      // request parameter carrying the token
  std::string_view output;     // answer field with the next token
  std::string_view truncated;  // answer flag; empty = token presence decides
};

// CloudTrail LookupEvents, GuardDuty, Security Hub, Organizations, Athena.
inline constexpr PageTokenStyle kNextToken{"NextToken", "NextToken", ""};
// CloudWatch Logs and other lower-camel REST-JSON APIs.
inline constexpr PageTokenStyle kLowerNextToken{"nextToken", "nextToken", ""};
// EC2 Describe* (query protocol; the answer's element is lower-camel).
inline constexpr PageTokenStyle kEc2NextToken{"NextToken", "nextToken", ""};
// IAM List* (query protocol).
inline constexpr PageTokenStyle kMarker{"Marker", "Marker", "IsTruncated"};
// S3 ListObjectsV2.
inline constexpr PageTokenStyle kS3ContinuationToken{
    "continuation-token", "NextContinuationToken", "IsTruncated"};

// The next token in an XML result element, or "" when the listing is done.
std::string NextTokenFromXml(pugi::xml_node result,
                             const PageTokenStyle& style);
// The next token in a JSON answer, or "" when the listing is done.
std::string NextTokenFromJson(const nlohmann::json& page,
                              const PageTokenStyle& style);

// Fetches one page given the token ("" for the first page), consumes its
// items, and returns the next token ("" = done).
using PageFetcher =
    std::function<Result<std::string>(const std::string& token)>;

// Calls `fetch_page` until it returns "". Errors: whatever fetch_page
// returns; kCorrupt when a token repeats; kInternal after `max_pages`.
// Default max_pages: 100000.
Status Paginate(const PageFetcher& fetch_page, int max_pages = 100000);

}  // namespace cirt::aws
