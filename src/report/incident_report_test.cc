#include "report/incident_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "report/incident_report_internal.h"

namespace cirt::report {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
// 2026-03-24T10:00:00Z
constexpr int64_t kT0 = 1774346400LL * kSecond;

const std::string kHostileAgent = "<script>alert('ua')</script> \"x\" & | `y` **z**";
const std::string kHostileArn = "arn:aws:iam::111122223333:user/<img src=x onerror=alert(1)>";

// An event as the store hands it: string_views into `strings`.
struct EventData {
  std::string time, id, source, name, ip, agent, arn, key, error, type = "IAMUser";
  int64_t time_us = 0;
  bool read_only = true;
  model::Event View() const {
    model::Event e;
    e.event_time = time;
    e.time_us = time_us;
    e.event_id = id;
    e.event_source = source;
    e.event_name = name;
    e.source_ip = ip;
    e.user_agent = agent;
    e.error_code = error;
    e.read_only = read_only;
    e.user_identity.type = type;
    e.user_identity.arn = arn;
    e.user_identity.access_key_id = key;
    return e;
  }
};

EventData Ev(int64_t t, std::string id, std::string name, std::string arn, std::string key,
             std::string ip, std::string agent, bool read_only = true, std::string error = "") {
  EventData d;
  d.time_us = t;
  d.time = model::FormatUtcTimestamp(t);
  d.id = std::move(id);
  d.source = "iam.amazonaws.com";
  d.name = std::move(name);
  d.arn = std::move(arn);
  d.key = std::move(key);
  d.ip = std::move(ip);
  d.agent = std::move(agent);
  d.read_only = read_only;
  d.error = std::move(error);
  return d;
}

// A small incident: an attacker key enumerates, creates a key for a
// backdoor user and stops logging; an admin works normally; GuardDuty
// raises an alert; a response run disables the key and rolls back one step.
class IncidentReportTest : public ::testing::Test {
 protected:
  IncidentReportTest() {
    rule_backdoor_ = {"r-1",
                      "IAM access key created for another user",
                      model::Level::kHigh,
                      {"attack.persistence", "attack.t1098.001"}};
    rule_low_ = {"r-3", "Routine user listing", model::Level::kLow, {"attack.discovery"}};
    rule_stop_ = {"r-2",
                  "CloudTrail logging stopped",
                  model::Level::kCritical,
                  {"attack.defense-evasion", "attack.t1562.008", "attack.stealth"}};
    const std::string attacker = kHostileArn;
    const std::string admin = "arn:aws:iam::111122223333:user/admin";
    for (int i = 0; i < 20; ++i) {
      events_.push_back(Ev(kT0 + i * 3 * kMinute, "adm-" + std::to_string(i), "ListUsers", admin,
                           "AKIAADMINADMINADMIN1", "198.51.100.10", "console.amazonaws.com"));
    }
    for (int i = 0; i < 6; ++i) {
      events_.push_back(Ev(kT0 + 30 * kMinute + i * kSecond, "enum-" + std::to_string(i), "GetUser",
                           attacker, "AKIAATTACKERKEY00001", "203.0.113.7", kHostileAgent, true,
                           "AccessDenied"));
    }
    events_.push_back(Ev(kT0 + 40 * kMinute, "ev-key", "CreateAccessKey", attacker,
                         "AKIAATTACKERKEY00001", "203.0.113.7", kHostileAgent, false));
    events_.push_back(Ev(kT0 + 41 * kMinute, "ev-user", "CreateUser", attacker,
                         "AKIAATTACKERKEY00001", "203.0.113.7", kHostileAgent, false));
    events_.back().source = "iam.amazonaws.com";
    events_.push_back(Ev(kT0 + 45 * kMinute, "ev-stop", "StopLogging", attacker,
                         "AKIAATTACKERKEY00001", "203.0.113.7", kHostileAgent, false));
    events_.back().source = "cloudtrail.amazonaws.com";
  }

  // A detection as the case loader makes it from a rule and an event row.
  ReportDetection Detect(const model::RuleInfo* rule, const EventData& e, int64_t detected) {
    ReportDetection d;
    d.level = rule->level;
    d.rule_id = rule->id;
    d.rule_title = rule->title;
    d.tactics = TacticsFromTags(rule->tags);
    d.techniques = TechniquesFromTags(rule->tags);
    d.time_us = e.time_us;
    d.detected_us = detected;
    d.event_id = e.id;
    d.event_source = e.source;
    d.event_name = e.name;
    d.principal_arn = e.arn;
    d.access_key_id = e.key;
    d.source_ip = e.ip;
    d.user_agent = e.agent;
    return d;
  }

