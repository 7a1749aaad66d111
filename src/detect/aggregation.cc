#include "detect/aggregation.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace cirt::detect {

namespace {

// An event a window holds: what its evidence and a distinct count need.
struct WindowEvent {
  int64_t time_us;
  std::string event_id;
  std::string counted;
};

// The events of one group inside the timeframe (or since the last
// detection, without one).
struct Window {
  std::deque<WindowEvent> events;  // in time order; capped without a timeframe
  std::unordered_map<std::string, size_t> distinct;  // count(field): value -> events
  size_t n = 0;                    // events in the window
  int64_t last_time_us = 0;
  std::optional<model::Detection> last;  // count() < N: the latest hit
};

std::vector<std::pair<std::string, std::string>> GroupOf(const sigma::Aggregation& agg,
                                                         const std::string& value) {
  if (agg.group_by.empty()) return {};
  return {{agg.group_by, value}};
}

model::Evidence WindowEvidence(double count, std::vector<std::pair<std::string, std::string>> group,
                               const Window& w) {
  model::Evidence ev;
  ev.type = "count";
  ev.count = count;
  ev.group = std::move(group);
  ev.event_ids.reserve(w.events.size());
  for (const WindowEvent& e : w.events) ev.event_ids.push_back(e.event_id);
  ev.first_time_us = w.events.front().time_us;
  ev.last_time_us = w.last_time_us;
  return ev;
}

// A `near` companion hit, kept for the base hits around it.
struct Companion {
  Place place;
  std::string event_id;
};

// The aggregation of one rule, fed its hits (and its companion's) in order.
// count: a sliding window of `timeframe` (the whole run when absent) per
// group; a detection is emitted when the count (or distinct count) first
// satisfies the condition, then the window restarts. count() < N reports
// each group's last window at the end.
// near: a base hit with the first companion hit (in time order) within
// `timeframe` either side, or anywhere without a timeframe.
class RuleAggregation {
 public:
  RuleAggregation(const sigma::Rule& rule, bool report, std::deque<model::Detection>* out)
      : agg_(*rule.aggregation),
        window_(rule.timeframe_us),
        report_(report && !rule.near_companion),
        out_(out) {}

  void Add(AggregateHit&& h, bool companion) {
    if (!report_) return;
    if (agg_.kind == sigma::Aggregation::Kind::kNear) {
      companion ? AddCompanion(std::move(h)) : AddNear(std::move(h));
    } else {
      AddCount(std::move(h));
    }
  }

  void Finish() {
    if (!report_ || agg_.kind != sigma::Aggregation::Kind::kCount || !Upper()) return;
    for (auto& [group, w] : windows_) {
      if (w.n == 0 || !sigma::CmpHolds(agg_.cmp, static_cast<double>(w.n), agg_.threshold)) {
        continue;
      }
      model::Detection d = std::move(*w.last);
      d.set_aggregate(fmt::format("count() = {}", w.n));
      d.set_evidence(WindowEvidence(static_cast<double>(w.n), GroupOf(agg_, group), w));
      out_->push_back(std::move(d));
    }
  }

 private:
  bool Upper() const {
    return agg_.cmp == sigma::Aggregation::Cmp::kLt || agg_.cmp == sigma::Aggregation::Cmp::kLte;
  }

  void AddCount(AggregateHit&& h) {
    const int64_t t = h.detection.time_us;
    // Before a window is taken: a sweep may remove windows.
    if (++since_sweep_ >= kSweepEvery && window_ > 0 && !Upper() && t - last_sweep_us_ > window_) {
      Sweep(t);
    }
    Window& w = windows_[h.group];
    ++w.n;
    w.last_time_us = t;
    if (!agg_.count_field.empty()) ++w.distinct[h.counted];
    if (window_ > 0 || w.events.size() < Aggregations::kMaxWindowEvents) {
      w.events.push_back({t, std::string(h.detection.event_id()),
                          window_ > 0 ? std::move(h.counted) : std::string()});
    }
    if (window_ > 0) DropBefore(t, &w);
    if (Upper()) {
      w.last = std::move(h.detection);
      return;
    }
    const double count =
        static_cast<double>(agg_.count_field.empty() ? w.n : w.distinct.size());
    if (!sigma::CmpHolds(agg_.cmp, count, agg_.threshold)) return;
    model::Detection d = std::move(h.detection);
    d.set_aggregate(fmt::format("count({}){} = {} within {}s", agg_.count_field,
                                agg_.group_by.empty() ? "" : " by " + agg_.group_by + "=" + h.group,
                                count, window_ / 1000000));
    d.set_evidence(WindowEvidence(count, GroupOf(agg_, h.group), w));
    out_->push_back(std::move(d));
    w = Window{};
  }

