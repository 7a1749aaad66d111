// The HTML renderer of the incident report: one self-contained file. The
// Content-Security-Policy forbids every fetch and every script, so even a
// string that escaped escaping could not run or call out; all text from
// evidence goes through HtmlEscape (E() below) anyway.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "report/incident_report.h"
#include "report/incident_report_internal.h"

namespace cirt::report {

using detail::FormatTime;

std::string HtmlEscape(std::string_view s) {
  return detail::CleanAndEscape(s, [](char c, std::string* out) {
    if (detail::AppendMarkupEntity(c, out)) return true;
    if (c == '"') {
      *out += "&quot;";
      return true;
    }
    if (c == '\'') {
      *out += "&#39;";
      return true;
    }
    return false;
  });
}

namespace {

std::string E(std::string_view s) { return HtmlEscape(s); }

std::string_view LevelClass(model::Level level) {
  switch (level) {
    case model::Level::kCritical:
      return "crit";
    case model::Level::kHigh:
      return "high";
    case model::Level::kMedium:
      return "med";
    case model::Level::kLow:
      return "low";
    case model::Level::kInformational:
      return "info";
  }
  return "info";
}

std::string LevelBadge(model::Level level) {
  return fmt::format("<span class=\"lvl {}\">{}</span>", LevelClass(level),
                     model::LevelName(level));
}

constexpr std::string_view kStyle = R"(
:root{--fg:#1d2430;--muted:#5b6678;--line:#d9dee7;--bg:#f6f7f9;--card:#fff;--accent:#2f5d9e;
--crit:#b3001b;--high:#d9480f;--med:#b08900;--low:#2b8a3e;--info:#5b6678;--flag:#e8590c;}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2430;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c5cbd6}
nav{padding:8px 32px;background:#fff;border-bottom:1px solid var(--line)}
nav a{margin-right:14px;color:var(--accent);text-decoration:none}
main{padding:8px 32px 40px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:14px 18px;margin:16px 0}
h2{margin:0 0 10px;font-size:18px}
h3{margin:14px 0 6px;font-size:15px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:150px}
.card .v{font-size:20px;font-weight:600}
.card .k{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.w,code{word-break:break-all}
td.t,td.ip{white-space:nowrap}
code{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:12px}
.lvl{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;font-size:12px}
.lvl.crit{background:var(--crit)}.lvl.high{background:var(--high)}.lvl.med{background:var(--med)}
.lvl.low{background:var(--low)}.lvl.info{background:var(--info)}
.muted{color:var(--muted)}
.note{color:var(--muted);font-size:12px;margin:4px 0}
svg{display:block;max-width:100%;height:auto}
svg text{font:11px "DejaVu Sans",Arial,sans-serif;fill:#1d2430}
svg .axis{stroke:#8a94a6;stroke-width:1}
svg .grid{stroke:#e3e7ee;stroke-width:1}
svg .bar{fill:#7b9cc9}
svg .bar-flagged{fill:var(--flag)}
svg .det{fill:var(--crit);stroke:#fff;stroke-width:1}
svg .det-line{stroke:var(--crit);stroke-width:1;stroke-dasharray:3 3}
svg .pbar{fill:#7b9cc9}
svg .pbar-err{fill:#c92a2a}
svg .empty{fill:var(--muted);font-size:14px}
)";

struct Counter {
  std::string_view key;
  std::string value;
};

// Activity over time: one bar per bucket (all events), the events of
// flagged identities over it, and a marker above each bucket holding
// detections or alerts.
std::string ActivityChart(const IncidentReport& r) {
  constexpr double kW = 960, kH = 290, kLeft = 60, kRight = 16, kTop = 40, kBottom = 46;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  std::string s = fmt::format(
      "<svg id=\"activity-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"Events per {2} with "
      "detections marked\">\n",
      kW, kH, FormatDuration(r.bucket_us));
  if (r.activity.empty()) {
    s += fmt::format("<text class=\"empty\" x=\"{}\" y=\"{}\">No events in the case</text>\n",
                     kW / 2 - 80, kH / 2);
    return s + "</svg>\n";
  }
  uint64_t max_events = 1;
  for (const ActivityBucket& b : r.activity) max_events = std::max(max_events, b.events);
  const double n = static_cast<double>(r.activity.size());
  const double slot = plot_w / n;
  const double bar_w = std::max(1.0, slot - (slot > 6 ? 2.0 : 0.0));
  const double base = kTop + plot_h;
  // Grid and y labels at 0, half and max.
  for (int k = 0; k <= 2; ++k) {
    const double y = base - plot_h * k / 2.0;
    s += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        kLeft, y, kW - kRight, y, kLeft - 6, y + 4,
        k == 0   ? 0
        : k == 1 ? max_events / 2
                 : max_events);
  }
  for (size_t i = 0; i < r.activity.size(); ++i) {
    const ActivityBucket& b = r.activity[i];
    const double x = kLeft + slot * static_cast<double>(i);
    const std::string when = FormatTime(b.start_us);
    if (b.events > 0) {
      const double h = std::max(1.0, plot_h * static_cast<double>(b.events) / max_events);
      s += fmt::format(
          "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
          "<title>{}: {} events</title></rect>\n",
          x, base - h, bar_w, h, when, b.events);
    }
    if (b.flagged_events > 0) {
      const double h = std::max(1.0, plot_h * static_cast<double>(b.flagged_events) / max_events);
      s += fmt::format(
          "<rect class=\"bar-flagged\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
          "height=\"{:.1f}\"><title>{}: {} events of flagged identities</title></rect>\n",
          x, base - h, bar_w, h, when, b.flagged_events);
    }
    if (b.detections > 0) {
      const double cx = x + bar_w / 2;
      const double radius = std::min(9.0, 4.0 + static_cast<double>(b.detections) / 4.0);
      s += fmt::format(
          "<line class=\"det-line\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
          "<circle class=\"det\" cx=\"{0:.1f}\" cy=\"{1:.1f}\" r=\"{3:.1f}\">"
          "<title>{4}: {5} detections and alerts</title></circle>\n",
          cx, kTop - 14, base, radius, when, b.detections);
    }
  }
  s += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", kLeft,
                   base, kW - kRight);
  // x labels: first, middle and last bucket.
  const size_t last = r.activity.size() - 1;
  const size_t picks[] = {0, last / 2, last};
  for (size_t k = 0; k < 3; ++k) {
    if (k > 0 && picks[k] == picks[k - 1]) continue;
    const double x = kLeft + slot * static_cast<double>(picks[k]) + bar_w / 2;
    const std::string_view anchor = k == 0 ? "start" : k == 2 ? "end" : "middle";
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>\n",
                     k == 0   ? kLeft
                     : k == 2 ? kW - kRight
                              : x,
                     base + 18, anchor, FormatTime(r.activity[picks[k]].start_us));
  }
  // Legend.
  s += fmt::format(
      "<rect class=\"bar\" x=\"{0}\" y=\"6\" width=\"12\" height=\"10\"/><text x=\"{1}\" "
      "y=\"15\">events</text><rect class=\"bar-flagged\" x=\"{2}\" y=\"6\" width=\"12\" "
      "height=\"10\"/><text x=\"{3}\" y=\"15\">events of flagged identities</text><circle "
      "class=\"det\" cx=\"{4}\" cy=\"11\" r=\"5\"/><text x=\"{5}\" y=\"15\">detections ({6} "
      "and above) and alerts</text>\n",
      kLeft, kLeft + 16, kLeft + 70, kLeft + 86, kLeft + 260, kLeft + 268,
      model::LevelName(r.incident_level));
  s += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" class=\"muted\">"
      "time (UTC), {} per bar</text>\n",
      kLeft + plot_w / 2, kH - 6, FormatDuration(r.bucket_us));
  return s + "</svg>\n";
}

// Activity per principal: horizontal bars (events, errors over them) with
// the counts written beside them.
std::string PrincipalChart(const IncidentReport& r) {
  constexpr double kW = 960, kLabel = 380, kRow = 24, kTop = 10, kCounts = 270;
  const double h = kTop * 2 + kRow * std::max<size_t>(1, r.principals.size());
  std::string s = fmt::format(
      "<svg id=\"principal-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"Events per "
      "principal\">\n",
      kW, h);
  if (r.principals.empty()) {
    s += fmt::format("<text class=\"empty\" x=\"20\" y=\"{}\">No principals in the case</text>\n",
                     kTop + 16);
    return s + "</svg>\n";
  }
  uint64_t max_events = 1;
  for (const PrincipalActivity& p : r.principals) max_events = std::max(max_events, p.events);
  const double bar_space = kW - kLabel - kCounts;
  for (size_t i = 0; i < r.principals.size(); ++i) {
    const PrincipalActivity& p = r.principals[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double w = p.events ? std::max(1.0, bar_space * p.events / max_events) : 0;
    const double we = p.errors ? std::max(1.0, bar_space * p.errors / max_events) : 0;
    s += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\"><title>{}</title>{}"
        "</text>\n",
        kLabel - 16, y + 15, E(p.principal), E(detail::Truncate(p.principal, 56)));
    s += fmt::format(
        "<rect class=\"pbar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
        "height=\"{:.1f}\"><title>{} events, {} writes</title></rect>\n",
        kLabel, y + 4, w, kRow - 8, p.events, p.writes);
    if (we > 0) {
      s += fmt::format(
          "<rect class=\"pbar-err\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
          "height=\"{:.1f}\"><title>{} errors</title></rect>\n",
          kLabel, y + 4, we, kRow - 8, p.errors);
    }
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{} events, {} errors{}</text>\n",
                     kLabel + w + 6, y + 15, p.events, p.errors,
                     p.detections ? fmt::format(", {} detections", p.detections) : "");
    if (p.detections > 0) {
      s += fmt::format(
          "<circle class=\"det\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\"><title>{} "
          "detections</title></circle>\n",
          kLabel - 8, y + 12, p.detections);
    }
  }
  return s + "</svg>\n";
}

std::string Row(std::initializer_list<std::string> cells) {
  std::string s = "<tr>";
  for (const std::string& c : cells) s += c;
  return s + "</tr>\n";
}
std::string Td(std::string_view text) { return "<td>" + E(text) + "</td>"; }
std::string TdCode(std::string_view text) {
  return "<td class=\"w\"><code>" + E(text) + "</code></td>";
}
// Times and IPs never wrap.
std::string TdTime(int64_t time_us) { return "<td class=\"t\">" + FormatTime(time_us) + "</td>"; }
std::string TdIp(std::string_view ip) { return "<td class=\"ip\"><code>" + E(ip) + "</code></td>"; }
std::string TdN(uint64_t n) { return fmt::format("<td class=\"n\">{}</td>", n); }
std::string TdRaw(std::string html) { return "<td>" + html + "</td>"; }

std::string Head(std::initializer_list<std::string_view> names) {
  std::string s = "<thead><tr>";
  for (std::string_view n : names) s += "<th>" + std::string(n) + "</th>";
  return s + "</tr></thead>\n";
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

}  // namespace

std::string RenderHtml(const IncidentReport& r) {
  std::string h;
  h.reserve(64 * 1024);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
       "style-src 'unsafe-inline'\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<meta name=\"generator\" content=\"cirt report\">\n";
  h += "<title>Incident report: " + E(r.case_name) + "</title>\n<style>" + std::string(kStyle) +
       "</style>\n</head>\n<body>\n";
  h += "<header><h1>Incident report: " + E(r.case_name) + "</h1><p>Generated " +
       FormatTime(r.generated_us) + " by cirt. Evidence window " + FormatTime(r.first_event_us) +
       " to " + FormatTime(r.last_event_us) + ".</p></header>\n";
  h += "<nav><a href=\"#summary\">Summary</a><a href=\"#activity\">Activity</a>"
       "<a href=\"#detections\">Detections</a><a href=\"#alerts\">Alerts</a>"
       "<a href=\"#timeline\">Timeline</a><a href=\"#iocs\">IOCs</a>"
       "<a href=\"#resources\">Affected resources</a><a href=\"#response\">Response</a>"
       "<a href=\"#metrics\">Time to detect and contain</a></nav>\n<main>\n";

  // Summary.
  const std::string ttd = detail::TimeToDetect(r);
  const std::string ttc = detail::TimeToContain(r);
  h += "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">\n";
  const Counter cards[] = {
      {"events", fmt::to_string(r.event_count)},
      {"principals", fmt::to_string(r.principal_count)},
      {"detections", fmt::to_string(r.detection_count)},
      {"alerts", fmt::to_string(r.alert_count)},
      {"critical + high", fmt::to_string(r.detections_by_level[4] + r.detections_by_level[3] +
                                         r.alerts_by_level[4] + r.alerts_by_level[3])},
      {"indicators", fmt::to_string(r.iocs.size())},
      {"affected resources", fmt::to_string(r.resources.size())},
      {"response steps", fmt::to_string(r.actions.size())},
      {"time to detect", ttd},
      {"time to contain", ttc},
  };
  for (const Counter& c : cards) {
    h += "<div class=\"card\"><div class=\"v\">" + E(c.value) + "</div><div class=\"k\">" +
         std::string(c.key) + "</div></div>\n";
  }
  h += "</div>\n<p>First event " + FormatTime(r.first_event_us) + ", last event " +
       FormatTime(r.last_event_us) + ". First malicious activity " +
       FormatTime(r.first_malicious_us) + ".</p>\n";
  for (const std::string& note : r.notes) h += "<p class=\"note\">" + E(note) + "</p>\n";
  h += "</section>\n";

  // Charts.
  h += "<section id=\"activity\"><h2>Activity over time</h2>\n" + ActivityChart(r);
  h += "<h3 id=\"principals\">Activity by principal</h3>\n" + PrincipalChart(r);
  h += "</section>\n";

  // Detections.
  h += "<section id=\"detections\"><h2>Detections</h2>\n<h3>By severity</h3>\n<table>";
  h += Head({"severity", "detections", "alerts"});
  for (int lvl = 4; lvl >= 0; --lvl) {
    h += Row({TdRaw(LevelBadge(static_cast<model::Level>(lvl))), TdN(r.detections_by_level[lvl]),
              TdN(r.alerts_by_level[lvl])});
  }
  h += "</table>\n<h3>By ATT&amp;CK tactic</h3>\n";
  if (r.tactics.empty()) {
    h += "<p class=\"muted\">No detections.</p>\n";
  } else {
    h += "<table>" + Head({"tactic", "detections", "rules"});
    for (const TacticCount& t : r.tactics) {
      h += Row({Td(TacticTitle(t.tactic)), TdN(t.detections), Td(Join(t.rules, "; "))});
    }
    h += "</table>\n";
  }
  h += "<h3>All detections</h3>\n";
  if (r.detections.empty()) {
    h += "<p class=\"muted\">No detections.</p>\n";
  } else {
    h += "<table>" + Head({"time (UTC)", "level", "rule", "tactic", "event", "principal",
                           "source IP", "user agent"});
    for (const ReportDetection& d : r.detections) {
      std::string rule = E(d.rule_title);
      if (!d.aggregate.empty()) rule += " <span class=\"muted\">[" + E(d.aggregate) + "]</span>";
      if (!d.techniques.empty())
        rule += " <span class=\"muted\">" + E(Join(d.techniques, " ")) + "</span>";
      h +=
          Row({TdTime(d.time_us), TdRaw(LevelBadge(d.level)), TdRaw(rule), Td(Tactics(d.tactics)),
               Td(d.event_name), TdCode(d.principal_arn), TdIp(d.source_ip), TdCode(d.user_agent)});
    }
    h += "</table>\n";
  }
  h += "</section>\n";

  // Alerts.
  h += "<section id=\"alerts\"><h2>Alerts (GuardDuty, Security Hub)</h2>\n";
  if (r.alerts.empty()) {
    h += "<p class=\"muted\">No alerts in the case.</p>\n";
  } else {
    h += "<table>" + Head({"first seen (UTC)", "raised (UTC)", "level", "product", "type", "title",
                           "principal", "resources"});
    for (const ReportAlert& a : r.alerts) {
      h += Row({TdTime(a.first_seen_us), TdTime(a.created_us), TdRaw(LevelBadge(a.level)),
                Td(a.product), Td(a.type), Td(a.title), TdCode(a.principal_arn),
                TdCode(Join(a.resources, ", "))});
    }
    h += "</table>\n";
  }
  h += "</section>\n";

  // Timeline.
  h += "<section id=\"timeline\"><h2>Timeline of key events</h2>\n";
  if (r.timeline.empty()) {
    h += "<p class=\"muted\">No key events.</p>\n";
  } else {
    h += "<table>" +
         Head({"time (UTC)", "kind", "level", "what", "principal / target", "source IP", "detail"});
    for (const ReportTimelineEntry& e : r.timeline) {
      h += Row({TdTime(e.time_us), Td(KindName(e.kind)), TdRaw(e.level ? LevelBadge(*e.level) : ""),
                Td(e.what), TdCode(e.principal), TdIp(e.source_ip), Td(e.detail)});
    }
    h += "</table>\n";
  }
  if (r.timeline_omitted > 0) {
    h += fmt::format("<p class=\"note\">{} more entries are not shown.</p>\n", r.timeline_omitted);
  }
  h += "</section>\n";

  // IOCs.
  h += "<section id=\"iocs\"><h2>Indicators of compromise</h2>\n";
  if (r.iocs.empty()) {
    h += "<p class=\"muted\">No indicators: nothing was detected.</p>\n";
  } else {
    h += "<table>" +
         Head({"kind", "value", "detections", "events", "first seen (UTC)", "last seen (UTC)"});
    for (const ReportIoc& i : r.iocs) {
      h += Row({Td(IocKindName(i.kind)), TdCode(i.value), TdN(i.detections), TdN(i.events),
                TdTime(i.first_us), TdTime(i.last_us)});
    }
    h += "</table>\n";
  }
  h += "</section>\n";

  // Resources.
  h += "<section id=\"resources\"><h2>Affected resources</h2>\n";
  if (r.resources.empty()) {
    h += "<p class=\"muted\">No resource was changed by a flagged identity or named by an "
         "alert.</p>\n";
  } else {
    h += "<table>" + Head({"resource", "actions", "by", "first (UTC)", "last (UTC)"});
    for (const ReportResource& res : r.resources) {
      h += Row({TdCode(res.id), Td(Join(res.actions, ", ")), TdCode(Join(res.by, ", ")),
                TdTime(res.first_us), TdTime(res.last_us)});
    }
    h += "</table>\n";
  }
  h += "</section>\n";

  // Response.
  h += "<section id=\"response\"><h2>Response actions taken</h2>\n";
  if (r.actions.empty()) {
    h += "<p class=\"muted\">No response journal in the case.</p>\n";
  } else {
    h += "<table>" + Head({"time (UTC)", "run", "playbook", "step", "action", "target", "result",
                           "rolled back", "request id"});
    for (const ReportAction& a : r.actions) {
      std::string result = E(a.result);
      if (!a.error.empty()) result += "<br><span class=\"muted\">" + E(a.error) + "</span>";
      h += Row({TdTime(a.time_us), TdCode(a.run_id), Td(a.playbook), Td(a.step), Td(a.action),
                TdCode(a.target), TdRaw(result), Td(a.rolled_back ? "yes" : "no"),
                TdCode(a.request_id)});
    }
    h += "</table>\n";
  }
  h += "</section>\n";

  // Metrics.
  h += "<section id=\"metrics\"><h2>Time to detect and contain</h2>\n<table>";
  h += Head({"measure", "value", "from", "to"});
  h += Row(
      {Td("time to detect"), Td(ttd), TdTime(r.first_malicious_us), TdTime(r.first_detected_us)});
  h += Row(
      {Td("time to contain"), Td(ttc), TdTime(r.first_detected_us), TdTime(r.first_contained_us)});
  h += "</table>\n<p class=\"note\">Time to detect runs from the earliest event named by a "
       "detection or alert to the earliest time a detection was made (the case ingest that ran "
       "the rules) or an alert was raised. Time to contain runs from there to the first "
       "successful containment step in the response journal.</p>\n</section>\n";
  h += "</main>\n</body>\n</html>\n";
  return h;
}

}  // namespace cirt::report
