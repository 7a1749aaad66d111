// The built-in pack: every rule carries the metadata responders rely on, and
// every rule fires on its positive test events and not on its negatives
// (rules/tests/<rule stem>/{positive,negative}*.json, shaped as CloudTrail
// writes records), through the real reader and matcher.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect/builtin_rules.h"
#include "detect/sigma/matcher.h"
#include "ingest/cloudtrail_reader.h"

namespace cirt::detect {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MatchSink : public ingest::RecordSink {
 public:
  MatchSink(const sigma::Matcher& m) : m_(m), scratch_(m.NewScratch()) {}
  void OnRecord(const model::Event&, const model::FieldValues& v,
                const model::RecordOrigin&) override {
    std::vector<uint32_t> matched;
    m_.Match(v, scratch_.get(), &matched);
    for (uint32_t r : matched) titles.push_back(m_.rule(r).title);
    ++records;
  }
  std::vector<std::string> titles;
  int records = 0;

 private:
  const sigma::Matcher& m_;
  sigma::Matcher::ScratchPtr scratch_;
};

const fs::path kRules = fs::path(CIRT_SOURCE_DIR) / "rules";

std::vector<fs::path> RuleFiles() {
  std::vector<fs::path> out;
  for (auto& e : fs::recursive_directory_iterator(kRules)) {
    if (e.path().extension() == ".yml" && e.path().string().find("/tests/") == std::string::npos) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BuiltinRules, PackIsEmbeddedAndHasAtLeastFortyRules) {
  size_t embedded = 0;
  for (const auto& f : BuiltinRuleFiles()) embedded += f.path.empty() ? 0 : 1;
  EXPECT_EQ(embedded, RuleFiles().size());
  EXPECT_GE(RuleFiles().size(), 40u);
}

TEST(BuiltinRules, CoversEveryTacticFolder) {
  for (const char* tactic :
       {"credential-access", "defense-evasion", "discovery", "execution", "exfiltration",
        "initial-access", "persistence", "privilege-escalation", "impact"}) {
    bool any = false;
    for (const auto& p : RuleFiles()) any |= p.parent_path().filename() == tactic;
    EXPECT_TRUE(any) << tactic;
  }
}

class BuiltinRule : public ::testing::TestWithParam<fs::path> {};

TEST_P(BuiltinRule, HasMetadataAndFiresOnlyOnItsPositives) {
  const fs::path rule_path = GetParam();
  std::vector<sigma::Rule> rules;
  auto outcomes = sigma::ParseRules(Slurp(rule_path), rule_path.string(), {}, &rules);
  ASSERT_EQ(rules.size(), 1u) << (outcomes.empty() ? "" : outcomes[0].message);
  const sigma::Rule& rule = rules[0];
  EXPECT_EQ(rule.id.size(), 36u);
  EXPECT_FALSE(rule.description.empty());
  EXPECT_FALSE(rule.falsepositives.empty());
  bool tactic = false, technique = false;
  for (const auto& t : rule.tags) {
    if (t.rfind("attack.t", 0) == 0) technique = true;
    else if (t.rfind("attack.", 0) == 0) tactic = true;
  }
  EXPECT_TRUE(tactic && technique) << "needs an ATT&CK tactic and technique tag";
  const std::string title = rule.title;

  model::FieldPlan plan;
  auto slots = ingest::ModelSlots::Register(&plan);
  std::vector<sigma::LoadOutcome> errors;
  auto matcher = sigma::Matcher::Compile(std::move(rules), &plan, &errors);
  ASSERT_TRUE(errors.empty()) << errors[0].message;
  Diagnostics diag(nullptr);
  ingest::CloudTrailReader reader(plan, slots, &diag);

  fs::path tests = kRules / "tests" / rule_path.stem();
  ASSERT_TRUE(fs::is_directory(tests)) << "missing " << tests;
  int positives = 0, negatives = 0;
  for (auto& e : fs::directory_iterator(tests)) {
    std::string name = e.path().filename().string();
    MatchSink sink(*matcher);
    auto stats = reader.ReadBytes(e.path().string(), Slurp(e.path()), &sink);
    ASSERT_EQ(sink.records, 1) << e.path() << " must hold one CloudTrail record";
    EXPECT_FALSE(stats.any_skipped()) << e.path();
    if (name.rfind("positive", 0) == 0) {
      ++positives;
      EXPECT_EQ(sink.titles, std::vector<std::string>{title}) << e.path();
    } else if (name.rfind("negative", 0) == 0) {
      ++negatives;
      EXPECT_TRUE(sink.titles.empty()) << e.path();
    }
  }
  EXPECT_GE(positives, 1);
  EXPECT_GE(negatives, 1);
}

std::string Name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string s = info.param.stem().string();
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Pack, BuiltinRule, ::testing::ValuesIn(RuleFiles()), Name);

}  // namespace
}  // namespace cirt::detect
