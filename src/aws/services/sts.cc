#include "aws/services/sts.h"

#include "aws/protocol/query_xml.h"
#include "aws/timestamp.h"

namespace cirt::aws::sts {

namespace {

constexpr std::string_view kVersion = "2011-06-15";

Result<XmlResponse> CallSts(Client& client, Request request) {
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  return XmlResponse::Parse(response.body);
}

Result<AssumedRole> DecodeAssumedRole(const XmlResponse& xml,
                                      std::string_view action,
                                      std::string source) {
  pugi::xml_node result = xml.ResultNode(action);
  pugi::xml_node creds = result.child("Credentials");
  AssumedRole out;
  out.credentials.access_key_id = ChildText(creds, "AccessKeyId");
  out.credentials.secret_access_key =
      Secret(ChildText(creds, "SecretAccessKey"));
  out.credentials.session_token = Secret(ChildText(creds, "SessionToken"));
  out.credentials.source = std::move(source);
  if (out.credentials.access_key_id.empty() ||
      out.credentials.secret_access_key.empty()) {
    return Status::Corrupt(std::string(action) + " answer has no credentials");
  }
  std::string expiration = ChildText(creds, "Expiration");
  if (!expiration.empty()) {
    CIRT_ASSIGN_OR_RETURN(out.credentials.expiration, ParseIso8601(expiration));
  }
  pugi::xml_node user = result.child("AssumedRoleUser");
  out.assumed_role_arn = ChildText(user, "Arn");
  out.assumed_role_id = ChildText(user, "AssumedRoleId");
  // arn:aws:sts::<account>:assumed-role/...
  const std::string& arn = out.assumed_role_arn;
  size_t start = 0;
  for (int i = 0; i < 4 && start != std::string::npos; ++i) {
    start = arn.find(':', start);
    if (start != std::string::npos) ++start;
  }
  if (start != std::string::npos) {
    out.credentials.account_id =
        arn.substr(start, arn.find(':', start) - start);
  }
  return out;
}

}  // namespace

Result<CallerIdentity> GetCallerIdentity(Client& client) {
  CIRT_ASSIGN_OR_RETURN(
      XmlResponse xml,
      CallSts(client,
              MakeQueryRequest("sts", "GetCallerIdentity", kVersion, {})));
  pugi::xml_node result = xml.ResultNode("GetCallerIdentity");
  CallerIdentity out{ChildText(result, "Account"), ChildText(result, "Arn"),
                     ChildText(result, "UserId")};
  if (out.arn.empty())
    return Status::Corrupt("GetCallerIdentity answer has no Arn");
  return out;
}

Result<AssumedRole> AssumeRole(Client& client, const AssumeRoleInput& input) {
  QueryParams params{{"RoleArn", input.role_arn},
                     {"RoleSessionName", input.role_session_name}};
  if (!input.external_id.empty())
    params.emplace("ExternalId", input.external_id);
  if (input.duration_seconds) {
    params.emplace("DurationSeconds", std::to_string(*input.duration_seconds));
  }
  CIRT_ASSIGN_OR_RETURN(
      XmlResponse xml,
      CallSts(client, MakeQueryRequest("sts", "AssumeRole", kVersion, params)));
  return DecodeAssumedRole(xml, "AssumeRole", "assume-role");
}

Result<AssumedRole> AssumeRoleWithWebIdentity(Client& client,
                                              const WebIdentityInput& input) {
  QueryParams params{{"RoleArn", input.role_arn},
                     {"RoleSessionName", input.role_session_name},
                     {"WebIdentityToken", input.web_identity_token.Reveal()}};
  if (input.duration_seconds) {
    params.emplace("DurationSeconds", std::to_string(*input.duration_seconds));
  }
  Request request =
      MakeQueryRequest("sts", "AssumeRoleWithWebIdentity", kVersion, params);
  request.anonymous = true;
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, CallSts(client, std::move(request)));
  return DecodeAssumedRole(xml, "AssumeRoleWithWebIdentity", "web-identity");
}

}  // namespace cirt::aws::sts
