#include "aws/services/iam.h"

#include <fmt/format.h>

#include <thread>

#include "aws/error.h"
#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"

namespace cirt::aws::iam {

namespace {

constexpr std::string_view kVersion = "2010-05-08";

// One IAM List* operation, all pages; `decode` reads one <member>.
template <class Item, class Decode>
Result<std::vector<Item>> ListAll(Client& client, std::string_view action,
                                  QueryParams params, const char* list_element,
                                  int page_size, Decode decode) {
  std::vector<Item> items;
  if (page_size > 0) params.emplace("MaxItems", std::to_string(page_size));
  Status status =
      Paginate([&](const std::string& token) -> Result<std::string> {
        QueryParams page_params = params;
        if (!token.empty())
          page_params.emplace(std::string(kMarker.input), token);
        CIRT_ASSIGN_OR_RETURN(Response response,
                              client.Call(MakeQueryRequest(
                                  "iam", action, kVersion, page_params)));
        CIRT_ASSIGN_OR_RETURN(XmlResponse xml,
                              XmlResponse::Parse(response.body));
        pugi::xml_node result = xml.ResultNode(action);
        for (pugi::xml_node member :
             result.child(list_element).children("member")) {
          items.push_back(decode(member));
        }
        return NextTokenFromXml(result, kMarker);
      });
  CIRT_RETURN_IF_ERROR(status);
  return items;
}

}  // namespace

Result<std::vector<User>> ListUsers(Client& client, int page_size) {
  return ListAll<User>(
      client, "ListUsers", {}, "Users", page_size, [](pugi::xml_node member) {
        return User{ChildText(member, "UserName"), ChildText(member, "UserId"),
                    ChildText(member, "Arn"), ChildText(member, "Path"),
                    ChildText(member, "CreateDate")};
      });
}

Result<std::vector<AccessKeyMetadata>> ListAccessKeys(
    Client& client, const std::string& user_name, int page_size) {
  return ListAll<AccessKeyMetadata>(
      client, "ListAccessKeys", {{"UserName", user_name}}, "AccessKeyMetadata",
      page_size, [](pugi::xml_node member) {
        return AccessKeyMetadata{
            ChildText(member, "UserName"), ChildText(member, "AccessKeyId"),
            ChildText(member, "Status"), ChildText(member, "CreateDate")};
      });
}

// ---------------------------------------------------------------------------
// Read calls for evidence: account authorization details, credential report.
// ---------------------------------------------------------------------------

namespace {

std::vector<AttachedPolicy> AttachedPolicies(pugi::xml_node detail) {
  std::vector<AttachedPolicy> out;
  for (pugi::xml_node m :
       detail.child("AttachedManagedPolicies").children("member"))
    out.push_back({ChildText(m, "PolicyName"), ChildText(m, "PolicyArn")});
  return out;
}

std::vector<InlinePolicy> InlinePolicies(pugi::xml_node detail,
                                         const char* list) {
  std::vector<InlinePolicy> out;
  for (pugi::xml_node m : detail.child(list).children("member"))
    out.push_back({ChildText(m, "PolicyName"),
                   UriDecode(ChildText(m, "PolicyDocument"))});
  return out;
}

struct StateName {
  CredentialReportState state;
  std::string_view name;
};
constexpr StateName kReportStates[] = {
    {CredentialReportState::kStarted, "STARTED"},
    {CredentialReportState::kInProgress, "INPROGRESS"},
    {CredentialReportState::kComplete, "COMPLETE"}};

}  // namespace

Result<AccountAuthorizationDetails> GetAccountAuthorizationDetails(
    Client& client, int page_size) {
  static constexpr const char* kLists[] = {"UserDetailList", "GroupDetailList",
                                           "RoleDetailList", "Policies"};
  constexpr std::string_view kAction = "GetAccountAuthorizationDetails";
  AccountAuthorizationDetails details;
  details.raw = nlohmann::json::object();
  for (const char* list : kLists) details.raw[list] = nlohmann::json::array();
  Status status = Paginate([&](const std::string& token)
                               -> Result<std::string> {
    QueryParams params;
    if (page_size > 0) params.emplace("MaxItems", std::to_string(page_size));
    if (!token.empty()) params.emplace(std::string(kMarker.input), token);
    CIRT_ASSIGN_OR_RETURN(
        Response response,
        client.Call(MakeQueryRequest("iam", kAction, kVersion, params)));
    CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
    pugi::xml_node result = xml.ResultNode(kAction);
    for (const char* list : kLists) {
      for (pugi::xml_node m : result.child(list).children("member"))
        details.raw[list].push_back(XmlToJson(m));
    }
    for (pugi::xml_node m : result.child("UserDetailList").children("member")) {
      UserDetail u{
          ChildText(m, "UserName"),   ChildText(m, "UserId"),
          ChildText(m, "Arn"),        ChildText(m, "Path"),
          ChildText(m, "CreateDate"), {},
          AttachedPolicies(m),        InlinePolicies(m, "UserPolicyList")};
      for (pugi::xml_node g : m.child("GroupList").children("member"))
        u.groups.push_back(g.text().as_string());
      details.users.push_back(std::move(u));
    }
    for (pugi::xml_node m :
         result.child("GroupDetailList").children("member")) {
      details.groups.push_back({ChildText(m, "GroupName"),
                                ChildText(m, "GroupId"), ChildText(m, "Arn"),
                                AttachedPolicies(m),
                                InlinePolicies(m, "GroupPolicyList")});
    }
    for (pugi::xml_node m : result.child("RoleDetailList").children("member")) {
      details.roles.push_back(
          {ChildText(m, "RoleName"), ChildText(m, "RoleId"),
           ChildText(m, "Arn"), ChildText(m, "Path"),
           ChildText(m, "CreateDate"),
           UriDecode(ChildText(m, "AssumeRolePolicyDocument")),
           AttachedPolicies(m), InlinePolicies(m, "RolePolicyList")});
    }
    for (pugi::xml_node m : result.child("Policies").children("member")) {
      details.policies.push_back({ChildText(m, "PolicyName"),
                                  ChildText(m, "PolicyId"), ChildText(m, "Arn"),
                                  ChildText(m, "DefaultVersionId"),
                                  ChildText(m, "AttachmentCount")});
    }
    return NextTokenFromXml(result, kMarker);
  });
  CIRT_RETURN_IF_ERROR(status);
  return details;
}

std::string_view CredentialReportStateName(CredentialReportState state) {
  for (const auto& s : kReportStates)
    if (s.state == state) return s.name;
  return "UNKNOWN";
}

Result<CredentialReportState> ParseCredentialReportState(
    std::string_view name) {
  for (const auto& s : kReportStates)
    if (s.name == name) return s.state;
  return Status::Corrupt(
      fmt::format("unknown credential report state '{}'", name));
}

Result<CredentialReportState> GenerateCredentialReport(Client& client) {
  constexpr std::string_view kAction = "GenerateCredentialReport";
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(MakeQueryRequest(
                                               "iam", kAction, kVersion, {})));
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
  return ParseCredentialReportState(
      ChildText(xml.ResultNode(kAction), "State"));
}

