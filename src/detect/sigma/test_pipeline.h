// src/detect/sigma/test_pipeline.h (tests only)
// Runs rules over records through the real pipeline, as `cirt hunt` does:
// ParseRules -> Matcher::Compile -> CloudTrailReader -> Matcher::Match.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "detect/sigma/matcher.h"
#include "detect/sigma/rule.h"
#include "ingest/cloudtrail_reader.h"

namespace cirt::detect::sigma::test_pipeline {

using Titles = std::vector<std::string>;

// Collects the titles of the rules matching each record.
class TitleSink : public ingest::RecordSink {
 public:
  explicit TitleSink(const Matcher& matcher) : matcher_(matcher), scratch_(matcher.NewScratch()) {}
  void OnRecord(const model::Event&, const model::FieldValues& values,
                const model::RecordOrigin&) override {
    matcher_.Match(values, scratch_.get(), &matched_);
    for (uint32_t r : matched_) titles.push_back(matcher_.rule(r).title);
    ++records;
  }
  Titles titles;
  int records = 0;

 private:
  const Matcher& matcher_;
  Matcher::ScratchPtr scratch_;
  std::vector<uint32_t> matched_;
};

// Titles of the rules in `rule_yaml` that match the one record `record_json`.
// Load or compile errors fail the calling test.
inline Titles Matches(std::string_view rule_yaml, std::string_view record_json) {
  std::vector<Rule> rules;
  auto outcomes = ParseRules(rule_yaml, "test.yml", LoadOptions{}, &rules);
  for (const auto& o : outcomes) {
    if (o.kind != LoadOutcome::Kind::kLoaded) ADD_FAILURE() << "rule not loaded: " << o.message;
  }
  model::FieldPlan plan;
  ingest::ModelSlots slots = ingest::ModelSlots::Register(&plan);
  std::vector<LoadOutcome> errors;
  auto matcher = Matcher::Compile(std::move(rules), &plan, &errors);
  for (const auto& e : errors) ADD_FAILURE() << "rule not compiled: " << e.message;
  Diagnostics diagnostics(nullptr);
  TitleSink sink(*matcher);
  ingest::CloudTrailReader reader(plan, slots, &diagnostics);
  ingest::ReadStats stats = reader.ReadBytes("record.json", record_json, &sink);
  EXPECT_EQ(stats.records, 1u) << "record not read: " << record_json;
  return sink.titles;
}

}  // namespace cirt::detect::sigma::test_pipeline
