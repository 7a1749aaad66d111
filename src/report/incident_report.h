// src/report/incident_report.h
// The post-incident report of `cirt report`: a plain data struct
// (IncidentReport) built from a case's detections, alerts, events and
// response journal by IncidentReportBuilder, and two renderers of the same
// content: one self-contained HTML file (inline CSS and SVG, nothing
// fetched) and Markdown. Every string that came from evidence (user agents,
// ARNs, rule titles of alerts) is attacker-controlled and is escaped by the
// renderers; callers pass it as read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/result.h"
#include "model/detection.h"
#include "model/event.h"

namespace cirt::report {

// ATT&CK tactics in kill-chain order, as Sigma tags name them
// ("attack.initial-access"). kUnknown: a rule without a tactic tag.
enum class Tactic : uint8_t {
  kReconnaissance,
  kResourceDevelopment,
  kInitialAccess,
  kExecution,
  kPersistence,
  kPrivilegeEscalation,
  kDefenseEvasion,
  kDefenseImpairment,
  kCredentialAccess,
  kDiscovery,
  kLateralMovement,
  kCollection,
  kCommandAndControl,
  kExfiltration,
  kImpact,
  kUnknown
};
// "initial-access" (the tag suffix); "unknown" for kUnknown.
std::string_view TacticTag(Tactic tactic);
// "Initial Access".
std::string_view TacticTitle(Tactic tactic);
// The tactics named by `tags` ("attack.persistence", case-insensitive;
// "attack.stealth" counts as defense evasion), in kill-chain order, without
// repeats; {kUnknown} when none is named.
std::vector<Tactic> TacticsFromTags(std::span<const std::string> tags);
// The ATT&CK techniques named by `tags` ("attack.t1098.001" -> "T1098.001"),
// in tag order.
std::vector<std::string> TechniquesFromTags(std::span<const std::string> tags);

// One detection (a rule that matched one event, or an aggregate).
struct ReportDetection {
  model::Level level = model::Level::kInformational;
  std::string rule_id, rule_title;
  std::vector<Tactic> tactics;
  std::vector<std::string> techniques;  // "T1098.001", upper case
  int64_t time_us = 0;                  // the event's time
  int64_t detected_us = 0;              // when it was detected; 0 when unknown
  std::string event_id, event_source, event_name, principal_arn, access_key_id, source_ip,
      user_agent, aws_region, account_id, aggregate;
};

// One alert from another detector (GuardDuty, Security Hub).
struct ReportAlert {
  std::string product;  // "GuardDuty", "Security Hub"
  std::string id, type, title;
  model::Level level = model::Level::kInformational;
  int64_t first_seen_us = 0;  // first activity the alert is about; 0 when unknown
  int64_t created_us = 0;     // when the detector raised it; 0 when unknown
  std::string principal_arn, access_key_id;
  std::vector<std::string> source_ips;
  std::vector<std::string> resources;  // ARNs or ids ("i-0abc...")
};

// One step of a response run, from the journal of `cirt respond`.
struct ReportAction {
  std::string run_id, playbook, step, action, target;
  std::string result;  // "ok", "failed", "dry-run", ... as the journal says
  bool succeeded = false;
  bool containment = false;  // a state-changing step (counts for time to contain)
  bool rolled_back = false;
  int64_t time_us = 0;
  std::string request_id;  // AWS request id, for CloudTrail correlation
  std::string error;
};

struct ReportTimelineEntry {
  enum class Kind : uint8_t { kDetection, kAlert, kWrite, kResponse };
  Kind kind = Kind::kDetection;
  int64_t time_us = 0;
  std::optional<model::Level> level;
  std::string what;       // event name, alert type, or playbook/step
  std::string principal;  // principal ARN, or the target of a response step
  std::string source_ip;
  std::string detail;  // rule titles, alert title, result
};

struct ReportIoc {
  enum class Kind : uint8_t { kSourceIp, kAccessKeyId, kUserAgent, kArn };
  Kind kind = Kind::kSourceIp;
  std::string value;
  uint64_t detections = 0;            // detections and alerts naming it
  uint64_t events = 0;                // case events carrying it
  int64_t first_us = 0, last_us = 0;  // over those events (0 when none)
};
std::string_view IocKindName(ReportIoc::Kind kind);  // "source IP", "access key", ...

struct ReportResource {
  std::string id;                    // ARN or resource id
  std::vector<std::string> actions;  // event names / alert types that touched it
  std::vector<std::string> by;       // flagged principals that touched it
  int64_t first_us = 0, last_us = 0;
};

struct ActivityBucket {
  int64_t start_us = 0;
  uint64_t events = 0;
  uint64_t flagged_events = 0;  // events of flagged identities (IOC ARNs or keys)
  uint64_t detections = 0;      // incident detections and alerts whose event falls in the bucket
};

struct PrincipalActivity {
  std::string principal;
  uint64_t events = 0, errors = 0, writes = 0, detections = 0;
};

struct TacticCount {
  Tactic tactic = Tactic::kUnknown;
  uint64_t detections = 0;
  std::vector<std::string> rules;  // rule titles, sorted
};

struct IncidentReport {
  std::string case_name;
  int64_t generated_us = 0;
  int64_t first_event_us = 0, last_event_us = 0;  // 0 when the case has no events
  uint64_t event_count = 0, detection_count = 0, alert_count = 0, principal_count = 0;
  uint64_t detections_by_level[5] = {};  // indexed by model::Level
  uint64_t alerts_by_level[5] = {};
  std::vector<TacticCount> tactics;  // kill-chain order, only tactics seen
  std::vector<ReportDetection>
      detections;  // by level (highest first), then time; at most kMaxDetectionRows
  std::vector<ReportAlert> alerts;            // by level, then time
  std::vector<ReportTimelineEntry> timeline;  // by time, at most kMaxTimeline
  uint64_t timeline_omitted = 0;
  std::vector<ReportIoc> iocs;                // by kind, then detections, then value
  std::vector<ReportResource> resources;      // by first time
  std::vector<ReportAction> actions;          // by time
  int64_t bucket_us = 0;                      // width of an activity bucket
  std::vector<ActivityBucket> activity;       // consecutive buckets from first_event_us
  std::vector<PrincipalActivity> principals;  // busiest first, at most kMaxPrincipals
  // Time to detect: first_detected_us - first_malicious_us; time to contain:
  // first_contained_us - first_detected_us. 0 = not known (the report says so).
  int64_t first_malicious_us = 0;  // earliest event named by a detection or alert
  int64_t first_detected_us = 0;   // earliest detection/alert time
  int64_t first_contained_us = 0;  // earliest successful containment step
  std::vector<std::string> notes;  // limits and caveats, shown in the summary
  model::Level incident_level = model::Level::kMedium;  // IncidentReportOptions'
};

inline constexpr size_t kMaxTimeline = 500;
inline constexpr size_t kMaxPrincipals = 15;
inline constexpr size_t kMaxResources = 500;
inline constexpr size_t kMaxIocsPerKind = 200;
inline constexpr size_t kMaxDetectionRows = 1000;

struct IncidentReportOptions {
  // Detections at this level and above are the incident: they name the
  // indicators, flag identities (whose events and writes are followed),
  // set the first malicious and first detection times, and make the key
  // timeline and the chart markers. Lower ones (hunting rules that fire on
  // routine activity) are counted and listed only.
  // Default: medium.
  model::Level incident_level = model::Level::kMedium;
  // Alerts (GuardDuty, Security Hub) at this level and above count the same.
  // Default: low (GuardDuty's low findings are still specific).
  model::Level alert_level = model::Level::kLow;
};

// Builds an IncidentReport in one pass over the case, in memory bounded by
// the limits above plus one entry per distinct indicator, principal,
// resource, minute of activity and incident event. Order matters:
// REQUIRES: every AddDetection/AddAlert call comes before the first AddEvent
// (the detections decide which identities are flagged while events stream).
// Detections of one event are merged into one timeline entry when they come
// one after the other (the store keeps them so). Not thread-safe.
class IncidentReportBuilder {
 public:
  explicit IncidentReportBuilder(std::string case_name, IncidentReportOptions options = {});