Result<CredentialReport> GetCredentialReport(Client& client) {
  constexpr std::string_view kAction = "GetCredentialReport";
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(MakeQueryRequest(
                                               "iam", kAction, kVersion, {})));
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
  pugi::xml_node result = xml.ResultNode(kAction);
  CredentialReport report{ChildText(result, "Content"),
                          ChildText(result, "ReportFormat"),
                          ChildText(result, "GeneratedTime")};
  if (report.content_base64.empty())
    return Status::Corrupt("GetCredentialReport: answer has no Content");
  return report;
}

Result<CredentialReport> FetchCredentialReport(
    Client& client, const CredentialReportWait& wait) {
  for (int poll = 0; poll < wait.max_polls; ++poll) {
    if (poll > 0) {
      if (wait.sleep) {
        wait.sleep(wait.interval);
      } else {
        std::this_thread::sleep_for(wait.interval);
      }
    }
    CIRT_ASSIGN_OR_RETURN(CredentialReportState state,
                          GenerateCredentialReport(client));
    if (state == CredentialReportState::kComplete)
      return GetCredentialReport(client);
  }
  return Status::Cancelled(fmt::format(
      "IAM credential report not COMPLETE after {} polls", wait.max_polls));
}

}  // namespace cirt::aws::iam

// ---------------------------------------------------------------------------
// Calls used by `cirt respond` (see iam.h).
// ---------------------------------------------------------------------------