  IncidentReport Build(bool with_response = true) {
    IncidentReportBuilder b("case <one> & two");
    const int64_t detected = kT0 + 2 * kHour;  // the ingest that ran the rules
    b.AddDetection(Detect(&rule_backdoor_, events_[20 + 6], detected));
    b.AddDetection(Detect(&rule_stop_, events_[20 + 8], detected));
    b.AddDetection(Detect(&rule_backdoor_, events_[20 + 8], detected));  // same event, 2 rules
    // Below the incident level: counted, not an indicator.
    b.AddDetection(Detect(&rule_low_, events_[0], detected));
    ReportAlert alert;
    alert.product = "GuardDuty";
    alert.id = "gd-1";
    alert.type = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom";
    alert.title = "API GetUser was invoked from a malicious IP <b>";
    alert.level = model::Level::kMedium;
    alert.first_seen_us = kT0 + 30 * kMinute;
    alert.created_us = kT0 + 50 * kMinute;
    alert.principal_arn = kHostileArn;
    alert.access_key_id = "AKIAATTACKERKEY00001";
    alert.source_ips = {"203.0.113.7"};
    alert.resources = {"arn:aws:iam::111122223333:user/backdoor"};
    b.AddAlert(alert);
    for (const EventData& e : events_) {
      std::vector<std::string_view> res;
      if (e.name == "CreateUser") res.push_back("arn:aws:iam::111122223333:user/backdoor");
      if (e.name == "StopLogging")
        res.push_back("arn:aws:cloudtrail:us-east-1:111122223333:trail/main");
      b.AddEvent(e.View(), res);
    }
    if (with_response) {
      ReportAction capture{"run-1",
                           "contain-iam-key",
                           "capture",
                           "iam:ListAccessKeys",
                           "AKIAATTACKERKEY00001",
                           "ok",
                           true,
                           false,
                           false,
                           kT0 + 2 * kHour + 5 * kMinute,
                           "req-1",
                           ""};
      ReportAction disable{"run-1",
                           "contain-iam-key",
                           "disable_key",
                           "iam:UpdateAccessKey",
                           "AKIAATTACKERKEY00001",
                           "ok",
                           true,
                           true,
                           false,
                           kT0 + 2 * kHour + 10 * kMinute,
                           "req-2",
                           ""};
      ReportAction failed{"run-1",    "contain-iam-key",
                          "deny_all", "iam:PutUserPolicy",
                          "backdoor", "failed",
                          false,      true,
                          true,       kT0 + 2 * kHour + 6 * kMinute,
                          "req-3",    "AccessDenied <x>"};
      b.AddAction(capture);
      b.AddAction(disable);
      b.AddAction(failed);
    }
    return b.Finish(kT0 + 3 * kHour);
  }

