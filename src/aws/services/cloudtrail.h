// src/aws/services/cloudtrail.h
// AWS CloudTrail (JSON 1.1, target prefix
// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101).
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::cloudtrail {

inline constexpr char kTargetPrefix[] =
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";

struct PublicKey {
  std::string value_base64;  // DER, base64 as the JSON protocol carries blobs
  std::string fingerprint;   // hex
  // Seconds since the epoch as returned (JSON 1.1 timestamps are numbers).
  double validity_start = 0;
  double validity_end = 0;
};

// ListPublicKeys in `region` (CloudTrail keys are per region; "" = the
// client's region) for [start, end] (either unset = now), all pages.
// Errors: as Client::Call; kCorrupt for an unexpected answer.
Result<std::vector<PublicKey>> ListPublicKeys(
    Client& client, const std::string& region,
    std::optional<std::chrono::system_clock::time_point> start,
    std::optional<std::chrono::system_clock::time_point> end);

struct LookupEventsInput {
  std::string region;  // "" = the client's region
  std::optional<std::chrono::system_clock::time_point> start;
  std::optional<std::chrono::system_clock::time_point> end;
  // One LookupAttribute (the API takes at most one): key and value, or empty.
  std::string attribute_key;
  std::string attribute_value;
  int max_results = 50;  // per page, 1..50
  // Called before each page is requested (callers pace to the API's
  // 2 requests/s per account and region). Optional.
  std::function<void()> before_page;
};

// LookupEvents, every page; `on_event` gets each Events[] element as
// returned (its "CloudTrailEvent" is the record as a JSON string).
// Errors: as Client::Call, or what on_event returns.
Status LookupEvents(
    Client& client, const LookupEventsInput& input,
    const std::function<Status(const nlohmann::json& event)>& on_event);

struct Trail {
  std::string name;
  std::string trail_arn;
  std::string home_region;
  std::string s3_bucket_name;
  std::string s3_key_prefix;  // "" when none
  bool is_multi_region = false;
  bool is_organization = false;
  bool log_file_validation = false;
  nlohmann::json raw;  // the trailList element as returned
};

// DescribeTrails in `region` ("" = the client's): the region's trails and,
// with `include_shadow_trails`, the multi-region and organisation trails
// that apply to it from elsewhere. Errors: as Client::Call; kCorrupt for an
// unexpected answer.
Result<std::vector<Trail>> DescribeTrails(Client& client,
                                          const std::string& region,
                                          bool include_shadow_trails = true);

struct TrailStatus {
  bool is_logging = false;
  std::string latest_delivery_error;         // "" when none
  std::string latest_digest_delivery_error;  // "" when none
  nlohmann::json raw;                        // the answer as returned
};

// GetTrailStatus of `name` (name or ARN) in `region` (the trail's home
// region). Errors: as Client::Call.
Result<TrailStatus> GetTrailStatus(Client& client, const std::string& region,
                                   const std::string& name);

}  // namespace cirt::aws::cloudtrail
