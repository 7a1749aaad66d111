// The playbook loader, inputs, templates and conditions, and the built-in
// playbooks against the registry and their least-privilege policies.
#include "respond/playbook.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace cirt::respond {
namespace {

using nlohmann::json;

const ActionRegistry& Registry() { return ActionRegistry::Builtin(); }

Result<Playbook> Parse(const std::string& yaml) {
  return ParsePlaybook(yaml, "test.yml", Registry());
}

constexpr char kMinimal[] = R"(
name: t
inputs:
  bucket: {type: bucket, required: true}
steps:
  - id: block
    action: s3.put-public-access-block
    params: {bucket: "{{bucket}}"}
)";

TEST(Playbook, BuiltinPlaybooksLoad) {
  std::vector<std::string> errors;
  std::vector<Playbook> playbooks = ListPlaybooks({}, Registry(), &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  std::set<std::string> names;
  for (const Playbook& p : playbooks) {
    names.insert(p.name);
    EXPECT_EQ(p.origin, "builtin:playbooks/" + p.name + ".yml");
    EXPECT_EQ(p.sha256.size(), 64u);
  }
  for (const char* name : {"iam-access-key", "iam-role", "s3-bucket", "lambda-function"})
    EXPECT_TRUE(names.count(name)) << name;
}

TEST(Playbook, IamAccessKeyHasTheDocumentedStepsInOrder) {
  Result<Playbook> p = FindPlaybook("iam-access-key", {}, Registry());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::vector<std::string> actions;
  for (const Step& s : p->steps) actions.push_back(s.action);
  EXPECT_EQ(actions, (std::vector<std::string>{
                         "iam.update-access-key", "iam.put-user-policy", "iam.revoke-user-sessions",
                         "iam.delete-login-profile", "iam.deactivate-mfa-devices"}));
  EXPECT_EQ(p->steps.back().when, "{{deactivate_mfa}}");
  ASSERT_EQ(p->inputs.size(), 2u);
  EXPECT_EQ(p->inputs[0].name, "access_key_id");
  EXPECT_EQ(p->inputs[0].type, InputType::kAccessKeyId);
}

// Every permission an action of a built-in playbook needs is in that
// playbook's least-privilege policy (playbooks/policies/<name>.json), and the
// policy grants nothing else.
TEST(Playbook, PolicyDocumentsGrantExactlyWhatTheActionsNeed) {
  std::vector<std::string> errors;
  for (const Playbook& p : ListPlaybooks({}, Registry(), &errors)) {
    std::set<std::string> needed = {"sts:GetCallerIdentity"};
    for (const LookupStep& l : p.resolve)
      for (const std::string& perm : Registry().FindLookup(l.lookup)->permissions())
        needed.insert(perm);
    for (const Step& s : p.steps)
      for (const std::string& perm : Registry().FindAction(s.action)->permissions())
        needed.insert(perm);
    std::ifstream file(std::string(CIRT_SOURCE_DIR) + "/playbooks/policies/" + p.name + ".json");
    ASSERT_TRUE(file.good()) << p.name;
    std::stringstream text;
    text << file.rdbuf();
    json policy = json::parse(text.str());
    std::set<std::string> granted;
    for (const json& statement : policy["Statement"]) {
      EXPECT_EQ(statement["Effect"], "Allow");
      for (const json& action : statement["Action"]) granted.insert(action.get<std::string>());
    }
    EXPECT_EQ(granted, needed) << p.name;
  }
}

TEST(Registry, EveryActionAndLookupIsCompleteAndFoundByItsName) {
  EXPECT_EQ(Registry().actions().size(), 27u);
  for (const auto& [name, action] : Registry().actions()) {
    EXPECT_EQ(action->name(), name);
    EXPECT_EQ(Registry().FindAction(name), action.get());
    EXPECT_FALSE(action->description().empty()) << name;
    EXPECT_FALSE(action->permissions().empty()) << name;
    EXPECT_FALSE(action->required_params().empty()) << name;
    // "<service>.<verb-noun>", the service prefix of its permissions (ELBv2's
    // IAM prefix is elasticloadbalancing; handing an instance a new profile
    // also needs iam:PassRole).
    std::string service = name.substr(0, name.find('.'));
    if (service == "elbv2") service = "elasticloadbalancing";
    for (const std::string& permission : action->permissions()) {
      if (permission == "iam:PassRole") continue;
      EXPECT_EQ(permission.substr(0, permission.find(':')), service) << name;
    }
  }
  for (const auto& [name, lookup] : Registry().lookups()) {
    EXPECT_EQ(Registry().FindLookup(name), lookup.get());
    EXPECT_FALSE(lookup->fields().empty()) << name;
  }
  EXPECT_EQ(Registry().FindAction("iam.delete-user"), nullptr);
  EXPECT_EQ(Registry().FindLookup("iam.update-access-key"), nullptr);
}

TEST(Playbook, ParsesMinimal) {
  Result<Playbook> p = Parse(kMinimal);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "t");
  ASSERT_EQ(p->steps.size(), 1u);
  EXPECT_EQ(p->steps[0].on_failure, OnFailure::kStop);
  EXPECT_EQ(p->steps[0].rollback, RollbackMode::kInverse);
  EXPECT_EQ(p->steps[0].params["bucket"], "{{bucket}}");
}

