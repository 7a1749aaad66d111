#include "collect/lookup_events_collect.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "aws/services/cloudtrail.h"
#include "aws/services/sts.h"
#include "aws/timestamp.h"
#include "collect/cloudtrail_collect.h"
#include "collect/crypto.h"
#include "collect/digest.h"
#include "collect/manifest.h"

namespace cirt::collect {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

Result<LookupEventsStats> CollectLookupEvents(aws::Client& client,
                                              const LookupEventsCollectOptions& o) {
  if (o.out_dir.empty()) return Status::InvalidArgument("--out is required");
  auto now = [&] { return o.now ? o.now() : Clock::now(); };
  Clock::time_point started = now();
  Clock::time_point end = o.end.value_or(started);
  Clock::time_point start = o.start.value_or(end - std::chrono::hours(24));
  if (start > end) return Status::InvalidArgument("--start is after --end");
  CIRT_ASSIGN_OR_RETURN(Manifest manifest, Manifest::OpenForCollection(o.out_dir));
  LookupEventsStats stats;
  CollectorIdentity identity;
  auto record_failure = [&](EntrySource source, const Status& status) {
    ManifestEntry e;
    bool denied = IsAccessDenied(status);
    e.status = denied ? EntryStatus::kDenied : EntryStatus::kError;
    e.error = status.ToString();
    stats.problems.push_back(
        fmt::format("{}:{} ({}): {}", source.service, source.operation, source.region, e.error));
    e.source = std::move(source);
    e.collected_at = aws::FormatIso8601(now());
    e.collector_arn = identity.arn;
    manifest.Append(std::move(e));
    (denied ? stats.denied : stats.errors) += 1;
  };
  auto id = aws::sts::GetCallerIdentity(client);
  if (id.ok()) {
    identity = {id->account, id->arn, id->user_id};
  } else {
    record_failure({"sts", "GetCallerIdentity", client.region(), "", "", "", ""}, id.status());
  }
  std::vector<std::string> regions = o.regions;
  if (regions.empty()) regions.push_back(client.region());
  auto sleep =
      o.sleep ? o.sleep : [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  std::string range =
      CompactTimestamp(aws::FormatIso8601(start)) + "_" + CompactTimestamp(aws::FormatIso8601(end));
  for (const std::string& region : regions) {
    nlohmann::json request = {{"StartTime", aws::FormatIso8601(start)},
                              {"EndTime", aws::FormatIso8601(end)}};
    if (!o.attribute_key.empty())
      request["LookupAttributes"] = {
          {{"AttributeKey", o.attribute_key}, {"AttributeValue", o.attribute_value}}};
    EntrySource source{"cloudtrail", "LookupEvents", region, "", "", "", request.dump()};
    aws::cloudtrail::LookupEventsInput input;
    input.region = region;
    input.start = start;
    input.end = end;
    input.attribute_key = o.attribute_key;
    input.attribute_value = o.attribute_value;
    bool first_page = true;
    input.before_page = [&] {
      if (!first_page && o.min_interval.count() > 0) sleep(o.min_interval);
      first_page = false;
    };
    std::string lines;
    size_t events = 0;
    Status status = aws::cloudtrail::LookupEvents(client, input, [&](const nlohmann::json& event) {
      auto it = event.find("CloudTrailEvent");
      if (it == event.end() || !it->is_string()) {
        ++stats.skipped_events;
        return Status::Ok();
      }
      const std::string& record = it->get_ref<const std::string&>();
      if (record.find('\n') == std::string::npos) {
        lines += record;  // the record exactly as CloudTrail returned it
      } else {
        // One record per line: re-serialise a pretty-printed record.
        auto parsed = nlohmann::json::parse(record, nullptr, false);
        if (parsed.is_discarded()) {
          ++stats.skipped_events;
          return Status::Ok();
        }
        lines += parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      lines += '\n';
      ++events;
      return Status::Ok();
    });
    if (!status.ok()) {
      record_failure(source, status);
      continue;
    }
    std::string rel = fmt::format("lookup-events/{0}/lookup-events_{0}_{1}.jsonl", region, range);
    fs::path path = fs::path(o.out_dir) / rel;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    fs::path tmp = path;
    tmp += ".part";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(lines.data(), static_cast<std::streamsize>(lines.size()));
      if (!out) return Status::Io("write failed", {.file = tmp.string()});
    }
    fs::rename(tmp, path, ec);
    if (ec) return Status::Io("cannot rename: " + ec.message(), {.file = path.string()});
    ManifestEntry e;
    e.path = rel;
    e.sha256 = Sha256Hex(lines);
    e.size = lines.size();
    e.source = source;
    e.collected_at = aws::FormatIso8601(now());
    e.collector_arn = identity.arn;
    manifest.Append(std::move(e));
    stats.events += events;
    ++stats.files;
  }
  manifest.AddRun({aws::FormatIso8601(started), aws::FormatIso8601(now()), o.command, identity});
  CIRT_RETURN_IF_ERROR(manifest.Save(o.out_dir));
  stats.manifest_head = manifest.head();
  return stats;
}

}  // namespace cirt::collect
