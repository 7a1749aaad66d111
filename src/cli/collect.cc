// `cirt collect cloudtrail|lookup-events|findings|iam|ec2|all`: flags ->
// aws::Session -> one collect:: function (manifest, sidecars, snapshots in
// --out).
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "aws/environment.h"
#include "aws/session.h"
#include "aws/timestamp.h"
#include "cli/aws_flags.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_line.h"
#include "collect/account_collect.h"
#include "collect/cloudtrail_collect.h"
#include "collect/collect_all.h"
#include "collect/lookup_events_collect.h"

namespace cirt::cli {

namespace {

using Clock = std::chrono::system_clock;

// A session that cannot be opened (bad profile, region or endpoint) is a
// usage error; the message is printed.
int SessionFailed(const Status& status) {
  std::fprintf(stderr, "cirt: %s\n", status.ToString().c_str());
  return kExitUsage;
}

// A collection that failed as a whole: a usage error for bad arguments, else
// input was not collected. The message is printed.
int CollectFailed(const Status& status) {
  std::fprintf(stderr, "cirt: %s\n", status.ToString().c_str());
  return status.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitInputSkipped;
}

struct CloudTrailFlags {
  AwsFlags aws;
  std::string bucket;
  std::string prefix;
  std::string start;
  std::string end;
  std::vector<std::string> accounts;
  std::vector<std::string> regions;
  std::string out;
  unsigned jobs = 8;
  bool no_public_keys = false;
  bool quiet = false;
  std::string command;
};

struct LookupFlags {
  AwsFlags aws;
  std::vector<std::string> regions;
  std::string start;
  std::string end;
  std::string attribute;  // KEY=VALUE
  std::string out;
  bool quiet = false;
  std::string command;
};

// `collect findings|iam|ec2|all`.
struct AccountFlags {
  AwsFlags aws;
  std::vector<std::string> regions;
  std::string guardduty_criteria;   // JSON or file://PATH
  std::string securityhub_filters;  // JSON or file://PATH
  std::string start;                // all: CloudTrail range
  std::string end;
  std::string out;
  unsigned jobs = 8;
  bool quiet = false;
  std::string command;
};

// "2024-05-01" (midnight UTC) or ISO-8601 ("2024-05-01T13:00:00Z").
Result<Clock::time_point> ParseTime(const std::string& text) {
  if (text.size() == 10) return aws::ParseIso8601(text + "T00:00:00Z");
  return aws::ParseIso8601(text);
}

// Sets `*slot` from `text` ("2024-05-01" or ISO-8601) unless empty; false
// (after saying why) on a bad time.
bool SetTime(const std::string& text, std::optional<Clock::time_point>* slot) {
  if (text.empty()) return true;
  auto time = ParseTime(text);
  if (!time.ok()) {
    std::fprintf(stderr, "cirt: bad time '%s' (use 2024-05-01 or 2024-05-01T13:00:00Z)\n",
                 text.c_str());
    return false;
  }
  *slot = *time;
  return true;
}

int RunCloudTrail(const CloudTrailFlags& f) {
  collect::CloudTrailCollectOptions options;
  options.bucket = f.bucket;
  options.prefix = f.prefix;
  options.out_dir = f.out;
  options.accounts = f.accounts;
  options.regions = f.regions;
  options.jobs = f.jobs;
  options.public_keys = !f.no_public_keys;
  options.command = f.command;
  if (!SetTime(f.start, &options.start) || !SetTime(f.end, &options.end)) return kExitUsage;
  aws::SystemEnvironment env;
  auto session = OpenSession(f.aws, env);
  if (!session.ok()) return SessionFailed(session.status());
  if (options.bucket.empty()) {
    // No --bucket: the trail's bucket and prefix from DescribeTrails.
    auto found =
        collect::DiscoverTrail((*session)->client(), f.out, f.command + " (trail discovery)");
    if (!found.ok()) return CollectFailed(found.status());
    for (const std::string& problem : found->problems)
      std::fprintf(stderr, "cirt: %s\n", problem.c_str());
    if (!found->trail) {
      std::fprintf(stderr,
                   "cirt: no trail with an S3 bucket found (DescribeTrails); give --bucket, or "
                   "use `cirt collect lookup-events`\n");
      return kExitInputSkipped;
    }
    options.bucket = found->trail->bucket;
    options.prefix = found->trail->prefix;
    if (!f.quiet) {
      std::fprintf(stderr, "cirt: trail %s%s: s3://%s/%s\n", found->trail->name.c_str(),
                   found->trail->organization ? " (organisation)" : "", options.bucket.c_str(),
                   options.prefix.c_str());
    }
  }
  collect::CollectProgress progress;
  options.progress = &progress;
  Result<collect::CollectStats> stats = Status::Internal("not run");
  {
    std::unique_ptr<ProgressLine> line;
    if (!f.quiet && isatty(STDERR_FILENO)) {
      line = std::make_unique<ProgressLine>([&progress](double) {
        return fmt::format("objects {}/{}  {:.1f} MB downloaded", progress.objects_done.load(),
                           progress.objects_total.load(),
                           static_cast<double>(progress.bytes_downloaded.load()) / 1e6);
      });
    }
    stats = collect::CollectCloudTrail((*session)->client(), options);
  }
  if (!stats.ok()) return CollectFailed(stats.status());
  const collect::CollectStats& s = *stats;
  for (const std::string& problem : s.problems) std::fprintf(stderr, "cirt: %s\n", problem.c_str());
  if (s.listed == 0) {
    std::fprintf(
        stderr, "cirt: no CloudTrail objects under s3://%s/%sAWSLogs/ for the time range\n",
        options.bucket.c_str(), options.prefix.empty() ? "" : (options.prefix + "/").c_str());
  }
  if (!f.quiet) {
    std::fprintf(stderr, "%s",
                 fmt::format("cirt: {} objects listed, {} downloaded ({:.1f} MB), {} unchanged, "
                             "{} denied, {} failed, {} public keys; manifest head {}\n",
                             s.listed, s.downloaded, static_cast<double>(s.bytes) / 1e6,
                             s.unchanged, s.denied, s.errors, s.public_keys, s.manifest_head)
                     .c_str());
  }
  return s.denied + s.errors == 0 ? kExitOk : kExitInputSkipped;
}

int RunLookupEvents(const LookupFlags& f) {
  collect::LookupEventsCollectOptions options;
  options.regions = f.regions;
  options.out_dir = f.out;
  options.command = f.command;
  if (!SetTime(f.start, &options.start) || !SetTime(f.end, &options.end)) return kExitUsage;
  if (!f.attribute.empty()) {
    size_t eq = f.attribute.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr,
                   "cirt: --lookup-attribute needs KEY=VALUE (e.g. EventName=ConsoleLogin)\n");
      return kExitUsage;
    }
    options.attribute_key = f.attribute.substr(0, eq);
    options.attribute_value = f.attribute.substr(eq + 1);
  }
  aws::SystemEnvironment env;
  auto session = OpenSession(f.aws, env);
  if (!session.ok()) return SessionFailed(session.status());
  auto stats = collect::CollectLookupEvents((*session)->client(), options);
  if (!stats.ok()) return CollectFailed(stats.status());
  for (const std::string& problem : stats->problems)
    std::fprintf(stderr, "cirt: %s\n", problem.c_str());
  if (!f.quiet) {
    std::fprintf(stderr, "%s",
                 fmt::format("cirt: {} events in {} files ({} without CloudTrailEvent), {} denied, "
                             "{} failed; manifest head {}\n",
                             stats->events, stats->files, stats->skipped_events, stats->denied,
                             stats->errors, stats->manifest_head)
                     .c_str());
  }
  return stats->denied + stats->errors == 0 ? kExitOk : kExitInputSkipped;
}

