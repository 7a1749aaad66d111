// `cirt timeline --case DIR`: flags -> investigate::Timeline -> row writer.
#include "investigate/timeline.h"

#include "cli/case_output.h"
#include "cli/commands.h"
#include "cli/time_flags.h"
#include "investigate/rows.h"

namespace cirt::cli {

namespace {

struct TimelineFlags {
  CaseOutputFlags output;
  std::string start, end, principal, access_key, source_ip;
  std::vector<std::string> event_names, event_sources;
  bool errors_only = false, writes_only = false, detections_only = false;
  uint64_t limit = 0;
};

int RunTimeline(const TimelineFlags& f) {
  int rc = kExitOk;
  CaseOutput out;
  if (!out.Open(f.output, &rc)) return rc;
  investigate::TimelineFilter filter;
  if (!ParseTimeFlags(f.start, f.end, &filter.start_us, &filter.end_us)) return kExitUsage;
  filter.principal = f.principal;
  filter.access_key = f.access_key;
  filter.source_ip = f.source_ip;
  filter.event_names = f.event_names;
  filter.event_sources = f.event_sources;
  filter.errors_only = f.errors_only;
  filter.writes_only = f.writes_only;
  filter.detections_only = f.detections_only;
  filter.limit = f.limit;
  auto writer =
      report::MakeRowWriter(out.format, out.out, investigate::TimelineSchema(), out.writer_options);
  Status s = investigate::Timeline(*out.kase, filter, [&](const investigate::TimelineRow& row) {
    writer->Write(investigate::TimelineCells(row));
  });
  writer->Finish();
  if (!s.ok()) return QueryFailed(s);
  return kExitOk;
}

}  // namespace

Runner AddTimeline(CLI::App& app) {
  auto f = std::make_shared<TimelineFlags>();
  CLI::App* cmd = app.add_subcommand("timeline", "The case's CloudTrail events in time order");
  f->output.Register(cmd);
  cmd->add_option("--start", f->start, "From this time (2024-05-01 or 2024-05-01T13:00:00Z)");
  cmd->add_option("--end", f->end, "Before this time");
  cmd->add_option("--principal", f->principal, "Principal ARN (a role ARN includes its sessions)");
  cmd->add_option("--access-key", f->access_key, "Access key id");
  cmd->add_option("--source-ip", f->source_ip, "sourceIPAddress");
  cmd->add_option("--event-name", f->event_names, "eventName (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--event-source", f->event_sources, "eventSource (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--errors-only", f->errors_only, "Only calls that failed (errorCode set)");
  cmd->add_flag("--writes-only", f->writes_only, "Only calls that are not read-only");
  cmd->add_flag("--detections-only", f->detections_only, "Only events with detections");
  cmd->add_option("--limit", f->limit, "At most N events");
  return [f] { return RunTimeline(*f); };
}

}  // namespace cirt::cli