namespace cirt::aws::iam {

namespace {

Result<XmlResponse> CallIam(Client& client, std::string_view action, const QueryParams& params,
                            std::string* request_id = nullptr) {
  CIRT_ASSIGN_OR_RETURN(Response response,
                        client.Call(MakeQueryRequest("iam", action, kVersion, params)));
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
  if (request_id != nullptr) {
    // IAM puts the id in both the x-amzn-RequestId header and the body.
    *request_id = RequestIdOf(response);
    if (request_id->empty())
      *request_id = ChildText(xml.root().child("ResponseMetadata"), "RequestId");
  }
  return xml;
}

Result<WriteResult> Write(Client& client, std::string_view action, const QueryParams& params) {
  WriteResult result;
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, CallIam(client, action, params, &result.request_id));
  (void)xml;
  return result;
}

// IAM returns policy documents URL-encoded (RFC 3986) inside the XML.
std::string DecodeDocument(const std::string& text) { return UriDecode(text); }

bool IsNoSuchEntity(const Status& status) { return AwsErrorCode(status) == "NoSuchEntity"; }

}  // namespace

Result<std::string> GetAccessKeyOwner(Client& client, const std::string& access_key_id) {
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, CallIam(client, "GetAccessKeyLastUsed",
                                                 {{"AccessKeyId", access_key_id}}));
  std::string user = ChildText(xml.ResultNode("GetAccessKeyLastUsed"), "UserName");
  if (user.empty())
    return Status::NotFound("GetAccessKeyLastUsed named no user for " + access_key_id);
  return user;
}

Result<User> GetUser(Client& client, const std::string& user_name) {
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, CallIam(client, "GetUser", {{"UserName", user_name}}));
  pugi::xml_node user = xml.ResultNode("GetUser").child("User");
  return User{ChildText(user, "UserName"), ChildText(user, "UserId"), ChildText(user, "Arn"),
              ChildText(user, "Path"), ChildText(user, "CreateDate")};
}

Result<Role> GetRole(Client& client, const std::string& role_name) {
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, CallIam(client, "GetRole", {{"RoleName", role_name}}));
  pugi::xml_node role = xml.ResultNode("GetRole").child("Role");
  return Role{ChildText(role, "RoleName"), ChildText(role, "RoleId"), ChildText(role, "Arn"),
              ChildText(role, "Path"),
              DecodeDocument(ChildText(role, "AssumeRolePolicyDocument"))};
}

Result<std::optional<std::string>> GetUserPolicy(Client& client, const std::string& user_name,
                                                 const std::string& policy_name) {
  Result<XmlResponse> xml =
      CallIam(client, "GetUserPolicy", {{"UserName", user_name}, {"PolicyName", policy_name}});
  if (!xml.ok() && IsNoSuchEntity(xml.status())) return std::optional<std::string>();
  CIRT_RETURN_IF_ERROR(xml.status());
  return std::optional<std::string>(
      DecodeDocument(ChildText(xml->ResultNode("GetUserPolicy"), "PolicyDocument")));
}

