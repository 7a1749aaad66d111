// src/collect/collect_all.h
// Finding the trail bucket (CloudTrail DescribeTrails) and `cirt collect
// all`: CloudTrail from the trail's bucket (or LookupEvents when there is
// no trail bucket), then findings, IAM and EC2 (collect/account_collect.h),
// all into one evidence folder and manifest.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "collect/account_collect.h"
#include "collect/cloudtrail_collect.h"
#include "collect/lookup_events_collect.h"
#include "core/result.h"

namespace cirt::collect {

struct TrailLocation {
  std::string name;
  std::string arn;
  std::string home_region;
  std::string bucket;
  std::string prefix;  // the trail's S3KeyPrefix ("" when none)
  bool organization = false;
  bool multi_region = false;
};

// The trail to collect among DescribeTrails' answer: one with a bucket,
// preferring an organisation trail, then a multi-region one, then one with
// log file validation (digests), then the first by name. nullopt when no
// trail has a bucket. (The organisation layout AWSLogs/<org-id>/<account>/
// under the prefix is found by CollectCloudTrail's listing.)
std::optional<TrailLocation> ChooseTrail(const nlohmann::json& trail_list);

struct TrailDiscovery {
  std::optional<TrailLocation> trail;
  bool failed = false;  // DescribeTrails was denied or failed (in the manifest)
  std::vector<std::string> problems;
};

// DescribeTrails (shadow trails included) in the client's region; the
// answer is saved as the snapshot cloudtrail/trails.json in `out_dir` and
// recorded in its manifest (a denied call too). Errors: kIo, kCorrupt
// (foreign manifest), kInvalidArgument (no out_dir).
Result<TrailDiscovery> DiscoverTrail(
    aws::Client& client, const std::string& out_dir, const std::string& command,
    const std::function<std::chrono::system_clock::time_point()>& now = {});

struct CollectAllOptions {
  std::vector<std::string> regions;  // empty: every enabled region
  // CloudTrail range (delivery time for the bucket, event time for
  // LookupEvents). Default: end = now, start = end - 24 h.
  std::optional<std::chrono::system_clock::time_point> start;
  std::optional<std::chrono::system_clock::time_point> end;
  std::string out_dir;
  std::string command;
  unsigned jobs = 8;
  nlohmann::json guardduty_criteria = nullptr;
  nlohmann::json securityhub_filters = nullptr;
  aws::iam::CredentialReportWait report_wait;
  std::chrono::milliseconds lookup_min_interval{550};
  CollectProgress* progress = nullptr;
  std::function<std::chrono::system_clock::time_point()> now;
};

struct CollectAllStats {
  TrailDiscovery discovery;
  std::optional<CollectStats> cloudtrail;          // when a trail bucket was found
  std::optional<LookupEventsStats> lookup_events;  // otherwise
  AccountCollectStats account;
  // Denied plus failed calls over every step.
  size_t failures() const;
};

// Errors (the run stops): as the steps' (kInvalidArgument, kIo, kCorrupt).
Result<CollectAllStats> CollectAll(aws::Client& client, const CollectAllOptions& options);

}  // namespace cirt::collect
