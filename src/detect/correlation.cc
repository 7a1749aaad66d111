#include "detect/correlation.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace cirt::detect {

using sigma::Correlation;
using sigma::LoadOutcome;

namespace {

// A referenced rule as one correlation reads it.
struct Ref {
  bool correlation = false;  // target is a correlation (else a base rule)
  uint32_t target = 0;       // base rule index, or correlation index
  std::string written;       // the reference as written in `rules`
  // Per group-by entry / condition field: the index of its value in the
  // hit's captured values (base rule) or in the inner correlation's group.
  std::vector<uint32_t> group;
  std::vector<uint32_t> fields;
};

struct Item {
  Correlation def;
  const model::RuleInfo* info = nullptr;
  std::vector<Ref> refs;
  std::vector<Correlation::Bound> bounds;  // the condition, with temporal's default
  bool sliding = true;                     // only lower bounds
  bool reported = true;
};

// What a correlation fired, kept for the correlations chained on it.
struct Fired {
  model::Detection detection;      // carries the evidence
  std::vector<std::string> group;  // values of the correlation's group-by entries
};

// One event (or one inner correlation firing) as a correlation sees it,
// held by the windows and sequences that still need it.
struct Occurrence {
  Place place;
  uint32_t ref;  // index into Item::refs
  // The event, or the inner correlation's detection (shared by the refs of
  // one correlation that name the same rule).
  std::shared_ptr<const model::Detection> detection;
  std::vector<std::string> group;  // the values of the group-by entries ("" when absent)
  std::string value;               // value_count: the tuple of fields ("" when absent)
  std::optional<double> number;    // value_sum / value_avg
};
using OccurrencePtr = std::shared_ptr<const Occurrence>;

std::string Encode(const std::vector<std::string>& parts) {
  std::string key;
  for (const auto& p : parts) {
    key += std::to_string(p.size());
    key += ':';
    key += p;
  }
  return key;
}

bool Holds(const std::vector<Correlation::Bound>& bounds, double metric) {
  for (const auto& b : bounds) {
    if (!sigma::CmpHolds(b.cmp, metric, b.value)) return false;
  }
  return true;
}

// The state of one group of one correlation.
struct Group {
  std::vector<std::string> values;  // the group-by values
  std::deque<OccurrencePtr> window;
  std::unordered_map<std::string, uint32_t> distinct;  // value_count
  std::vector<uint32_t> per_ref;                       // temporal
  uint32_t refs_present = 0;
  double sum = 0;
  uint32_t numbers = 0;
  // temporal_ordered: chains[k] is the partial sequence ending at step k
  // with the latest start (the most room left), or empty.
  std::vector<std::vector<OccurrencePtr>> chains;

  void Add(OccurrencePtr o) {
    if (!o->value.empty()) ++distinct[o->value];
    if (per_ref[o->ref]++ == 0) ++refs_present;
    if (o->number) {
      sum += *o->number;
      ++numbers;
    }
    window.push_back(std::move(o));
  }
  void PopFront() {
    const OccurrencePtr o = std::move(window.front());
    window.pop_front();
    if (!o->value.empty()) {
      auto it = distinct.find(o->value);
      if (--it->second == 0) distinct.erase(it);
    }
    if (--per_ref[o->ref] == 0) --refs_present;
    if (o->number) {
      sum -= *o->number;
      --numbers;
    }
  }
  void Clear() {
    window.clear();
    distinct.clear();
    std::fill(per_ref.begin(), per_ref.end(), 0);
    refs_present = 0;
    sum = 0;
    numbers = 0;
  }
  double Metric(Correlation::Type type) const {
    switch (type) {
      case Correlation::Type::kEventCount:
        return static_cast<double>(window.size());
      case Correlation::Type::kValueCount:
        return static_cast<double>(distinct.size());
      case Correlation::Type::kTemporal:
      case Correlation::Type::kTemporalOrdered:
        return refs_present;
      case Correlation::Type::kValueSum:
        return sum;
      case Correlation::Type::kValueAvg:
        return numbers ? sum / numbers : 0;
    }
    return 0;
  }
};

// The hunt's hits, read in place order (then by rule) as often as needed:
// sorted runs on disk merged with the sorted hits in memory, each event
// once per rule.
class HitStream {
 public:
  HitStream(std::vector<SpillRun>& runs, std::vector<CorrelationHit>& memory,
            const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
            const std::deque<std::string>& files)
      : runs_(runs), memory_(memory), rules_(rules), files_(files) {
    std::sort(memory_.begin(), memory_.end(), Less);
  }