void ExpectError(const std::string& yaml, ErrorCode code, const std::string& fragment) {
  Result<Playbook> p = Parse(yaml);
  ASSERT_FALSE(p.ok()) << yaml;
  EXPECT_EQ(p.status().code(), code) << p.status().ToString();
  EXPECT_NE(p.status().ToString().find(fragment), std::string::npos) << p.status().ToString();
  EXPECT_EQ(p.status().context().file, "test.yml");
}

TEST(Playbook, RefusesBadPlaybooksNamingTheStep) {
  std::string base = kMinimal;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = base;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  ExpectError(with("s3.put-public-access-block", "s3.delete-bucket"), ErrorCode::kInvalidArgument,
              "step 'block': unknown action 's3.delete-bucket'");
  ExpectError(with("{bucket: \"{{bucket}}\"}", "{}"), ErrorCode::kInvalidArgument,
              "missing parameter 'bucket'");
  ExpectError(with("{bucket: \"{{bucket}}\"}", "{bucket: x, colour: red}"),
              ErrorCode::kInvalidArgument, "unknown parameter 'colour'");
  ExpectError(with("{{bucket}}", "{{bukket}}"), ErrorCode::kInvalidArgument,
              "unknown variable 'bukket'");
  ExpectError(with("{{bucket}}", "{{bucket"), ErrorCode::kInvalidArgument, "unclosed");
  ExpectError(with("type: bucket", "type: colour"), ErrorCode::kInvalidArgument,
              "unknown type 'colour'");
  ExpectError(with("    params:", "    on_failure: later\n    params:"),
              ErrorCode::kInvalidArgument, "on_failure must be stop or continue");
  ExpectError(with("    params:", "    rollback: maybe\n    params:"), ErrorCode::kInvalidArgument,
              "rollback must be inverse or none");
  ExpectError(base + "  - id: block\n    action: s3.capture-bucket-acl\n    params: {bucket: x}\n",
              ErrorCode::kInvalidArgument, "duplicate id");
  ExpectError("name: t\nsteps: []\n", ErrorCode::kInvalidArgument, "non-empty list");
  ExpectError("- a\n- b\n", ErrorCode::kInvalidArgument, "a playbook is a YAML map");
  ExpectError(with("name: t", "name: t\ncolour: red"), ErrorCode::kInvalidArgument,
              "unknown key 'colour'");
  ExpectError(with("  bucket: {type: bucket, required: true}",
                   "  bucket: {type: bucket, required: true}\n  region: {type: string}"),
              ErrorCode::kInvalidArgument, "input 'region': declared twice or a reserved name");
  // Members of the wrong type are errors, not exceptions.
  ExpectError("name: {a: 1}\nsteps: [{id: x, action: s3.capture-bucket-acl, params: {bucket: b}}]\n",
              ErrorCode::kInvalidArgument, "missing 'name'");
  ExpectError("name: t\nsteps: [{id: [x], action: s3.capture-bucket-acl}]\n",
              ErrorCode::kInvalidArgument, "needs id and action");
  ExpectError("name: t\ninputs: {b: {type: [1]}}\nsteps: [{id: x, action: s3.capture-bucket-acl, "
              "params: {bucket: b}}]\n",
              ErrorCode::kInvalidArgument, "unknown type");
  ExpectError("name: t\ninputs: [1]\nsteps: [{id: x, action: s3.capture-bucket-acl, "
              "params: {bucket: b}}]\n",
              ErrorCode::kInvalidArgument, "must be a map");
  ExpectError("name: t\nsteps: [{id: x, action: s3.capture-bucket-acl, params: [1]}]\n",
              ErrorCode::kInvalidArgument, "params must be a map");
  // yaml-cpp 0.7 loops forever on these; the shared adapter refuses them.
  ExpectError(" ,", ErrorCode::kCorrupt, "invalid YAML at line 1");
  ExpectError("name: [unclosed\n", ErrorCode::kCorrupt, "invalid YAML at line");
}

