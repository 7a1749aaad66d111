// src/aws/services/iam.h
// AWS IAM (query protocol, version 2010-05-08; global endpoint, signed for
// us-east-1).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "aws/secret.h"
#include "core/result.h"

namespace cirt::aws::iam {

struct User {
  std::string user_name;
  std::string user_id;
  std::string arn;
  std::string path;
  std::string create_date;  // ISO-8601 as returned
};

struct AccessKeyMetadata {
  std::string user_name;
  std::string access_key_id;
  std::string status;       // "Active" | "Inactive"
  std::string create_date;  // ISO-8601 as returned
};

// Every user (all pages). `page_size` > 0 sets MaxItems.
Result<std::vector<User>> ListUsers(Client& client, int page_size = 0);

// Every access key of `user_name` (all pages).
Result<std::vector<AccessKeyMetadata>> ListAccessKeys(
    Client& client, const std::string& user_name, int page_size = 0);

// ---------------------------------------------------------------------------
// Read calls for evidence (cirt collect iam): account authorization
// details and the credential report.
// ---------------------------------------------------------------------------

struct AttachedPolicy {
  std::string policy_name;
  std::string policy_arn;
};

struct InlinePolicy {
  std::string policy_name;
  std::string policy_document;  // JSON text, URL-decoded
};

struct UserDetail {
  std::string user_name;
  std::string user_id;
  std::string arn;
  std::string path;
  std::string create_date;
  std::vector<std::string> groups;
  std::vector<AttachedPolicy> attached_policies;
  std::vector<InlinePolicy> inline_policies;
};

struct GroupDetail {
  std::string group_name;
  std::string group_id;
  std::string arn;
  std::vector<AttachedPolicy> attached_policies;
  std::vector<InlinePolicy> inline_policies;
};

struct RoleDetail {
  std::string role_name;
  std::string role_id;
  std::string arn;
  std::string path;
  std::string create_date;
  std::string assume_role_policy_document;  // JSON text, URL-decoded
  std::vector<AttachedPolicy> attached_policies;
  std::vector<InlinePolicy> inline_policies;
};

struct ManagedPolicyDetail {
  std::string policy_name;
  std::string policy_id;
  std::string arn;
  std::string default_version_id;
  std::string attachment_count;  // as returned
};

struct AccountAuthorizationDetails {
  std::vector<UserDetail> users;
  std::vector<GroupDetail> groups;
  std::vector<RoleDetail> roles;
  std::vector<ManagedPolicyDetail> policies;
  // Every page merged: {"UserDetailList": [...], "GroupDetailList": [...],
  // "RoleDetailList": [...], "Policies": [...]}, members as XmlToJson gives
  // them (wire names; policy documents still URL-encoded, as returned).
  nlohmann::json raw;
};

// GetAccountAuthorizationDetails, every page (Marker/IsTruncated).
// `page_size` > 0 sets MaxItems. Errors: as Client::Call; kCorrupt for
// non-XML.
Result<AccountAuthorizationDetails> GetAccountAuthorizationDetails(
    Client& client, int page_size = 0);

enum class CredentialReportState : uint8_t { kStarted, kInProgress, kComplete };
std::string_view CredentialReportStateName(CredentialReportState state);
// Errors: kCorrupt for a name IAM does not use.
Result<CredentialReportState> ParseCredentialReportState(std::string_view name);

// GenerateCredentialReport: starts a report (or reports the state of the
// one in progress). Errors: as Client::Call; kCorrupt for an unknown State.
Result<CredentialReportState> GenerateCredentialReport(Client& client);

struct CredentialReport {
  // The CSV, base64 as the query protocol carries blobs.
  std::string content_base64;
  std::string report_format;   // "text/csv"
  std::string generated_time;  // ISO-8601 as returned
};

// GetCredentialReport. Errors: as Client::Call (ReportNotPresent,
// ReportInProgress, ReportExpired are AWS errors); kCorrupt when the answer
// has no Content.
Result<CredentialReport> GetCredentialReport(Client& client);

struct CredentialReportWait {
  // Between GenerateCredentialReport calls. Default: 2 s.
  std::chrono::milliseconds interval{2000};
  // GenerateCredentialReport calls before giving up. Default: 30.
  int max_polls = 30;
  // Injected for tests. Default: std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Generates a report, polls until IAM says COMPLETE, then gets it.
// Errors: as the calls above; kCancelled when it is not complete after
// max_polls.
Result<CredentialReport> FetchCredentialReport(
    Client& client, const CredentialReportWait& wait = {});

}  // namespace cirt::aws::iam

// ---------------------------------------------------------------------------
// Calls used by `cirt respond` (src/respond): the read-only state resolvers
// and the writes of the IAM containment playbooks. Writes return the AWS
// request id for the run journal. Documents (policies, trust policies) are
// returned as the JSON text IAM stores, already URL-decoded.
// ---------------------------------------------------------------------------

namespace cirt::aws::iam {

// The request id of a successful IAM write.
struct WriteResult {
  std::string request_id;
};

// The user owning `access_key_id` (GetAccessKeyLastUsed's UserName; works
// for keys of any user in the caller's account). Errors: kAws
// (AccessDenied, or NoSuchEntity... as IAM answers).
Result<std::string> GetAccessKeyOwner(Client& client, const std::string& access_key_id);

// GetUser. Errors: kAws NoSuchEntity when there is no such user.
Result<User> GetUser(Client& client, const std::string& user_name);

struct Role {
  std::string role_name;
  std::string role_id;
  std::string arn;
  std::string path;
  std::string assume_role_policy_document;  // JSON text, URL-decoded
};

// GetRole. Errors: kAws NoSuchEntity when there is no such role.
Result<Role> GetRole(Client& client, const std::string& role_name);

// The inline policy document (JSON text), or nullopt when the user/role has
// no inline policy of that name (NoSuchEntity).
Result<std::optional<std::string>> GetUserPolicy(Client& client, const std::string& user_name,
                                                 const std::string& policy_name);
Result<std::optional<std::string>> GetRolePolicy(Client& client, const std::string& role_name,
                                                 const std::string& policy_name);

Result<WriteResult> PutUserPolicy(Client& client, const std::string& user_name,
                                  const std::string& policy_name, const std::string& document);
Result<WriteResult> DeleteUserPolicy(Client& client, const std::string& user_name,
                                     const std::string& policy_name);
Result<WriteResult> PutRolePolicy(Client& client, const std::string& role_name,
                                  const std::string& policy_name, const std::string& document);
Result<WriteResult> DeleteRolePolicy(Client& client, const std::string& role_name,
                                     const std::string& policy_name);

// UpdateAccessKey; `status` is "Active" or "Inactive".
Result<WriteResult> UpdateAccessKey(Client& client, const std::string& user_name,
                                    const std::string& access_key_id, const std::string& status);

struct LoginProfile {
  std::string user_name;
  std::string create_date;
  bool password_reset_required = false;
};

// The console login profile, or nullopt when the user has none.
Result<std::optional<LoginProfile>> GetLoginProfile(Client& client, const std::string& user_name);
Result<WriteResult> DeleteLoginProfile(Client& client, const std::string& user_name);
// `password` goes only into the request body (never logged: the --debug
// hook redacts Password form fields).
Result<WriteResult> CreateLoginProfile(Client& client, const std::string& user_name,
                                       const Secret& password, bool password_reset_required);

struct MfaDevice {
  std::string user_name;
  std::string serial_number;
  std::string enable_date;
};

Result<std::vector<MfaDevice>> ListMFADevices(Client& client, const std::string& user_name);
Result<WriteResult> DeactivateMFADevice(Client& client, const std::string& user_name,
                                        const std::string& serial_number);

// UpdateAssumeRolePolicy: replaces the role's trust policy with `document`.
Result<WriteResult> UpdateAssumeRolePolicy(Client& client, const std::string& role_name,
                                           const std::string& document);

}  // namespace cirt::aws::iam