  static bool Less(const CorrelationHit& a, const CorrelationHit& b) {
    const Place pa = PlaceOf(a.detection), pb = PlaceOf(b.detection);
    if (!(pa == pb)) return pa < pb;
    return a.rule < b.rule;
  }

  // Calls `fn(hit)` with every hit in order; a hit is valid during its call.
  template <typename Fn>
  Status ForEach(Fn fn) const {
    std::vector<std::optional<SpillReader>> readers(runs_.size());
    for (size_t i = 0; i < runs_.size(); ++i) {
      CIRT_RETURN_IF_ERROR(runs_[i].Rewind());
      readers[i].emplace(runs_[i], rules_, files_);
    }
    size_t memory_next = 0;
    auto next = [&](size_t i, const CorrelationHit** h) -> Result<bool> {
      if (i == runs_.size()) {
        if (memory_next == memory_.size()) return false;
        *h = &memory_[memory_next++];
        return true;
      }
      SpillReader& reader = *readers[i];
      if (!reader.Next()) return false;
      CorrelationHit& hit = read_[i];
      CIRT_RETURN_IF_ERROR(reader.ReadDetection(&hit.detection, &hit.rule));
      uint32_t count;
      CIRT_RETURN_IF_ERROR(reader.ReadCount(&count));
      // A file of this hunt has one value per capture.
      if (count > 4096) return Status::Corrupt("a temporary detection file does not match this hunt");
      hit.values.resize(count);
      for (std::string& v : hit.values) CIRT_RETURN_IF_ERROR(reader.ReadText(&v));
      *h = &hit;
      return true;
    };
    read_.resize(runs_.size());
    RepeatFilter repeats;
    return MergeSorted<const CorrelationHit*>(
        runs_.size() + 1, next,
        [](const CorrelationHit* a, const CorrelationHit* b) { return Less(*a, *b); },
        [&](const CorrelationHit* h) {
          if (!repeats.Repeated(h->detection)) fn(*h);
        });
  }

 private:
  std::vector<SpillRun>& runs_;
  std::vector<CorrelationHit>& memory_;
  const std::vector<std::unique_ptr<model::RuleInfo>>& rules_;
  const std::deque<std::string>& files_;
  mutable std::vector<CorrelationHit> read_;  // by run: the hit last read
};

}  // namespace

struct CorrelationEngine::Impl {
  std::vector<Item> items;  // inner correlations before the ones chained on them
  std::vector<std::vector<model::SlotId>> captures;  // per base rule
  std::vector<uint8_t> feeds, reported;              // per base rule

  // Runs item `k` over the hits (and the inner correlations' firings in
  // `fired`), adding its own firings to fired[k], in time order.
  Status Evaluate(size_t k, const HitStream& hits, std::vector<std::vector<Fired>>* fired) const;
};

CorrelationEngine::CorrelationEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CorrelationEngine::~CorrelationEngine() = default;

size_t CorrelationEngine::size() const { return impl_->items.size(); }
const Correlation& CorrelationEngine::correlation(size_t index) const {
  return impl_->items[index].def;
}
bool CorrelationEngine::feeds(uint32_t rule) const {
  return rule < impl_->feeds.size() && impl_->feeds[rule];
}
bool CorrelationEngine::reported(uint32_t rule) const {
  return rule >= impl_->reported.size() || impl_->reported[rule];
}
const std::vector<model::SlotId>& CorrelationEngine::captures(uint32_t rule) const {
  return impl_->captures[rule];
}

