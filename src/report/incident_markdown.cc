// The Markdown renderer of the incident report: the sections of the HTML
// file in the same order, as GitHub-flavoured Markdown tables. Markdown
// renderers pass inline HTML through, so evidence text is escaped (M()
// below) as carefully as in the HTML file.
#include <fmt/format.h>

#include <string>

#include "report/incident_report.h"
#include "report/incident_report_internal.h"

namespace cirt::report {

using detail::FormatTime;

std::string MarkdownEscape(std::string_view s) {
  return detail::CleanAndEscape(s, [](char c, std::string* out) {
    if (detail::AppendMarkupEntity(c, out)) return true;
    // Markdown's punctuation, and | (table cells).
    if (std::string_view("\\`*_[]#!~{}()|").find(c) == std::string_view::npos) return false;
    *out += '\\';
    *out += c;
    return true;
  });
}

namespace {

std::string M(std::string_view s) { return MarkdownEscape(s); }

std::string Row(std::initializer_list<std::string> cells) {
  std::string s = "|";
  for (const std::string& c : cells) s += " " + (c.empty() ? std::string("-") : c) + " |";
  return s + "\n";
}

std::string Head(std::initializer_list<std::string_view> names, size_t numeric_from = 99) {
  std::string s = "|", rule = "|";
  size_t i = 0;
  for (std::string_view n : names) {
    s.append(" ").append(n).append(" |");
    rule.append(i++ >= numeric_from ? "---:|" : "---|");
  }
  s += '\n';
  s += rule;
  s += '\n';
  return s;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
  return s;
}

std::string Tactics(const std::vector<Tactic>& tactics) {
  std::string s;
  for (Tactic t : tactics) s += (s.empty() ? "" : ", ") + std::string(TacticTitle(t));
  return s;
}

std::string Level(model::Level level) { return std::string(model::LevelName(level)); }

std::string_view KindName(ReportTimelineEntry::Kind kind) {
  switch (kind) {
    case ReportTimelineEntry::Kind::kDetection:
      return "detection";
    case ReportTimelineEntry::Kind::kAlert:
      return "alert";
    case ReportTimelineEntry::Kind::kWrite:
      return "write";
    case ReportTimelineEntry::Kind::kResponse:
      return "response";
  }
  return "event";
}

std::string N(uint64_t n) { return fmt::to_string(n); }

}  // namespace

std::string RenderMarkdown(const IncidentReport& r) {
  std::string m;
  m.reserve(32 * 1024);
  const std::string ttd = detail::TimeToDetect(r);
  const std::string ttc = detail::TimeToContain(r);
  m += "# Incident report: " + M(r.case_name) + "\n\n";
  m += "Generated " + FormatTime(r.generated_us) + " by cirt. Evidence window " +
       FormatTime(r.first_event_us) + " to " + FormatTime(r.last_event_us) + ".\n\n";

  m += "## Summary\n\n" + Head({"measure", "value"});
  m += Row({"events", N(r.event_count)});
  m += Row({"principals", N(r.principal_count)});
  m += Row({"detections", N(r.detection_count)});
  m += Row({"alerts", N(r.alert_count)});
  m += Row({"critical + high", N(r.detections_by_level[4] + r.detections_by_level[3] +
                                 r.alerts_by_level[4] + r.alerts_by_level[3])});
  m += Row({"indicators", N(r.iocs.size())});
  m += Row({"affected resources", N(r.resources.size())});
  m += Row({"response steps", N(r.actions.size())});
  m += Row({"first malicious activity", FormatTime(r.first_malicious_us)});
  m += Row({"time to detect", ttd});
  m += Row({"time to contain", ttc});
  m += "\n";
  for (const std::string& note : r.notes) m += "> " + M(note) + "\n\n";

  m += "## Activity over time\n\n";
  if (r.activity.empty()) {
    m += "No events in the case.\n\n";
  } else {
    m += "Events per " + FormatDuration(r.bucket_us) + " (UTC); empty periods left out.\n\n";
    m += Head({"from (UTC)", "events", "events of flagged identities", "detections and alerts"}, 1);
    for (const ActivityBucket& b : r.activity) {
      if (b.events == 0 && b.detections == 0) continue;
      m += Row({FormatTime(b.start_us), N(b.events), N(b.flagged_events), N(b.detections)});
    }
    m += "\n";
  }
  m += "### Activity by principal\n\n";
  if (r.principals.empty()) {
    m += "No principals in the case.\n\n";
  } else {
    m += Head({"principal", "events", "errors", "writes", "detections"}, 1);
    for (const PrincipalActivity& p : r.principals) {
      m += Row({M(p.principal), N(p.events), N(p.errors), N(p.writes), N(p.detections)});
    }
    m += "\n";
  }

  m += "## Detections\n\n### By severity\n\n" + Head({"severity", "detections", "alerts"}, 1);
  for (int lvl = 4; lvl >= 0; --lvl) {
    m += Row({Level(static_cast<model::Level>(lvl)), N(r.detections_by_level[lvl]),
              N(r.alerts_by_level[lvl])});
  }
  m += "\n### By ATT&CK tactic\n\n";
  if (r.tactics.empty()) {
    m += "No detections.\n\n";
  } else {
    m += Head({"tactic", "detections", "rules"});
    for (const TacticCount& t : r.tactics) {
      m += Row({std::string(TacticTitle(t.tactic)), N(t.detections), M(Join(t.rules, "; "))});
    }
    m += "\n";
  }
  m += "### All detections\n\n";
  if (r.detections.empty()) {
    m += "No detections.\n\n";
  } else {
    m += Head(
        {"time (UTC)", "level", "rule", "tactic", "event", "principal", "source IP", "user agent"});
    for (const ReportDetection& d : r.detections) {
      std::string rule = M(d.rule_title);
      if (!d.aggregate.empty()) rule.append(" \\[").append(M(d.aggregate)).append("\\]");
      if (!d.techniques.empty()) rule.append(" ").append(M(Join(d.techniques, " ")));
      m += Row({FormatTime(d.time_us), Level(d.level), rule, Tactics(d.tactics), M(d.event_name),
                M(d.principal_arn), M(d.source_ip), M(d.user_agent)});
    }
    m += "\n";
  }

  m += "## Alerts (GuardDuty, Security Hub)\n\n";
  if (r.alerts.empty()) {
    m += "No alerts in the case.\n\n";
  } else {
    m += Head({"first seen (UTC)", "raised (UTC)", "level", "product", "type", "title", "principal",
               "resources"});
    for (const ReportAlert& a : r.alerts) {
      m += Row({FormatTime(a.first_seen_us), FormatTime(a.created_us), Level(a.level), M(a.product),
                M(a.type), M(a.title), M(a.principal_arn), M(Join(a.resources, ", "))});
    }
    m += "\n";
  }

  m += "## Timeline of key events\n\n";
  if (r.timeline.empty()) {
    m += "No key events.\n\n";
  } else {
    m += Head({"time (UTC)", "kind", "level", "what", "principal / target", "source IP", "detail"});
    for (const ReportTimelineEntry& e : r.timeline) {
      m +=
          Row({FormatTime(e.time_us), std::string(KindName(e.kind)), e.level ? Level(*e.level) : "",
               M(e.what), M(e.principal), M(e.source_ip), M(e.detail)});
    }
    m += "\n";
  }
  if (r.timeline_omitted > 0)
    m += fmt::format("{} more entries are not shown.\n\n", r.timeline_omitted);

  m += "## Indicators of compromise\n\n";
  if (r.iocs.empty()) {
    m += "No indicators: nothing was detected.\n\n";
  } else {
    m += Head({"kind", "value", "detections", "events", "first seen (UTC)", "last seen (UTC)"});
    for (const ReportIoc& i : r.iocs) {
      m += Row({std::string(IocKindName(i.kind)), M(i.value), N(i.detections), N(i.events),
                FormatTime(i.first_us), FormatTime(i.last_us)});
    }
    m += "\n";
  }

  m += "## Affected resources\n\n";
  if (r.resources.empty()) {
    m += "No resource was changed by a flagged identity or named by an alert.\n\n";
  } else {
    m += Head({"resource", "actions", "by", "first (UTC)", "last (UTC)"});
    for (const ReportResource& res : r.resources) {
      m += Row({M(res.id), M(Join(res.actions, ", ")), M(Join(res.by, ", ")),
                FormatTime(res.first_us), FormatTime(res.last_us)});
    }
    m += "\n";
  }

  m += "## Response actions taken\n\n";
  if (r.actions.empty()) {
    m += "No response journal in the case.\n\n";
  } else {
    m += Head({"time (UTC)", "run", "playbook", "step", "action", "target", "result", "rolled back",
               "request id"});
    for (const ReportAction& a : r.actions) {
      std::string result = M(a.result);
      if (!a.error.empty()) result += ": " + M(a.error);
      m += Row({FormatTime(a.time_us), M(a.run_id), M(a.playbook), M(a.step), M(a.action),
                M(a.target), result, a.rolled_back ? "yes" : "no", M(a.request_id)});
    }
    m += "\n";
  }

  m += "## Time to detect and contain\n\n" + Head({"measure", "value", "from", "to"});
  m += Row(
      {"time to detect", ttd, FormatTime(r.first_malicious_us), FormatTime(r.first_detected_us)});
  m += Row(
      {"time to contain", ttc, FormatTime(r.first_detected_us), FormatTime(r.first_contained_us)});
  m += "\nTime to detect runs from the earliest event named by a detection or alert to the "
       "earliest time a detection was made (the case ingest that ran the rules) or an alert was "
       "raised. Time to contain runs from there to the first successful containment step in the "
       "response journal.\n";
  return m;
}

}  // namespace cirt::report