Result<std::optional<std::string>> GetRolePolicy(Client& client, const std::string& role_name,
                                                 const std::string& policy_name) {
  Result<XmlResponse> xml =
      CallIam(client, "GetRolePolicy", {{"RoleName", role_name}, {"PolicyName", policy_name}});
  if (!xml.ok() && IsNoSuchEntity(xml.status())) return std::optional<std::string>();
  CIRT_RETURN_IF_ERROR(xml.status());
  return std::optional<std::string>(
      DecodeDocument(ChildText(xml->ResultNode("GetRolePolicy"), "PolicyDocument")));
}

Result<WriteResult> PutUserPolicy(Client& client, const std::string& user_name,
                                  const std::string& policy_name, const std::string& document) {
  return Write(client, "PutUserPolicy",
               {{"UserName", user_name}, {"PolicyName", policy_name}, {"PolicyDocument", document}});
}

Result<WriteResult> DeleteUserPolicy(Client& client, const std::string& user_name,
                                     const std::string& policy_name) {
  return Write(client, "DeleteUserPolicy", {{"UserName", user_name}, {"PolicyName", policy_name}});
}

Result<WriteResult> PutRolePolicy(Client& client, const std::string& role_name,
                                  const std::string& policy_name, const std::string& document) {
  return Write(client, "PutRolePolicy",
               {{"RoleName", role_name}, {"PolicyName", policy_name}, {"PolicyDocument", document}});
}

Result<WriteResult> DeleteRolePolicy(Client& client, const std::string& role_name,
                                     const std::string& policy_name) {
  return Write(client, "DeleteRolePolicy", {{"RoleName", role_name}, {"PolicyName", policy_name}});
}

Result<WriteResult> UpdateAccessKey(Client& client, const std::string& user_name,
                                    const std::string& access_key_id, const std::string& status) {
  return Write(client, "UpdateAccessKey",
               {{"UserName", user_name}, {"AccessKeyId", access_key_id}, {"Status", status}});
}

Result<std::optional<LoginProfile>> GetLoginProfile(Client& client,
                                                    const std::string& user_name) {
  Result<XmlResponse> xml = CallIam(client, "GetLoginProfile", {{"UserName", user_name}});
  if (!xml.ok() && IsNoSuchEntity(xml.status())) return std::optional<LoginProfile>();
  CIRT_RETURN_IF_ERROR(xml.status());
  pugi::xml_node profile = xml->ResultNode("GetLoginProfile").child("LoginProfile");
  return std::optional<LoginProfile>(
      LoginProfile{ChildText(profile, "UserName"), ChildText(profile, "CreateDate"),
                   ChildText(profile, "PasswordResetRequired") == "true"});
}

Result<WriteResult> DeleteLoginProfile(Client& client, const std::string& user_name) {
  return Write(client, "DeleteLoginProfile", {{"UserName", user_name}});
}

Result<WriteResult> CreateLoginProfile(Client& client, const std::string& user_name,
                                       const Secret& password, bool password_reset_required) {
  return Write(client, "CreateLoginProfile",
               {{"UserName", user_name},
                {"Password", password.Reveal()},
                {"PasswordResetRequired", password_reset_required ? "true" : "false"}});
}

Result<std::vector<MfaDevice>> ListMFADevices(Client& client, const std::string& user_name) {
  return ListAll<MfaDevice>(client, "ListMFADevices", {{"UserName", user_name}}, "MFADevices", 0,
                            [](pugi::xml_node member) {
                              return MfaDevice{ChildText(member, "UserName"),
                                               ChildText(member, "SerialNumber"),
                                               ChildText(member, "EnableDate")};
                            });
}

Result<WriteResult> DeactivateMFADevice(Client& client, const std::string& user_name,
                                        const std::string& serial_number) {
  return Write(client, "DeactivateMFADevice",
               {{"UserName", user_name}, {"SerialNumber", serial_number}});
}

Result<WriteResult> UpdateAssumeRolePolicy(Client& client, const std::string& role_name,
                                           const std::string& document) {
  return Write(client, "UpdateAssumeRolePolicy",
               {{"RoleName", role_name}, {"PolicyDocument", document}});
}

}  // namespace cirt::aws::iam