std::unique_ptr<CorrelationEngine> CorrelationEngine::Build(
    const sigma::Matcher& matcher, std::vector<Correlation> correlations, model::FieldPlan* plan,
    std::vector<std::unique_ptr<model::RuleInfo>>* infos, std::vector<LoadOutcome>* errors) {
  const size_t n = correlations.size();
  const size_t base_count = matcher.rule_count();
  std::vector<std::string> failure(n);
  std::vector<std::vector<Ref>> refs(n);

  // Ids and names of what can be referenced.
  std::multimap<std::string, uint32_t> base_by_key, corr_by_key;
  for (uint32_t r = 0; r < base_count; ++r) {
    const sigma::Rule& rule = matcher.rule(r);
    if (rule.near_companion) continue;
    if (!rule.id.empty()) base_by_key.emplace(rule.id, r);
    if (!rule.name.empty() && rule.name != rule.id) base_by_key.emplace(rule.name, r);
  }
  for (uint32_t c = 0; c < n; ++c) {
    if (!correlations[c].id.empty()) corr_by_key.emplace(correlations[c].id, c);
    if (!correlations[c].name.empty() && correlations[c].name != correlations[c].id) {
      corr_by_key.emplace(correlations[c].name, c);
    }
  }

  // 1. Resolve references by id or name.
  for (uint32_t c = 0; c < n; ++c) {
    const Correlation& def = correlations[c];
    for (const std::string& written : def.rules) {
      struct Candidate {
        bool correlation;
        uint32_t index;
        const std::string* file;
      };
      std::vector<Candidate> found;
      for (auto [it, end] = base_by_key.equal_range(written); it != end; ++it) {
        found.push_back({false, it->second, &matcher.rule(it->second).file});
      }
      for (auto [it, end] = corr_by_key.equal_range(written); it != end; ++it) {
        found.push_back({true, it->second, &correlations[it->second].file});
      }
      if (found.size() > 1) {
        std::vector<Candidate> local;
        for (const auto& f : found) {
          if (*f.file == def.file) local.push_back(f);
        }
        if (local.size() == 1) found = local;
      }
      if (found.empty()) {
        failure[c] = fmt::format(
            "unknown rule '{}' (no loaded CloudTrail rule or correlation has this id or name)",
            written);
        break;
      }
      if (found.size() > 1) {
        failure[c] = fmt::format("ambiguous rule '{}': {} loaded rules have this id or name",
                                 written, found.size());
        break;
      }
      if (!found[0].correlation && matcher.rule(found[0].index).aggregation) {
        failure[c] = fmt::format(
            "rule '{}' uses a legacy aggregation (| count() or | near) and cannot be correlated",
            written);
        break;
      }
      Ref ref;
      ref.correlation = found[0].correlation;
      ref.target = found[0].index;
      ref.written = written;
      refs[c].push_back(std::move(ref));
    }
  }

  // 2. Resolve group-by entries and condition fields, through aliases.
  std::vector<std::vector<model::SlotId>> captures(base_count);
  auto capture = [&](uint32_t rule, const std::string& field) {
    const model::SlotId slot = plan->AddPath(field);
    auto& list = captures[rule];
    auto it = std::find(list.begin(), list.end(), slot);
    if (it != list.end()) return static_cast<uint32_t>(it - list.begin());
    list.push_back(slot);
    return static_cast<uint32_t>(list.size() - 1);
  };
  for (uint32_t c = 0; c < n; ++c) {
    if (!failure[c].empty()) continue;
    const Correlation& def = correlations[c];
    for (Ref& ref : refs[c]) {
      const std::string& target_id =
          ref.correlation ? correlations[ref.target].id : matcher.rule(ref.target).id;
      const std::string& target_name =
          ref.correlation ? correlations[ref.target].name : matcher.rule(ref.target).name;
      auto resolve = [&](const std::string& entry, std::vector<uint32_t>* out) -> bool {
        std::string field = entry;
        auto alias = def.aliases.find(entry);
        if (alias != def.aliases.end()) {
          const auto& per_rule = alias->second;
          auto it = per_rule.find(ref.written);
          if (it == per_rule.end() && !target_name.empty()) it = per_rule.find(target_name);
          if (it == per_rule.end() && !target_id.empty()) it = per_rule.find(target_id);
          if (it == per_rule.end()) {
            failure[c] = fmt::format("alias '{}' has no field for rule '{}'", entry, ref.written);
            return false;
          }
          field = it->second;
        }
        if (!ref.correlation) {
          out->push_back(capture(ref.target, field));
          return true;
        }
        const auto& inner = correlations[ref.target].group_by;
        auto it = std::find(inner.begin(), inner.end(), field);
        if (it == inner.end()) {
          failure[c] =
              fmt::format("'{}' is not a group-by field of the correlation '{}' it references",
                          field, ref.written);
          return false;
        }
        out->push_back(static_cast<uint32_t>(it - inner.begin()));
        return true;
      };
      bool ok = true;
      for (const auto& g : def.group_by) ok = ok && resolve(g, &ref.group);
      for (const auto& f : def.fields) ok = ok && resolve(f, &ref.fields);
      if (!ok) break;
    }
    if (failure[c].empty() && def.type == Correlation::Type::kTemporalOrdered &&
        !Holds(def.condition, static_cast<double>(def.rules.size()))) {
      failure[c] = fmt::format(
          "a temporal_ordered condition must hold for the whole sequence of {} rules (partial "
          "sequences are not reported)",
          def.rules.size());
    }
  }

  // 3. A correlation referencing one that cannot run cannot run either;
  // what is left is ordered inner first, and what cannot be ordered is a
  // cycle.
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t c = 0; c < n; ++c) {
      if (!failure[c].empty()) continue;
      for (const Ref& ref : refs[c]) {
        if (ref.correlation && !failure[ref.target].empty()) {
          failure[c] =
              fmt::format("references the correlation '{}', which does not load", ref.written);
          changed = true;
          break;
        }
      }
    }
  }
  std::vector<uint32_t> order;
  std::vector<uint8_t> placed(n, 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (uint32_t c = 0; c < n; ++c) {
      if (placed[c] || !failure[c].empty()) continue;
      bool ready = std::all_of(refs[c].begin(), refs[c].end(),
                               [&](const Ref& r) { return !r.correlation || placed[r.target]; });
      if (ready) {
        placed[c] = 1;
        order.push_back(c);
        progress = true;
      }
    }
  }
  for (uint32_t c = 0; c < n; ++c) {
    if (!placed[c] && failure[c].empty()) {
      failure[c] = "reference cycle: the correlation depends on itself through its rules";
    }
  }
  for (uint32_t c = 0; c < n; ++c) {
    if (failure[c].empty()) continue;
    errors->push_back({correlations[c].file, LoadOutcome::Kind::kError,
                       fmt::format("{}: {}", correlations[c].title, failure[c])});
  }

  auto impl = std::make_unique<Impl>();
  std::vector<uint32_t> position(n, 0);
  for (uint32_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  impl->feeds.assign(base_count, 0);
  std::vector<uint8_t> base_referenced(base_count, 0), base_generate(base_count, 0);
  std::vector<uint8_t> corr_referenced(n, 0), corr_generate(n, 0);
  for (uint32_t c : order) {
    for (const Ref& ref : refs[c]) {
      if (ref.correlation) {
        corr_referenced[ref.target] = 1;
        corr_generate[ref.target] |= correlations[c].generate;
      } else {
        impl->feeds[ref.target] = 1;
        base_referenced[ref.target] = 1;
        base_generate[ref.target] |= correlations[c].generate;
      }
    }
  }
  impl->reported.assign(base_count, 1);
  for (uint32_t r = 0; r < base_count; ++r) {
    impl->reported[r] = !base_referenced[r] || base_generate[r];
    if (!impl->feeds[r]) captures[r].clear();
  }
  impl->captures = std::move(captures);
  for (uint32_t c : order) {
    Item item;
    item.refs = std::move(refs[c]);
    for (Ref& ref : item.refs) {
      if (ref.correlation) ref.target = position[ref.target];
    }
    item.reported = !corr_referenced[c] || corr_generate[c];
    item.def = std::move(correlations[c]);
    item.bounds = item.def.condition;
    if (item.bounds.empty()) {  // temporal: every rule
      item.bounds.push_back({sigma::Cmp::kGte, static_cast<double>(item.def.rules.size())});
    }
    item.sliding = std::all_of(item.bounds.begin(), item.bounds.end(), [](const auto& b) {
      return b.cmp == sigma::Cmp::kGt || b.cmp == sigma::Cmp::kGte;
    });
    infos->push_back(std::make_unique<model::RuleInfo>(
        model::RuleInfo{item.def.id, item.def.title, item.def.level, item.def.tags}));
    item.info = infos->back().get();
    impl->items.push_back(std::move(item));
  }
  return std::unique_ptr<CorrelationEngine>(new CorrelationEngine(std::move(impl)));
}

