// Feeds arbitrary text to the Sigma loader and compiler: rules must load or
// be reported, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "detect/sigma/matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<cirt::detect::sigma::Rule> rules;
  auto outcomes = cirt::detect::sigma::ParseRules(text, "fuzz.yml", {}, &rules);
  cirt::model::FieldPlan plan;
  std::vector<cirt::detect::sigma::LoadOutcome> errors;
  auto matcher = cirt::detect::sigma::Matcher::Compile(std::move(rules), &plan, &errors);
  (void)outcomes;
  (void)matcher;
  return 0;
}