  model::RuleInfo rule_backdoor_, rule_stop_, rule_low_;
  std::vector<EventData> events_;
};

// The text between `<svg id="ID"` and its `</svg>`.
std::string SvgById(const std::string& html, const std::string& id) {
  size_t begin = html.find("<svg id=\"" + id + "\"");
  if (begin == std::string::npos) return "";
  size_t end = html.find("</svg>", begin);
  if (end == std::string::npos) return "";
  return html.substr(begin, end + 6 - begin);
}

size_t CountClass(const pugi::xml_node& root, const char* name, const char* cls) {
  size_t n = 0;
  for (pugi::xpath_node x :
       root.select_nodes((std::string("//") + name + "[@class='" + cls + "']").c_str())) {
    (void)x;
    ++n;
  }
  return n;
}

TEST_F(IncidentReportTest, AggregatesCountsTacticsAndTimes) {
  IncidentReport r = Build();
  EXPECT_EQ(r.event_count, events_.size());
  EXPECT_EQ(r.detection_count, 4u);
  EXPECT_EQ(r.alert_count, 1u);
  EXPECT_EQ(r.principal_count, 2u);
  EXPECT_EQ(r.detections_by_level[static_cast<int>(model::Level::kCritical)], 1u);
  EXPECT_EQ(r.detections_by_level[static_cast<int>(model::Level::kHigh)], 2u);
  EXPECT_EQ(r.detections_by_level[static_cast<int>(model::Level::kLow)], 1u);
  EXPECT_EQ(r.alerts_by_level[static_cast<int>(model::Level::kMedium)], 1u);
  // Tactics in kill-chain order; "attack.stealth" folds into defense evasion.
  ASSERT_EQ(r.tactics.size(), 3u);
  EXPECT_EQ(r.tactics[2].tactic, Tactic::kDiscovery);
  EXPECT_EQ(r.tactics[0].tactic, Tactic::kPersistence);
  EXPECT_EQ(r.tactics[0].detections, 2u);
  EXPECT_EQ(r.tactics[1].tactic, Tactic::kDefenseEvasion);
  EXPECT_EQ(r.tactics[1].detections, 1u);
  ASSERT_EQ(r.detections.size(), 4u);
  ASSERT_EQ(r.notes.size(), 1u);  // says 1 detection is below the incident level
  EXPECT_NE(r.notes[0].find(
                "medium and above and alerts at level low and above; 1 detections and 0 alerts"),
            std::string::npos);
  EXPECT_EQ(r.detections[0].level, model::Level::kCritical);  // most severe first
  EXPECT_EQ(r.detections[0].techniques, std::vector<std::string>{"T1562.008"});
  // Time to detect: the alert's first-seen activity (30 min) -> the alert
  // raised at 50 min, which precedes the rule run at 2 h.
  EXPECT_EQ(r.first_malicious_us, kT0 + 30 * kMinute);
  EXPECT_EQ(r.first_detected_us, kT0 + 50 * kMinute);
  // Contained by the first successful containment step (the capture step
  // does not count, the failed one neither).
  EXPECT_EQ(r.first_contained_us, kT0 + 2 * kHour + 10 * kMinute);
  EXPECT_EQ(r.actions[1].step, "deny_all");  // sorted by time
}

TEST_F(IncidentReportTest, IndicatorsCountEveryEventCarryingThem) {
  IncidentReport r = Build();
  auto find = [&](ReportIoc::Kind kind, const std::string& value) -> const ReportIoc* {
    for (const ReportIoc& i : r.iocs) {
      if (i.kind == kind && i.value == value) return &i;
    }
    return nullptr;
  };
  const ReportIoc* ip = find(ReportIoc::Kind::kSourceIp, "203.0.113.7");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->detections, 4u);  // three detections and the alert
  EXPECT_EQ(ip->events, 9u);
  EXPECT_EQ(ip->first_us, kT0 + 30 * kMinute);
  EXPECT_EQ(ip->last_us, kT0 + 45 * kMinute);
  ASSERT_NE(find(ReportIoc::Kind::kUserAgent, kHostileAgent), nullptr);
  ASSERT_NE(find(ReportIoc::Kind::kAccessKeyId, "AKIAATTACKERKEY00001"), nullptr);
  ASSERT_NE(find(ReportIoc::Kind::kArn, kHostileArn), nullptr);
  // The admin was detected only by a low rule: not an indicator.
  EXPECT_EQ(find(ReportIoc::Kind::kSourceIp, "198.51.100.10"), nullptr);
  EXPECT_EQ(find(ReportIoc::Kind::kArn, "arn:aws:iam::111122223333:user/admin"), nullptr);
}

