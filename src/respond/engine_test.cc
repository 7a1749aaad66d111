// The engine's lifecycle over actions whose "cloud" is a map in the test:
// order, idempotence, stop on failure, journal lines, reverse rollback with
// verification, guardrails. The real AWS actions are exercised against
// moto_server in moto_test.cc.
#include "respond/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "respond/journal.h"

namespace cirt::respond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The state a MemoryAction reads and writes, and a log of writes in order.
struct FakeCloud {
  std::map<std::string, std::string> values;
  std::vector<std::string> writes;
  std::set<std::string> fail_writes;  // keys whose write fails
};

// "test.set": sets values[key] = value; inverse restores (or erases).
class MemoryAction : public Action {
 public:
  explicit MemoryAction(FakeCloud* cloud) : cloud_(cloud) {}
  std::string_view name() const override { return "test.set"; }
  std::string_view description() const override { return "set a value"; }
  std::vector<std::string> required_params() const override { return {"key", "value"}; }
  std::vector<std::string> permissions() const override { return {"test:Set"}; }
  std::vector<std::string> Resources(const ActionContext&, const Params& p) const override {
    return {"arn:test:::" + ParamString(p, "key")};
  }
  Result<State> Current(ActionContext&, const Params& p) const override {
    auto it = cloud_->values.find(ParamString(p, "key"));
    return State{{"value", it == cloud_->values.end() ? json() : json(it->second)}};
  }
  State Intended(const ActionContext&, const Params& p, const State&) const override {
    return State{{"value", ParamString(p, "value")}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& p,
                                  const State&) const override {
    return {{"test:Set", {{"Key", ParamString(p, "key")}, {"Value", ParamString(p, "value")}}}};
  }
  Status Apply(ActionContext&, const Params& p, const State&,
               std::vector<std::string>* ids) const override {
    std::string key = ParamString(p, "key");
    if (cloud_->fail_writes.count(key)) return Status::Make(ErrorCode::kAws, "HTTP 500: boom");
    cloud_->values[key] = ParamString(p, "value");
    cloud_->writes.push_back("set " + key);
    ids->push_back("req-" + key);
    return Status::Ok();
  }
  Status Revert(ActionContext&, const Params& p, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    std::string key = ParamString(p, "key");
    if (Member(before, "value").is_null()) {
      cloud_->values.erase(key);
    } else {
      cloud_->values[key] = Text(Member(before, "value"));
    }
    cloud_->writes.push_back("revert " + key);
    ids->push_back("undo-" + key);
    return Status::Ok();
  }

 private:
  FakeCloud* cloud_;
};

constexpr char kPlaybook[] = R"(
name: three
inputs:
  v: {type: string, default: "on"}
  skip_c: {type: bool, default: "true"}
steps:
  - id: a
    action: test.set
    params: {key: a, value: "{{v}}"}
  - id: b
    action: test.set
    params: {key: b, value: "{{v}}"}
  - id: c
    action: test.set
    when: "{{skip_c}} == false"
    params: {key: c, value: "{{v}}"}
  - id: d
    action: test.set
    params: {key: d, value: "{{v}}"}
)";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.Add(std::make_unique<MemoryAction>(&cloud_));
    auto playbook = ParsePlaybook(kPlaybook, "three.yml", registry_);
    ASSERT_TRUE(playbook.ok()) << playbook.status().ToString();
    playbook_ = *playbook;
    dir_ = fs::path(::testing::TempDir()) /
           ("cirt-engine-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    ctx_.account_id = "111122223333";
    ctx_.region = "eu-west-1";
    ctx_.now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767225600123));
  }
  void TearDown() override { fs::remove_all(dir_); }

  Plan MakeTestPlan(std::vector<std::pair<std::string, std::string>> given = {},
                    Guardrails guardrails = {}, bool force = false) {
    auto inputs = BindInputs(playbook_, given);
    EXPECT_TRUE(inputs.ok()) << inputs.status().ToString();
    auto plan =
        MakePlan(ctx_, playbook_, *inputs, guardrails, force,
                 {"arn:aws:sts::111122223333:assumed-role/IR/me", "111122223333"}, registry_);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return *plan;
  }
  std::string Journal(const Plan& plan) { return JournalPath(dir_.string(), plan.run_id); }

  FakeCloud cloud_;
  ActionRegistry registry_;
  Playbook playbook_;
  ActionContext ctx_;
  fs::path dir_;
};

