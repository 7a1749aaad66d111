// IAM actions and lookups of the built-in playbooks iam-access-key and
// iam-role. The session-revocation document is the one the IAM console's
// "Revoke active sessions" writes (policy AWSRevokeOlderSessions): deny
// everything to credentials issued before a time (aws:TokenIssueTime).
#include <fmt/format.h>

#include "aws/error.h"
#include "aws/services/iam.h"
#include "aws/timestamp.h"
#include "respond/action.h"

namespace cirt::respond {

namespace {

using nlohmann::json;

std::string IsoSeconds(std::chrono::system_clock::time_point time) {
  return aws::FormatIso8601(std::chrono::time_point_cast<std::chrono::seconds>(time));
}

// ---- lookups --------------------------------------------------------------

class AccessKeyOwner : public Lookup {
 public:
  std::string_view name() const override { return "iam.access-key-owner"; }
  std::string_view description() const override {
    return "the IAM user owning an access key (GetAccessKeyLastUsed, else a ListUsers/"
           "ListAccessKeys scan), and its ARN (GetUser)";
  }
  std::vector<std::string> required_params() const override { return {"access_key_id"}; }
  std::vector<std::string> permissions() const override {
    return {"iam:GetAccessKeyLastUsed", "iam:ListUsers", "iam:ListAccessKeys", "iam:GetUser"};
  }
  std::vector<std::string> fields() const override { return {"user_name", "arn"}; }
  Result<json> Resolve(ActionContext& ctx, const Params& params) const override {
    std::string key = ParamString(params, "access_key_id");
    Result<std::string> owner = aws::iam::GetAccessKeyOwner(*ctx.client, key);
    std::string user_name;
    if (owner.ok()) {
      user_name = *owner;
    } else {
      // Some principals may list but not call GetAccessKeyLastUsed: scan.
      CIRT_ASSIGN_OR_RETURN(std::vector<aws::iam::User> users, aws::iam::ListUsers(*ctx.client));
      for (const aws::iam::User& user : users) {
        CIRT_ASSIGN_OR_RETURN(auto keys, aws::iam::ListAccessKeys(*ctx.client, user.user_name));
        for (const auto& k : keys) {
          if (k.access_key_id == key) user_name = user.user_name;
        }
        if (!user_name.empty()) break;
      }
      if (user_name.empty()) {
        return Status::NotFound(
            fmt::format("access key {} belongs to no IAM user of account {} ({})", key,
                        ctx.account_id, owner.status().ToString()));
      }
    }
    CIRT_ASSIGN_OR_RETURN(aws::iam::User user, aws::iam::GetUser(*ctx.client, user_name));
    return json{{"user_name", user.user_name}, {"arn", user.arn}};
  }
};

class RoleLookup : public Lookup {
 public:
  std::string_view name() const override { return "iam.role"; }
  std::string_view description() const override { return "an IAM role and its ARN (GetRole)"; }
  std::vector<std::string> required_params() const override { return {"role_name"}; }
  std::vector<std::string> permissions() const override { return {"iam:GetRole"}; }
  std::vector<std::string> fields() const override { return {"role_name", "arn"}; }
  Result<json> Resolve(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(aws::iam::Role role,
                          aws::iam::GetRole(*ctx.client, ParamString(params, "role_name")));
    return json{{"role_name", role.role_name}, {"arn", role.arn}};
  }
};

// ---- iam.update-access-key ---------------------------------------------------

class UpdateAccessKey : public Action {
 public:
  std::string_view name() const override { return "iam.update-access-key"; }
  std::string_view description() const override {
    return "set an access key's status (Inactive: the key stops authenticating; it is not "
           "deleted, so it stays evidence)";
  }
  std::vector<std::string> required_params() const override {
    return {"user_name", "access_key_id"};
  }
  std::vector<std::string> optional_params() const override { return {"status"}; }
  std::vector<std::string> permissions() const override {
    return {"iam:ListAccessKeys", "iam:UpdateAccessKey"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {IamArn(ctx, "user", ParamString(params, "user_name"))};
  }
  static std::string Target(const Params& params) {
    std::string status = ParamString(params, "status");
    return status.empty() ? "Inactive" : status;
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    std::string key = ParamString(params, "access_key_id");
    CIRT_ASSIGN_OR_RETURN(auto keys,
                          aws::iam::ListAccessKeys(*ctx.client, ParamString(params, "user_name")));
    for (const auto& k : keys) {
      if (k.access_key_id == key) return State{{"status", k.status}};
    }
    return Status::NotFound(fmt::format("access key {} is not a key of user {}", key,
                                        ParamString(params, "user_name")));
  }
  State Intended(const ActionContext&, const Params& params, const State&) const override {
    return State{{"status", Target(params)}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"iam:UpdateAccessKey",
             {{"UserName", ParamString(params, "user_name")},
              {"AccessKeyId", ParamString(params, "access_key_id")},
              {"Status", Target(params)}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto result, aws::iam::UpdateAccessKey(
                                           *ctx.client, ParamString(params, "user_name"),
                                           ParamString(params, "access_key_id"), Target(params)));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto result,
                          aws::iam::UpdateAccessKey(*ctx.client, ParamString(params, "user_name"),
                                                    ParamString(params, "access_key_id"),
                                                    Text(Member(before, "status"), "Active")));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
};

// ---- inline policies ----------------------------------------------------------

enum class PrincipalKind { kUser, kRole };
enum class DocumentSource {
  kGiven,                // params.policy_document
  kRevokeOlderSessions,  // deny all for tokens issued before the run's start
};

json RevokeDocument(const std::string& issued_before) {
  return json{{"Version", "2012-10-17"},
              {"Statement",
               json::array({json{
                   {"Effect", "Deny"},
                   {"Action", json::array({"*"})},
                   {"Resource", json::array({"*"})},
                   {"Condition", {{"DateLessThan", {{"aws:TokenIssueTime", issued_before}}}}}}})}};
}

// The revoke document with its time blanked, to recognise one written by an
// earlier run.
json WithoutIssueTime(json document) {
  if (!document.is_object()) return document;
  auto statements = document.find("Statement");
  if (statements == document.end() || !statements->is_array()) return document;
  for (json& statement : *statements) {
    if (statement.is_object() && statement.contains("Condition") &&
        statement["Condition"].is_object() && statement["Condition"].contains("DateLessThan") &&
        statement["Condition"]["DateLessThan"].is_object() &&
        statement["Condition"]["DateLessThan"].contains("aws:TokenIssueTime")) {
      statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"] = "";
    }
  }
  return document;
}

class InlinePolicy : public Action {
 public:
  InlinePolicy(PrincipalKind kind, DocumentSource source) : kind_(kind), source_(source) {}

  std::string_view name() const override {
    if (source_ == DocumentSource::kRevokeOlderSessions)
      return kind_ == PrincipalKind::kUser ? "iam.revoke-user-sessions"
                                           : "iam.revoke-role-sessions";
    return kind_ == PrincipalKind::kUser ? "iam.put-user-policy" : "iam.put-role-policy";
  }
  std::string_view description() const override {
    if (source_ == DocumentSource::kRevokeOlderSessions)
      return "inline policy denying every action to credentials issued before the run "
             "started (aws:TokenIssueTime); the previous document of that name is saved";
    return "put an inline policy (e.g. deny-all); the previous document of that name is saved";
  }
  std::vector<std::string> required_params() const override {
    std::vector<std::string> names = {NameParam()};
    if (source_ == DocumentSource::kGiven) {
      names.push_back("policy_name");
      names.push_back("policy_document");
    }
    return names;
  }
  std::vector<std::string> optional_params() const override {
    if (source_ == DocumentSource::kRevokeOlderSessions) return {"policy_name"};
    return {};
  }
  std::vector<std::string> permissions() const override {
    if (kind_ == PrincipalKind::kUser)
      return {"iam:GetUserPolicy", "iam:PutUserPolicy", "iam:DeleteUserPolicy"};
    return {"iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {IamArn(ctx, Kind(), ParamString(params, NameParam()))};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    std::string principal = ParamString(params, NameParam());
    Result<std::optional<std::string>> text =
        kind_ == PrincipalKind::kUser
            ? aws::iam::GetUserPolicy(*ctx.client, principal, PolicyName(params))
            : aws::iam::GetRolePolicy(*ctx.client, principal, PolicyName(params));
    CIRT_RETURN_IF_ERROR(text.status());
    if (!text->has_value()) return State{{"document", nullptr}};
    return State{{"document", ParsePolicyDocument(**text)}, {"text", **text}};
  }
  State Intended(const ActionContext& ctx, const Params& params, const State&) const override {
    return State{{"document", Document(ctx, params)}};
  }
  bool InEffect(const ActionContext& ctx, const Params& params,
                const State& current) const override {
    const json& document = Member(current, "document");
    if (source_ == DocumentSource::kRevokeOlderSessions)
      return !document.is_null() &&
             WithoutIssueTime(document) == WithoutIssueTime(Document(ctx, params));
    return document == Document(ctx, params);
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext& ctx, const Params& params,
                                  const State&) const override {
    return {{kind_ == PrincipalKind::kUser ? "iam:PutUserPolicy" : "iam:PutRolePolicy",
             {{NameKey(), ParamString(params, NameParam())},
              {"PolicyName", PolicyName(params)},
              {"PolicyDocument", Document(ctx, params)}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    return Put(ctx, params, Document(ctx, params).dump(), ids);
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    if (Member(before, "document").is_null()) {
      std::string principal = ParamString(params, NameParam());
      Result<aws::iam::WriteResult> result =
          kind_ == PrincipalKind::kUser
              ? aws::iam::DeleteUserPolicy(*ctx.client, principal, PolicyName(params))
              : aws::iam::DeleteRolePolicy(*ctx.client, principal, PolicyName(params));
      // Already gone is the before-state.
      if (!result.ok() && aws::AwsErrorCode(result.status()) == "NoSuchEntity") return Status::Ok();
      CIRT_RETURN_IF_ERROR(result.status());
      ids->push_back(result->request_id);
      return Status::Ok();
    }
    // The text exactly as it was stored.
    return Put(ctx, params, Text(Member(before, "text"), Member(before, "document").dump()), ids);
  }
  State Restorable(const State& state) const override {
    return State{{"document", Member(state, "document")}};
  }

 private:
  const char* Kind() const { return kind_ == PrincipalKind::kUser ? "user" : "role"; }
  const char* NameParam() const {
    return kind_ == PrincipalKind::kUser ? "user_name" : "role_name";
  }
  const char* NameKey() const { return kind_ == PrincipalKind::kUser ? "UserName" : "RoleName"; }
  std::string PolicyName(const Params& params) const {
    std::string name = ParamString(params, "policy_name");
    if (name.empty() && source_ == DocumentSource::kRevokeOlderSessions)
      return "AWSRevokeOlderSessions";
    return name;
  }
  json Document(const ActionContext& ctx, const Params& params) const {
    if (source_ == DocumentSource::kRevokeOlderSessions) return RevokeDocument(IsoSeconds(ctx.now));
    const json& given = Member(params, "policy_document");
    return given.is_string() ? ParsePolicyDocument(Text(given)) : given;
  }
  Status Put(ActionContext& ctx, const Params& params, const std::string& text,
             std::vector<std::string>* ids) const {
    std::string principal = ParamString(params, NameParam());
    Result<aws::iam::WriteResult> result =
        kind_ == PrincipalKind::kUser
            ? aws::iam::PutUserPolicy(*ctx.client, principal, PolicyName(params), text)
            : aws::iam::PutRolePolicy(*ctx.client, principal, PolicyName(params), text);
    CIRT_RETURN_IF_ERROR(result.status());
    ids->push_back(result->request_id);
    return Status::Ok();
  }

  PrincipalKind kind_;
  DocumentSource source_;
};

// ---- iam.delete-login-profile -----------------------------------------------

// A password: "Aa1!" (one of each class IAM password policies may require)
// and 24 characters drawn from 65 letters, digits and symbols. Errors when
// there is no random source: a weak password is never set.
Result<aws::Secret> RandomPassword(const ActionContext& ctx) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%^&*";
  constexpr size_t kLength = 24;
  std::string bytes = ctx.random_bytes ? ctx.random_bytes(kLength) : std::string();
  if (bytes.size() != kLength)
    return Status::Internal("no random bytes for the new console password");
  std::string password = "Aa1!";
  for (unsigned char byte : bytes) password.push_back(kAlphabet[byte % (sizeof kAlphabet - 1)]);
  return aws::Secret(std::move(password));
}

class DeleteLoginProfile : public Action {
 public:
  std::string_view name() const override { return "iam.delete-login-profile"; }
  std::string_view description() const override {
    return "delete the user's console password (login profile), recording that it existed";
  }
  std::vector<std::string> required_params() const override { return {"user_name"}; }
  std::vector<std::string> permissions() const override {
    return {"iam:GetLoginProfile", "iam:DeleteLoginProfile", "iam:CreateLoginProfile"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {IamArn(ctx, "user", ParamString(params, "user_name"))};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto profile,
                          aws::iam::GetLoginProfile(*ctx.client, ParamString(params, "user_name")));
    if (!profile) return State{{"exists", false}};
    return State{{"exists", true},
                 {"create_date", profile->create_date},
                 {"password_reset_required", profile->password_reset_required}};
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"exists", false}};
  }
  bool InEffect(const ActionContext&, const Params&, const State& current) const override {
    return !Flag(Member(current, "exists"), false);
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"iam:DeleteLoginProfile", {{"UserName", ParamString(params, "user_name")}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(
        auto result, aws::iam::DeleteLoginProfile(*ctx.client, ParamString(params, "user_name")));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State& current,
                std::vector<std::string>* ids) const override {
    if (!Flag(Member(before, "exists"), false) || Flag(Member(current, "exists"), false)) return Status::Ok();
    // The old password is gone for good: a new random one that must be
    // reset at first sign-in. It is never shown or stored.
    CIRT_ASSIGN_OR_RETURN(aws::Secret password, RandomPassword(ctx));
    CIRT_ASSIGN_OR_RETURN(auto result,
                          aws::iam::CreateLoginProfile(*ctx.client, ParamString(params, "user_name"),
                                                       password, true));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
  State Restorable(const State& state) const override {
    return State{{"exists", Flag(Member(state, "exists"), false)}};
  }
  std::string_view rollback_note() const override {
    return "the old console password cannot be restored: rollback creates a login profile with "
           "a new random password (never shown) that must be reset; an administrator sets one "
           "with `aws iam update-login-profile`";
  }
};

// ---- iam.deactivate-mfa-devices ------------------------------------------------

class DeactivateMfaDevices : public Action {
 public:
  std::string_view name() const override { return "iam.deactivate-mfa-devices"; }
  std::string_view description() const override {
    return "deactivate every MFA device of the user (the device list is recorded)";
  }
  std::vector<std::string> required_params() const override { return {"user_name"}; }
  std::vector<std::string> permissions() const override {
    return {"iam:ListMFADevices", "iam:DeactivateMFADevice"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {IamArn(ctx, "user", ParamString(params, "user_name"))};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto devices,
                          aws::iam::ListMFADevices(*ctx.client, ParamString(params, "user_name")));
    json serials = json::array();
    for (const auto& device : devices) serials.push_back(device.serial_number);
    return State{{"devices", serials}};
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"devices", json::array()}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    std::vector<ApiCall> calls;
    for (const json& serial : Member(current, "devices"))
      calls.push_back({"iam:DeactivateMFADevice",
                       {{"UserName", ParamString(params, "user_name")}, {"SerialNumber", serial}}});
    return calls;
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    for (const json& serial : Member(before, "devices")) {
      CIRT_ASSIGN_OR_RETURN(
          auto result, aws::iam::DeactivateMFADevice(*ctx.client, ParamString(params, "user_name"),
                                                     Text(serial)));
      ids->push_back(result.request_id);
    }
    return Status::Ok();
  }
  Status Revert(ActionContext&, const Params& params, const State& before, const State& current,
                std::vector<std::string>*) const override {
    if (before == current) return Status::Ok();
    std::string serials;
    for (const json& serial : Member(before, "devices")) {
      if (!serials.empty()) serials += ", ";
      serials += Text(serial);
    }
    return Status::Unsupported(fmt::format(
        "MFA devices cannot be re-enabled without two consecutive codes from the device: run "
        "`aws iam enable-mfa-device --user-name {} --serial-number SERIAL "
        "--authentication-code1 C1 --authentication-code2 C2` for {}",
        ParamString(params, "user_name"), serials));
  }
  std::string_view rollback_note() const override {
    return "MFA devices are not re-enabled by rollback (AWS needs two codes from the device)";
  }
};

// ---- iam.update-assume-role-policy ---------------------------------------------

class UpdateAssumeRolePolicy : public Action {
 public:
  std::string_view name() const override { return "iam.update-assume-role-policy"; }
  std::string_view description() const override {
    return "replace the role's trust policy; the old one is saved and restored verbatim";
  }
  std::vector<std::string> required_params() const override {
    return {"role_name", "policy_document"};
  }
  std::vector<std::string> permissions() const override {
    return {"iam:GetRole", "iam:UpdateAssumeRolePolicy"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {IamArn(ctx, "role", ParamString(params, "role_name"))};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(aws::iam::Role role,
                          aws::iam::GetRole(*ctx.client, ParamString(params, "role_name")));
    return State{{"document", ParsePolicyDocument(role.assume_role_policy_document)},
                 {"text", role.assume_role_policy_document}};
  }
  static json Document(const Params& params) {
    const json& given = Member(params, "policy_document");
    return given.is_string() ? ParsePolicyDocument(Text(given)) : given;
  }
  State Intended(const ActionContext&, const Params& params, const State&) const override {
    return State{{"document", Document(params)}};
  }
  bool InEffect(const ActionContext&, const Params& params, const State& current) const override {
    return Member(current, "document") == Document(params);
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {
        {"iam:UpdateAssumeRolePolicy",
         {{"RoleName", ParamString(params, "role_name")}, {"PolicyDocument", Document(params)}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(
        auto result, aws::iam::UpdateAssumeRolePolicy(*ctx.client, ParamString(params, "role_name"),
                                                      Document(params).dump()));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto result, aws::iam::UpdateAssumeRolePolicy(
                                           *ctx.client, ParamString(params, "role_name"),
                                           Text(Member(before, "text"), Member(before, "document").dump())));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
  State Restorable(const State& state) const override {
    return State{{"document", Member(state, "document")}};
  }
};

}  // namespace

void RegisterIamActions(ActionRegistry& registry) {
  registry.Add(std::make_unique<AccessKeyOwner>());
  registry.Add(std::make_unique<RoleLookup>());
  registry.Add(std::make_unique<UpdateAccessKey>());
  registry.Add(std::make_unique<InlinePolicy>(PrincipalKind::kUser, DocumentSource::kGiven));
  registry.Add(std::make_unique<InlinePolicy>(PrincipalKind::kRole, DocumentSource::kGiven));
  registry.Add(
      std::make_unique<InlinePolicy>(PrincipalKind::kUser, DocumentSource::kRevokeOlderSessions));
  registry.Add(
      std::make_unique<InlinePolicy>(PrincipalKind::kRole, DocumentSource::kRevokeOlderSessions));
  registry.Add(std::make_unique<DeleteLoginProfile>());
  registry.Add(std::make_unique<DeactivateMfaDevices>());
  registry.Add(std::make_unique<UpdateAssumeRolePolicy>());
}

}  // namespace cirt::respond