TEST_F(IncidentReportTest, ResourcesAndTimelineComeFromFlaggedIdentities) {
  IncidentReport r = Build();
  std::vector<std::string> ids;
  for (const ReportResource& res : r.resources) ids.push_back(res.id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"arn:aws:iam::111122223333:user/backdoor",
                                      "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}));
  // backdoor user: named by the alert (first seen 30 min) and created at 41 min.
  EXPECT_EQ(r.resources[0].first_us, kT0 + 30 * kMinute);
  EXPECT_EQ(r.resources[0].last_us, kT0 + 41 * kMinute);
  // Timeline: 2 detected events (StopLogging merged for its 2 rules), the
  // alert, one write not detected (CreateUser), 3 response steps.
  ASSERT_EQ(r.timeline.size(), 7u);
  EXPECT_EQ(r.timeline_omitted, 0u);
  EXPECT_TRUE(std::is_sorted(r.timeline.begin(), r.timeline.end(),
                             [](const auto& a, const auto& b) { return a.time_us < b.time_us; }));
  const ReportTimelineEntry& stop = r.timeline[3];
  EXPECT_EQ(stop.what, "cloudtrail:StopLogging");
  EXPECT_EQ(stop.level, model::Level::kCritical);
  EXPECT_NE(stop.detail.find("CloudTrail logging stopped"), std::string::npos);
  EXPECT_NE(stop.detail.find("IAM access key created"), std::string::npos);
  EXPECT_EQ(r.timeline[2].kind, ReportTimelineEntry::Kind::kWrite);
  EXPECT_EQ(r.timeline[2].what, "iam:CreateUser");
}

TEST_F(IncidentReportTest, ActivityBucketsCoverTheSpanAndMarkDetections) {
  IncidentReport r = Build();
  // 57 minutes of events -> 1-minute buckets fit in 60.
  EXPECT_EQ(r.bucket_us, kMinute);
  ASSERT_EQ(r.activity.size(), 58u);
  uint64_t events = 0, flagged = 0, detections = 0;
  for (const ActivityBucket& b : r.activity) {
    events += b.events;
    flagged += b.flagged_events;
    detections += b.detections;
  }
  EXPECT_EQ(events, events_.size());
  EXPECT_EQ(flagged, 9u);
  EXPECT_EQ(detections, 4u);
  EXPECT_EQ(r.activity[30].detections, 1u);  // the alert's first-seen minute
  EXPECT_EQ(r.activity[45].detections, 2u);  // StopLogging, two rules
}

TEST_F(IncidentReportTest, AlertOutsideTheEventSpanIsNotMarked) {
  IncidentReportBuilder b("old alert");
  ReportAlert old;
  old.product = "GuardDuty";
  old.type = "Recon:IAMUser/UserPermissions";
  old.level = model::Level::kMedium;
  old.first_seen_us = kT0 - 400 * 24 * kHour;
  old.created_us = old.first_seen_us + 20 * kMinute;
  b.AddAlert(old);
  for (const EventData& e : events_) b.AddEvent(e.View());
  IncidentReport r = b.Finish(kT0 + kHour);
  EXPECT_EQ(r.bucket_us, kMinute);  // the events' span decides the buckets
  uint64_t marked = 0;
  for (const ActivityBucket& bucket : r.activity) marked += bucket.detections;
  EXPECT_EQ(marked, 0u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("1 detections or alerts fall outside"), std::string::npos);
  // It still sets the times: 20 minutes to detect.
  EXPECT_EQ(r.first_detected_us - r.first_malicious_us, 20 * kMinute);
}

TEST_F(IncidentReportTest, ManyDetectionsKeepTheMostSevereRowsAndTimeline) {
  IncidentReportBuilder b("busy");
  model::RuleInfo medium{"m", "Medium rule", model::Level::kMedium, {"attack.discovery"}};
  auto add = [&](const model::RuleInfo& rule, int64_t t, const std::string& id) {
    EventData e = Ev(t, id, "ListUsers", "arn:aws:iam::111122223333:user/u", "", "203.0.113.9", "");
    b.AddDetection(Detect(&rule, e, t + kHour));
  };
  for (int i = 0; i < 1200; ++i) add(rule_low_, kT0 + i * kSecond, "low-" + std::to_string(i));
  for (int i = 0; i < 700; ++i) add(medium, kT0 + i * kSecond, "med-" + std::to_string(i));
  add(rule_stop_, kT0 + 5000 * kSecond, "crit");
  IncidentReport r = b.Finish(kT0 + 2 * kHour);
  EXPECT_EQ(r.detection_count, 1901u);
  ASSERT_EQ(r.detections.size(), kMaxDetectionRows);
  EXPECT_EQ(r.detections[0].event_id, "crit");
  EXPECT_EQ(r.detections[1].event_id, "med-0");
  EXPECT_EQ(r.detections[700].event_id, "med-699");
  EXPECT_EQ(r.detections[701].event_id, "low-0");  // ties of level: earlier first
  EXPECT_EQ(r.detections[999].event_id, "low-298");
  // Timeline: the critical event and the 499 earliest medium ones.
  ASSERT_EQ(r.timeline.size(), kMaxTimeline);
  EXPECT_EQ(r.timeline_omitted, 201u);
  EXPECT_EQ(r.timeline.back().level, model::Level::kCritical);
  EXPECT_EQ(r.timeline[498].time_us, kT0 + 498 * kSecond);
  bool noted = false;
  for (const std::string& n : r.notes) noted |= n.find("1901 detections; the 1000") == 0;
  EXPECT_TRUE(noted);
}

TEST_F(IncidentReportTest, HtmlEscapesEvidenceEverywhere) {
  const std::string html = RenderHtml(Build());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<x>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;ua&#39;)&lt;/script&gt; &quot;x&quot; &amp;"),
            std::string::npos);
  EXPECT_NE(html.find("user/&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("<title>Incident report: case &lt;one&gt; &amp; two</title>"),
            std::string::npos);
  // Nothing is fetched: no URL attribute at all.
  EXPECT_EQ(html.find("src=\""), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST_F(IncidentReportTest, HtmlHasEverySection) {
  const std::string html = RenderHtml(Build());
  for (const char* id : {"summary", "activity", "principals", "detections", "alerts", "timeline",
                         "iocs", "resources", "response", "metrics"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(html.find("Persistence"), std::string::npos);
  EXPECT_NE(html.find("Defense Evasion"), std::string::npos);
  EXPECT_NE(html.find("contain-iam-key"), std::string::npos);
  EXPECT_NE(html.find("AccessDenied &lt;x&gt;"), std::string::npos);
  // Time to detect 30 min -> 50 min; to contain 50 min -> 2h10.
  EXPECT_NE(html.find("<div class=\"v\">20m</div><div class=\"k\">time to detect"),
            std::string::npos);
  EXPECT_NE(html.find("<div class=\"v\">1h 20m</div><div class=\"k\">time to contain"),
            std::string::npos);
}

TEST_F(IncidentReportTest, SvgChartsAreWellFormedWithBarsAndMarkers) {
  IncidentReport r = Build();
  const std::string html = RenderHtml(r);
  const std::string activity = SvgById(html, "activity-chart");
  ASSERT_FALSE(activity.empty());
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_string(activity.c_str());
  ASSERT_TRUE(parsed) << parsed.description() << " at " << parsed.offset;
  size_t busy = 0, flagged = 0, marked = 0;
  for (const ActivityBucket& b : r.activity) {
    busy += b.events > 0;
    flagged += b.flagged_events > 0;
    marked += b.detections > 0;
  }
  // +1 each for the legend swatch.
  EXPECT_EQ(CountClass(doc, "rect", "bar"), busy + 1);
  EXPECT_EQ(CountClass(doc, "rect", "bar-flagged"), flagged + 1);
  EXPECT_EQ(CountClass(doc, "circle", "det"), marked + 1);
  for (pugi::xpath_node x : doc.select_nodes("//rect[@class='bar']")) {
    EXPECT_GT(x.node().attribute("height").as_double(), 0.0);
  }

  const std::string principals = SvgById(html, "principal-chart");
  pugi::xml_document pdoc;
  parsed = pdoc.load_string(principals.c_str());
  ASSERT_TRUE(parsed) << parsed.description() << " at " << parsed.offset;
  EXPECT_EQ(CountClass(pdoc, "rect", "pbar"), r.principals.size());
  EXPECT_EQ(CountClass(pdoc, "rect", "pbar-err"), 1u);  // only the attacker failed
  // The hostile ARN is a label, escaped: the parser sees it as text.
  bool found = false;
  for (pugi::xpath_node x : pdoc.select_nodes("//text/title")) {
    found |= std::string(x.node().child_value()) == kHostileArn;
  }
  EXPECT_TRUE(found);
}

TEST_F(IncidentReportTest, EmptyCaseStillRendersChartsAndSections) {
  IncidentReport r = IncidentReportBuilder("empty").Finish(kT0);
  const std::string html = RenderHtml(r);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(SvgById(html, "activity-chart").c_str()));
  EXPECT_NE(html.find("No events in the case"), std::string::npos);
  EXPECT_NE(html.find("not measured"), std::string::npos);
  const std::string md = RenderMarkdown(r);
  EXPECT_NE(md.find("## Time to detect and contain"), std::string::npos);
}

// Splits a Markdown table row into cells on '|' not preceded by '\'.
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|' && line[i - 1] != '\\') {
      cells.push_back(cur);
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  return cells;
}

TEST_F(IncidentReportTest, MarkdownTablesKeepTheirShapeAndEscapeEvidence) {
  const std::string md = RenderMarkdown(Build());
  for (const char* h :
       {"# Incident report: case &lt;one&gt; &amp; two", "## Summary", "## Activity over time",
        "### Activity by principal", "## Detections", "### By ATT&CK tactic", "## Alerts",
        "## Timeline of key events", "## Indicators of compromise", "## Affected resources",
        "## Response actions taken", "## Time to detect and contain"}) {
    EXPECT_NE(md.find(h), std::string::npos) << h;
  }
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;alert\\('ua'\\)&lt;/script&gt; \"x\" &amp; \\| \\`y\\` "
                    "\\*\\*z\\*\\*"),
            std::string::npos);
  // Every table: rows have as many cells as the header, and the rule line
  // follows the header.
  std::istringstream in(md);
  std::string line;
  size_t width = 0, tables = 0, rows = 0;
  bool expect_rule = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') {
      width = 0;
      continue;
    }
    const size_t n = Cells(line).size();
    if (width == 0) {
      width = n;
      ++tables;
      expect_rule = true;
      continue;
    }
    if (expect_rule) {
      EXPECT_EQ(line.find_first_not_of("|-: "), std::string::npos) << line;
      expect_rule = false;
    }
    EXPECT_EQ(n, width) << line;
    ++rows;
  }
  EXPECT_GE(tables, 11u);
  EXPECT_GT(rows, 40u);
}

