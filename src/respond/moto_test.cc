// End-to-end tests of `cirt respond` against moto_server (ctest -L moto,
// serial). Start one with tests/moto/run-moto.sh start PORT and export
// CIRT_MOTO_ENDPOINT=http://127.0.0.1:PORT; without it every test FAILS.
// State is seeded and read back with the AWS CLI, independently of cirt's
// own client; the cirt binary runs plan/apply/rollback/status exactly as a
// responder would.
//
// moto differences that matter here (../shared/reference/moto-coverage.md):
// the caller is always arn:aws:sts::123456789012:user/moto; policies and
// the public access block are stored but not enforced, so the tests assert
// the stored state, which is what AWS evaluates.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "aws/testing_moto.h"

namespace cirt::respond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using Proc = aws::testing::ShellResult;

class RespondMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = aws::testing::MotoEndpoint();
    ASSERT_EQ(aws::testing::MotoEndpointProblem(endpoint_), "");
    dir_ = fs::path(::testing::TempDir()) /
           ("cirt-respond-moto-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    case_ = (dir_ / "case").string();
    aws::testing::UseMotoEnvironment(dir_);
    ASSERT_EQ(Shell("aws --version").rc, 0) << "the AWS CLI is needed to seed moto";
    ASSERT_EQ(Shell("curl -sf -X POST " + endpoint_ + "/moto-api/reset").rc, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Proc Shell(const std::string& command) {
    return aws::testing::RunShell(command, (dir_ / "stderr.txt").string());
  }
  // The AWS CLI against moto; its JSON answer ({} when empty).
  json Aws(const std::string& args, int expect_rc = 0) {
    Proc run = Shell("aws --endpoint-url " + endpoint_ + " --output json " + args);
    EXPECT_EQ(run.rc, expect_rc) << args << "\n" << run.err;
    if (run.out.empty()) return json::object();
    json parsed = json::parse(run.out, nullptr, false);
    return parsed.is_discarded() ? json(run.out) : parsed;
  }
  // True when the AWS CLI call fails with `code`.
  bool AwsFails(const std::string& args, const std::string& code) {
    Proc run = Shell("aws --endpoint-url " + endpoint_ + " " + args);
    return run.rc != 0 && run.err.find(code) != std::string::npos;
  }
  Proc Cirt(const std::string& args) {
    return Shell(std::string(CIRT_BINARY_DIR) + "/src/cli/cirt " + args);
  }
  std::string Aws_() const { return " --endpoint-url " + endpoint_ + " --region us-east-1"; }
  Proc Respond(const std::string& verb, const std::string& rest) {
    return Cirt("respond " + verb + " " + rest + " --case " + case_ + Aws_());
  }
  json StatusOf(const std::string& run) {
    Proc status = Cirt("respond status " + run + " --case " + case_ + " --format json");
    EXPECT_EQ(status.rc, 0) << status.err;
    return json::parse(status.out, nullptr, false);
  }
  std::vector<std::string> Journals() {
    std::vector<std::string> names;
    if (!fs::exists(fs::path(case_) / "respond")) return names;
    for (const auto& entry : fs::directory_iterator(fs::path(case_) / "respond"))
      if (entry.path().extension() == ".jsonl") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string RunIdFrom(const Proc& run) {
    // "cirt: applied. To undo: cirt respond rollback <run> --case ..."
    size_t at = run.err.find("respond rollback ");
    if (at == std::string::npos) return "";
    at += 17;
    return run.err.substr(at, run.err.find(' ', at) - at);
  }

  // Seeds user `name` with an access key and a console password; returns the key id.
  std::string SeedUser(const std::string& name) {
    Aws("iam create-user --user-name " + name);
    std::string key = Aws("iam create-access-key --user-name " + name)["AccessKey"]["AccessKeyId"];
    Aws("iam create-login-profile --user-name " + name + " --password 'Seed-Passw0rd!x'");
    return key;
  }
  std::string KeyStatus(const std::string& user, const std::string& key) {
    json keys = Aws("iam list-access-keys --user-name " + user)["AccessKeyMetadata"];
    for (const json& k : keys)
      if (k["AccessKeyId"] == key) return k["Status"];
    return "";
  }
  json UserPolicies(const std::string& user) {
    return Aws("iam list-user-policies --user-name " + user)["PolicyNames"];
  }

  std::string endpoint_;
  fs::path dir_;
  std::string case_;
};

// ---- iam-access-key ----------------------------------------------------------

TEST_F(RespondMotoTest, IamAccessKeyPlanApplyReapplyRollback) {
  std::string key = SeedUser("alice");
  Aws("iam create-virtual-mfa-device --virtual-mfa-device-name alice-mfa --outfile " +
      (dir_ / "qr.png").string() + " --bootstrap-method QRCodePNG");
  std::string serial = "arn:aws:iam::123456789012:mfa/alice-mfa";
  Aws("iam enable-mfa-device --user-name alice --serial-number " + serial +
      " --authentication-code1 123456 --authentication-code2 654321");

  // plan: read-only, names every call, changes nothing.
  Proc plan = Respond("plan", "iam-access-key --input access_key_id=" + key);
  ASSERT_EQ(plan.rc, 0) << plan.err << plan.out;
  for (const char* call : {"iam:UpdateAccessKey", "iam:PutUserPolicy", "iam:DeleteLoginProfile"})
    EXPECT_NE(plan.out.find(call), std::string::npos) << call << "\n" << plan.out;
  EXPECT_NE(plan.out.find("condition false"), std::string::npos);  // MFA not asked for
  Proc plan_json = Respond("plan", "iam-access-key --format json --input access_key_id=" + key);
  ASSERT_EQ(plan_json.rc, 0) << plan_json.err;
  json p = json::parse(plan_json.out);
  EXPECT_EQ(p["lookups"]["owner"]["user_name"], "alice");
  EXPECT_EQ(p["lookups"]["owner"]["arn"], "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(p["steps"][0]["disposition"], "change");
  EXPECT_EQ(p["steps"][0]["current"]["status"], "Active");
  EXPECT_EQ(p["steps"][0]["intended"]["status"], "Inactive");
  EXPECT_EQ(p["steps"][3]["current"]["exists"], true);
  EXPECT_EQ(p["steps"][4]["disposition"], "skipped");
  EXPECT_EQ(KeyStatus("alice", key), "Active");
  EXPECT_TRUE(UserPolicies("alice").empty());
  EXPECT_FALSE(AwsFails("iam get-login-profile --user-name alice", "NoSuchEntity"));
  EXPECT_TRUE(Journals().empty());

  // apply without --yes and without a terminal: refused, nothing changed.
  Proc refused = Respond("apply", "iam-access-key --input access_key_id=" + key);
  EXPECT_EQ(refused.rc, 2);
  EXPECT_NE(refused.err.find("without --yes"), std::string::npos) << refused.err;
  EXPECT_EQ(KeyStatus("alice", key), "Active");

  // apply: every change read back.
  Proc apply = Respond("apply", "iam-access-key --yes --input access_key_id=" + key);
  ASSERT_EQ(apply.rc, 0) << apply.err << apply.out;
  std::string run = RunIdFrom(apply);
  ASSERT_FALSE(run.empty()) << apply.err;
  EXPECT_EQ(KeyStatus("alice", key), "Inactive");
  json deny = Aws("iam get-user-policy --user-name alice --policy-name cirt-deny-all");
  EXPECT_EQ(deny["PolicyDocument"]["Statement"][0]["Effect"], "Deny");
  EXPECT_EQ(deny["PolicyDocument"]["Statement"][0]["Action"], "*");
  json revoke =
      Aws("iam get-user-policy --user-name alice --policy-name cirt-revoke-older-sessions");
  json condition = revoke["PolicyDocument"]["Statement"][0]["Condition"];
  std::string cutoff = condition["DateLessThan"]["aws:TokenIssueTime"];
  EXPECT_EQ(cutoff.size(), 20u);  // 2026-11-28T06:00:00Z
  EXPECT_TRUE(AwsFails("iam get-login-profile --user-name alice", "NoSuchEntity"));
  EXPECT_EQ(Aws("iam list-mfa-devices --user-name alice")["MFADevices"].size(), 1u);
  json status = StatusOf(run);
  EXPECT_EQ(status["status"], "completed");
  EXPECT_EQ(status["chain"], "verified");
  EXPECT_EQ(status["steps"][0]["apply"], "applied");
  EXPECT_FALSE(status["steps"][0]["request_ids"].empty());
  EXPECT_EQ(status["steps"][4]["apply"], "skipped");
  // The journal recorded the before-state of every write.
  std::ifstream journal(fs::path(case_) / "respond" / (run + ".jsonl"));
  int befores = 0;
  for (std::string line; std::getline(journal, line);) {
    json entry = json::parse(line);
    if (entry["type"] != "before") continue;
    ++befores;
    if (entry["step"] == "deactivate-key") {
      EXPECT_EQ(entry["before"]["status"], "Active");
    }
    if (entry["step"] == "delete-login-profile") {
      EXPECT_EQ(entry["before"]["exists"], true);
    }
  }
  EXPECT_EQ(befores, 4);

  // apply again: in effect, nothing changes, and it says so.
  Proc again = Respond("apply", "iam-access-key --yes --input access_key_id=" + key);
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_NE(again.err.find("already in effect: nothing changed"), std::string::npos) << again.err;
  ASSERT_EQ(Journals().size(), 2u);
  json second = StatusOf("--last");
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(second["steps"][i]["apply"], "in-effect") << i;
  EXPECT_EQ(
      Aws("iam get-user-policy --user-name alice --policy-name cirt-revoke-older-sessions")
          ["PolicyDocument"]["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
      cutoff);

  // rollback the first run: before-state back, verified.
  Proc rollback = Cirt("respond rollback " + run + " --case " + case_ + Aws_());
  ASSERT_EQ(rollback.rc, 0) << rollback.err << rollback.out;
  EXPECT_NE(rollback.out.find("cannot be restored"), std::string::npos) << rollback.out;
  EXPECT_EQ(KeyStatus("alice", key), "Active");
  EXPECT_TRUE(UserPolicies("alice").empty());
  EXPECT_FALSE(AwsFails("iam get-login-profile --user-name alice", "NoSuchEntity"));
  json rolled = StatusOf(run);
  EXPECT_EQ(rolled["rollback"], "completed");
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(rolled["steps"][i]["rollback"], "restored") << i;
  // Nothing left to undo.
  Proc twice = Cirt("respond rollback " + run + " --case " + case_ + Aws_());
  EXPECT_EQ(twice.rc, 0);
  EXPECT_NE(twice.err.find("nothing to undo"), std::string::npos) << twice.err;
}

TEST_F(RespondMotoTest, IamAccessKeyDeactivatesMfaOnlyWhenAskedAndRollbackSaysItCannot) {
  std::string key = SeedUser("bob");
  Aws("iam create-virtual-mfa-device --virtual-mfa-device-name bob-mfa --outfile " +
      (dir_ / "qr.png").string() + " --bootstrap-method QRCodePNG");
  std::string serial = "arn:aws:iam::123456789012:mfa/bob-mfa";
  Aws("iam enable-mfa-device --user-name bob --serial-number " + serial +
      " --authentication-code1 123456 --authentication-code2 654321");
  Proc apply = Respond("apply", "iam-access-key --yes --input access_key_id=" + key +
                                    " --input deactivate_mfa=true");
  ASSERT_EQ(apply.rc, 0) << apply.err;
  EXPECT_TRUE(Aws("iam list-mfa-devices --user-name bob")["MFADevices"].empty());
  Proc rollback = Cirt("respond rollback --last --case " + case_ + Aws_());
  EXPECT_EQ(rollback.rc, 1);
  EXPECT_NE(rollback.out.find("manual"), std::string::npos) << rollback.out;
  EXPECT_NE(rollback.out.find("aws iam enable-mfa-device --user-name bob"), std::string::npos);
  // Everything else is restored.
  EXPECT_EQ(KeyStatus("bob", key), "Active");
  EXPECT_TRUE(UserPolicies("bob").empty());
}

TEST_F(RespondMotoTest, ApplyAtATerminalNeedsThePlaybookNameTyped) {
  std::string key = SeedUser("erin");
  // script(1) gives cirt a terminal on stdin; the answer is typed into it.
  auto typed = [&](const std::string& answer) {
    std::string cirt = std::string(CIRT_BINARY_DIR) + "/src/cli/cirt respond apply iam-access-key" +
                       " --input access_key_id=" + key + " --case " + case_ + Aws_();
    return Shell("sh -c 'printf \"" + answer + "\\n\" | script -qec \"" + cirt +
                 "\" /dev/null'");
  };
  Proc wrong = typed("yes");
  EXPECT_EQ(wrong.rc, 2) << wrong.out << wrong.err;
  EXPECT_NE(wrong.out.find("Type the playbook name (iam-access-key)"), std::string::npos)
      << wrong.out;
  EXPECT_NE(wrong.out.find("not confirmed; nothing was changed"), std::string::npos) << wrong.out;
  EXPECT_EQ(KeyStatus("erin", key), "Active");
  EXPECT_TRUE(Journals().empty());
  Proc right = typed("iam-access-key");
  EXPECT_EQ(right.rc, 0) << right.out << right.err;
  EXPECT_EQ(KeyStatus("erin", key), "Inactive");
}

// ---- guardrails ----------------------------------------------------------------

TEST_F(RespondMotoTest, ProtectedPrincipalsAreRefused) {
  std::string key = SeedUser("breakglass-admin");
  std::string guardrails = (dir_ / "guardrails.yaml").string();
  std::ofstream(guardrails) << "protected:\n  - arn:aws:iam::*:user/breakglass*\n";
  Proc apply = Respond(
      "apply", "iam-access-key --yes --guardrails " + guardrails + " --input access_key_id=" + key);
  EXPECT_EQ(apply.rc, 2) << apply.err;
  EXPECT_NE(apply.out.find("REFUSED: arn:aws:iam::123456789012:user/breakglass-admin is protected"),
            std::string::npos)
      << apply.out;
  EXPECT_EQ(KeyStatus("breakglass-admin", key), "Active");
  EXPECT_TRUE(UserPolicies("breakglass-admin").empty());
  EXPECT_TRUE(Journals().empty());

  // The responder's own identity needs no configuration (moto: user/moto).
  std::string own = SeedUser("moto");
  Proc self = Respond("apply", "iam-access-key --yes --input access_key_id=" + own);
  EXPECT_EQ(self.rc, 2);
  EXPECT_NE(self.out.find("responder's own identity"), std::string::npos) << self.out;
  EXPECT_EQ(KeyStatus("moto", own), "Active");

  // max_resources from the case folder's guardrails.yaml; --force overrides.
  std::string other = SeedUser("carol");
  fs::create_directories(case_);
  std::ofstream(fs::path(case_) / "guardrails.yaml") << "max_resources: 0\n";
  Proc limited = Respond("apply", "iam-access-key --yes --input access_key_id=" + other);
  EXPECT_EQ(limited.rc, 2);
  EXPECT_NE(limited.out.find("more than max_resources 0"), std::string::npos) << limited.out;
  EXPECT_EQ(KeyStatus("carol", other), "Active");
  Proc forced = Respond("apply", "iam-access-key --yes --force --input access_key_id=" + other);
  EXPECT_EQ(forced.rc, 0) << forced.err;
  EXPECT_EQ(KeyStatus("carol", other), "Inactive");
}

TEST_F(RespondMotoTest, AFailingStepStopsTheRunAndNamesTheRollback) {
  std::string key = SeedUser("dave");
  std::string dir = (dir_ / "my-playbooks").string();
  fs::create_directories(dir);
  // Step 2's document is refused by IAM (MalformedPolicyDocument) at apply
  // time; the plan can still read every current state.
  std::ofstream(dir + "/contain-and-fail.yml") << R"(
name: contain-and-fail
inputs:
  access_key_id: {type: access_key_id, required: true}
resolve:
  - id: owner
    lookup: iam.access-key-owner
    params: {access_key_id: "{{access_key_id}}"}
steps:
  - id: deactivate-key
    action: iam.update-access-key
    params: {user_name: "{{owner.user_name}}", access_key_id: "{{access_key_id}}"}
  - id: bad-policy
    action: iam.put-user-policy
    params:
      user_name: "{{owner.user_name}}"
      policy_name: broken
      policy_document: {Version: "2012-10-17", Statement: [{Effect: Maybe, Action: "*", Resource: "*"}]}
  - id: delete-login-profile
    action: iam.delete-login-profile
    params: {user_name: "{{owner.user_name}}"}
)";
  Proc list = Cirt("respond list --playbooks " + dir);
  EXPECT_EQ(list.rc, 0) << list.err;
  EXPECT_NE(list.out.find("contain-and-fail"), std::string::npos);
  Proc apply = Respond(
      "apply", "contain-and-fail --yes --playbooks " + dir + " --input access_key_id=" + key);
  EXPECT_EQ(apply.rc, 1) << apply.err << apply.out;
  EXPECT_NE(
      apply.err.find("FAILED. Done: deactivate-key. Not done: bad-policy delete-login-profile"),
      std::string::npos)
      << apply.err;
  EXPECT_NE(apply.out.find("MalformedPolicyDocument"), std::string::npos) << apply.out;
  std::string rollback_command = "cirt respond rollback " + Journals().at(0) + " --case " + case_ +
                                 " --region us-east-1 --endpoint-url " + endpoint_;
  EXPECT_NE(apply.err.find(rollback_command), std::string::npos) << apply.err;
  EXPECT_EQ(KeyStatus("dave", key), "Inactive");
  EXPECT_FALSE(AwsFails("iam get-login-profile --user-name dave", "NoSuchEntity"));
  json status = StatusOf("--last");
  EXPECT_EQ(status["status"], "failed");
  EXPECT_EQ(status["steps"][2]["apply"], "not-run");
  // The named command works as printed.
  Proc rollback = Cirt("respond rollback " + Journals().at(0) + " --case " + case_ +
                       " --region us-east-1 --endpoint-url " + endpoint_);
  EXPECT_EQ(rollback.rc, 0) << rollback.err << rollback.out;
  EXPECT_EQ(KeyStatus("dave", key), "Active");
}

// ---- iam-role ------------------------------------------------------------------

constexpr char kEc2Trust[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

TEST_F(RespondMotoTest, IamRolePlanApplyReapplyRollback) {
  Aws(std::string("iam create-role --role-name app-role --assume-role-policy-document '") +
      kEc2Trust + "'");
  json trust_before = Aws("iam get-role --role-name app-role")["Role"]["AssumeRolePolicyDocument"];
  std::string inputs =
      " --input role_name=app-role --input deny_all=true --input tighten_trust=true";

  Proc plan = Respond("plan", "iam-role --format json" + inputs);
  ASSERT_EQ(plan.rc, 0) << plan.err;
  json p = json::parse(plan.out);
  EXPECT_EQ(p["lookups"]["role"]["arn"], "arn:aws:iam::123456789012:role/app-role");
  EXPECT_EQ(p["steps"][0]["calls"][0]["operation"], "iam:PutRolePolicy");
  EXPECT_EQ(p["steps"][0]["calls"][0]["parameters"]["PolicyName"], "AWSRevokeOlderSessions");
  EXPECT_EQ(p["steps"][2]["disposition"], "change");
  EXPECT_EQ(p["steps"][2]["calls"][0]["operation"], "iam:UpdateAssumeRolePolicy");
  EXPECT_EQ(p["steps"][3]["disposition"], "skipped");  // no trust_principal
  EXPECT_TRUE(Aws("iam list-role-policies --role-name app-role")["PolicyNames"].empty());
  // With trust_principal the other trust step runs instead.
  Proc plan2 = Respond("plan", "iam-role --format json" + inputs +
                                   " --input trust_principal=arn:aws:iam::123456789012:role/ir");
  ASSERT_EQ(plan2.rc, 0) << plan2.err;
  json p2 = json::parse(plan2.out);
  EXPECT_EQ(p2["steps"][2]["disposition"], "skipped");
  EXPECT_EQ(p2["steps"][3]["intended"]["document"]["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::123456789012:role/ir");

  Proc apply = Respond("apply", "iam-role --yes" + inputs);
  ASSERT_EQ(apply.rc, 0) << apply.err << apply.out;
  std::string run = RunIdFrom(apply);
  json names = Aws("iam list-role-policies --role-name app-role")["PolicyNames"];
  EXPECT_EQ(names, json::array({"AWSRevokeOlderSessions", "cirt-deny-all"}));
  json revoke =
      Aws("iam get-role-policy --role-name app-role --policy-name AWSRevokeOlderSessions");
  json statement = revoke["PolicyDocument"]["Statement"][0];
  EXPECT_EQ(statement["Effect"], "Deny");
  EXPECT_EQ(statement["Action"], json::array({"*"}));
  EXPECT_EQ(statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"].get<std::string>().size(),
            20u);
  json trust = Aws("iam get-role --role-name app-role")["Role"]["AssumeRolePolicyDocument"];
  EXPECT_EQ(trust["Statement"][0]["Effect"], "Deny");
  EXPECT_EQ(trust["Statement"][0]["Principal"], "*");

  Proc again = Respond("apply", "iam-role --yes" + inputs);
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_NE(again.err.find("already in effect: nothing changed"), std::string::npos) << again.err;

  Proc rollback = Cirt("respond rollback " + run + " --case " + case_ + Aws_());
  ASSERT_EQ(rollback.rc, 0) << rollback.err << rollback.out;
  EXPECT_TRUE(Aws("iam list-role-policies --role-name app-role")["PolicyNames"].empty());
  EXPECT_EQ(Aws("iam get-role --role-name app-role")["Role"]["AssumeRolePolicyDocument"],
            trust_before);
}

// ---- s3-bucket -------------------------------------------------------------------

TEST_F(RespondMotoTest, S3BucketPlanApplyReapplyRollback) {
  Aws("s3api create-bucket --bucket exposed-data");
  std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::exposed-data/*"}]})";
  Aws("s3api put-bucket-policy --bucket exposed-data --policy '" + policy + "'");
  Aws("s3api put-public-access-block --bucket exposed-data --public-access-block-configuration "
      "BlockPublicAcls=true,IgnorePublicAcls=false,BlockPublicPolicy=false,"
      "RestrictPublicBuckets=false");
  json block_before = Aws("s3api get-public-access-block --bucket exposed-data");

  Proc plan = Respond("plan", "s3-bucket --format json --input bucket=exposed-data");
  ASSERT_EQ(plan.rc, 0) << plan.err;
  json p = json::parse(plan.out);
  EXPECT_EQ(p["steps"][0]["disposition"], "capture");
  EXPECT_EQ(p["steps"][0]["current"]["policy"]["Statement"][0]["Sid"], "Public");
  EXPECT_EQ(p["steps"][2]["current"]["configuration"]["IgnorePublicAcls"], false);
  EXPECT_EQ(p["changed_resources"], json::array({"arn:aws:s3:::exposed-data"}));
  EXPECT_EQ(Aws("s3api get-public-access-block --bucket exposed-data"), block_before);

  Proc apply = Respond("apply", "s3-bucket --yes --input bucket=exposed-data");
  ASSERT_EQ(apply.rc, 0) << apply.err << apply.out;
  std::string run = RunIdFrom(apply);
  json block = Aws("s3api get-public-access-block --bucket exposed-data");
  for (const char* flag :
       {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"})
    EXPECT_EQ(block["PublicAccessBlockConfiguration"][flag], true) << flag;
  // The saved policy and ACL are in the case folder.
  fs::path saved = fs::path(case_) / "respond" / run;
  std::ifstream policy_file(saved / "save-policy.json");
  json saved_policy = json::parse(policy_file);
  EXPECT_EQ(saved_policy["policy"], json::parse(policy));
  std::ifstream acl_file(saved / "save-acl.json");
  EXPECT_NE(json::parse(acl_file)["acl_xml"].get<std::string>().find("FULL_CONTROL"),
            std::string::npos);
  // Policy untouched (only public access is blocked).
  EXPECT_EQ(json::parse(
                Aws("s3api get-bucket-policy --bucket exposed-data")["Policy"].get<std::string>()),
            json::parse(policy));

  Proc again = Respond("apply", "s3-bucket --yes --input bucket=exposed-data");
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_NE(again.err.find("already in effect: nothing changed"), std::string::npos);

  Proc rollback = Cirt("respond rollback " + run + " --case " + case_ + Aws_());
  ASSERT_EQ(rollback.rc, 0) << rollback.err << rollback.out;
  EXPECT_EQ(Aws("s3api get-public-access-block --bucket exposed-data"), block_before);

  // A bucket without a public access block gets none back.
  Aws("s3api create-bucket --bucket open-bucket");
  Proc apply2 = Respond("apply", "s3-bucket --yes --input bucket=open-bucket");
  ASSERT_EQ(apply2.rc, 0) << apply2.err;
  EXPECT_FALSE(AwsFails("s3api get-public-access-block --bucket open-bucket",
                        "NoSuchPublicAccessBlockConfiguration"));
  Proc rollback2 = Cirt("respond rollback --last --case " + case_ + Aws_());
  ASSERT_EQ(rollback2.rc, 0) << rollback2.err << rollback2.out;
  EXPECT_TRUE(AwsFails("s3api get-public-access-block --bucket open-bucket",
                       "NoSuchPublicAccessBlockConfiguration"));
}

// ---- lambda-function --------------------------------------------------------------

TEST_F(RespondMotoTest, LambdaFunctionPlanApplyReapplyRollback) {
  Aws(std::string("iam create-role --role-name lambda-exec --assume-role-policy-document '") +
      kEc2Trust + "'");
  std::string zip = (dir_ / "fn.zip").string();
  ASSERT_EQ(Shell("python3 -c \"import zipfile; z=zipfile.ZipFile('" + zip +
                  "','w'); z.writestr('index.py','def handler(e,c):\\n  return 1\\n'); z.close()\"")
                .rc,
            0);
  Aws("lambda create-function --function-name backdoor --runtime python3.11 --handler "
      "index.handler --role arn:aws:iam::123456789012:role/lambda-exec --zip-file fileb://" +
      zip);
  Aws("lambda put-function-concurrency --function-name backdoor "
      "--reserved-concurrent-executions 5");
  Aws("lambda add-permission --function-name backdoor --statement-id anyone "
      "--action lambda:InvokeFunction --principal '*'");
  Aws("lambda add-permission --function-name backdoor --statement-id url "
      "--action lambda:InvokeFunctionUrl --principal '*' --function-url-auth-type NONE");
  Aws("lambda add-permission --function-name backdoor --statement-id from-s3 "
      "--action lambda:InvokeFunction --principal s3.amazonaws.com "
      "--source-arn arn:aws:s3:::uploads --source-account 123456789012");
  auto sids = [&] {
    json policy =
        json::parse(Aws("lambda get-policy --function-name backdoor")["Policy"].get<std::string>());
    std::vector<std::string> out;
    for (const json& s : policy["Statement"]) out.push_back(s["Sid"]);
    std::sort(out.begin(), out.end());
    return out;
  };
  json policy_before =
      json::parse(Aws("lambda get-policy --function-name backdoor")["Policy"].get<std::string>());

  Proc plan = Respond("plan", "lambda-function --format json --input function_name=backdoor");
  ASSERT_EQ(plan.rc, 0) << plan.err;
  json p = json::parse(plan.out);
  EXPECT_EQ(p["steps"][1]["current"]["reserved_concurrent_executions"], 5);
  ASSERT_EQ(p["steps"][2]["calls"].size(), 2u);  // "anyone" and "url", not "from-s3"
  EXPECT_EQ(p["steps"][2]["calls"][0]["parameters"]["StatementId"], "anyone");
  EXPECT_EQ(p["steps"][2]["calls"][1]["parameters"]["StatementId"], "url");
  EXPECT_EQ(Aws("lambda get-function-concurrency --function-name backdoor")
                ["ReservedConcurrentExecutions"],
            5);
  EXPECT_EQ(sids(), (std::vector<std::string>{"anyone", "from-s3", "url"}));

  Proc apply = Respond("apply", "lambda-function --yes --input function_name=backdoor");
  ASSERT_EQ(apply.rc, 0) << apply.err << apply.out;
  std::string run = RunIdFrom(apply);
  EXPECT_EQ(Aws("lambda get-function-concurrency --function-name backdoor")
                ["ReservedConcurrentExecutions"],
            0);
  EXPECT_EQ(sids(), (std::vector<std::string>{"from-s3"}));
  std::ifstream config(fs::path(case_) / "respond" / run / "save-configuration.json");
  EXPECT_EQ(json::parse(config)["configuration"]["Handler"], "index.handler");

  Proc again = Respond("apply", "lambda-function --yes --input function_name=backdoor");
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_NE(again.err.find("already in effect: nothing changed"), std::string::npos);

  Proc rollback = Cirt("respond rollback " + run + " --case " + case_ + Aws_());
  ASSERT_EQ(rollback.rc, 0) << rollback.err << rollback.out;
  EXPECT_EQ(Aws("lambda get-function-concurrency --function-name backdoor")
                ["ReservedConcurrentExecutions"],
            5);
  json policy_after =
      json::parse(Aws("lambda get-policy --function-name backdoor")["Policy"].get<std::string>());
  auto by_sid = [](const json& policy) {
    std::map<std::string, json> out;
    for (const json& s : policy["Statement"]) out[s["Sid"]] = s;
    return out;
  };
  EXPECT_EQ(by_sid(policy_after), by_sid(policy_before));

  // A function without reserved concurrency gets none back.
  Aws("lambda create-function --function-name plain --runtime python3.11 --handler "
      "index.handler --role arn:aws:iam::123456789012:role/lambda-exec --zip-file fileb://" +
      zip);
  ASSERT_EQ(Respond("apply", "lambda-function --yes --input function_name=plain").rc, 0);
  EXPECT_EQ(
      Aws("lambda get-function-concurrency --function-name plain")["ReservedConcurrentExecutions"],
      0);
  ASSERT_EQ(Cirt("respond rollback --last --case " + case_ + Aws_()).rc, 0);
  EXPECT_FALSE(Aws("lambda get-function-concurrency --function-name plain")
                   .contains("ReservedConcurrentExecutions"));
}

// ---- ec2-instance --------------------------------------------------------------

// moto differences (../shared/reference/moto-coverage.md): the instance's
// own groupSet is not updated by ModifyNetworkInterfaceAttribute, so groups
// are read from the interface; snapshots complete at once; GetConsoleOutput
// is canned text; the shutdown behaviour is always stop (moto ignores
// ModifyInstanceAttribute InstanceInitiatedShutdownBehavior), so only
// termination protection changes in that step here.
struct Ec2Seed {
  std::string vpc, subnet, instance, volume, eni, default_group, target_group;
};

class RespondEc2MotoTest : public RespondMotoTest {
 protected:
  Ec2Seed Seed() {
    Ec2Seed s;
    s.vpc = Aws("ec2 create-vpc --cidr-block 10.0.0.0/16")["Vpc"]["VpcId"];
    s.subnet = Aws("ec2 create-subnet --vpc-id " + s.vpc +
                   " --cidr-block 10.0.1.0/24 --availability-zone us-east-1a")["Subnet"]["SubnetId"];
    Aws("iam create-role --role-name web --assume-role-policy-document "
        "'{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
        "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'");
    Aws("iam create-instance-profile --instance-profile-name web");
    Aws("iam add-role-to-instance-profile --instance-profile-name web --role-name web");
    json run = Aws("ec2 run-instances --image-id ami-12c6146b --instance-type t2.micro "
                   "--subnet-id " + s.subnet + " --iam-instance-profile Name=web "
                   "--block-device-mappings '[{\"DeviceName\":\"/dev/sda1\",\"Ebs\":"
                   "{\"VolumeSize\":8,\"DeleteOnTermination\":true}}]'");
    s.instance = run["Instances"][0]["InstanceId"];
    json described = Instance(s.instance);
    s.volume = described["BlockDeviceMappings"][0]["Ebs"]["VolumeId"];
    s.eni = described["NetworkInterfaces"][0]["NetworkInterfaceId"];
    std::vector<std::string> groups = EniGroups(s.eni);
    EXPECT_EQ(groups.size(), 1u) << s.eni;
    s.default_group = groups.empty() ? "" : groups[0];
    Aws("autoscaling create-launch-configuration --launch-configuration-name lc "
        "--image-id ami-12c6146b --instance-type t2.micro");
    Aws("autoscaling create-auto-scaling-group --auto-scaling-group-name web-asg "
        "--launch-configuration-name lc --min-size 0 --max-size 3 --desired-capacity 0 "
        "--vpc-zone-identifier " + s.subnet);
    Aws("autoscaling attach-instances --auto-scaling-group-name web-asg --instance-ids " +
        s.instance);
    s.target_group = Aws("elbv2 create-target-group --name web --protocol HTTP --port 80 "
                         "--vpc-id " + s.vpc + " --target-type instance")
                         ["TargetGroups"][0]["TargetGroupArn"];
    Aws("elbv2 register-targets --target-group-arn " + s.target_group + " --targets Id=" +
        s.instance + ",Port=8080");
    return s;
  }
  json Instance(const std::string& id) {
    return Aws("ec2 describe-instances --instance-ids " + id)["Reservations"][0]["Instances"][0];
  }
  std::string Attribute(const std::string& id, const std::string& attribute,
                        const std::string& key) {
    json value = Aws("ec2 describe-instance-attribute --instance-id " + id + " --attribute " +
                     attribute)[key]["Value"];
    return value.is_boolean() ? (value.get<bool>() ? "true" : "false") : value.get<std::string>();
  }
  std::vector<std::string> EniGroups(const std::string& eni) {
    std::vector<std::string> ids;
    json answer = Aws("ec2 describe-network-interfaces --network-interface-ids " + eni);
    for (const json& g : answer["NetworkInterfaces"][0]["Groups"]) ids.push_back(g["GroupId"]);
    return ids;
  }
  json Group(const std::string& vpc, const std::string& name) {
    json groups = Aws("ec2 describe-security-groups --filters Name=vpc-id,Values=" + vpc +
                      " Name=group-name,Values=" + name)["SecurityGroups"];
    return groups.empty() ? json(nullptr) : groups[0];
  }
  json CaseSnapshots(const std::string& case_id) {
    return Aws("ec2 describe-snapshots --owner-ids self --filters Name=tag:cirt:case,Values=" +
               case_id)["Snapshots"];
  }
  std::string TagValue(const std::string& id, const std::string& key) {
    json tags = Instance(id).value("Tags", json::array());
    for (const json& tag : tags)
      if (tag["Key"] == key) return tag["Value"];
    return "<absent>";
  }
  json AsgOf(const std::string& id) {
    return Aws("autoscaling describe-auto-scaling-instances --instance-ids " +
               id)["AutoScalingInstances"];
  }
  int DesiredCapacity() {
    return Aws("autoscaling describe-auto-scaling-groups --auto-scaling-group-names web-asg")
        ["AutoScalingGroups"][0]["DesiredCapacity"];
  }
  json Targets(const std::string& tg) {
    return Aws("elbv2 describe-target-health --target-group-arn " + tg)["TargetHealthDescriptions"];
  }
  json Profiles(const std::string& id) {
    json out = json::array();
    json answer = Aws("ec2 describe-iam-instance-profile-associations --filters "
                      "Name=instance-id,Values=" + id);
    for (const json& a : answer["IamInstanceProfileAssociations"])
      if (a["State"] == "associated" || a["State"] == "associating")
        out.push_back(a["IamInstanceProfile"]["Arn"]);
    return out;
  }
};

TEST_F(RespondEc2MotoTest, Ec2InstancePlanApplyReapplyRollback) {
  Ec2Seed s = Seed();
  std::string profile = "arn:aws:iam::123456789012:instance-profile/web";
  std::string inputs = " --input instance_id=" + s.instance + " --input case_id=IR-42";
  auto expect_before_state = [&] {
    EXPECT_EQ(Attribute(s.instance, "disableApiTermination", "DisableApiTermination"), "false");
    EXPECT_EQ(Attribute(s.instance, "instanceInitiatedShutdownBehavior",
                        "InstanceInitiatedShutdownBehavior"),
              "stop");
    json instance = Instance(s.instance);
    EXPECT_EQ(instance["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"], true);
    EXPECT_EQ(instance["MetadataOptions"]["HttpEndpoint"], "enabled");
    EXPECT_EQ(TagValue(s.instance, "cirt:case"), "<absent>");
    ASSERT_EQ(AsgOf(s.instance).size(), 1u);
    EXPECT_EQ(AsgOf(s.instance)[0]["AutoScalingGroupName"], "web-asg");
    EXPECT_EQ(DesiredCapacity(), 1);
    json targets = Targets(s.target_group);
    ASSERT_EQ(targets.size(), 1u);
    EXPECT_EQ(targets[0]["Target"]["Id"], s.instance);
    EXPECT_EQ(targets[0]["Target"]["Port"], 8080);
    EXPECT_EQ(EniGroups(s.eni), std::vector<std::string>{s.default_group});
    EXPECT_EQ(Profiles(s.instance), json::array({profile}));
  };

  // plan: every call named, nothing changed, no isolation group created.
  Proc plan = Respond("plan", "ec2-instance --format json" + inputs);
  ASSERT_EQ(plan.rc, 0) << plan.err << plan.out;
  json p = json::parse(plan.out);
  ASSERT_EQ(p["steps"].size(), 11u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(p["steps"][i]["disposition"], "capture") << i;
  for (size_t i = 2; i < 11; ++i) EXPECT_EQ(p["steps"][i]["disposition"], "change") << i;
  EXPECT_EQ(p["steps"][2]["current"]["disable_api_termination"], false);
  EXPECT_EQ(p["steps"][2]["current"]["shutdown_behavior"], "stop");
  EXPECT_EQ(p["steps"][2]["calls"].size(), 1u);  // only DisableApiTermination differs
  EXPECT_EQ(p["steps"][6]["current"]["group"], "web-asg");
  EXPECT_EQ(p["steps"][9]["current"]["isolation_group_id"], nullptr);
  Proc plan_text = Respond("plan", "ec2-instance" + inputs);
  ASSERT_EQ(plan_text.rc, 0) << plan_text.err;
  for (const char* call :
       {"ec2:GetConsoleOutput", "ec2:ModifyInstanceAttribute", "ec2:CreateTags",
        "ec2:CreateSnapshot", "autoscaling:DetachInstances", "elasticloadbalancing:DeregisterTargets",
        "ec2:ModifyInstanceMetadataOptions", "ec2:CreateSecurityGroup",
        "ec2:RevokeSecurityGroupEgress", "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:DisassociateIamInstanceProfile"})
    EXPECT_NE(plan_text.out.find(call), std::string::npos) << call << "\n" << plan_text.out;
  expect_before_state();
  EXPECT_TRUE(CaseSnapshots("IR-42").empty());
  EXPECT_EQ(Group(s.vpc, "cirt-isolation"), nullptr);
  EXPECT_TRUE(Journals().empty());

  // apply: every change read back.
  Proc apply = Respond("apply", "ec2-instance --yes" + inputs);
  ASSERT_EQ(apply.rc, 0) << apply.err << apply.out;
  std::string run = RunIdFrom(apply);
  ASSERT_FALSE(run.empty()) << apply.err;
  fs::path evidence = fs::path(case_) / "respond" / run;
  json metadata = json::parse(std::ifstream(evidence / "save-metadata.json"), nullptr, false);
  ASSERT_FALSE(metadata.is_discarded());
  EXPECT_EQ(metadata["instance"]["instanceId"], s.instance);
  EXPECT_EQ(metadata["volumes"][0]["volumeId"], s.volume);
  EXPECT_EQ(metadata["attributes"]["disableApiTermination"]["value"], "false");
  EXPECT_EQ(metadata["instance_profile_associations"][0]["arn"], profile);
  json console = json::parse(std::ifstream(evidence / "save-console-output.json"), nullptr, false);
  ASSERT_FALSE(console.is_discarded());
  EXPECT_FALSE(console["console_output"]["output"].get<std::string>().empty());

  EXPECT_EQ(Attribute(s.instance, "disableApiTermination", "DisableApiTermination"), "true");
  EXPECT_EQ(Attribute(s.instance, "instanceInitiatedShutdownBehavior",
                      "InstanceInitiatedShutdownBehavior"),
            "stop");
  json instance = Instance(s.instance);
  EXPECT_EQ(instance["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"], false);
  EXPECT_EQ(instance["MetadataOptions"]["HttpEndpoint"], "disabled");
  EXPECT_EQ(TagValue(s.instance, "cirt:case"), "IR-42");
  json snapshots = CaseSnapshots("IR-42");
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(snapshots[0]["VolumeId"], s.volume);
  std::string snapshot = snapshots[0]["SnapshotId"];
  EXPECT_TRUE(AsgOf(s.instance).empty());
  EXPECT_EQ(DesiredCapacity(), 0);  // no replacement launched
  EXPECT_TRUE(Targets(s.target_group).empty());
  json isolation = Group(s.vpc, "cirt-isolation");
  json open = Group(s.vpc, "cirt-isolation-open");
  ASSERT_TRUE(isolation.is_object());
  ASSERT_TRUE(open.is_object());
  EXPECT_TRUE(isolation["IpPermissions"].empty());
  EXPECT_TRUE(isolation["IpPermissionsEgress"].empty());
  ASSERT_EQ(open["IpPermissions"].size(), 1u);
  EXPECT_EQ(open["IpPermissions"][0]["IpProtocol"], "-1");
  EXPECT_EQ(EniGroups(s.eni), std::vector<std::string>{isolation["GroupId"]});
  EXPECT_TRUE(Profiles(s.instance).empty());
  json status = StatusOf(run);
  EXPECT_EQ(status["status"], "completed");
  for (size_t i = 2; i < 11; ++i) EXPECT_EQ(status["steps"][i]["apply"], "applied") << i;
  // The isolation step went through the open group before the empty one.
  std::ifstream journal(fs::path(case_) / "respond" / (run + ".jsonl"));
  for (std::string line; std::getline(journal, line);) {
    json entry = json::parse(line);
    if (entry["type"] != "before" || entry["step"] != "isolate") continue;
    EXPECT_EQ(entry["before"]["interfaces"][s.eni], json::array({s.default_group}));
    std::vector<std::string> moves;
    for (const json& call : entry["calls"])
      if (call["operation"] == "ec2:ModifyNetworkInterfaceAttribute")
        moves.push_back(call["parameters"]["Groups"][0]);
    EXPECT_EQ(moves, (std::vector<std::string>{"(cirt-isolation-open)", "(new group cirt-isolation)"}));
  }

  // apply again: nothing changes, no second snapshot.
  Proc again = Respond("apply", "ec2-instance --yes" + inputs);
  ASSERT_EQ(again.rc, 0) << again.err << again.out;
  EXPECT_NE(again.err.find("already in effect: nothing changed"), std::string::npos) << again.err;
  json second = StatusOf("--last");
  for (size_t i = 2; i < 11; ++i) EXPECT_EQ(second["steps"][i]["apply"], "in-effect") << i;
  EXPECT_EQ(CaseSnapshots("IR-42").size(), 1u);

  // rollback: the before-state is back, the evidence snapshot is kept.
  Proc rollback = Cirt("respond rollback " + run + " --case " + case_ + Aws_());
  ASSERT_EQ(rollback.rc, 0) << rollback.err << rollback.out;
  expect_before_state();
  ASSERT_EQ(CaseSnapshots("IR-42").size(), 1u);
  EXPECT_EQ(CaseSnapshots("IR-42")[0]["SnapshotId"], snapshot);
  json rolled = StatusOf(run);
  EXPECT_EQ(rolled["rollback"], "completed");
}

// ---- finding-workflow ------------------------------------------------------------

// moto implements Security Hub BatchImportFindings and GetFindings but not
// BatchUpdateFindings, and GuardDuty has no findings API at all (404 for
// both); their request shapes are tested in aws/services/write_calls_test.cc.
// Here: the plan resolves a real imported finding (the corpus sample of
// batch-import-findings) and changes nothing, and the apply reports moto's
// refusal as a failed step without touching the finding.
TEST_F(RespondMotoTest, FindingWorkflowPlansAgainstAnImportedSecurityHubFinding) {
  std::ifstream sample(std::string(CIRT_CORPUS_DIR) +
                       "/aws-cli-examples/securityhub/batch-import-findings.rst");
  std::stringstream text;
  text << sample.rdbuf();
  std::string rst = text.str();
  size_t from = rst.find("--findings '");
  ASSERT_NE(from, std::string::npos);
  from += 12;
  std::string findings = rst.substr(from, rst.find('\'', from) - from);
  ASSERT_FALSE(json::parse(findings, nullptr, false).is_discarded());
  std::string file = (dir_ / "findings.json").string();
  std::ofstream(file) << findings;
  Aws("securityhub enable-security-hub");
  EXPECT_EQ(Aws("securityhub batch-import-findings --findings file://" + file)["SuccessCount"], 1);

  Proc plan = Respond("plan", "finding-workflow --format json --input finding_id=Id1 "
                              "--input status=RESOLVED --input note=contained");
  ASSERT_EQ(plan.rc, 0) << plan.err << plan.out;
  json p = json::parse(plan.out);
  EXPECT_EQ(p["lookups"]["finding"]["securityhub"], "true");
  EXPECT_EQ(p["lookups"]["finding"]["guardduty"], "false");
  EXPECT_EQ(p["lookups"]["finding"]["product_arn"],
            "arn:aws:securityhub:us-west-1:123456789012:product/123456789012/default");
  EXPECT_EQ(p["steps"][0]["disposition"], "change");
  EXPECT_EQ(p["steps"][0]["intended"]["workflow_status"], "RESOLVED");
  EXPECT_EQ(p["steps"][0]["intended"]["note"], "contained");
  EXPECT_EQ(p["steps"][1]["disposition"], "skipped");  // not a GuardDuty finding
  EXPECT_TRUE(Journals().empty());

  Proc apply = Respond("apply", "finding-workflow --yes --input finding_id=Id1");
  EXPECT_EQ(apply.rc, 1) << apply.err << apply.out;
  EXPECT_NE(apply.err.find("FAILED"), std::string::npos) << apply.err;
  json finding = Aws("securityhub get-findings")["Findings"][0];
  EXPECT_FALSE(finding.contains("Note"));

  // A GuardDuty id with no detector in the region is refused at plan time.
  Proc guardduty = Respond("plan", "finding-workflow --input finding_id=1ab92989eaf0e742df4a014d5ee0c0a1");
  EXPECT_NE(guardduty.rc, 0);
  EXPECT_NE((guardduty.err + guardduty.out).find("no GuardDuty detector"), std::string::npos)
      << guardduty.err << guardduty.out;
}

}  // namespace
}  // namespace cirt::respond
