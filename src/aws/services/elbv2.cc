#include "aws/services/elbv2.h"

#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"

namespace cirt::aws::elbv2 {

namespace {

Result<XmlResponse> Call(Client& client, const std::string& region, std::string_view action,
                         const QueryParams& params, std::string* request_id = nullptr) {
  Request request = MakeQueryRequest("elasticloadbalancing", action, kVersion, params);
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
  if (request_id != nullptr) {
    *request_id = RequestIdOf(response);
    if (request_id->empty())
      *request_id = ChildText(xml.root().child("ResponseMetadata"), "RequestId");
  }
  return xml;
}

Result<WriteResult> ChangeTargets(Client& client, const std::string& region,
                                  std::string_view action, const std::string& target_group_arn,
                                  const std::vector<Target>& targets) {
  if (targets.empty()) return Status::InvalidArgument(std::string(action) + ": no targets");
  QueryParams params{{"TargetGroupArn", target_group_arn}};
  for (size_t i = 0; i < targets.size(); ++i) {
    std::string prefix = "Targets.member." + std::to_string(i + 1);
    params.emplace(prefix + ".Id", targets[i].id);
    if (!targets[i].port.empty()) params.emplace(prefix + ".Port", targets[i].port);
    if (!targets[i].availability_zone.empty())
      params.emplace(prefix + ".AvailabilityZone", targets[i].availability_zone);
  }
  WriteResult result;
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml,
                        Call(client, region, action, params, &result.request_id));
  (void)xml;
  return result;
}

}  // namespace

Result<std::vector<TargetGroup>> DescribeTargetGroups(Client& client, const std::string& region) {
  std::vector<TargetGroup> out;
  Status status = Paginate([&](const std::string& token) -> Result<std::string> {
    QueryParams params;
    if (!token.empty()) params.emplace("Marker", token);
    CIRT_ASSIGN_OR_RETURN(XmlResponse xml, Call(client, region, "DescribeTargetGroups", params));
    pugi::xml_node result = xml.ResultNode("DescribeTargetGroups");
    for (pugi::xml_node m : result.child("TargetGroups").children("member"))
      out.push_back({ChildText(m, "TargetGroupArn"), ChildText(m, "TargetGroupName"),
                     ChildText(m, "TargetType"), ChildText(m, "VpcId")});
    return ChildText(result, "NextMarker");
  });
  CIRT_RETURN_IF_ERROR(status);
  return out;
}

Result<std::vector<Target>> DescribeTargetHealth(Client& client, const std::string& region,
                                                 const std::string& target_group_arn) {
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, Call(client, region, "DescribeTargetHealth",
                                              {{"TargetGroupArn", target_group_arn}}));
  std::vector<Target> out;
  pugi::xml_node result = xml.ResultNode("DescribeTargetHealth");
  for (pugi::xml_node m : result.child("TargetHealthDescriptions").children("member")) {
    pugi::xml_node target = m.child("Target");
    out.push_back({ChildText(target, "Id"), ChildText(target, "Port"),
                   ChildText(target, "AvailabilityZone"),
                   ChildText(m.child("TargetHealth"), "State")});
  }
  return out;
}

Result<WriteResult> DeregisterTargets(Client& client, const std::string& region,
                                      const std::string& target_group_arn,
                                      const std::vector<Target>& targets) {
  return ChangeTargets(client, region, "DeregisterTargets", target_group_arn, targets);
}

Result<WriteResult> RegisterTargets(Client& client, const std::string& region,
                                    const std::string& target_group_arn,
                                    const std::vector<Target>& targets) {
  return ChangeTargets(client, region, "RegisterTargets", target_group_arn, targets);
}

}  // namespace cirt::aws::elbv2
