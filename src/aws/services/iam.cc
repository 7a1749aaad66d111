#include "aws/services/iam.h"

#include <fmt/format.h>

#include <thread>

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
