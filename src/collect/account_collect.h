// src/collect/account_collect.h
// `cirt collect findings|iam|ec2`: the account's API state as evidence.
// For each region (the given ones, else every region EC2 DescribeRegions
// says is enabled) it saves, as JSON snapshots (collect/api_snapshot.h):
//   findings/guardduty/<region>/detectors.json     ListDetectors
//   findings/guardduty/<region>/<detector>.json    ListFindings + GetFindings
//   findings/securityhub/<region>.json             GetFindings
//   ec2/<region>/instances.json                    DescribeInstances
//   ec2/<region>/security-groups.json              DescribeSecurityGroups
//   ec2/<region>/network-interfaces.json           DescribeNetworkInterfaces
// and once per account (IAM is global):
//   iam/account-authorization-details.json         GetAccountAuthorizationDetails
//   iam/credential-report.csv                      Generate/GetCredentialReport
//   ec2/regions.json                               DescribeRegions (when used)
// Every file and every denied or failed call is recorded in the manifest.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/services/iam.h"
#include "core/result.h"

namespace cirt::collect {

struct AccountCollectOptions {
  bool findings = false;  // GuardDuty and Security Hub
  bool iam = false;
  bool ec2 = false;
  std::vector<std::string> regions;  // empty: DescribeRegions (enabled regions)
  // GuardDuty FindingCriteria (API or AWS CLI spelling), null = all findings.
  nlohmann::json guardduty_criteria = nullptr;
  // Security Hub Filters, null = all findings.
  nlohmann::json securityhub_filters = nullptr;
  std::string out_dir;
  std::string command;  // recorded in the manifest's run
  unsigned jobs = 4;    // regions collected in parallel
  aws::iam::CredentialReportWait report_wait;
  // Clock for collection times. Default: the system clock.
  std::function<std::chrono::system_clock::time_point()> now;
};

struct AccountCollectStats {
  std::vector<std::string> regions;  // regions collected
  size_t written = 0;
  size_t unchanged = 0;
  size_t denied = 0;
  size_t errors = 0;
  uint64_t bytes = 0;
  size_t guardduty_findings = 0;
  size_t securityhub_findings = 0;
  size_t instances = 0;
  size_t security_groups = 0;
  size_t network_interfaces = 0;
  size_t iam_users = 0;
  size_t iam_roles = 0;
  std::vector<std::string> problems;  // one line per denied/failed call
  std::string manifest_head;
};

// A JSON flag value: JSON text, or "file://PATH" naming a file holding it
// (as the AWS CLI accepts). Errors: kInvalidArgument naming the byte offset
// of a syntax error, kNotFound/kIo for the file.
Result<nlohmann::json> ParseJsonArgument(const std::string& text);

// Errors (the run stops): kInvalidArgument (options, bad criteria), kIo
// (cannot write the folder or manifest), kCorrupt (a foreign manifest).
// A denied or failed AWS call is recorded in the manifest and counted; the
// rest goes on.
Result<AccountCollectStats> CollectAccount(aws::Client& client,
                                           const AccountCollectOptions& options);

}  // namespace cirt::collect
