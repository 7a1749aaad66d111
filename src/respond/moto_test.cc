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

namespace cirt::respond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Proc {
  int rc = -1;
  std::string out;
  std::string err;
};

class RespondMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* endpoint = std::getenv("CIRT_MOTO_ENDPOINT");
    endpoint_ = endpoint ? endpoint : "";
    ASSERT_FALSE(endpoint_.empty())
        << "CIRT_MOTO_ENDPOINT is not set; start moto with tests/moto/run-moto.sh start PORT";
    ASSERT_TRUE(endpoint_.rfind("http://127.0.0.1:", 0) == 0) << endpoint_ << " is not loopback";
    dir_ = fs::path(::testing::TempDir()) /
           ("cirt-respond-moto-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    case_ = (dir_ / "case").string();
    setenv("AWS_ACCESS_KEY_ID", "testing", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
    setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_CONFIG_FILE", (dir_ / "no-config").c_str(), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "no-credentials").c_str(), 1);
    setenv("AWS_MAX_ATTEMPTS", "1", 1);
    unsetenv("CIRT_GUARDRAILS");
    ASSERT_EQ(Shell("aws --version").rc, 0) << "the AWS CLI is needed to seed moto";
    ASSERT_EQ(Shell("curl -sf -X POST " + endpoint_ + "/moto-api/reset").rc, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Proc Shell(const std::string& command) {
    std::string err_file = (dir_ / "stderr.txt").string();
    Proc run;
    std::FILE* pipe = popen((command + " 2>" + err_file + " </dev/null").c_str(), "r");
    if (pipe == nullptr) return run;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
    int status = pclose(pipe);
    run.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_file);
    std::stringstream text;
    text << err.rdbuf();
    run.err = text.str();
    return run;
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

}  // namespace
}  // namespace cirt::respond
