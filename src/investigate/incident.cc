#include "investigate/incident.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "investigate/query_util.h"
#include "investigate/response_journal.h"
#include "model/detection.h"
#include "model/event.h"
#include "report/writer.h"

namespace cirt::investigate {

namespace {

// One resource name for events and alerts alike: an ARN as it is, anything
// else as the store writes it ("instanceId=i-0abc").
std::string ResourceId(std::string_view kind, std::string_view value) {
  if (value.substr(0, 4) == "arn:") return std::string(value);
  return std::string(kind) + "=" + std::string(value);
}

// events.resources entry "kind=value" -> ResourceId.
std::string EventResource(std::string_view entry) {
  const size_t eq = entry.find('=');
  if (eq == std::string_view::npos) return std::string(entry);
  return ResourceId(entry.substr(0, eq), entry.substr(eq + 1));
}

// alert_entities kinds that name resources, as events.resources names them.
constexpr std::pair<std::string_view, std::string_view> kAlertResourceKinds[] = {
    {"instance_id", "instanceId"}, {"bucket", "bucketName"}, {"function_name", "functionName"},
    {"user_name", "userName"},     {"role_arn", "roleArn"},  {"arn", "arn"},
};

model::Level AlertLevel(std::string_view label, double severity, std::string_view source) {
  if (auto level = model::ParseLevel(label)) return *level;
  // GuardDuty's ranges (0-10); ASFF's Normalized is 0-100.
  const double s = source == "securityhub" ? severity / 10.0 : severity;
  if (s >= 9) return model::Level::kCritical;
  if (s >= 7) return model::Level::kHigh;
  if (s >= 4) return model::Level::kMedium;
  if (s > 0) return model::Level::kLow;
  return model::Level::kInformational;
}

std::string_view ProductName(std::string_view source) {
  return source == "guardduty" ? "GuardDuty" : source == "securityhub" ? "Security Hub" : source;
}

std::vector<std::string> SplitTags(std::string_view tags) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= tags.size() && !tags.empty()) {
    size_t comma = tags.find(',', start);
    std::string_view t =
        tags.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (!t.empty()) out.emplace_back(t);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// A derived detection (correlation, anomaly) in one line: what it counted,
// what ties its events together, and their span. Columns 16-21 of the
// LoadDetections query.
std::string DerivedSummary(const store::Statement& q) {
  model::Evidence ev;
  ev.type = q.Text(16);
  ev.count = q.Double(17);
  const std::string_view grp = q.Text(18);
  size_t start = 0;
  while (start < grp.size()) {
    size_t end = std::min(grp.find('\x1f', start), grp.size());
    const std::string_view entry = grp.substr(start, end - start);
    const size_t eq = entry.find('=');
    if (eq != std::string_view::npos) {
      ev.group.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
    }
    start = end + 1;
  }
  const int64_t events = q.Int(21);
  return fmt::format("{}; {} evidence event{}, {} to {}", report::EvidenceSummary(ev), events,
                     events == 1 ? "" : "s", model::FormatUtcTimestamp(q.Int(19)),
                     model::FormatUtcTimestamp(q.Int(20)));
}

// In ingest order, where the detections of one event are consecutive (the
// builder merges them into one timeline entry).
Status LoadDetections(const store::Db& db, report::IncidentReportBuilder* builder) {
  CIRT_ASSIGN_OR_RETURN(
      store::Statement q,
      db.Prepare("SELECT r.rule_id, r.title, r.level, r.tags, e.time_us, e.event_id, "
                 "e.event_source, e.event_name, e.principal_arn, e.access_key_id, e.source_ip, "
                 "e.user_agent, e.aws_region, e.account_id, f.ingested_at, r.id, "
                 "v.type, v.count, v.grp, v.first_time_us, v.last_time_us, "
                 "(SELECT count(*) FROM detection_evidence x WHERE x.detection = d.id) "
                 "FROM detections d JOIN rules r ON r.id = d.rule JOIN events e ON e.id = "
                 "d.event LEFT JOIN files f ON f.id = e.file_id "
                 "LEFT JOIN derived v ON v.detection = d.id ORDER BY d.id"));
  // Rule columns parsed once per rule.
  struct RuleFields {
    model::Level level;
    std::vector<report::Tactic> tactics;
    std::vector<std::string> techniques;
  };
  std::unordered_map<int64_t, RuleFields> rules;
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto rule = rules.find(q.Int(15));
    if (rule == rules.end()) {
      const std::vector<std::string> tags = SplitTags(q.Text(3));
      rule = rules
                 .emplace(
                     q.Int(15),
                     RuleFields{model::ParseLevel(q.Text(2)).value_or(model::Level::kInformational),
                                report::TacticsFromTags(tags), report::TechniquesFromTags(tags)})
                 .first;
    }
    report::ReportDetection d;
    d.rule_id = q.Text(0);
    d.rule_title = q.Text(1);
    d.level = rule->second.level;
    d.tactics = rule->second.tactics;
    d.techniques = rule->second.techniques;
    d.time_us = q.Int(4);
    d.event_id = q.Text(5);
    d.event_source = q.Text(6);
    d.event_name = q.Text(7);
    d.principal_arn = q.Text(8);
    d.access_key_id = q.Text(9);
    d.source_ip = q.Text(10);
    d.user_agent = q.Text(11);
    d.aws_region = q.Text(12);
    d.account_id = q.Text(13);
    d.detected_us = model::ParseUtcTimestamp(q.Text(14)).value_or(0);
    if (!q.Text(16).empty()) d.aggregate = DerivedSummary(q);
    builder->AddDetection(std::move(d));
  }
  return Status::Ok();
}

Status LoadAlerts(const store::Db& db, report::IncidentReportBuilder* builder) {
  CIRT_ASSIGN_OR_RETURN(
      store::Statement q,
      db.Prepare("SELECT id, source, finding_id, type, title, severity, severity_label, "
                 "first_seen, time_us, raw FROM alerts ORDER BY id"));
  CIRT_ASSIGN_OR_RETURN(store::Statement entities,
                        db.Prepare("SELECT kind, value FROM alert_entities WHERE alert = ?1"));
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    report::ReportAlert a;
    const std::string source(q.Text(1));
    a.product = ProductName(source);
    a.id = q.Text(2);
    a.type = q.Text(3);
    a.title = q.Text(4);
    a.level = AlertLevel(q.Text(6), q.Double(5), source);
    a.first_seen_us = model::ParseUtcTimestamp(q.Text(7)).value_or(0);
    // The raw finding is JSON the store wrote; its CreatedAt is when the
    // detector raised it (GuardDuty and ASFF both name it so).
    const nlohmann::json raw = nlohmann::json::parse(q.Text(9), nullptr, false);
    if (raw.is_object() && raw.contains("CreatedAt") && raw["CreatedAt"].is_string()) {
      a.created_us = model::ParseUtcTimestamp(raw["CreatedAt"].get<std::string>()).value_or(0);
    }
    if (a.first_seen_us == 0 && a.created_us == 0) a.first_seen_us = q.Int(8);
    entities.Reset();
    entities.BindInt(1, q.Int(0));
    while (true) {
      CIRT_ASSIGN_OR_RETURN(bool erow, entities.Step());
      if (!erow) break;
      const std::string_view kind = entities.Text(0), value = entities.Text(1);
      if (value.empty()) continue;
      if (kind == "principal_arn" && a.principal_arn.empty()) a.principal_arn = value;
      if (kind == "access_key_id" && a.access_key_id.empty()) a.access_key_id = value;
      if (kind == "ip") a.source_ips.emplace_back(value);
      for (const auto& [entity_kind, resource_kind] : kAlertResourceKinds) {
        if (kind == entity_kind) a.resources.push_back(ResourceId(resource_kind, value));
      }
    }
    builder->AddAlert(std::move(a));
  }
  return Status::Ok();
}