  void AddDetection(ReportDetection detection);
  void AddAlert(ReportAlert alert);
  // One case event; `resources` are the ARNs/ids it touched.
  void AddEvent(const model::Event& event, std::span<const std::string_view> resources = {});
  void AddAction(ReportAction action);
  void AddNote(std::string note);

  // Computes aggregates, sorts, trims; the builder is spent afterwards.
  IncidentReport Finish(int64_t generated_us);

 private:
  struct ValueStats {
    uint64_t detections = 0, events = 0;
    int64_t first_us = 0, last_us = 0;
  };
  struct ResourceStats {
    std::vector<std::string> actions, by;
    int64_t first_us = 0, last_us = 0;
  };
  struct PrincipalStats {
    uint64_t events = 0, errors = 0, writes = 0, detections = 0;
  };
  void NoteIoc(ReportIoc::Kind kind, std::string_view value);
  void TouchResource(std::string_view id, std::string_view action, std::string_view by,
                     int64_t time_us);

  IncidentReport report_;
  IncidentReportOptions options_;
  // Looked up by string_view, without a copy per event (C++20 transparent
  // lookup).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class V>
  using TextMap = std::unordered_map<std::string, V, TextHash, std::equal_to<>>;
  // The entry for `key`, inserted when absent.
  template <class V>
  static V& Slot(TextMap<V>* map, std::string_view key) {
    auto it = map->find(key);
    if (it == map->end()) it = map->emplace(std::string(key), V{}).first;
    return it->second;
  }
  TextMap<ValueStats> iocs_[4];
  std::unordered_map<std::string, ResourceStats> resources_;
  TextMap<PrincipalStats> principals_;
  std::unordered_map<int64_t, ActivityBucket> minutes_;  // by minute, rebucketed at Finish
  std::vector<int64_t> detection_times_;
  // Keeps the `cap` first items in the order `Before` (a strict weak
  // order), ties in insertion order, in O(log cap) per Push: memory stays
  // bounded however many detections a case holds.
  template <class T, class Before>
  class Bounded {
   public:
    explicit Bounded(size_t cap) : cap_(cap) {}
    void Push(T item);
    std::vector<T> Take();  // the kept items, in order
    uint64_t pushed() const { return seq_; }