  static constexpr uint32_t kSweepEvery = 4096;  // hits between sweeps, at least

  // Lets go of what no later hit can count, as each group's next hit would:
  // events more than the timeframe before `now`, then the groups left
  // empty. Not for count() < N, whose last windows are reported as they
  // stand at the end.
  void Sweep(int64_t now) {
    since_sweep_ = 0;
    last_sweep_us_ = now;
    for (auto it = windows_.begin(); it != windows_.end();) {
      Window& w = it->second;
      DropBefore(now, &w);
      it = w.events.empty() ? windows_.erase(it) : std::next(it);
    }
  }

  // Drops the events more than the timeframe before `t`.
  void DropBefore(int64_t t, Window* w) {
    while (!w->events.empty() && t - w->events.front().time_us > window_) {
      if (!agg_.count_field.empty()) {
        auto it = w->distinct.find(w->events.front().counted);
        if (--it->second == 0) w->distinct.erase(it);
      }
      w->events.pop_front();
      --w->n;
    }
  }

  void AddCompanion(AggregateHit&& h) {
    Companion c{PlaceOf(h.detection), std::string(h.detection.event_id())};
    if (window_ == 0) {  // companions come first, earliest first
      if (!first_) first_ = std::move(c);
      return;
    }
    // Base hits that waited for it: those more than `timeframe` before it
    // can match nothing later either.
    while (!pending_.empty() && c.place.time_us - pending_.front().detection.time_us > window_) {
      pending_.pop_front();
    }
    for (AggregateHit& p : pending_) EmitNear(std::move(p.detection), c);
    pending_.clear();
    recent_.push_back(std::move(c));
  }

  void AddNear(AggregateHit&& h) {
    const int64_t t = h.detection.time_us;
    if (window_ == 0) {
      if (first_) EmitNear(std::move(h.detection), *first_);
      return;
    }
    while (!recent_.empty() && t - recent_.front().place.time_us > window_) recent_.pop_front();
    if (!recent_.empty()) {
      EmitNear(std::move(h.detection), recent_.front());
      return;
    }
    while (!pending_.empty() && t - pending_.front().detection.time_us > window_) {
      pending_.pop_front();
    }
    pending_.push_back(std::move(h));
  }

  void EmitNear(model::Detection d, const Companion& c) {
    const Place base = PlaceOf(d);
    model::Evidence ev;
    ev.type = "near";
    ev.count = 2;
    const bool base_first = !(c.place < base);
    ev.event_ids = {std::string(base_first ? d.event_id() : c.event_id),
                    std::string(base_first ? c.event_id : d.event_id())};
    ev.first_time_us = std::min(base.time_us, c.place.time_us);
    ev.last_time_us = std::max(base.time_us, c.place.time_us);
    d.set_aggregate(fmt::format("near event {}", c.event_id));
    d.set_evidence(std::move(ev));
    out_->push_back(std::move(d));
  }

  const sigma::Aggregation& agg_;
  const int64_t window_;
  const bool report_;
  std::deque<model::Detection>* out_;
  std::unordered_map<std::string, Window> windows_;  // count, by group
  std::optional<Companion> first_;                   // near without a timeframe
  std::deque<Companion> recent_;                     // near: companions within the timeframe
  std::deque<AggregateHit> pending_;                 // near: base hits waiting for one
  uint32_t since_sweep_ = 0;
  int64_t last_sweep_us_ = INT64_MIN / 2;
};

}  // namespace

