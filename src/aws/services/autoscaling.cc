#include "aws/services/autoscaling.h"

#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"

namespace cirt::aws::autoscaling {

namespace {

void AddMembers(QueryParams& params, const std::string& name,
                const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i)
    params.emplace(name + ".member." + std::to_string(i + 1), values[i]);
}

Result<WriteResult> Write(Client& client, const std::string& region, std::string_view action,
                          const QueryParams& params) {
  Request request = MakeQueryRequest("autoscaling", action, kVersion, params);
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
  WriteResult result{RequestIdOf(response)};
  if (result.request_id.empty())
    result.request_id = ChildText(xml.root().child("ResponseMetadata"), "RequestId");
  return result;
}

}  // namespace

Result<std::vector<InstanceGroup>> DescribeAutoScalingInstances(
    Client& client, const std::string& region, const std::vector<std::string>& instance_ids) {
  std::vector<InstanceGroup> out;
  Status status = Paginate([&](const std::string& token) -> Result<std::string> {
    QueryParams params;
    AddMembers(params, "InstanceIds", instance_ids);
    if (!token.empty()) params.emplace("NextToken", token);
    Request request =
        MakeQueryRequest("autoscaling", "DescribeAutoScalingInstances", kVersion, params);
    request.region = region;
    CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
    CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
    pugi::xml_node result = xml.ResultNode("DescribeAutoScalingInstances");
    for (pugi::xml_node m : result.child("AutoScalingInstances").children("member"))
      out.push_back({ChildText(m, "InstanceId"), ChildText(m, "AutoScalingGroupName"),
                     ChildText(m, "LifecycleState")});
    return ChildText(result, "NextToken");
  });
  CIRT_RETURN_IF_ERROR(status);
  return out;
}

Result<WriteResult> DetachInstances(Client& client, const std::string& region,
                                    const std::string& group_name,
                                    const std::vector<std::string>& instance_ids,
                                    bool should_decrement_desired_capacity) {
  QueryParams params{{"AutoScalingGroupName", group_name},
                     {"ShouldDecrementDesiredCapacity",
                      should_decrement_desired_capacity ? "true" : "false"}};
  AddMembers(params, "InstanceIds", instance_ids);
  return Write(client, region, "DetachInstances", params);
}

Result<WriteResult> AttachInstances(Client& client, const std::string& region,
                                    const std::string& group_name,
                                    const std::vector<std::string>& instance_ids) {
  QueryParams params{{"AutoScalingGroupName", group_name}};
  AddMembers(params, "InstanceIds", instance_ids);
  return Write(client, region, "AttachInstances", params);
}

}  // namespace cirt::aws::autoscaling