TEST_F(EngineTest, PlanChangesNothingAndShowsCurrentAndIntended) {
  cloud_.values["b"] = "on";
  Plan plan = MakeTestPlan();
  EXPECT_TRUE(cloud_.writes.empty());
  EXPECT_EQ(plan.run_id, "20260101-000000-123-three");
  ASSERT_EQ(plan.steps.size(), 4u);
  EXPECT_EQ(plan.steps[0].disposition, Disposition::kChange);
  EXPECT_EQ(plan.steps[0].current, (json{{"value", nullptr}}));
  EXPECT_EQ(plan.steps[0].intended, (json{{"value", "on"}}));
  ASSERT_EQ(plan.steps[0].calls.size(), 1u);
  EXPECT_EQ(plan.steps[0].calls[0].operation, "test:Set");
  EXPECT_EQ(plan.steps[1].disposition, Disposition::kInEffect);
  EXPECT_EQ(plan.steps[2].disposition, Disposition::kSkipped);
  EXPECT_EQ(plan.changed_resources, (std::vector<std::string>{"arn:test:::a", "arn:test:::d"}));
  EXPECT_TRUE(plan.refusals.empty());
  json j = PlanToJson(plan);
  EXPECT_EQ(j["steps"][1]["disposition"], "in-effect");
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(EngineTest, ApplyJournalsInOrderAndReapplyChangesNothing) {
  Plan plan = MakeTestPlan();
  auto run = Apply(ctx_, plan, registry_, Journal(plan));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_FALSE(run->failed);
  EXPECT_EQ(cloud_.writes, (std::vector<std::string>{"set a", "set b", "set d"}));
  std::vector<std::string> outcomes;
  for (const auto& s : run->steps) outcomes.push_back(s.outcome);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"applied", "applied", "skipped", "applied"}));
  EXPECT_TRUE(run->steps[0].verified);
  EXPECT_EQ(run->steps[0].request_ids, std::vector<std::string>{"req-a"});

  auto lines = ReadJournal(Journal(plan));
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  std::vector<std::string> types;
  for (const json& line : *lines) types.push_back(line["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"run", "before", "result", "before", "result", "step",
                                             "before", "result", "end"}));
  EXPECT_EQ((*lines)[1]["before"], (json{{"value", nullptr}}));
  EXPECT_EQ((*lines)[2]["request_ids"], json::array({"req-a"}));
  EXPECT_EQ((*lines)[2]["after"], (json{{"value", "on"}}));
  EXPECT_EQ(lines->back()["status"], "completed");

  // A second apply of the same playbook: everything in effect, no write.
  ctx_.now += std::chrono::seconds(1);
  Plan again = MakeTestPlan();
  EXPECT_TRUE(again.changed_resources.empty());
  auto second = Apply(ctx_, again, registry_, Journal(again));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(cloud_.writes.size(), 3u);
  EXPECT_EQ(second->steps[0].outcome, "in-effect");
}

TEST_F(EngineTest, AFailingStepStopsTheRunAndRollbackUndoesWhatWasDone) {
  cloud_.values["a"] = "old";
  cloud_.fail_writes = {"b"};
  Plan plan = MakeTestPlan();
  auto run = Apply(ctx_, plan, registry_, Journal(plan));
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->failed);
  EXPECT_EQ(run->steps[1].outcome, "failed");
  EXPECT_NE(run->steps[1].error.find("boom"), std::string::npos);
  EXPECT_EQ(run->steps[2].outcome, "not-run");
  EXPECT_EQ(run->steps[3].outcome, "not-run");
  EXPECT_FALSE(cloud_.values.count("d"));
  auto status = RunStatus(Journal(plan));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["status"], "failed");
  EXPECT_EQ((*status)["steps"][0]["apply"], "applied");
  EXPECT_EQ((*status)["steps"][1]["apply"], "failed");
  EXPECT_EQ((*status)["steps"][3]["apply"], "not-run");

  cloud_.fail_writes.clear();
  auto undo = Rollback(ctx_, Journal(plan), registry_);
  ASSERT_TRUE(undo.ok()) << undo.status().ToString();
  EXPECT_FALSE(undo->failed);
  // b was never written (already at its before-state); a is restored.
  ASSERT_EQ(undo->steps.size(), 2u);
  EXPECT_EQ(undo->steps[0].id, "b");
  EXPECT_EQ(undo->steps[0].outcome, "already-restored");
  EXPECT_EQ(undo->steps[1].id, "a");
  EXPECT_EQ(undo->steps[1].outcome, "restored");
  EXPECT_TRUE(undo->steps[1].verified);
  EXPECT_EQ(cloud_.values["a"], "old");
  // A second rollback has nothing left to do.
  auto twice = Rollback(ctx_, Journal(plan), registry_);
  ASSERT_TRUE(twice.ok());
  EXPECT_TRUE(twice->steps.empty());
  auto after = RunStatus(Journal(plan));
  EXPECT_EQ((*after)["rollback"], "completed");
  EXPECT_EQ((*after)["steps"][0]["rollback"], "restored");
}

