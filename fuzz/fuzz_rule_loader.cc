// Feeds arbitrary text to the Sigma loader, compiler and correlation
// resolver: rules must load or be reported, never crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "detect/correlation.h"
#include "detect/sigma/matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<cirt::detect::sigma::Rule> rules;
  std::vector<cirt::detect::sigma::Correlation> correlations;
  auto outcomes = cirt::detect::sigma::ParseRules(text, "fuzz.yml", {}, &rules, &correlations);
  cirt::model::FieldPlan plan;
  std::vector<cirt::detect::sigma::LoadOutcome> errors;
  auto matcher = cirt::detect::sigma::Matcher::Compile(std::move(rules), &plan, &errors);
  std::vector<std::unique_ptr<cirt::model::RuleInfo>> infos;
  auto engine = cirt::detect::CorrelationEngine::Build(*matcher, std::move(correlations), &plan,
                                                       &infos, &errors);
  (void)outcomes;
  (void)engine;
  return 0;
}