namespace {

// The evidence and detection of one firing: the last event's fields, the
// events (or inner firings' events) once each, in order.
void Fire(const Item& item, const Group& group, const std::vector<const Occurrence*>& events,
          double metric, std::vector<Fired>* fired) {
  const Occurrence* last = events.back();
  model::Detection d = *last->detection;
  d.set_rule(item.info);
  model::Evidence ev;
  ev.type = std::string(sigma::CorrelationTypeName(item.def.type));
  ev.count = metric;
  for (size_t i = 0; i < item.def.group_by.size(); ++i) {
    ev.group.emplace_back(item.def.group_by[i], group.values[i]);
  }
  std::unordered_set<std::string> seen;
  bool first = true;
  for (const Occurrence* o : events) {
    const model::Evidence* inner = o->detection->evidence();
    const int64_t begin = inner ? inner->first_time_us : o->place.time_us;
    const int64_t end = inner ? inner->last_time_us : o->place.time_us;
    if (first || begin < ev.first_time_us) ev.first_time_us = begin;
    if (first || end > ev.last_time_us) ev.last_time_us = end;
    first = false;
    if (inner) {
      for (const auto& id : inner->event_ids) {
        if (seen.insert(id).second) ev.event_ids.push_back(id);
      }
    } else {
      std::string id(o->detection->event_id());
      if (seen.insert(id).second) ev.event_ids.push_back(std::move(id));
    }
  }
  d.set_evidence(std::move(ev));
  fired->push_back({std::move(d), group.values});
}

// One correlation over its occurrences, fed in order (by place; at one
// place the later step first, so that one event never makes two steps of
// a temporal_ordered sequence). Holds only the occurrences its windows and
// sequences still need.
class Evaluator {
 public:
  Evaluator(const Item& item, std::vector<Fired>* fired) : item_(item), fired_(fired) {}