TEST_F(EngineTest, RollbackGoesInReverseOrder) {
  Plan plan = MakeTestPlan({{"skip_c", "false"}});
  ASSERT_TRUE(Apply(ctx_, plan, registry_, Journal(plan)).ok());
  cloud_.writes.clear();
  auto undo = Rollback(ctx_, Journal(plan), registry_);
  ASSERT_TRUE(undo.ok());
  EXPECT_EQ(cloud_.writes,
            (std::vector<std::string>{"revert d", "revert c", "revert b", "revert a"}));
  EXPECT_TRUE(cloud_.values.empty());
}

TEST_F(EngineTest, RollbackRefusesATamperedJournal) {
  Plan plan = MakeTestPlan();
  ASSERT_TRUE(Apply(ctx_, plan, registry_, Journal(plan)).ok());
  std::ifstream in(Journal(plan));
  std::stringstream text;
  text << in.rdbuf();
  std::string edited = text.str();
  size_t at = edited.find("\"value\":null");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 12, "\"value\":\"x\"");
  std::ofstream(Journal(plan), std::ios::trunc) << edited;
  cloud_.writes.clear();
  auto undo = Rollback(ctx_, Journal(plan), registry_);
  EXPECT_EQ(undo.status().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(cloud_.writes.empty());
}

TEST_F(EngineTest, GuardrailsRefuseProtectedResourcesAndTooManyChanges) {
  Guardrails guardrails;
  guardrails.protected_patterns = {"arn:test:::d"};
  guardrails.source = "g.yaml";
  Plan plan = MakeTestPlan({}, guardrails);
  ASSERT_EQ(plan.refusals.size(), 1u);
  EXPECT_NE(plan.refusals[0].find("arn:test:::d is protected"), std::string::npos);
  auto run = Apply(ctx_, plan, registry_, Journal(plan));
  EXPECT_EQ(run.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(cloud_.writes.empty());
  EXPECT_FALSE(fs::exists(Journal(plan)));

  Guardrails small;
  small.max_resources = 1;
  Plan limited = MakeTestPlan({}, small);
  ASSERT_EQ(limited.refusals.size(), 1u);
  EXPECT_NE(limited.refusals[0].find("would change 3 resources, more than max_resources 1"),
            std::string::npos);
  Plan forced = MakeTestPlan({}, small, /*force=*/true);
  EXPECT_TRUE(forced.refusals.empty());
}

// A journal with a valid chain but members of the wrong types (written by
// something else than cirt) is reported on, never crashes rollback/status.
TEST_F(EngineTest, HostileJournalContentDoesNotCrash) {
  std::string path = (dir_ / "respond" / "odd.jsonl").string();
  auto writer = JournalWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Append(json{{"type", "run"}, {"plan", {{"run_id", 5}, {"steps", "x"},
                                                              {"caller", "y"}}}}).ok());
  ASSERT_TRUE(writer->Append(json{{"type", "before"}, {"step", 7}, {"action", "test.set"},
                                  {"params", "x"}, {"before", json::array({1})}}).ok());
  ASSERT_TRUE(writer->Append(json{{"type", 3}, {"request_ids", 9}, {"error", {{"message", 1}}}}).ok());
  ASSERT_TRUE(writer->Append(json{{"type", "before"}, {"step", "s"}, {"action", "no.such"}}).ok());
  auto status = RunStatus(path);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ((*status)["run_id"], "");
  auto undo = Rollback(ctx_, path, registry_);
  ASSERT_TRUE(undo.ok()) << undo.status().ToString();
  EXPECT_TRUE(undo->failed);
  ASSERT_EQ(undo->steps.size(), 2u);
  EXPECT_EQ(undo->steps[0].error, "unknown action no.such");
  // The test action reads "key" "" from the malformed params: a value is
  // restored to the (malformed = absent) before-state without throwing.
  EXPECT_TRUE(ReadJournal(path).ok());
}

}  // namespace
}  // namespace cirt::respond