Aggregations::Aggregations(const sigma::Matcher& matcher, std::vector<int> companion,
                           std::optional<model::Level> min_level)
    : matcher_(matcher),
      stream_(matcher.rule_count()),
      phase_(matcher.rule_count(), 1),
      companion_(std::move(companion)),
      min_level_(min_level) {
  for (uint32_t r = 0; r < matcher.rule_count(); ++r) stream_[r] = r;
  for (uint32_t r = 0; r < companion_.size(); ++r) {
    if (companion_[r] < 0) continue;
    const auto c = static_cast<uint32_t>(companion_[r]);
    stream_[c] = r;
    // Without a timeframe any companion will do: the earliest is known
    // before the first base hit.
    if (matcher.rule(r).timeframe_us == 0) phase_[c] = 0;
  }
}

bool Aggregations::Before(const AggregateHit& a, const AggregateHit& b) const {
  const model::Detection& x = a.detection;
  const model::Detection& y = b.detection;
  return std::tie(stream_[a.rule], phase_[a.rule], x.time_us, x.file_index, x.record_index,
                  a.rule) < std::tie(stream_[b.rule], phase_[b.rule], y.time_us, y.file_index,
                                     y.record_index, b.rule);
}

Result<SpillRun> Aggregations::Spill(std::vector<AggregateHit>* hits) const {
  std::sort(hits->begin(), hits->end(),
            [this](const AggregateHit& a, const AggregateHit& b) { return Before(a, b); });
  return SpillRun::Write(hits->size(), [&](size_t i, std::string* out) {
    const AggregateHit& h = (*hits)[i];
    AppendSpilledDetection(h.detection, h.rule, out);
    AppendSpilledText(h.group, out);
    AppendSpilledText(h.counted, out);
  });
}

Status Aggregations::Run(std::vector<SpillRun>& runs, std::vector<AggregateHit> hits,
                         const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
                         const std::deque<std::string>& files,
                         std::deque<model::Detection>* out) const {
  std::sort(hits.begin(), hits.end(),
            [this](const AggregateHit& a, const AggregateHit& b) { return Before(a, b); });
  // Sources: the runs, then the hits in memory.
  const size_t memory_source = runs.size();
  std::vector<std::optional<SpillReader>> readers(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) readers[i].emplace(runs[i], rules, files);
  size_t memory_next = 0;
  auto next = [&](size_t i, AggregateHit* h) -> Result<bool> {
    if (i == memory_source) {
      if (memory_next == hits.size()) return false;
      *h = std::move(hits[memory_next++]);
      return true;
    }
    SpillReader& reader = *readers[i];
    if (!reader.Next()) return false;
    CIRT_RETURN_IF_ERROR(reader.ReadDetection(&h->detection, &h->rule));
    CIRT_RETURN_IF_ERROR(reader.ReadText(&h->group));
    CIRT_RETURN_IF_ERROR(reader.ReadText(&h->counted));
    return true;
  };
  std::optional<RuleAggregation> agg;
  uint32_t stream = 0;
  RepeatFilter repeats;
  CIRT_RETURN_IF_ERROR(MergeSorted<AggregateHit>(
      runs.size() + 1, next,
      [this](const AggregateHit& a, const AggregateHit& b) { return Before(a, b); },
      [&](AggregateHit& h) {
        if (!agg || stream_[h.rule] != stream) {
          if (agg) agg->Finish();
          stream = stream_[h.rule];
          const sigma::Rule& rule = matcher_.rule(stream);
          agg.emplace(rule, !min_level_ || rule.level >= *min_level_, out);
        }
        if (repeats.Repeated(h.detection)) return;
        const bool companion = h.rule != stream;
        agg->Add(std::move(h), companion);
      }));
  if (agg) agg->Finish();
  runs.clear();
  return Status::Ok();
}

}  // namespace cirt::detect