  void Add(const OccurrencePtr& o) {
    const Correlation& def = item_.def;
    const size_t steps = item_.refs.size();
    const int64_t span = def.timespan_us;
    for (const std::string& v : o->group) {
      if (v.empty()) return;  // no group
    }
    const int64_t t = o->place.time_us;
    // Before a group is taken: a sweep may remove groups.
    if (++since_sweep_ >= kSweepEvery && t - last_sweep_us_ > span) Sweep(t);
    auto [it, inserted] = groups_.try_emplace(Encode(o->group));
    Group& g = it->second;
    if (inserted) {
      g.values = o->group;
      g.per_ref.assign(steps, 0);
      g.chains.assign(steps, {});
    }
    if (def.type == Correlation::Type::kTemporalOrdered) {
      for (auto& chain : g.chains) {
        if (!chain.empty() && t - chain.front()->place.time_us > span) chain.clear();
      }
      const uint32_t k = o->ref;
      if (k == 0) {
        g.chains[0] = {o};
      } else if (!g.chains[k - 1].empty() &&
                 (g.chains[k].empty() ||
                  g.chains[k - 1].front()->place.time_us >= g.chains[k].front()->place.time_us)) {
        g.chains[k] = g.chains[k - 1];
        g.chains[k].push_back(o);
      }
      if (!g.chains[steps - 1].empty()) {
        FireEvents(g, g.chains[steps - 1], static_cast<double>(steps));
        for (auto& chain : g.chains) chain.clear();
      }
      return;
    }
    if (item_.sliding) {
      while (!g.window.empty() && t - g.window.front()->place.time_us > span) g.PopFront();
      g.Add(o);
      const double metric = g.Metric(def.type);
      if (Holds(item_.bounds, metric)) {
        FireEvents(g, g.window, metric);
        g.Clear();
      }
      return;
    }
    if (!g.window.empty() && t - g.window.front()->place.time_us > span) {
      const double metric = g.Metric(def.type);
      if (Holds(item_.bounds, metric)) FireEvents(g, g.window, metric);
      g.Clear();
    }
    g.Add(o);
  }