   private:
    struct Less {  // the heap's order: its front is the item to drop first
      bool operator()(const std::pair<uint64_t, T>& a, const std::pair<uint64_t, T>& b) const {
        if (Before{}(a.second, b.second)) return true;
        if (Before{}(b.second, a.second)) return false;
        return a.first < b.first;
      }
    };
    size_t cap_;
    uint64_t seq_ = 0;
    std::vector<std::pair<uint64_t, T>> heap_;
  };
  struct MoreSevereFirst {
    bool operator()(const ReportDetection& a, const ReportDetection& b) const;
    bool operator()(const ReportTimelineEntry& a, const ReportTimelineEntry& b) const;
  };
  struct EarlierFirst {
    bool operator()(const ReportTimelineEntry& a, const ReportTimelineEntry& b) const {
      return a.time_us < b.time_us;
    }
  };
  void FlushPending();

  uint64_t incident_detections_ = 0, incident_alerts_ = 0;
  Bounded<ReportDetection, MoreSevereFirst> detection_rows_{kMaxDetectionRows};
  // Timeline candidates: detections (one entry per event: a detection of
  // the same event as the one before merges into `pending_`) and alerts.
  Bounded<ReportTimelineEntry, MoreSevereFirst> key_entries_{kMaxTimeline};
  std::optional<ReportTimelineEntry> pending_;
  std::string pending_event_;
  Bounded<ReportTimelineEntry, EarlierFirst> writes_{kMaxTimeline};
  std::unordered_set<std::string> detected_events_;  // event ids of incident detections
  std::map<Tactic, TacticCount> tactics_;
  int64_t last_malicious_us_ = 0;
};

// Bucket width for a time span: the smallest of 1, 5, 15, 30 minutes, 1, 3,
// 6, 12 hours, 1, 7 days that yields at most `max_buckets` buckets.
int64_t ChooseBucketWidth(int64_t span_us, size_t max_buckets);

// "3d 4h 12m", "45s": a duration for humans.
std::string FormatDuration(int64_t us);

// One self-contained HTML document (UTF-8; inline CSS and SVG; no script,
// no external reference of any kind).
std::string RenderHtml(const IncidentReport& report);
// The same content as GitHub-flavoured Markdown (tables; no charts, the
// activity as a table instead).
std::string RenderMarkdown(const IncidentReport& report);

enum class IncidentFormat : uint8_t { kHtml, kMarkdown };
// "html" / "md" (also "markdown"). Errors: kInvalidArgument.
Result<IncidentFormat> ParseIncidentFormat(std::string_view name);
// The format a file name asks for: .html/.htm -> kHtml, .md/.markdown ->
// kMarkdown (case-insensitive); nullopt for anything else.
std::optional<IncidentFormat> IncidentFormatForPath(std::string_view path);
// Renders `report` and writes it to `path` through a temporary file in the
// same folder renamed into place, so readers never see half a report; "-"
// writes to stdout. Errors: kIo naming the file.
Status WriteIncidentReport(const IncidentReport& report, IncidentFormat format,
                           const std::string& path);

// Escapes `s` for HTML text and attribute values (&, <, >, ", '); control
// characters become spaces and invalid UTF-8 becomes U+FFFD.
std::string HtmlEscape(std::string_view s);
// Escapes `s` for a Markdown table cell: Markdown punctuation is
// backslash-escaped, <, > and & become entities, '|' cannot end the cell,
// line breaks and control characters become spaces.
std::string MarkdownEscape(std::string_view s);

}  // namespace cirt::report
