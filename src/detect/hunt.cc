#include "detect/hunt.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "core/run_sort.h"
#include "detect/aggregation.h"
#include "detect/builtin_rules.h"
#include "detect/correlation.h"
#include "detect/repeats.h"
#include "detect/sigma/matcher.h"
#include "io/file.h"

namespace cirt::detect {

using sigma::LoadOutcome;

Status LoadAllRules(bool builtin, const std::vector<std::string>& rule_paths,
                    const sigma::LoadOptions& options, std::vector<sigma::Rule>* rules,
                    std::vector<sigma::Correlation>* correlations, RuleSummary* summary) {
  if (builtin) {
    for (const EmbeddedFile& f : BuiltinRuleFiles()) {
      if (f.path.empty()) continue;
      auto got = sigma::ParseRules(f.content, std::string(f.path), options, rules, correlations);
      summary->outcomes.insert(summary->outcomes.end(), got.begin(), got.end());
    }
  }
  for (const std::string& path : rule_paths) {
    CIRT_RETURN_IF_ERROR(
        sigma::LoadRules(path, options, rules, &summary->outcomes, correlations));
  }
  return Status::Ok();
}

namespace {

void Count(RuleSummary* s) {
  s->loaded = s->other_logsource = s->correlation = s->errors = 0;
  for (const auto& o : s->outcomes) {
    switch (o.kind) {
      case LoadOutcome::Kind::kLoaded: ++s->loaded; break;
      case LoadOutcome::Kind::kOtherLogsource: ++s->other_logsource; break;
      case LoadOutcome::Kind::kCorrelation: ++s->correlation; break;
      case LoadOutcome::Kind::kError: ++s->errors; break;
    }
  }
}

// What the hunt does with a match of each rule, decided once per run.
enum RoleBit : uint8_t {
  kReport = 1,     // a detection of its own (not suppressed, at or above --level)
  kAggregate = 2,  // feeds its legacy aggregation
  kCorrelate = 4,  // feeds correlation rules
};

class Sink : public ingest::RecordSink {
 public:
  Sink(const sigma::Matcher& matcher, const model::FieldPlan& plan,
       const std::vector<std::unique_ptr<model::RuleInfo>>& infos,
       const std::vector<uint8_t>& roles, const CorrelationEngine* correlations,
       const std::optional<AnomalyOptions>& anomaly_options,
       const std::deque<std::string>& file_names)
      : matcher_(matcher),
        file_names_(file_names),
        infos_(infos),
        plan_(plan),
        roles_(roles),
        correlations_(correlations),
        scratch_(matcher.NewScratch()) {
    if (anomaly_options) anomalies = std::make_unique<AnomalyDetector>(*anomaly_options);
  }

  void OnRecord(const model::Event& event, const model::FieldValues& values,
                const model::RecordOrigin& origin) override {
    if (anomalies) anomalies->Add(event, origin, file_index);
    matcher_.Match(values, scratch_.get(), &matched_);
    for (uint32_t r : matched_) {
      const uint8_t role = roles_[r];
      if (role == kReport) {  // the common case
        Report(r, event, origin);
      } else if (role != 0) {
        OnSpecialMatch(r, role, event, values, origin);
      }
    }
  }

  // What the rule detections and the aggregation and correlation hits held
  // take in memory.
  size_t MemoryBytes() const {
    size_t n = arena->bytes() + aggregate_bytes + correlation_bytes;
    for (const auto& chunk : detections) n += chunk.capacity() * sizeof(model::Detection);
    return n;
  }

  uint32_t file_index = 0;  // set before each file
  // Chunks of reserved vectors: a detection never moves once built, and a
  // million of them cost a few hundred allocations.
  std::vector<model::DetectionChunk> detections;
  std::unique_ptr<model::TextArena> arena = std::make_unique<model::TextArena>();
  std::vector<AggregateHit> aggregate_hits;
  size_t aggregate_bytes = 0;  // what aggregate_hits take
  std::vector<CorrelationHit> correlation_hits;
  size_t correlation_bytes = 0;  // what correlation_hits take
  std::unique_ptr<AnomalyDetector> anomalies;  // with --anomalies