TEST(IncidentReportText, CleanTextReplacesInvalidUtf8AndControls) {
  EXPECT_EQ(detail::CleanText("a\x01"
                              "b\x7f"
                              "c"),
            "a b c");
  EXPECT_EQ(detail::CleanText("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(detail::CleanText("\xff"), "\xEF\xBF\xBD");
  EXPECT_EQ(detail::CleanText("\xc0\xbc"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '<'
  EXPECT_EQ(detail::CleanText("\xed\xa0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");                     // surrogate
  EXPECT_EQ(detail::CleanText("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
  EXPECT_EQ(HtmlEscape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(MarkdownEscape("a|b\nc"), "a\\|b c");
  EXPECT_EQ(MarkdownEscape("*[x](y)* <b>&`#_"), "\\*\\[x\\]\\(y\\)\\* &lt;b&gt;&amp;\\`\\#\\_");
  EXPECT_EQ(detail::Truncate("caf\xc3\xa9s", 4), "caf\u2026");
  EXPECT_EQ(detail::Truncate("abc", 3), "abc");
}

TEST(IncidentReportText, BucketWidthsAndDurations) {
  EXPECT_EQ(ChooseBucketWidth(0, 60), kMinute);
  EXPECT_EQ(ChooseBucketWidth(59 * kMinute, 60), kMinute);
  EXPECT_EQ(ChooseBucketWidth(60 * kMinute, 60), 5 * kMinute);
  EXPECT_EQ(ChooseBucketWidth(3 * 24 * kHour, 60), 3 * kHour);
  EXPECT_EQ(ChooseBucketWidth(365LL * 24 * kHour, 60), 7 * 24 * kHour);
  EXPECT_EQ(ChooseBucketWidth(3650LL * 24 * kHour, 60), 62 * 24 * kHour);
  EXPECT_EQ(FormatDuration(45 * kSecond), "45s");
  EXPECT_EQ(FormatDuration(80 * kMinute), "1h 20m");
  EXPECT_EQ(FormatDuration(3 * 24 * kHour + 4 * kHour + 5 * kMinute), "3d 4h");
  EXPECT_EQ(FormatDuration(-90 * kSecond), "-1m 30s");
}

TEST(IncidentReportText, TacticsFromSigmaTags) {
  const std::vector<std::string> tags = {"attack.impact", "attack.T1485", "Attack.Persistence",
                                         "attack.stealth", "cve.2021-1"};
  EXPECT_EQ(TacticsFromTags(tags),
            (std::vector<Tactic>{Tactic::kPersistence, Tactic::kDefenseEvasion, Tactic::kImpact}));
  EXPECT_EQ(
      TechniquesFromTags(std::vector<std::string>{"attack.t1098.001", "attack.T1485", "attack.t12",
                                                  "attack.t1098.01x", "attack.persistence"}),
      (std::vector<std::string>{"T1098.001", "T1485"}));
  EXPECT_EQ(TacticsFromTags(std::vector<std::string>{"attack.t1098"}),
            std::vector<Tactic>{Tactic::kUnknown});
  for (int t = 0; t <= static_cast<int>(Tactic::kUnknown); ++t) {
    const Tactic tactic = static_cast<Tactic>(t);
    if (tactic == Tactic::kUnknown) continue;
    const std::vector<std::string> one = {"attack." + std::string(TacticTag(tactic))};
    EXPECT_EQ(TacticsFromTags(one), std::vector<Tactic>{tactic}) << TacticTag(tactic);
  }
}

}  // namespace
}  // namespace cirt::report