TEST(Playbook, FindPrefersUserDirectoriesAndAcceptsPaths) {
  std::string dir = ::testing::TempDir() + "/cirt-playbooks";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/s3-bucket.yml") << std::string(kMinimal).replace(7, 1, "s3-bucket");
  Result<Playbook> mine = FindPlaybook("s3-bucket", {dir}, Registry());
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->origin, dir + "/s3-bucket.yml");
  Result<Playbook> by_path = FindPlaybook(dir + "/s3-bucket.yml", {}, Registry());
  ASSERT_TRUE(by_path.ok());
  Result<Playbook> missing = FindPlaybook("no-such-playbook", {dir}, Registry());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST(Playbook, BindInputsChecksTypesAndFillsDefaults) {
  Result<Playbook> p = FindPlaybook("iam-access-key", {}, Registry());
  ASSERT_TRUE(p.ok());
  auto ok = BindInputs(*p, {{"access_key_id", "AKIAIOSFODNN7EXAMPLE"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->at("deactivate_mfa"), "false");
  auto yes = BindInputs(*p, {{"access_key_id", "AKIAIOSFODNN7EXAMPLE"}, {"deactivate_mfa", "YES"}});
  ASSERT_TRUE(yes.ok());
  EXPECT_EQ(yes->at("deactivate_mfa"), "true");
  auto missing = BindInputs(*p, {});
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.status().ToString().find("--input access_key_id="), std::string::npos);
  auto bad = BindInputs(*p, {{"access_key_id", "AKIA'; drop"}});
  EXPECT_NE(bad.status().ToString().find("is not a valid access_key_id"), std::string::npos);
  auto unknown = BindInputs(*p, {{"access_key_id", "AKIAIOSFODNN7EXAMPLE"}, {"user", "x"}});
  EXPECT_NE(unknown.status().ToString().find("has no input 'user'"), std::string::npos);
  auto twice = BindInputs(
      *p, {{"access_key_id", "AKIAIOSFODNN7EXAMPLE"}, {"access_key_id", "AKIAIOSFODNN7EXAMPLF"}});
  EXPECT_NE(twice.status().ToString().find("given twice"), std::string::npos);
  auto bool_bad =
      BindInputs(*p, {{"access_key_id", "AKIAIOSFODNN7EXAMPLE"}, {"deactivate_mfa", "maybe"}});
  EXPECT_EQ(bool_bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(Playbook, SubstituteReplacesEveryStringAndRefusesUnknownNames) {
  json value = {{"a", "{{x}}-{{ y.z }}"}, {"list", {"{{x}}", "plain"}}, {"{{x}}", "k"}};
  auto out = Substitute(value, {{"x", "1"}, {"y.z", "2"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)["a"], "1-2");
  EXPECT_EQ((*out)["list"][0], "1");
  EXPECT_EQ((*out)["list"][1], "plain");
  EXPECT_EQ((*out)["1"], "k");
  EXPECT_EQ(Substitute(json("{{nope}}"), {}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Playbook, Conditions) {
  EXPECT_TRUE(EvaluateCondition("true").value());
  EXPECT_TRUE(EvaluateCondition(" YES ").value());
  EXPECT_FALSE(EvaluateCondition("false").value());
  EXPECT_FALSE(EvaluateCondition("").value());
  EXPECT_TRUE(EvaluateCondition("a == a").value());
  EXPECT_FALSE(EvaluateCondition("a != a").value());
  EXPECT_TRUE(EvaluateCondition(" == ").value());  // empty == empty
  EXPECT_TRUE(EvaluateCondition("true == true and arn:x != ").value());
  EXPECT_FALSE(EvaluateCondition("true == true and  != ").value());
  EXPECT_EQ(EvaluateCondition("perhaps").status().code(), ErrorCode::kInvalidArgument);
}

TEST(Playbook, InputTypeNamesRoundTrip) {
  for (const char* name : {"string", "bool", "int", "access_key_id", "user_name", "role_name",
                           "instance_id", "bucket", "function_name", "finding_id", "arn"}) {
    auto type = InputTypeFromName(name);
    ASSERT_TRUE(type.has_value()) << name;
    EXPECT_EQ(InputTypeName(*type), name);
  }
  EXPECT_FALSE(InputTypeFromName("colour").has_value());
}

}  // namespace
}  // namespace cirt::respond