 private:
  void Report(uint32_t r, const model::Event& event, const model::RecordOrigin& origin) {
    constexpr size_t kChunk = 4096;
    if (detections.empty() || detections.back().size() == kChunk) {
      detections.emplace_back().reserve(kChunk);
    }
    model::Detection& d = detections.back().emplace_back(infos_[r].get(), event, origin,
                                                          arena.get(), file_names_[file_index]);
    d.file_index = file_index;
  }

  void OnSpecialMatch(uint32_t r, uint8_t role, const model::Event& event,
                      const model::FieldValues& values, const model::RecordOrigin& origin) {
    if (role & kReport) Report(r, event, origin);
    if (role & kAggregate) {
      const auto& agg = *matcher_.rule(r).aggregation;
      AggregateHit hit{r, FirstValue(values, agg.group_by), FirstValue(values, agg.count_field),
                       model::Detection(infos_[r].get(), event, origin)};
      hit.detection.file_index = file_index;
      aggregate_bytes += hit.bytes();
      aggregate_hits.push_back(std::move(hit));
    }
    if (role & kCorrelate) {
      CorrelationHit hit{r, model::Detection(infos_[r].get(), event, origin), {}};
      hit.detection.file_index = file_index;
      for (model::SlotId slot : correlations_->captures(r)) {
        const auto vs = values.at(slot);
        hit.values.emplace_back(vs.empty() ? std::string_view() : vs.front().text);
      }
      correlation_bytes += hit.bytes();
      correlation_hits.push_back(std::move(hit));
    }
  }

  std::string FirstValue(const model::FieldValues& values, const std::string& path) const {
    if (path.empty()) return {};
    int64_t slot = plan_.FindPath(path);
    if (slot < 0) return {};
    const auto vs = values.at(static_cast<model::SlotId>(slot));
    return vs.empty() ? std::string() : std::string(vs.front().text);
  }

