#include "report/incident_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <utility>

namespace cirt::report {

namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr size_t kMaxBuckets = 60;

struct TacticEntry {
  Tactic tactic;
  std::string_view tag;
  std::string_view title;
};
constexpr TacticEntry kTactics[] = {
    {Tactic::kReconnaissance, "reconnaissance", "Reconnaissance"},
    {Tactic::kResourceDevelopment, "resource-development", "Resource Development"},
    {Tactic::kInitialAccess, "initial-access", "Initial Access"},
    {Tactic::kExecution, "execution", "Execution"},
    {Tactic::kPersistence, "persistence", "Persistence"},
    {Tactic::kPrivilegeEscalation, "privilege-escalation", "Privilege Escalation"},
    {Tactic::kDefenseEvasion, "defense-evasion", "Defense Evasion"},
    {Tactic::kDefenseImpairment, "defense-impairment", "Defense Impairment"},
    {Tactic::kCredentialAccess, "credential-access", "Credential Access"},
    {Tactic::kDiscovery, "discovery", "Discovery"},
    {Tactic::kLateralMovement, "lateral-movement", "Lateral Movement"},
    {Tactic::kCollection, "collection", "Collection"},
    {Tactic::kCommandAndControl, "command-and-control", "Command and Control"},
    {Tactic::kExfiltration, "exfiltration", "Exfiltration"},
    {Tactic::kImpact, "impact", "Impact"},
    {Tactic::kUnknown, "unknown", "No tactic tag"},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "attack.t1098.001" -> "T1098.001"; empty when `tag` names no technique.
std::string TechniqueFromTag(std::string_view tag) {
  std::string t = Lower(tag);
  if (t.size() < 12 || t.compare(0, 8, "attack.t") != 0) return "";
  std::string_view id = std::string_view(t).substr(8);
  size_t digits = 0;
  while (digits < id.size() && id[digits] >= '0' && id[digits] <= '9') ++digits;
  if (digits != 4) return "";
  if (digits < id.size()) {
    if (id.size() != 8 || id[4] != '.') return "";
    for (size_t i = 5; i < 8; ++i) {
      if (id[i] < '0' || id[i] > '9') return "";
    }
  }
  return "T" + std::string(id);
}

// A source IP worth listing as an indicator: CloudTrail also writes service
// names ("ec2.amazonaws.com") and "AWS Internal" there.
bool IsIndicatorIp(std::string_view ip) {
  if (ip.empty() || ip == "AWS Internal") return false;
  return !(ip.size() >= 14 && ip.substr(ip.size() - 14) == ".amazonaws.com");
}

// The name an event's actor is counted under: the principal ARN, else the
// identity type with the invoking service ("AWSService:ec2.amazonaws.com").
// Built in `scratch` when it is not the ARN.
std::string_view PrincipalKey(const model::UserIdentity& id, std::string* scratch) {
  if (!id.arn.empty()) return id.arn;
  scratch->assign(id.type.empty() ? std::string_view("unknown") : id.type);
  if (!id.invoked_by.empty()) scratch->append(":").append(id.invoked_by);
  return *scratch;
}

void MinMax(int64_t t, int64_t* first, int64_t* last) {
  if (t == 0) return;
  if (*first == 0 || t < *first) *first = t;
  if (t > *last) *last = t;
}

void AddUnique(std::vector<std::string>* v, std::string_view s, size_t cap) {
  if (s.empty() || v->size() >= cap) return;
  if (std::find(v->begin(), v->end(), s) == v->end()) v->emplace_back(s);
}

size_t LevelIndex(model::Level level) { return static_cast<size_t>(level); }

}  // namespace

std::string_view TacticTag(Tactic tactic) {
  for (const auto& e : kTactics) {
    if (e.tactic == tactic) return e.tag;
  }
  return "unknown";
}

std::string_view TacticTitle(Tactic tactic) {
  for (const auto& e : kTactics) {
    if (e.tactic == tactic) return e.title;
  }
  return "No tactic tag";
}

std::vector<Tactic> TacticsFromTags(std::span<const std::string> tags) {
  std::set<Tactic> found;
  for (const std::string& tag : tags) {
    std::string t = Lower(tag);
    if (t.compare(0, 7, "attack.") != 0) continue;
    std::string_view name = std::string_view(t).substr(7);
    if (name == "stealth") {  // ATT&CK v18's name for defense evasion
      found.insert(Tactic::kDefenseEvasion);
      continue;
    }
    for (const auto& e : kTactics) {
      if (e.tactic != Tactic::kUnknown && e.tag == name) found.insert(e.tactic);
    }
  }
  if (found.empty()) return {Tactic::kUnknown};
  return {found.begin(), found.end()};
}

std::vector<std::string> TechniquesFromTags(std::span<const std::string> tags) {
  std::vector<std::string> out;
  for (const std::string& tag : tags) {
    std::string technique = TechniqueFromTag(tag);
    if (!technique.empty()) out.push_back(std::move(technique));
  }
  return out;
}

std::string_view IocKindName(ReportIoc::Kind kind) {
  switch (kind) {
    case ReportIoc::Kind::kSourceIp:
      return "source IP";
    case ReportIoc::Kind::kAccessKeyId:
      return "access key";
    case ReportIoc::Kind::kUserAgent:
      return "user agent";
    case ReportIoc::Kind::kArn:
      return "principal ARN";
  }
  return "indicator";
}

int64_t ChooseBucketWidth(int64_t span_us, size_t max_buckets) {
  static constexpr int64_t kWidths[] = {kMinute, 5 * kMinute, 15 * kMinute, 30 * kMinute,
                                        kHour,   3 * kHour,   6 * kHour,    12 * kHour,
                                        kDay,    7 * kDay};
  if (max_buckets < 2) max_buckets = 2;
  if (span_us < 0) span_us = 0;
  for (int64_t w : kWidths) {
    if (static_cast<size_t>(span_us / w) + 1 <= max_buckets) return w;
  }
  // Longer than max_buckets weeks: whole days.
  int64_t days = span_us / kDay / static_cast<int64_t>(max_buckets - 1) + 1;
  return days * kDay;
}

std::string FormatDuration(int64_t us) {
  if (us < 0) return "-" + FormatDuration(-us);
  int64_t s = us / 1'000'000;
  int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  if (d > 0) return h ? fmt::format("{}d {}h", d, h) : fmt::format("{}d", d);
  if (h > 0) return m ? fmt::format("{}h {}m", h, m) : fmt::format("{}h", h);
  if (m > 0) return sec ? fmt::format("{}m {}s", m, sec) : fmt::format("{}m", m);
  return fmt::format("{}s", sec);
}

IncidentReportBuilder::IncidentReportBuilder(std::string case_name, IncidentReportOptions options)
    : options_(options) {
  report_.case_name = std::move(case_name);
}

void IncidentReportBuilder::NoteIoc(ReportIoc::Kind kind, std::string_view value) {
  if (value.empty()) return;
  ++Slot(&iocs_[static_cast<size_t>(kind)], value).detections;
}

void IncidentReportBuilder::TouchResource(std::string_view id, std::string_view action,
                                          std::string_view by, int64_t time_us) {
  if (id.empty()) return;
  ResourceStats& r = resources_[std::string(id)];
  AddUnique(&r.actions, action, 20);
  AddUnique(&r.by, by, 10);
  MinMax(time_us, &r.first_us, &r.last_us);
}

template <class T, class Before>
void IncidentReportBuilder::Bounded<T, Before>::Push(T item) {
  std::pair<uint64_t, T> entry(seq_++, std::move(item));
  if (heap_.size() < cap_) {
    heap_.push_back(std::move(entry));
    std::push_heap(heap_.begin(), heap_.end(), Less{});
    return;
  }
  if (cap_ == 0 || !Less{}(entry, heap_.front())) return;
  std::pop_heap(heap_.begin(), heap_.end(), Less{});
  heap_.back() = std::move(entry);
  std::push_heap(heap_.begin(), heap_.end(), Less{});
}

template <class T, class Before>
std::vector<T> IncidentReportBuilder::Bounded<T, Before>::Take() {
  std::sort_heap(heap_.begin(), heap_.end(), Less{});
  std::vector<T> out;
  out.reserve(heap_.size());
  for (auto& [seq, item] : heap_) out.push_back(std::move(item));
  heap_.clear();
  return out;
}

bool IncidentReportBuilder::MoreSevereFirst::operator()(const ReportDetection& a,
                                                        const ReportDetection& b) const {
  if (a.level != b.level) return a.level > b.level;
  return a.time_us < b.time_us;
}

bool IncidentReportBuilder::MoreSevereFirst::operator()(const ReportTimelineEntry& a,
                                                        const ReportTimelineEntry& b) const {
  const auto la = a.level.value_or(model::Level::kInformational);
  const auto lb = b.level.value_or(model::Level::kInformational);
  if (la != lb) return la > lb;
  return a.time_us < b.time_us;
}

void IncidentReportBuilder::FlushPending() {
  if (pending_) key_entries_.Push(std::move(*pending_));
  pending_.reset();
  pending_event_.clear();
}

void IncidentReportBuilder::AddDetection(ReportDetection d) {
  ++report_.detection_count;
  ++report_.detections_by_level[LevelIndex(d.level)];
  if (!d.principal_arn.empty()) ++Slot(&principals_, d.principal_arn).detections;
  for (Tactic t : d.tactics) {
    TacticCount& tc = tactics_[t];
    tc.tactic = t;
    ++tc.detections;
    AddUnique(&tc.rules, d.rule_title, 50);
  }
  if (d.level >= options_.incident_level) {
    ++incident_detections_;
    if (IsIndicatorIp(d.source_ip)) NoteIoc(ReportIoc::Kind::kSourceIp, d.source_ip);
    NoteIoc(ReportIoc::Kind::kAccessKeyId, d.access_key_id);
    NoteIoc(ReportIoc::Kind::kUserAgent, d.user_agent);
    NoteIoc(ReportIoc::Kind::kArn, d.principal_arn);
    if (!d.event_id.empty()) detected_events_.insert(d.event_id);
    detection_times_.push_back(d.time_us);
    MinMax(d.time_us, &report_.first_malicious_us, &last_malicious_us_);
    int64_t unused = 0;
    MinMax(d.detected_us, &report_.first_detected_us, &unused);

    const std::string title =
        d.aggregate.empty() ? d.rule_title : d.rule_title + " [" + d.aggregate + "]";
    if (pending_ && !d.event_id.empty() && d.event_id == pending_event_) {
      if (pending_->detail.find(title) == std::string::npos) pending_->detail += "; " + title;
      if (*pending_->level < d.level) pending_->level = d.level;
    } else {
      FlushPending();
      ReportTimelineEntry e;
      e.kind = ReportTimelineEntry::Kind::kDetection;
      e.time_us = d.time_us;
      e.level = d.level;
      e.what = d.event_source.substr(0, d.event_source.find('.')) + ":" + d.event_name;
      e.principal = d.principal_arn;
      e.source_ip = d.source_ip;
      e.detail = title;
      pending_ = std::move(e);
      pending_event_ = d.event_id;
    }
  }
  detection_rows_.Push(std::move(d));
}

void IncidentReportBuilder::AddAlert(ReportAlert a) {
  ++report_.alert_count;
  ++report_.alerts_by_level[LevelIndex(a.level)];
  if (!a.principal_arn.empty()) ++Slot(&principals_, a.principal_arn).detections;
  if (a.level >= options_.alert_level) {
    for (const std::string& ip : a.source_ips) {
      if (IsIndicatorIp(ip)) NoteIoc(ReportIoc::Kind::kSourceIp, ip);
    }
    NoteIoc(ReportIoc::Kind::kAccessKeyId, a.access_key_id);
    NoteIoc(ReportIoc::Kind::kArn, a.principal_arn);
    const int64_t when = a.first_seen_us ? a.first_seen_us : a.created_us;
    for (const std::string& res : a.resources) TouchResource(res, a.type, a.principal_arn, when);
    detection_times_.push_back(when);
    MinMax(when, &report_.first_malicious_us, &last_malicious_us_);
    int64_t unused = 0;
    MinMax(a.created_us, &report_.first_detected_us, &unused);
    ++incident_alerts_;
    ReportTimelineEntry e;
    e.kind = ReportTimelineEntry::Kind::kAlert;
    e.time_us = when;
    e.level = a.level;
    e.what = a.product + ": " + a.type;
    e.principal = a.principal_arn;
    e.source_ip = a.source_ips.empty() ? "" : a.source_ips.front();
    e.detail = a.title;
    FlushPending();
    key_entries_.Push(std::move(e));
  }
  report_.alerts.push_back(std::move(a));
}

void IncidentReportBuilder::AddEvent(const model::Event& e,
                                     std::span<const std::string_view> resources) {
  ++report_.event_count;
  MinMax(e.time_us, &report_.first_event_us, &report_.last_event_us);
  std::string scratch;
  const std::string_view principal = PrincipalKey(e.user_identity, &scratch);
  PrincipalStats& p = Slot(&principals_, principal);
  ++p.events;
  const bool failed = !e.error_code.empty();
  const bool write = e.read_only.has_value() && !*e.read_only;
  if (failed) ++p.errors;
  if (write) ++p.writes;

  auto count = [&](ReportIoc::Kind kind, std::string_view value) -> bool {
    if (value.empty()) return false;
    auto& map = iocs_[static_cast<size_t>(kind)];
    if (map.empty()) return false;
    auto it = map.find(value);
    if (it == map.end()) return false;
    ++it->second.events;
    MinMax(e.time_us, &it->second.first_us, &it->second.last_us);
    return true;
  };
  count(ReportIoc::Kind::kSourceIp, e.source_ip);
  count(ReportIoc::Kind::kUserAgent, e.user_agent);
  const bool flagged_key = count(ReportIoc::Kind::kAccessKeyId, e.user_identity.access_key_id);
  const bool flagged_arn = count(ReportIoc::Kind::kArn, e.user_identity.arn);
  const bool flagged = flagged_key || flagged_arn;

  if (e.time_us != 0) {
    ActivityBucket& m = minutes_[e.time_us / kMinute];
    ++m.events;
    if (flagged) ++m.flagged_events;
  }
  if (flagged && write && !failed) {
    for (std::string_view res : resources) {
      TouchResource(res, e.event_name, e.user_identity.arn, e.time_us);
    }
    if (!detected_events_.contains(std::string(e.event_id))) {
      ReportTimelineEntry w;
      w.kind = ReportTimelineEntry::Kind::kWrite;
      w.time_us = e.time_us;
      w.what = std::string(e.event_source.substr(0, e.event_source.find('.'))) + ":" +
               std::string(e.event_name);
      w.principal = principal;
      w.source_ip = e.source_ip;
      std::string res;
      for (std::string_view r : resources) {
        if (res.size() > 200) break;
        res += (res.empty() ? "" : ", ") + std::string(r);
      }
      w.detail = res.empty() ? "write by a flagged identity" : res;
      writes_.Push(std::move(w));
    }
  }
}

void IncidentReportBuilder::AddAction(ReportAction action) {
  report_.actions.push_back(std::move(action));
}

void IncidentReportBuilder::AddNote(std::string note) { report_.notes.push_back(std::move(note)); }

IncidentReport IncidentReportBuilder::Finish(int64_t generated_us) {
  IncidentReport& r = report_;
  r.generated_us = generated_us;
  r.incident_level = options_.incident_level;
  FlushPending();
  const uint64_t below = r.detection_count - incident_detections_;
  const uint64_t alerts_below = r.alert_count - incident_alerts_;
  if (below > 0 || alerts_below > 0) {
    r.notes.push_back(fmt::format(
        "Indicators, flagged identities, the key timeline and the chart markers come from "
        "detections at level {} and above and alerts at level {} and above; {} detections "
        "and {} alerts below those levels are counted and listed only.",
        model::LevelName(options_.incident_level), model::LevelName(options_.alert_level), below,
        alerts_below));
  }
  r.principal_count = 0;
  for (const auto& [name, p] : principals_) r.principal_count += p.events > 0;

  // Activity buckets over the events' span (or the detections' when the
  // case holds no events).
  int64_t first = r.first_event_us, last = r.last_event_us;
  if (first == 0) {
    first = r.first_malicious_us;
    last = last_malicious_us_;
  }
  if (first != 0) {
    r.bucket_us = ChooseBucketWidth(last - first, kMaxBuckets);
    const int64_t start = first / r.bucket_us * r.bucket_us;
    const size_t n = static_cast<size_t>((last - start) / r.bucket_us) + 1;
    r.activity.resize(n);
    for (size_t i = 0; i < n; ++i)
      r.activity[i].start_us = start + static_cast<int64_t>(i) * r.bucket_us;
    for (const auto& [minute, m] : minutes_) {
      const int64_t t = minute * kMinute;
      if (t < start) continue;
      size_t i = std::min(n - 1, static_cast<size_t>((t - start) / r.bucket_us));
      r.activity[i].events += m.events;
      r.activity[i].flagged_events += m.flagged_events;
    }
    // Detections and alerts outside the span (a finding about older
    // activity than the trail holds) are not marked: the chart would be
    // stretched to nothing around them.
    size_t outside = 0;
    const int64_t end = start + static_cast<int64_t>(n) * r.bucket_us;
    for (int64_t t : detection_times_) {
      if (t == 0) continue;
      if (t < start || t >= end) {
        ++outside;
        continue;
      }
      ++r.activity[static_cast<size_t>((t - start) / r.bucket_us)].detections;
    }
    if (outside > 0) {
      r.notes.push_back(fmt::format(
          "{} detections or alerts fall outside the events' time span and are not marked on "
          "the activity chart",
          outside));
    }
  }

  // Busiest principals.
  for (auto& [name, p] : principals_) {
    if (p.events == 0 && p.detections == 0) continue;
    r.principals.push_back({name, p.events, p.errors, p.writes, p.detections});
  }
  std::sort(r.principals.begin(), r.principals.end(), [](const auto& a, const auto& b) {
    if (a.events != b.events) return a.events > b.events;
    if (a.detections != b.detections) return a.detections > b.detections;
    return a.principal < b.principal;
  });
  if (r.principals.size() > kMaxPrincipals) r.principals.resize(kMaxPrincipals);

  // Tactics in kill-chain order (std::map on the enum).
  for (auto& [t, tc] : tactics_) {
    std::sort(tc.rules.begin(), tc.rules.end());
    r.tactics.push_back(std::move(tc));
  }

  // Indicators.
  for (size_t k = 0; k < 4; ++k) {
    std::vector<ReportIoc> kind;
    for (auto& [value, s] : iocs_[k]) {
      kind.push_back(
          {static_cast<ReportIoc::Kind>(k), value, s.detections, s.events, s.first_us, s.last_us});
    }
    std::sort(kind.begin(), kind.end(), [](const auto& a, const auto& b) {
      if (a.detections != b.detections) return a.detections > b.detections;
      return a.value < b.value;
    });
    if (kind.size() > kMaxIocsPerKind) {
      r.notes.push_back(fmt::format("{} {} indicators; the {} named by most detections are listed",
                                    kind.size(), IocKindName(static_cast<ReportIoc::Kind>(k)),
                                    kMaxIocsPerKind));
      kind.resize(kMaxIocsPerKind);
    }
    for (auto& ioc : kind) r.iocs.push_back(std::move(ioc));
  }

  // Affected resources.
  for (auto& [id, s] : resources_) {
    r.resources.push_back({id, std::move(s.actions), std::move(s.by), s.first_us, s.last_us});
  }
  std::sort(r.resources.begin(), r.resources.end(), [](const auto& a, const auto& b) {
    if (a.first_us != b.first_us) return a.first_us < b.first_us;
    return a.id < b.id;
  });
  if (r.resources.size() > kMaxResources) {
    r.notes.push_back(fmt::format("{} affected resources; the first {} are listed",
                                  r.resources.size(), kMaxResources));
    r.resources.resize(kMaxResources);
  }

  // Response actions and the first successful containment.
  std::stable_sort(r.actions.begin(), r.actions.end(),
                   [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  for (const ReportAction& a : r.actions) {
    if (a.succeeded && a.containment && a.time_us != 0) {
      r.first_contained_us = a.time_us;
      break;
    }
  }

  // The timeline: every response step, the most severe detected events and
  // alerts, then the earliest writes of flagged identities, up to
  // kMaxTimeline; shown in time order.
  std::vector<ReportTimelineEntry> key;
  for (const ReportAction& a : r.actions) {
    ReportTimelineEntry e;
    e.kind = ReportTimelineEntry::Kind::kResponse;
    e.time_us = a.time_us;
    e.what = a.playbook + "/" + a.step;
    e.principal = a.target;
    e.detail = a.action + ": " + a.result + (a.rolled_back ? " (rolled back)" : "");
    key.push_back(std::move(e));
  }
  const uint64_t candidates = key.size() + key_entries_.pushed() + writes_.pushed();
  for (auto& e : key_entries_.Take()) {
    if (key.size() >= kMaxTimeline) break;
    key.push_back(std::move(e));
  }
  for (auto& w : writes_.Take()) {
    if (key.size() >= kMaxTimeline) break;
    key.push_back(std::move(w));
  }
  r.timeline_omitted = candidates - key.size();
  std::stable_sort(key.begin(), key.end(),
                   [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  r.timeline = std::move(key);

  // Detections and alerts: most severe first, then in time order.
  r.detections = detection_rows_.Take();
  if (r.detection_count > r.detections.size()) {
    r.notes.push_back(
        fmt::format("{} detections; the {} most severe are listed (all are "
                    "in the case)",
                    r.detection_count, r.detections.size()));
  }
  std::stable_sort(r.alerts.begin(), r.alerts.end(), [](const auto& a, const auto& b) {
    if (a.level != b.level) return a.level > b.level;
    return a.first_seen_us < b.first_seen_us;
  });
  return std::move(report_);
}

}  // namespace cirt::report

namespace cirt::report::detail {

std::string CleanText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c));
      ++i;
      continue;
    }
    // Well-formed sequences only: no overlongs, surrogates or > U+10FFFF.
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const unsigned char b = static_cast<unsigned char>(s[i + k]);
      ok = k == 1 ? (b >= lo && b <= hi) : (b & 0xC0) == 0x80;
    }
    if (ok) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

std::string Truncate(std::string_view s, size_t max_points) {
  if (max_points == 0) return "";
  std::string clean = CleanText(s);
  size_t points = 0;
  for (size_t i = 0; i < clean.size(); ++i) {
    if ((static_cast<unsigned char>(clean[i]) & 0xC0) == 0x80) continue;
    if (points == max_points) {
      // Cut before this code point, leaving room for the ellipsis.
      size_t cut = i;
      do {
        --cut;
      } while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80);
      return clean.substr(0, cut) + "\u2026";
    }
    ++points;
  }
  return clean;
}