// Reads --guardduty-criteria / --securityhub-filters; false after saying why.
bool SetJson(const std::string& text, const char* flag, nlohmann::json* slot) {
  if (text.empty()) return true;
  auto parsed = collect::ParseJsonArgument(text);
  if (!parsed.ok()) {
    std::fprintf(stderr, "cirt: %s: %s\n", flag, parsed.status().ToString().c_str());
    return false;
  }
  *slot = std::move(*parsed);
  return true;
}

// One line: what was found (for the parts collected), files and failures.
void PrintAccountSummary(const collect::AccountCollectStats& s, bool findings, bool iam,
                         bool ec2) {
  std::string line = "cirt: ";
  if (!s.regions.empty()) line += fmt::format("{} regions; ", s.regions.size());
  if (findings)
    line += fmt::format("{} GuardDuty and {} Security Hub findings; ", s.guardduty_findings,
                        s.securityhub_findings);
  if (iam) line += fmt::format("{} IAM users, {} roles; ", s.iam_users, s.iam_roles);
  if (ec2)
    line += fmt::format("{} instances, {} security groups, {} network interfaces; ", s.instances,
                        s.security_groups, s.network_interfaces);
  line += fmt::format(
      "{} files written ({:.1f} MB), {} unchanged, {} denied, {} failed; manifest head {}\n",
      s.written, static_cast<double>(s.bytes) / 1e6, s.unchanged, s.denied, s.errors,
      s.manifest_head);
  std::fputs(line.c_str(), stderr);
}