  const sigma::Matcher& matcher_;
  const std::deque<std::string>& file_names_;
  const std::vector<std::unique_ptr<model::RuleInfo>>& infos_;
  const model::FieldPlan& plan_;
  const std::vector<uint8_t>& roles_;
  const CorrelationEngine* correlations_;
  sigma::Matcher::ScratchPtr scratch_;
  std::vector<uint32_t> matched_;
};

}  // namespace

Result<HuntResult> Hunt(const HuntOptions& options, Diagnostics* diagnostics, Progress* progress) {
  auto start = std::chrono::steady_clock::now();
  HuntResult result;
  std::vector<sigma::Rule> rules;
  std::vector<sigma::Correlation> correlations;
  CIRT_RETURN_IF_ERROR(LoadAllRules(options.builtin_rules, options.rule_paths, options.load,
                                    &rules, &correlations, &result.rules));

  // A `near` rule gets a companion rule evaluating its second condition.
  std::vector<sigma::Rule> companions;
  for (const auto& rule : rules) {
    if (rule.aggregation && rule.aggregation->kind == sigma::Aggregation::Kind::kNear) {
      sigma::Rule c = rule;
      c.condition = rule.aggregation->near;
      c.near_companion = true;
      companions.push_back(std::move(c));
    }
  }
  for (auto& c : companions) rules.push_back(std::move(c));

  model::FieldPlan plan;
  ingest::ModelSlots slots = ingest::ModelSlots::Register(&plan);
  std::vector<LoadOutcome> compile_errors;
  // Compile may drop rules, so pair companions with their base afterwards.
  auto matcher = sigma::Matcher::Compile(std::move(rules), &plan, &compile_errors);
  for (uint32_t r = 0; r < matcher->rule_count(); ++r) {
    const auto& rule = matcher->rule(r);
    result.rule_infos.push_back(std::make_unique<model::RuleInfo>(
        model::RuleInfo{rule.id, rule.title, rule.level, rule.tags}));
  }
  std::unique_ptr<CorrelationEngine> engine;
  if (!correlations.empty()) {
    engine = CorrelationEngine::Build(*matcher, std::move(correlations), &plan,
                                      &result.rule_infos, &compile_errors);
  }
  result.rules.outcomes.insert(result.rules.outcomes.end(), compile_errors.begin(),
                               compile_errors.end());
  Count(&result.rules);
  result.rules.correlation = engine ? engine->size() : 0;

  std::vector<int> companion(matcher->rule_count(), -1);
  std::map<std::string, uint32_t> near_companions;
  auto pair_key = [](const sigma::Rule& rule) {
    return rule.file + "\n" + rule.id + "\n" + rule.title;
  };
  for (uint32_t r = 0; r < matcher->rule_count(); ++r) {
    const auto& rule = matcher->rule(r);
    if (rule.near_companion) near_companions[pair_key(rule)] = r;
  }
  std::vector<uint8_t> roles(matcher->rule_count(), 0);
  size_t runnable = 0;
  for (uint32_t r = 0; r < matcher->rule_count(); ++r) {
    const auto& rule = matcher->rule(r);
    if (rule.aggregation) {
      // Legacy aggregations are filtered by --level when they report.
      roles[r] = kAggregate;
      // The group-by and counted fields must be read from every record.
      if (!rule.aggregation->group_by.empty()) plan.AddPath(rule.aggregation->group_by);
      if (!rule.aggregation->count_field.empty()) plan.AddPath(rule.aggregation->count_field);
    } else {
      const bool below = options.min_level && rule.level < *options.min_level;
      const bool suppressed = engine && !engine->reported(r);
      if (!below && !suppressed) roles[r] = kReport;
    }
    if (engine && engine->feeds(r)) roles[r] |= kCorrelate;
    if (rule.near_companion) continue;
    ++runnable;
    if (rule.aggregation && rule.aggregation->kind == sigma::Aggregation::Kind::kNear) {
      auto it = near_companions.find(pair_key(rule));
      if (it != near_companions.end()) companion[r] = static_cast<int>(it->second);
    }
  }
  // The loader counted rules that then failed to compile as loaded.
  result.rules.loaded = runnable;
  result.may_have_evidence =
      engine || options.anomalies ||
      std::any_of(roles.begin(), roles.end(), [](uint8_t role) { return role & kAggregate; });
  for (const auto& o : result.rules.outcomes) {
    if (o.kind == LoadOutcome::Kind::kError) {
      diagnostics->Warn(Status::InvalidArgument(o.message, {.file = o.file}));
    }
  }
  if (runnable == 0 && !options.anomalies) {
    return Status::InvalidArgument("no rules to run (check --rules and --no-builtin-rules)");
  }

  std::vector<Status> input_errors;
  std::vector<io::InputFile> files = io::ExpandInputs(options.inputs, &input_errors);
  for (const Status& e : input_errors) diagnostics->Warn(e);
  result.input_errors = input_errors.size();
  // An evidence folder's findings and API snapshots are not CloudTrail: its
  // manifest says so, and they are left out without a warning.
  result.snapshot_files = std::erase_if(files, [](const io::InputFile& f) {
    return f.kind == io::EvidenceKind::kFindings || f.kind == io::EvidenceKind::kSnapshot;
  });
  if (options.start_us) {
    // Every event of a log file precedes the end of its delivery minute.
    constexpr int64_t kMinuteUs = 60'000'000;
    result.files_before_start = std::erase_if(files, [&](const io::InputFile& f) {
      const std::optional<int64_t> delivered = ingest::CloudTrailDeliveryTime(f.path);
      return delivered && *delivered + kMinuteUs <= *options.start_us;
    });
  }
  if (progress) {
    progress->files_total = files.size();
    for (const auto& f : files) progress->bytes_total += f.size;
  }
  for (const auto& f : files) result.files.push_back(f.path);
  // Largest files first keeps the threads evenly loaded.
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return files[a].size > files[b].size; });

  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<size_t>(jobs, std::max<size_t>(1, files.size())));
  std::atomic<size_t> next{0};
  std::mutex mu;
  // Spilling: each thread's share of the budget, and the rules by index.
  const size_t share = options.memory_budget ? std::max<size_t>(1, options.memory_budget / jobs) : 0;
  std::unordered_map<const model::RuleInfo*, uint32_t> rule_index;
  for (uint32_t i = 0; i < result.rule_infos.size(); ++i) rule_index[result.rule_infos[i].get()] = i;
  Status spill_error;
  std::atomic<bool> spill_failed{false};
  const Aggregations aggregations(*matcher, companion, options.min_level);
  std::vector<AggregateHit> aggregate_hits;
  std::vector<SpillRun> aggregate_runs;
  std::vector<CorrelationHit> correlation_hits;
  std::vector<SpillRun> correlation_runs;
  std::unique_ptr<AnomalyDetector> anomalies;
  auto worker = [&] {
    ingest::CloudTrailReader reader(plan, slots, diagnostics);
    reader.SetTimeWindow(options.start_us, options.end_us);
    Sink sink(*matcher, plan, result.rule_infos, roles, engine.get(), options.anomalies,
              result.files);
    ingest::ReadStats stats;
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= order.size()) break;
      const io::InputFile& f = files[order[i]];
      sink.file_index = static_cast<uint32_t>(order[i]);
      stats.Add(reader.ReadFile(f.path, &sink));
      if (progress) {
        progress->files_done.fetch_add(1);
        progress->bytes_done.fetch_add(f.size);
      }
      if (share > 0 && !spill_failed && sink.MemoryBytes() > share) {
        // Sorted runs to temporary files; what could not be written stays
        // in memory (the budget is exceeded, nothing is lost).
        std::optional<Result<SpillRun>> run, hits_run, correlation_run;
        if (!sink.detections.empty()) {
          std::vector<const model::Detection*> sorted;
          for (const auto& chunk : sink.detections) {
            for (const model::Detection& d : chunk) sorted.push_back(&d);
          }
          SortRuns(&sorted, [](const model::Detection* a, const model::Detection* b) {
            return DetectionBefore(*a, *b);
          });
          run.emplace(SpillRun::Write(sorted, rule_index));
        }
        if (!sink.aggregate_hits.empty()) hits_run.emplace(aggregations.Spill(&sink.aggregate_hits));
        if (!sink.correlation_hits.empty()) {
          correlation_run.emplace(engine->Spill(&sink.correlation_hits));
        }
        std::lock_guard<std::mutex> lock(mu);
        if (run && run->ok()) {
          result.runs.push_back(std::move(**run));
          sink.detections.clear();
          sink.arena = std::make_unique<model::TextArena>();
        }
        if (hits_run && hits_run->ok()) {
          result.spilled_aggregate_hits += (*hits_run)->size();
          aggregate_runs.push_back(std::move(**hits_run));
          sink.aggregate_hits.clear();
          sink.aggregate_bytes = 0;
        }
        if (correlation_run && correlation_run->ok()) {
          result.spilled_correlation_hits += (*correlation_run)->size();
          correlation_runs.push_back(std::move(**correlation_run));
          sink.correlation_hits.clear();
          sink.correlation_bytes = 0;
        }
        for (const auto* r : {&run, &hits_run, &correlation_run}) {
          if (!*r || (*r)->ok()) continue;
          if (spill_error.ok()) spill_error = (*r)->status();
          spill_failed = true;
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    result.stats.Add(stats);
    for (auto& chunk : sink.detections) result.storage.push_back(std::move(chunk));
    result.arenas.push_back(std::move(sink.arena));
    for (auto& h : sink.aggregate_hits) aggregate_hits.push_back(std::move(h));
    for (auto& h : sink.correlation_hits) correlation_hits.push_back(std::move(h));
    if (sink.anomalies) {
      if (anomalies) {
        anomalies->Merge(std::move(*sink.anomalies));
      } else {
        anomalies = std::move(sink.anomalies);
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();

  std::deque<model::Detection> aggregated;
  CIRT_RETURN_IF_ERROR(aggregations.Run(aggregate_runs, std::move(aggregate_hits),
                                        result.rule_infos, result.files, &aggregated));
  if (engine) {
    CIRT_RETURN_IF_ERROR(engine->Run(correlation_runs, std::move(correlation_hits),
                                     result.rule_infos, result.files, options.min_level,
                                     &aggregated));
  }
  if (anomalies) {
    result.baseline_end_us = anomalies->baseline_end_us();
    for (model::Detection& d : anomalies->Finish()) {
      if (options.min_level && d.rule().level < *options.min_level) continue;
      aggregated.push_back(std::move(d));
    }
  }
  result.storage.emplace_back(std::make_move_iterator(aggregated.begin()),
                              std::make_move_iterator(aggregated.end()));

  // Sort small keys, not the detections themselves (hunts can produce
  // millions); the rule title only breaks full ties.
  struct SortKey {
    int64_t time_us;
    uint64_t record_index;
    uint32_t file_index;
    const model::Detection* detection;
  };
  std::vector<SortKey> keys;
  size_t total = 0;
  for (const auto& part : result.storage) total += part.size();
  keys.reserve(total);
  for (const auto& part : result.storage) {
    for (const model::Detection& d : part) {
      keys.push_back({d.time_us, d.record_index, d.file_index, &d});
    }
  }
  // Each file's detections come in record order, mostly in time order too.
  SortRuns(&keys, [](const SortKey& a, const SortKey& b) {
    if (a.time_us != b.time_us) return a.time_us < b.time_us;
    if (a.file_index != b.file_index) return a.file_index < b.file_index;
    if (a.record_index != b.record_index) return a.record_index < b.record_index;
    return a.detection->rule().title < b.detection->rule().title;  // as DetectionBefore
  });
  result.repeated = EraseRepeatedEventsSorted(
      &keys,
      [](const SortKey& k) {
        // Derived detections (correlations, anomalies) were built from
        // deduplicated matches already.
        const model::Detection& d = *k.detection;
        return EventKey{reinterpret_cast<uintptr_t>(&d.rule()),
                        d.evidence() ? std::string_view() : d.event_id()};
      },
      [](const SortKey& k) { return k.time_us; });
  result.detections.reserve(keys.size());
  for (const SortKey& k : keys) result.detections.push_back(k.detection);
  if (!spill_error.ok()) {
    diagnostics->Warn(Status::Io(fmt::format("{}; the detections stayed in memory instead",
                                             spill_error.message())));
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

Status HuntResult::ForEach(const std::function<void(const model::Detection&)>& fn) {
  if (runs.empty()) {
    // In time order the detections are read all over memory (hundreds of
    // megabytes for a large hunt): fetch the ones a few places ahead, the
    // detection first and its text once the detection is in cache.
    constexpr size_t kAhead = 16;
    const size_t n = detections.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) {
        const char* p = reinterpret_cast<const char*>(detections[i + kAhead]);
        for (size_t off = 0; off < sizeof(model::Detection); off += 64) __builtin_prefetch(p + off);
      }
      if (i + kAhead / 2 < n) {
        const std::string_view text = detections[i + kAhead / 2]->text();
        for (size_t off = 0; off < text.size(); off += 64) __builtin_prefetch(text.data() + off);
      }
      fn(*detections[i]);
    }
    return Status::Ok();
  }
  CIRT_ASSIGN_OR_RETURN(size_t dropped, SpillMerge::Run(runs, detections, rule_infos, files, fn));
  repeated += dropped;
  runs.clear();
  return Status::Ok();
}

}  // namespace cirt::detect
