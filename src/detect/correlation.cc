#include "detect/correlation.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
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

// One event (or one inner correlation firing) as a correlation sees it.
struct Occurrence {
  int64_t time_us;
  uint32_t file_index;
  uint64_t record_index;
  uint32_t ref;                            // index into Item::refs
  const model::Detection* detection;       // the event, or the inner correlation's detection
  const std::vector<std::string>* source;  // where Ref::group / Ref::fields index
  std::string value;                       // value_count: the tuple of fields ("" when absent)
  std::optional<double> number;            // value_sum / value_avg
};

bool Before(int64_t ta, uint32_t fa, uint64_t ra, int64_t tb, uint32_t fb, uint64_t rb) {
  if (ta != tb) return ta < tb;
  if (fa != fb) return fa < fb;
  return ra < rb;
}

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
  std::deque<const Occurrence*> window;
  std::unordered_map<std::string, uint32_t> distinct;  // value_count
  std::vector<uint32_t> per_ref;                       // temporal
  uint32_t refs_present = 0;
  double sum = 0;
  uint32_t numbers = 0;
  // temporal_ordered: chains[k] is the partial sequence ending at step k
  // with the latest start (the most room left), or empty.
  std::vector<std::vector<const Occurrence*>> chains;

  void Add(const Occurrence* o) {
    window.push_back(o);
    if (!o->value.empty()) ++distinct[o->value];
    if (per_ref[o->ref]++ == 0) ++refs_present;
    if (o->number) {
      sum += *o->number;
      ++numbers;
    }
  }
  void PopFront() {
    const Occurrence* o = window.front();
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

}  // namespace

struct CorrelationEngine::Impl {
  std::vector<Item> items;  // inner correlations before the ones chained on them
  std::vector<std::vector<model::SlotId>> captures;  // per base rule
  std::vector<uint8_t> feeds, reported;              // per base rule