Status LoadEvents(const store::Db& db, report::IncidentReportBuilder* builder) {
  CIRT_ASSIGN_OR_RETURN(
      store::Statement q,
      db.Prepare(fmt::format("SELECT e.time_us, e.event_time, e.event_id, e.event_source, "
                             "e.event_name, e.identity_type, e.principal_arn, e.access_key_id, "
                             "e.source_ip, e.user_agent, e.error_code, {}, e.resources, "
                             "e.aws_region, e.account_id FROM events e",
                             kIsWrite)));
  std::vector<std::string> resources;
  std::vector<std::string_view> views;
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    model::Event e;
    e.time_us = q.Int(0);
    e.event_time = q.Text(1);
    e.event_id = q.Text(2);
    e.event_source = q.Text(3);
    e.event_name = q.Text(4);
    e.user_identity.type = q.Text(5);
    e.user_identity.arn = q.Text(6);
    e.user_identity.access_key_id = q.Text(7);
    e.source_ip = q.Text(8);
    e.user_agent = q.Text(9);
    e.error_code = q.Text(10);
    e.read_only = q.Int(11) == 0;
    e.aws_region = q.Text(13);
    e.recipient_account_id = q.Text(14);
    resources.clear();
    views.clear();
    for (const std::string& entry : SplitUnit(q.Text(12)))
      resources.push_back(EventResource(entry));
    for (const std::string& r : resources) views.push_back(r);
    builder->AddEvent(e, views);
  }
  return Status::Ok();
}

}  // namespace

Result<report::IncidentReport> BuildIncidentReport(const store::Case& kase,
                                                   const IncidentOptions& options,
                                                   Diagnostics* diagnostics) {
  std::string name = options.case_name;
  if (name.empty()) {
    std::filesystem::path dir(kase.dir());
    name = (dir.has_filename() ? dir.filename() : dir.parent_path().filename()).string();
  }
  report::IncidentReportBuilder builder(name, options.report);
  const store::Db& db = kase.db();
  // Detections and alerts first: they decide which identities the events
  // pass is following.
  CIRT_RETURN_IF_ERROR(LoadDetections(db, &builder));
  CIRT_RETURN_IF_ERROR(LoadAlerts(db, &builder));
  CIRT_RETURN_IF_ERROR(LoadEvents(db, &builder));
  ResponseJournals journals = ReadResponseJournals(kase.dir(), diagnostics);
  for (report::ReportAction& a : journals.actions) builder.AddAction(std::move(a));
  for (std::string& p : journals.problems) builder.AddNote(std::move(p));
  int64_t now = options.now_us;
  if (now == 0) {
    now = std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  }
  return builder.Finish(now);
}

}  // namespace cirt::investigate