// `what`: "findings", "iam" or "ec2".
int RunAccount(const AccountFlags& f, const std::string& what) {
  collect::AccountCollectOptions options;
  options.findings = what == "findings";
  options.iam = what == "iam";
  options.ec2 = what == "ec2";
  options.regions = f.regions;
  options.out_dir = f.out;
  options.command = f.command;
  options.jobs = f.jobs;
  if (!SetJson(f.guardduty_criteria, "--guardduty-criteria", &options.guardduty_criteria) ||
      !SetJson(f.securityhub_filters, "--securityhub-filters", &options.securityhub_filters))
    return kExitUsage;
  aws::SystemEnvironment env;
  auto session = OpenSession(f.aws, env);
  if (!session.ok()) return SessionFailed(session.status());
  auto stats = collect::CollectAccount((*session)->client(), options);
  if (!stats.ok()) return CollectFailed(stats.status());
  for (const std::string& problem : stats->problems)
    std::fprintf(stderr, "cirt: %s\n", problem.c_str());
  if (!f.quiet) PrintAccountSummary(*stats, options.findings, options.iam, options.ec2);
  return stats->denied + stats->errors == 0 ? kExitOk : kExitInputSkipped;
}

int RunAll(const AccountFlags& f) {
  collect::CollectAllOptions options;
  options.regions = f.regions;
  options.out_dir = f.out;
  options.command = f.command;
  options.jobs = f.jobs;
  if (!SetTime(f.start, &options.start) || !SetTime(f.end, &options.end)) return kExitUsage;
  if (!SetJson(f.guardduty_criteria, "--guardduty-criteria", &options.guardduty_criteria) ||
      !SetJson(f.securityhub_filters, "--securityhub-filters", &options.securityhub_filters))
    return kExitUsage;
  aws::SystemEnvironment env;
  auto session = OpenSession(f.aws, env);
  if (!session.ok()) return SessionFailed(session.status());
  collect::CollectProgress progress;
  options.progress = &progress;
  Result<collect::CollectAllStats> stats = Status::Internal("not run");
  {
    std::unique_ptr<ProgressLine> line;
    if (!f.quiet && isatty(STDERR_FILENO)) {
      line = std::make_unique<ProgressLine>([&progress](double) {
        return fmt::format("cloudtrail objects {}/{}  {:.1f} MB downloaded",
                           progress.objects_done.load(), progress.objects_total.load(),
                           static_cast<double>(progress.bytes_downloaded.load()) / 1e6);
      });
    }
    stats = collect::CollectAll((*session)->client(), options);
  }
  if (!stats.ok()) return CollectFailed(stats.status());
  const collect::CollectAllStats& s = *stats;
  for (const std::string& problem : s.discovery.problems)
    std::fprintf(stderr, "cirt: %s\n", problem.c_str());
  if (s.cloudtrail) {
    for (const std::string& problem : s.cloudtrail->problems)
      std::fprintf(stderr, "cirt: %s\n", problem.c_str());
  }
  if (s.lookup_events) {
    for (const std::string& problem : s.lookup_events->problems)
      std::fprintf(stderr, "cirt: %s\n", problem.c_str());
  }
  for (const std::string& problem : s.account.problems)
    std::fprintf(stderr, "cirt: %s\n", problem.c_str());
  if (!f.quiet) {
    if (s.cloudtrail) {
      std::fprintf(
          stderr, "%s",
          fmt::format("cirt: trail {} s3://{}/{}: {} objects listed, {} downloaded, {} "
                      "unchanged, {} denied, {} failed\n",
                      s.discovery.trail->name, s.discovery.trail->bucket, s.discovery.trail->prefix,
                      s.cloudtrail->listed, s.cloudtrail->downloaded, s.cloudtrail->unchanged,
                      s.cloudtrail->denied, s.cloudtrail->errors)
              .c_str());
    } else if (s.lookup_events) {
      std::fprintf(stderr, "%s",
                   fmt::format("cirt: no trail bucket; LookupEvents: {} events in {} files, {} "
                               "denied, {} failed\n",
                               s.lookup_events->events, s.lookup_events->files,
                               s.lookup_events->denied, s.lookup_events->errors)
                       .c_str());
    }
    PrintAccountSummary(s.account, true, true, true);
  }
  return s.failures() == 0 ? kExitOk : kExitInputSkipped;
}

}  // namespace

