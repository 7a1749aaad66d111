#include "collect/account_collect.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "aws/services/ec2.h"
#include "aws/services/guardduty.h"
#include "aws/services/securityhub.h"
#include "aws/services/sts.h"
#include "aws/timestamp.h"
#include "collect/api_snapshot.h"
#include "collect/cloudtrail_collect.h"
#include "collect/crypto.h"
#include "collect/local_files.h"
#include "collect/manifest.h"

namespace cirt::collect {

namespace {

using Clock = std::chrono::system_clock;
using Json = nlohmann::json;

// Region names become folder names: "eu-west-1", "us-gov-west-1", never
// anything that could leave the evidence folder.
bool IsRegionName(std::string_view name) {
  constexpr size_t kMaxRegionName = 32;
  if (name.empty() || name.size() > kMaxRegionName || name.front() == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RequestText(const Json& request) {
  return request.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// One account's collection; regions run in parallel, the rest once.
class AccountCollector {
 public:
  AccountCollector(aws::Client& client, const AccountCollectOptions& o, SnapshotWriter& writer,
                   Json guardduty_criteria)
      : client_(client), o_(o), writer_(writer), criteria_(std::move(guardduty_criteria)) {}

  // Regions to visit: the options', else DescribeRegions (saved), else the
  // client's region when DescribeRegions fails.
  Result<std::vector<std::string>> Regions() {
    if (!o_.regions.empty()) return o_.regions;
    EntrySource source{"ec2", "DescribeRegions", client_.region(), "", "", "", "{}"};
    Json raw;
    auto regions = aws::ec2::DescribeRegions(client_, /*all=*/false, &raw);
    if (!regions.ok()) {
      writer_.RecordFailure(source, regions.status());
      return std::vector<std::string>{client_.region()};
    }
    CIRT_RETURN_IF_ERROR(writer_.Write("ec2/regions.json", SnapshotJson(raw), source));
    std::vector<std::string> names;
    for (const auto& r : *regions) {
      if (IsRegionName(r.name)) {
        names.push_back(r.name);
      } else {
        writer_.RecordFailure(source, Status::Corrupt("DescribeRegions answered an unusable "
                                                      "region name '" +
                                                      r.name.substr(0, 64) + "'"));
      }
    }
    std::sort(names.begin(), names.end());
    if (names.empty()) names.push_back(client_.region());
    return names;
  }

  Status Iam() {
    EntrySource details_source{"iam", "GetAccountAuthorizationDetails", "", "", "", "", "{}"};
    auto details = aws::iam::GetAccountAuthorizationDetails(client_);
    if (details.ok()) {
      users_ += details->users.size();
      roles_ += details->roles.size();
      CIRT_RETURN_IF_ERROR(writer_.Write("iam/account-authorization-details.json",
                                         SnapshotJson(details->raw), details_source));
    } else {
      writer_.RecordFailure(details_source, details.status());
    }
    EntrySource report_source{"iam", "GetCredentialReport", "", "", "", "", "{}"};
    auto report = aws::iam::FetchCredentialReport(client_, o_.report_wait);
    if (!report.ok()) {
      writer_.RecordFailure(report_source, report.status());
      return Status::Ok();
    }
    auto csv = Base64Decode(report->content_base64);
    if (!csv.ok()) {
      writer_.RecordFailure(report_source, Status::Corrupt("credential report Content is not "
                                                           "base64: " +
                                                           csv.status().ToString()));
      return Status::Ok();
    }
    return writer_.Write("iam/credential-report.csv", *csv, report_source);
  }

  Status Region(const std::string& region) {
    if (o_.findings) {
      CIRT_RETURN_IF_ERROR(GuardDuty(region));
      CIRT_RETURN_IF_ERROR(SecurityHub(region));
    }
    if (o_.ec2) CIRT_RETURN_IF_ERROR(Ec2(region));
    return Status::Ok();
  }

  size_t guardduty_findings() const { return guardduty_findings_; }
  size_t securityhub_findings() const { return securityhub_findings_; }
  size_t instances() const { return instances_; }
  size_t security_groups() const { return security_groups_; }
  size_t network_interfaces() const { return network_interfaces_; }
  size_t users() const { return users_; }
  size_t roles() const { return roles_; }

 private:
  Status GuardDuty(const std::string& region) {
    EntrySource list_source{"guardduty", "ListDetectors", region, "", "", "", "{}"};
    auto detectors = aws::guardduty::ListDetectors(client_, region);
    if (!detectors.ok()) {
      writer_.RecordFailure(list_source, detectors.status());
      return Status::Ok();
    }
    std::string dir = "findings/guardduty/" + region + "/";
    CIRT_RETURN_IF_ERROR(writer_.Write(dir + "detectors.json",
                                       SnapshotJson({{"detectorIds", *detectors}}), list_source));
    for (const std::string& detector : *detectors) {
      Json request = {{"detectorId", detector}};
      if (!criteria_.is_null()) request["findingCriteria"] = criteria_;
      EntrySource source{"guardduty", "ListFindings+GetFindings", region, "", "",
                         "",          RequestText(request)};
      if (!IsSafeKey(detector) || detector.find('/') != std::string::npos) {
        writer_.RecordFailure(source, Status::Corrupt("detector id unusable as a file name"));
        continue;
      }
      auto ids = aws::guardduty::ListFindings(client_, region, detector, criteria_);
      if (!ids.ok()) {
        source.operation = "ListFindings";
        writer_.RecordFailure(source, ids.status());
        continue;
      }
      auto findings = aws::guardduty::GetFindings(client_, region, detector, *ids);
      if (!findings.ok()) {
        source.operation = "GetFindings";
        writer_.RecordFailure(source, findings.status());
        continue;
      }
      // Sorted by id so that an unchanged set of findings hashes the same.
      std::sort(findings->begin(), findings->end(),
                [](const auto& a, const auto& b) { return a.id < b.id; });
      Json list = Json::array();
      for (auto& f : *findings) list.push_back(std::move(f.raw));
      guardduty_findings_ += list.size();
      CIRT_RETURN_IF_ERROR(
          writer_.Write(dir + detector + ".json", SnapshotJson({{"findings", list}}), source));
    }
    return Status::Ok();
  }

  Status SecurityHub(const std::string& region) {
    Json request = Json::object();
    if (!o_.securityhub_filters.is_null()) request["Filters"] = o_.securityhub_filters;
    EntrySource source{"securityhub", "GetFindings", region, "", "", "", RequestText(request)};
    aws::securityhub::GetFindingsInput input;
    input.region = region;
    input.filters = o_.securityhub_filters;
    auto findings = aws::securityhub::GetFindings(client_, input);
    if (!findings.ok()) {
      writer_.RecordFailure(source, findings.status());
      return Status::Ok();
    }
    std::sort(findings->begin(), findings->end(), [](const auto& a, const auto& b) {
      return std::tie(a.id, a.product_arn) < std::tie(b.id, b.product_arn);
    });
    Json list = Json::array();
    for (auto& f : *findings) list.push_back(std::move(f.raw));
    securityhub_findings_ += list.size();
    return writer_.Write("findings/securityhub/" + region + ".json",
                         SnapshotJson({{"Findings", list}}), source);
  }

  Status Ec2(const std::string& region) {
    std::string dir = "ec2/" + region + "/";
    {
      EntrySource source{"ec2", "DescribeInstances", region, "", "", "", "{}"};
      auto reservations = aws::ec2::DescribeInstances(client_, region);
      if (reservations.ok()) {
        Json list = Json::array();
        for (auto& r : *reservations) {
          instances_ += r.instances.size();
          list.push_back(std::move(r.raw));
        }
        CIRT_RETURN_IF_ERROR(writer_.Write(dir + "instances.json",
                                           SnapshotJson({{"reservationSet", list}}), source));
      } else {
        writer_.RecordFailure(source, reservations.status());
      }
    }
    {
      EntrySource source{"ec2", "DescribeSecurityGroups", region, "", "", "", "{}"};
      auto groups = aws::ec2::DescribeSecurityGroups(client_, region);
      if (groups.ok()) {
        Json list = Json::array();
        for (auto& g : *groups) list.push_back(std::move(g.raw));
        security_groups_ += groups->size();
        CIRT_RETURN_IF_ERROR(writer_.Write(dir + "security-groups.json",
                                           SnapshotJson({{"securityGroupInfo", list}}), source));
      } else {
        writer_.RecordFailure(source, groups.status());
      }
    }
    {
      EntrySource source{"ec2", "DescribeNetworkInterfaces", region, "", "", "", "{}"};
      auto interfaces = aws::ec2::DescribeNetworkInterfaces(client_, region);
      if (interfaces.ok()) {
        Json list = Json::array();
        for (auto& n : *interfaces) list.push_back(std::move(n.raw));
        network_interfaces_ += interfaces->size();
        CIRT_RETURN_IF_ERROR(writer_.Write(dir + "network-interfaces.json",
                                           SnapshotJson({{"networkInterfaceSet", list}}), source));
      } else {
        writer_.RecordFailure(source, interfaces.status());
      }
    }
    return Status::Ok();
  }

  aws::Client& client_;
  const AccountCollectOptions& o_;
  SnapshotWriter& writer_;
  Json criteria_;
  std::atomic<size_t> guardduty_findings_{0};
  std::atomic<size_t> securityhub_findings_{0};
  std::atomic<size_t> instances_{0};
  std::atomic<size_t> security_groups_{0};
  std::atomic<size_t> network_interfaces_{0};
  std::atomic<size_t> users_{0};
  std::atomic<size_t> roles_{0};
};

}  // namespace

Result<Json> ParseJsonArgument(const std::string& text) {
  constexpr std::string_view kFilePrefix = "file://";
  std::string body = text;
  std::string where = "argument";
  if (text.rfind(kFilePrefix, 0) == 0) {
    where = text.substr(kFilePrefix.size());
    CIRT_ASSIGN_OR_RETURN(body, ReadWholeFile(where));
  }
  try {
    return Json::parse(body);
  } catch (const Json::parse_error& e) {
    return Status::InvalidArgument(fmt::format("{} is not JSON: {}", where, e.what()),
                                   {.offset = e.byte});
  }
}

Result<AccountCollectStats> CollectAccount(aws::Client& client, const AccountCollectOptions& o) {
  if (o.out_dir.empty()) return Status::InvalidArgument("--out is required");
  if (!o.findings && !o.iam && !o.ec2)
    return Status::InvalidArgument("nothing to collect (findings, iam or ec2)");
  for (const std::string& region : o.regions) {
    if (!IsRegionName(region))
      return Status::InvalidArgument(fmt::format("'{}' is not a region name", region));
  }
  if (!o.securityhub_filters.is_null() && !o.securityhub_filters.is_object())
    return Status::InvalidArgument("Security Hub filters must be a JSON object");
  Json criteria = nullptr;
  if (!o.guardduty_criteria.is_null()) {
    CIRT_ASSIGN_OR_RETURN(criteria, aws::guardduty::NormalizeFindingCriteria(o.guardduty_criteria));
  }
  auto now = [&] { return o.now ? o.now() : Clock::now(); };
  Clock::time_point started = now();
  CIRT_ASSIGN_OR_RETURN(Manifest manifest, Manifest::OpenForCollection(o.out_dir));
  CollectorIdentity identity;
  auto id = aws::sts::GetCallerIdentity(client);
  if (id.ok()) identity = {id->account, id->arn, id->user_id};
  SnapshotWriter writer(manifest, o.out_dir, identity.arn, now);
  if (!id.ok())
    writer.RecordFailure({"sts", "GetCallerIdentity", client.region(), "", "", "", ""},
                         id.status());
  AccountCollector collector(client, o, writer, criteria);
  AccountCollectStats stats;
  Status fatal = Status::Ok();
  if (o.iam) fatal = collector.Iam();
  if (fatal.ok() && (o.findings || o.ec2)) {
    Result<std::vector<std::string>> regions = collector.Regions();
    if (regions.ok()) {
      stats.regions = std::move(*regions);
    } else {
      fatal = regions.status();
    }
    std::atomic<size_t> next{0};
    std::mutex fatal_mu;
    auto worker = [&] {
      for (size_t i = next++; i < stats.regions.size(); i = next++) {
        Status s = collector.Region(stats.regions[i]);
        if (!s.ok()) {
          std::lock_guard lock(fatal_mu);
          if (fatal.ok()) fatal = s;
          next = stats.regions.size();  // stop handing out regions
        }
      }
    };
    unsigned jobs = std::clamp<unsigned>(o.jobs, 1, 16);
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < std::min<size_t>(jobs, stats.regions.size()); ++t)
      threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
  }
  // The manifest records what was written even when the run stops early.
  manifest.AddRun({aws::FormatIso8601(started), aws::FormatIso8601(now()), o.command, identity});
  CIRT_RETURN_IF_ERROR(manifest.Save(o.out_dir));
  CIRT_RETURN_IF_ERROR(fatal);
  SnapshotCounts counts = writer.counts();
  stats.written = counts.written;
  stats.unchanged = counts.unchanged;
  stats.denied = counts.denied;
  stats.errors = counts.errors;
  stats.bytes = counts.bytes;
  stats.problems = std::move(counts.problems);
  stats.guardduty_findings = collector.guardduty_findings();
  stats.securityhub_findings = collector.securityhub_findings();
  stats.instances = collector.instances();
  stats.security_groups = collector.security_groups();
  stats.network_interfaces = collector.network_interfaces();
  stats.iam_users = collector.users();
  stats.iam_roles = collector.roles();
  stats.manifest_head = manifest.head();
  return stats;
}

}  // namespace cirt::collect