  // Closes the fixed windows still open and puts the firings in order.
  void Finish() {
    if (!item_.sliding && item_.def.type != Correlation::Type::kTemporalOrdered) {
      for (auto& [key, g] : groups_) {
        if (g.window.empty()) continue;
        const double metric = g.Metric(item_.def.type);
        if (Holds(item_.bounds, metric)) FireEvents(g, g.window, metric);
      }
    }
    std::stable_sort(fired_->begin(), fired_->end(), [](const Fired& a, const Fired& b) {
      return PlaceOf(a.detection) < PlaceOf(b.detection);
    });
  }

 private:
  static constexpr uint32_t kSweepEvery = 4096;  // occurrences between sweeps, at least

  // Lets go of what no later event can use, as the next event of each group
  // would: occurrences more than `timespan` before `now` leave sliding
  // windows and sequences, and fixed windows that old are final, so they
  // are tested now. Groups left empty go, so a long run holds only the
  // groups of the last timespan or so.
  void Sweep(int64_t now) {
    since_sweep_ = 0;
    last_sweep_us_ = now;
    const Correlation& def = item_.def;
    const int64_t span = def.timespan_us;
    for (auto it = groups_.begin(); it != groups_.end();) {
      Group& g = it->second;
      bool empty = true;
      if (def.type == Correlation::Type::kTemporalOrdered) {
        for (auto& chain : g.chains) {
          if (!chain.empty() && now - chain.front()->place.time_us > span) chain.clear();
          empty = empty && chain.empty();
        }
      } else if (item_.sliding) {
        while (!g.window.empty() && now - g.window.front()->place.time_us > span) g.PopFront();
        empty = g.window.empty();
      } else {
        if (!g.window.empty() && now - g.window.front()->place.time_us > span) {
          const double metric = g.Metric(def.type);
          if (Holds(item_.bounds, metric)) FireEvents(g, g.window, metric);
          g.Clear();
        }
        empty = g.window.empty();
      }
      it = empty ? groups_.erase(it) : std::next(it);
    }
  }

  template <typename Container>
  void FireEvents(const Group& g, const Container& occurrences, double metric) {
    events_.clear();
    for (const OccurrencePtr& o : occurrences) events_.push_back(o.get());
    Fire(item_, g, events_, metric, fired_);
  }

  const Item& item_;
  std::vector<Fired>* fired_;
  std::unordered_map<std::string, Group> groups_;
  std::vector<const Occurrence*> events_;
  uint32_t since_sweep_ = 0;
  int64_t last_sweep_us_ = INT64_MIN / 2;
};

// An occurrence of `detection` for ref `i` of a correlation; `source` is
// what Ref::group and Ref::fields index (captured values, or an inner
// correlation's group).
OccurrencePtr MakeOccurrence(uint32_t i, const Ref& ref,
                             std::shared_ptr<const model::Detection> detection,
                             const std::vector<std::string>& source) {
  auto o = std::make_shared<Occurrence>();
  o->place = PlaceOf(*detection);
  o->ref = i;
  o->detection = std::move(detection);
  for (uint32_t idx : ref.group) o->group.push_back(source[idx]);
  if (!ref.fields.empty()) {
    std::vector<std::string> parts;
    bool complete = true;
    for (uint32_t idx : ref.fields) {
      parts.push_back(source[idx]);
      complete = complete && !parts.back().empty();
    }
    if (complete) o->value = Encode(parts);
    double number;
    const std::string& text = parts.front();
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
      o->number = number;
    }
  }
  return o;
}

}  // namespace