  void Evaluate(const Item& item, std::vector<Occurrence>& occurrences,
                std::vector<Fired>* fired) const;
  void Fire(const Item& item, const Group& group, const std::vector<const Occurrence*>& events,
            double metric, std::vector<Fired>* fired) const;
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

void CorrelationEngine::Impl::Fire(const Item& item, const Group& group,
                                   const std::vector<const Occurrence*>& events, double metric,
                                   std::vector<Fired>* fired) const {
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
    const int64_t begin = inner ? inner->first_time_us : o->time_us;
    const int64_t end = inner ? inner->last_time_us : o->time_us;
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

void CorrelationEngine::Impl::Evaluate(const Item& item, std::vector<Occurrence>& occurrences,
                                       std::vector<Fired>* fired) const {
  const Correlation& def = item.def;
  const size_t steps = item.refs.size();
  const int64_t span = def.timespan_us;
  // An event matching several referenced rules counts once per rule; for
  // temporal_ordered the later step comes first, so one event never makes
  // two steps of a sequence.
  std::sort(occurrences.begin(), occurrences.end(), [](const Occurrence& a, const Occurrence& b) {
    if (a.time_us != b.time_us || a.file_index != b.file_index ||
        a.record_index != b.record_index) {
      return Before(a.time_us, a.file_index, a.record_index, b.time_us, b.file_index,
                    b.record_index);
    }
    return a.ref > b.ref;
  });
  std::unordered_map<std::string, Group> groups;
  std::vector<std::string> values;
  std::vector<const Occurrence*> events;
  auto fire_window = [&](Group& g, double metric) {
    events.assign(g.window.begin(), g.window.end());
    Fire(item, g, events, metric, fired);
  };
  for (const Occurrence& o : occurrences) {
    const Ref& ref = item.refs[o.ref];
    values.clear();
    bool complete = true;
    for (uint32_t idx : ref.group) {
      const std::string& v = (*o.source)[idx];
      if (v.empty()) complete = false;
      values.push_back(v);
    }
    if (!complete) continue;  // no group
    auto [it, inserted] = groups.try_emplace(Encode(values));
    Group& g = it->second;
    if (inserted) {
      g.values = values;
      g.per_ref.assign(steps, 0);
      g.chains.assign(steps, {});
    }
    if (def.type == Correlation::Type::kTemporalOrdered) {
      for (auto& chain : g.chains) {
        if (!chain.empty() && o.time_us - chain.front()->time_us > span) chain.clear();
      }
      const uint32_t k = o.ref;
      if (k == 0) {
        g.chains[0] = {&o};
      } else if (!g.chains[k - 1].empty() &&
                 (g.chains[k].empty() ||
                  g.chains[k - 1].front()->time_us >= g.chains[k].front()->time_us)) {
        g.chains[k] = g.chains[k - 1];
        g.chains[k].push_back(&o);
      }
      if (!g.chains[steps - 1].empty()) {
        Fire(item, g, g.chains[steps - 1], static_cast<double>(steps), fired);
        for (auto& chain : g.chains) chain.clear();
      }
      continue;
    }
    if (item.sliding) {
      while (!g.window.empty() && o.time_us - g.window.front()->time_us > span) g.PopFront();
      g.Add(&o);
      const double metric = g.Metric(def.type);
      if (Holds(item.bounds, metric)) {
        fire_window(g, metric);
        g.Clear();
      }
      continue;
    }
    if (!g.window.empty() && o.time_us - g.window.front()->time_us > span) {
      const double metric = g.Metric(def.type);
      if (Holds(item.bounds, metric)) fire_window(g, metric);
      g.Clear();
    }
    g.Add(&o);
  }
  if (!item.sliding && def.type != Correlation::Type::kTemporalOrdered) {
    for (auto& [key, g] : groups) {
      if (g.window.empty()) continue;
      const double metric = g.Metric(def.type);
      if (Holds(item.bounds, metric)) fire_window(g, metric);
    }
  }
  std::sort(fired->begin(), fired->end(), [](const Fired& a, const Fired& b) {
    return Before(a.detection.time_us, a.detection.file_index, a.detection.record_index,
                  b.detection.time_us, b.detection.file_index, b.detection.record_index);
  });
}

void CorrelationEngine::Run(std::vector<CorrelationHit> hits, std::optional<model::Level> min_level,
                            std::deque<model::Detection>* out) const {
  const Impl& m = *impl_;
  std::vector<std::vector<const CorrelationHit*>> by_rule(m.captures.size());
  for (const CorrelationHit& h : hits) {
    if (h.rule < by_rule.size()) by_rule[h.rule].push_back(&h);
  }
  std::vector<std::vector<Fired>> fired(m.items.size());
  std::vector<Occurrence> occurrences;
  for (size_t k = 0; k < m.items.size(); ++k) {
    const Item& item = m.items[k];
    occurrences.clear();
    for (uint32_t i = 0; i < item.refs.size(); ++i) {
      const Ref& ref = item.refs[i];
      auto add = [&](const model::Detection* d, const std::vector<std::string>* source) {
        Occurrence o{d->time_us, d->file_index, d->record_index, i, d, source, {}, {}};
        if (!ref.fields.empty()) {
          std::vector<std::string> parts;
          bool complete = true;
          for (uint32_t idx : ref.fields) {
            parts.push_back((*source)[idx]);
            complete = complete && !parts.back().empty();
          }
          if (complete) o.value = Encode(parts);
          double number;
          const std::string& text = parts.front();
          auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
          if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
            o.number = number;
          }
        }
        occurrences.push_back(std::move(o));
      };
      if (ref.correlation) {
        for (const Fired& f : fired[ref.target]) add(&f.detection, &f.group);
      } else {
        for (const CorrelationHit* h : by_rule[ref.target]) add(&h->detection, &h->values);
      }
    }
    m.Evaluate(item, occurrences, &fired[k]);
  }
  for (size_t k = 0; k < m.items.size(); ++k) {
    const Item& item = m.items[k];
    if (!item.reported || (min_level && item.def.level < *min_level)) continue;
    for (const Fired& f : fired[k]) out->push_back(f.detection);
  }
}

}  // namespace cirt::detect