std::string TimeToDetect(const IncidentReport& r) {
  return r.first_detected_us && r.first_malicious_us
             ? FormatDuration(r.first_detected_us - r.first_malicious_us)
             : "not measured";
}

std::string TimeToContain(const IncidentReport& r) {
  return r.first_contained_us && r.first_detected_us
             ? FormatDuration(r.first_contained_us - r.first_detected_us)
             : "not contained";
}

std::string FormatTime(int64_t time_us) {
  if (time_us == 0) return "-";
  // Whole seconds: sub-second digits only widen the tables.
  std::string t = model::FormatUtcTimestamp(time_us - time_us % 1'000'000);
  if (t.size() > 10 && t[10] == 'T') t[10] = ' ';
  return t;
}

}  // namespace cirt::report::detail

namespace cirt::report {

Result<IncidentFormat> ParseIncidentFormat(std::string_view name) {
  const std::string n = Lower(name);
  if (n == "html") return IncidentFormat::kHtml;
  if (n == "md" || n == "markdown") return IncidentFormat::kMarkdown;
  return Status::InvalidArgument(fmt::format("unknown report format '{}' (html, md)", name));
}

std::optional<IncidentFormat> IncidentFormatForPath(std::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return std::nullopt;
  }
  const std::string ext = Lower(path.substr(dot + 1));
  if (ext == "html" || ext == "htm") return IncidentFormat::kHtml;
  if (ext == "md" || ext == "markdown") return IncidentFormat::kMarkdown;
  return std::nullopt;
}

Status WriteIncidentReport(const IncidentReport& report, IncidentFormat format,
                           const std::string& path) {
  const std::string text =
      format == IncidentFormat::kHtml ? RenderHtml(report) : RenderMarkdown(report);
  if (path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
      return Status::Io("cannot write to standard output");
    }
    return Status::Ok();
  }
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return Status::Io(fmt::format("cannot write: {}", std::strerror(errno)), {.file = tmp});
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::remove(tmp.c_str());
    return Status::Io("cannot write (disk full?)", {.file = tmp});
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return Status::Io(fmt::format("cannot rename into place: {}", std::strerror(err)),
                      {.file = path});
  }
  return Status::Ok();
}

}  // namespace cirt::report
