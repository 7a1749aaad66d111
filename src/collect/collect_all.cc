#include "collect/collect_all.h"

#include <algorithm>
#include <tuple>

#include "aws/services/cloudtrail.h"
#include "aws/services/ec2.h"
#include "aws/services/sts.h"
#include "aws/timestamp.h"
#include "collect/api_snapshot.h"
#include "collect/manifest.h"

namespace cirt::collect {

namespace {

using Clock = std::chrono::system_clock;
using Json = nlohmann::json;

bool BoolField(const Json& t, const char* key) {
  auto it = t.find(key);
  return it != t.end() && it->is_boolean() && it->get<bool>();
}

std::string StringField(const Json& t, const char* key) {
  auto it = t.find(key);
  return it != t.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::optional<TrailLocation> ChooseTrail(const Json& trail_list) {
  if (!trail_list.is_array()) return std::nullopt;
  const Json* best = nullptr;
  auto rank = [](const Json& t) {
    return std::make_tuple(BoolField(t, "IsOrganizationTrail"), BoolField(t, "IsMultiRegionTrail"),
                           BoolField(t, "LogFileValidationEnabled"));
  };
  for (const Json& t : trail_list) {
    if (!t.is_object() || StringField(t, "S3BucketName").empty()) continue;
    if (best == nullptr || rank(t) > rank(*best) ||
        (rank(t) == rank(*best) && StringField(t, "Name") < StringField(*best, "Name")))
      best = &t;
  }
  if (best == nullptr) return std::nullopt;
  const Json& t = *best;
  return TrailLocation{StringField(t, "Name"),
                       StringField(t, "TrailARN"),
                       StringField(t, "HomeRegion"),
                       StringField(t, "S3BucketName"),
                       StringField(t, "S3KeyPrefix"),
                       BoolField(t, "IsOrganizationTrail"),
                       BoolField(t, "IsMultiRegionTrail")};
}

Result<TrailDiscovery> DiscoverTrail(aws::Client& client, const std::string& out_dir,
                                     const std::string& command,
                                     const std::function<Clock::time_point()>& now_fn) {
  if (out_dir.empty()) return Status::InvalidArgument("--out is required");
  auto now = [&] { return now_fn ? now_fn() : Clock::now(); };
  Clock::time_point started = now();
  CIRT_ASSIGN_OR_RETURN(Manifest manifest, Manifest::OpenForCollection(out_dir));
  CollectorIdentity identity;
  auto id = aws::sts::GetCallerIdentity(client);
  if (id.ok()) identity = {id->account, id->arn, id->user_id};
  SnapshotWriter writer(manifest, out_dir, identity.arn, now);
  TrailDiscovery discovery;
  EntrySource source{"cloudtrail",
                     "DescribeTrails",
                     client.region(),
                     "",
                     "",
                     "",
                     R"({"includeShadowTrails":true})"};
  auto trails = aws::cloudtrail::DescribeTrails(client, client.region(), true);
  if (trails.ok()) {
    Json list = Json::array();
    for (auto& t : *trails) list.push_back(std::move(t.raw));
    discovery.trail = ChooseTrail(list);
    CIRT_RETURN_IF_ERROR(
        writer.Write("cloudtrail/trails.json", SnapshotJson({{"trailList", list}}), source));
  } else {
    writer.RecordFailure(source, trails.status());
    discovery.failed = true;
    discovery.problems = writer.counts().problems;
  }
  manifest.AddRun({aws::FormatIso8601(started), aws::FormatIso8601(now()), command, identity});
  CIRT_RETURN_IF_ERROR(manifest.Save(out_dir));
  return discovery;
}

size_t CollectAllStats::failures() const {
  size_t n = (discovery.failed ? 1 : 0) + account.denied + account.errors;
  if (cloudtrail) n += cloudtrail->denied + cloudtrail->errors;
  if (lookup_events) n += lookup_events->denied + lookup_events->errors;
  return n;
}

Result<CollectAllStats> CollectAll(aws::Client& client, const CollectAllOptions& o) {
  if (o.out_dir.empty()) return Status::InvalidArgument("--out is required");
  CollectAllStats stats;
  CIRT_ASSIGN_OR_RETURN(stats.discovery,
                        DiscoverTrail(client, o.out_dir, o.command + " (trail discovery)", o.now));
  if (stats.discovery.trail) {
    CloudTrailCollectOptions ct;
    ct.bucket = stats.discovery.trail->bucket;
    ct.prefix = stats.discovery.trail->prefix;
    ct.start = o.start;
    ct.end = o.end;
    ct.regions = o.regions;
    ct.out_dir = o.out_dir;
    ct.jobs = o.jobs;
    ct.command = o.command + " (cloudtrail)";
    ct.progress = o.progress;
    ct.now = o.now;
    CIRT_ASSIGN_OR_RETURN(stats.cloudtrail, CollectCloudTrail(client, ct));
  } else {
    LookupEventsCollectOptions le;
    le.regions = o.regions;
    if (le.regions.empty()) {
      // Every enabled region; the client's alone when EC2 cannot say.
      auto regions = aws::ec2::DescribeRegions(client);
      if (regions.ok())
        for (const auto& r : *regions) le.regions.push_back(r.name);
      std::sort(le.regions.begin(), le.regions.end());
    }
    le.start = o.start;
    le.end = o.end;
    le.out_dir = o.out_dir;
    le.command = o.command + " (lookup-events)";
    le.min_interval = o.lookup_min_interval;
    le.now = o.now;
    CIRT_ASSIGN_OR_RETURN(stats.lookup_events, CollectLookupEvents(client, le));
  }
  AccountCollectOptions account;
  account.findings = account.iam = account.ec2 = true;
  account.regions = o.regions;
  account.guardduty_criteria = o.guardduty_criteria;
  account.securityhub_filters = o.securityhub_filters;
  account.out_dir = o.out_dir;
  account.command = o.command + " (findings, iam, ec2)";
  account.jobs = std::min(o.jobs, 8u);
  account.report_wait = o.report_wait;
  account.now = o.now;
  CIRT_ASSIGN_OR_RETURN(stats.account, CollectAccount(client, account));
  return stats;
}

}  // namespace cirt::collect