Status CorrelationEngine::Impl::Evaluate(size_t k, const HitStream& hits,
                                         std::vector<std::vector<Fired>>* fired) const {
  const Item& item = items[k];
  Evaluator evaluator(item, &(*fired)[k]);
  // Occurrences of one place, fed together, the later step first.
  std::vector<OccurrencePtr> batch;
  auto flush = [&] {
    std::stable_sort(batch.begin(), batch.end(),
                     [](const OccurrencePtr& a, const OccurrencePtr& b) { return a->ref > b->ref; });
    for (const OccurrencePtr& o : batch) evaluator.Add(o);
    batch.clear();
  };
  auto emit = [&](OccurrencePtr o) {
    if (!batch.empty() && !(batch.front()->place == o->place)) flush();
    batch.push_back(std::move(o));
  };
  // The inner correlations' firings (each list in order) go in among the
  // hits at their place.
  std::vector<size_t> next_fired(item.refs.size(), 0);
  auto drain_fired = [&](const Place* before) {
    while (true) {
      int best = -1;
      Place best_place;
      for (uint32_t i = 0; i < item.refs.size(); ++i) {
        const Ref& ref = item.refs[i];
        if (!ref.correlation || next_fired[i] == (*fired)[ref.target].size()) continue;
        const Place p = PlaceOf((*fired)[ref.target][next_fired[i]].detection);
        if (before && !(p < *before)) continue;
        if (best < 0 || p < best_place) {
          best = static_cast<int>(i);
          best_place = p;
        }
      }
      if (best < 0) return;
      const Ref& ref = item.refs[static_cast<size_t>(best)];
      const Fired& f = (*fired)[ref.target][next_fired[static_cast<size_t>(best)]++];
      // The inner list outlives this pass: no ownership taken.
      std::shared_ptr<const model::Detection> d(std::shared_ptr<void>(), &f.detection);
      emit(MakeOccurrence(static_cast<uint32_t>(best), ref, std::move(d), f.group));
    }
  };
  const bool reads_hits = std::any_of(item.refs.begin(), item.refs.end(),
                                      [](const Ref& r) { return !r.correlation; });
  if (reads_hits) {
    CIRT_RETURN_IF_ERROR(hits.ForEach([&](const CorrelationHit& h) {
      std::shared_ptr<const model::Detection> d;
      for (uint32_t i = 0; i < item.refs.size(); ++i) {
        const Ref& ref = item.refs[i];
        if (ref.correlation || ref.target != h.rule) continue;
        if (!d) {
          const Place p = PlaceOf(h.detection);
          drain_fired(&p);
          d = std::make_shared<const model::Detection>(h.detection);
        }
        emit(MakeOccurrence(i, ref, d, h.values));
      }
    }));
  }
  drain_fired(nullptr);
  flush();
  evaluator.Finish();
  return Status::Ok();
}

Result<SpillRun> CorrelationEngine::Spill(std::vector<CorrelationHit>* hits) const {
  std::sort(hits->begin(), hits->end(), HitStream::Less);
  return SpillRun::Write(hits->size(), [&](size_t i, std::string* out) {
    const CorrelationHit& h = (*hits)[i];
    AppendSpilledDetection(h.detection, h.rule, out);
    AppendSpilledCount(static_cast<uint32_t>(h.values.size()), out);
    for (const std::string& v : h.values) AppendSpilledText(v, out);
  });
}

Status CorrelationEngine::Run(std::vector<SpillRun>& runs, std::vector<CorrelationHit> hits,
                              const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
                              const std::deque<std::string>& files,
                              std::optional<model::Level> min_level,
                              std::deque<model::Detection>* out) const {
  const Impl& m = *impl_;
  const HitStream stream(runs, hits, rules, files);
  std::vector<std::vector<Fired>> fired(m.items.size());
  for (size_t k = 0; k < m.items.size(); ++k) {
    CIRT_RETURN_IF_ERROR(m.Evaluate(k, stream, &fired));
  }
  for (size_t k = 0; k < m.items.size(); ++k) {
    const Item& item = m.items[k];
    if (!item.reported || (min_level && item.def.level < *min_level)) continue;
    for (const Fired& f : fired[k]) out->push_back(f.detection);
  }
  runs.clear();
  return Status::Ok();
}

}  // namespace cirt::detect