Runner AddCollect(CLI::App& app) {
  auto ct = std::make_shared<CloudTrailFlags>();
  CLI::App* cmd =
      app.add_subcommand("collect", "Acquire evidence from AWS into a folder with a manifest");
  cmd->require_subcommand(1);
  CLI::App* trail = cmd->add_subcommand(
      "cloudtrail",
      "Copy a trail bucket's log and digest files (bytes as stored) for a time range");
  AddAwsFlags(trail, &ct->aws);
  trail->add_option("--bucket", ct->bucket,
                    "The trail's S3 bucket (default: found with cloudtrail DescribeTrails)");
  trail->add_option("--prefix", ct->prefix, "The trail's S3 key prefix (before AWSLogs/)");
  trail->add_option("--start", ct->start, "Delivery time from (UTC; default: end - 24 h)");
  trail->add_option("--end", ct->end, "Delivery time to (UTC; default: now)");
  trail
      ->add_option("--accounts", ct->accounts,
                   "Only these account ids (default: all in the bucket)")
      ->delimiter(',');
  trail->add_option("--regions", ct->regions, "Only these regions (default: all in the bucket)")
      ->delimiter(',');
  trail->add_option("--out,-o", ct->out, "Evidence folder (created; reused by a second run)")
      ->required();
  trail->add_option("--jobs,-j", ct->jobs, "Parallel downloads")->capture_default_str();
  trail->add_flag("--no-public-keys", ct->no_public_keys, "Do not call cloudtrail ListPublicKeys");
  trail->add_flag("--quiet,-q", ct->quiet, "No progress or summary on stderr");
  auto le = std::make_shared<LookupFlags>();
  CLI::App* lookup = cmd->add_subcommand(
      "lookup-events",
      "CloudTrail Event history (LookupEvents, 90 days, management events) into JSONL per region");
  AddAwsFlags(lookup, &le->aws);
  lookup->add_option("--regions", le->regions, "Regions (default: --region / the profile's)")
      ->delimiter(',');
  lookup->add_option("--start", le->start, "Event time from (UTC; default: end - 24 h)");
  lookup->add_option("--end", le->end, "Event time to (UTC; default: now)");
  lookup->add_option("--lookup-attribute", le->attribute,
                     "One filter KEY=VALUE (EventName, Username, EventSource, ResourceName, ...)");
  lookup->add_option("--out,-o", le->out, "Evidence folder")->required();
  lookup->add_flag("--quiet,-q", le->quiet, "No summary on stderr");
  auto ac = std::make_shared<AccountFlags>();
  struct AccountCommand {
    std::string name;
    CLI::App* app;
  };
  std::vector<AccountCommand> account_commands;
  for (const char* name : {"findings", "iam", "ec2", "all"}) {
    std::string what = name;
    const char* help =
        what == "findings" ? "GuardDuty (ListDetectors, ListFindings, GetFindings) and Security "
                             "Hub (GetFindings) findings per region, as JSON"
        : what == "iam"    ? "IAM GetAccountAuthorizationDetails (JSON) and the credential report "
                             "(CSV)"
        : what == "ec2"    ? "EC2 instances, security groups and network interfaces per region, "
                             "as JSON"
                           : "cloudtrail (trail bucket found with DescribeTrails, else "
                             "LookupEvents), findings, iam and ec2";
    CLI::App* sub = cmd->add_subcommand(what, help);
    AddAwsFlags(sub, &ac->aws);
    sub->add_option("--regions", ac->regions,
                    what == "iam" ? "Accepted like on every collect command (IAM is global)"
                                  : "Regions (default: every enabled region, from ec2 "
                                    "DescribeRegions)")
        ->delimiter(',');
    if (what == "findings" || what == "all") {
      sub->add_option("--guardduty-criteria", ac->guardduty_criteria,
                      "GuardDuty FindingCriteria as JSON or file://PATH (default: all findings)");
      sub->add_option("--securityhub-filters", ac->securityhub_filters,
                      "Security Hub Filters as JSON or file://PATH (default: all findings)");
    }
    if (what == "all") {
      sub->add_option("--start", ac->start, "CloudTrail from (UTC; default: end - 24 h)");
      sub->add_option("--end", ac->end, "CloudTrail to (UTC; default: now)");
    }
    sub->add_option("--out,-o", ac->out, "Evidence folder (created; reused by a second run)")
        ->required();
    sub->add_option("--jobs,-j", ac->jobs, "Parallel regions / downloads")->capture_default_str();
    sub->add_flag("--quiet,-q", ac->quiet, "No progress or summary on stderr");
    account_commands.push_back({what, sub});
  }
  return [ct, trail, le, lookup, ac, account_commands] {
    for (const AccountCommand& c : account_commands) {
      if (!c.app->parsed()) continue;
      ac->command = "collect " + c.name;
      if (!ac->regions.empty()) {
        ac->command += " --regions ";
        for (size_t i = 0; i < ac->regions.size(); ++i)
          ac->command += (i ? "," : "") + ac->regions[i];
      }
      if (!ac->start.empty()) ac->command += " --start " + ac->start;
      if (!ac->end.empty()) ac->command += " --end " + ac->end;
      return c.name == "all" ? RunAll(*ac) : RunAccount(*ac, c.name);
    }
    if (lookup->parsed()) {
      le->command = "collect lookup-events";
      if (!le->start.empty()) le->command += " --start " + le->start;
      if (!le->end.empty()) le->command += " --end " + le->end;
      if (!le->attribute.empty()) le->command += " --lookup-attribute " + le->attribute;
      return RunLookupEvents(*le);
    }
    if (trail->parsed()) {
      ct->command = "collect cloudtrail";
      if (!ct->bucket.empty()) ct->command += " --bucket " + ct->bucket;
      if (!ct->prefix.empty()) ct->command += " --prefix " + ct->prefix;
      if (!ct->start.empty()) ct->command += " --start " + ct->start;
      if (!ct->end.empty()) ct->command += " --end " + ct->end;
      return RunCloudTrail(*ct);
    }
    return kExitUsage;
  };
}

}  // namespace cirt::cli
