#include "aws/services/ec2.h"

#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"

namespace cirt::aws::ec2 {

namespace {

// One EC2 call in `region`: the parsed answer (EC2 puts results directly
// under the <{Action}Response> root).
Result<XmlResponse> CallEc2(Client& client, const std::string& region,
                            std::string_view action,
                            const QueryParams& params) {
  Request request = MakeQueryRequest("ec2", action, kVersion, params);
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  return XmlResponse::Parse(response.body);
}

// An EC2 write: the request id (header, else <requestId>) and, with
// `id_element`, the id the call created (kCorrupt when missing).
Result<WriteResult> Write(Client& client, const std::string& region, std::string_view action,
                          const QueryParams& params, const char* id_element = nullptr) {
  Request request = MakeQueryRequest("ec2", action, kVersion, params);
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
  WriteResult result;
  result.request_id = RequestIdOf(response);
  if (result.request_id.empty()) result.request_id = ChildText(xml.root(), "requestId");
  if (id_element != nullptr) {
    result.id = ChildText(xml.root(), id_element);
    if (result.id.empty())
      return Status::Corrupt(std::string("EC2 ") + std::string(action) + ": no <" + id_element +
                             "> in the answer");
  }
  return result;
}

void AddPermission(QueryParams& params, const std::string& prefix, const IpPermission& p) {
  params.emplace(prefix + ".IpProtocol", p.protocol);
  if (!p.from_port.empty()) params.emplace(prefix + ".FromPort", p.from_port);
  if (!p.to_port.empty()) params.emplace(prefix + ".ToPort", p.to_port);
  for (size_t i = 0; i < p.cidrs.size(); ++i) {
    bool v6 = p.cidrs[i].find(':') != std::string::npos;
    params.emplace(prefix + (v6 ? ".Ipv6Ranges." : ".IpRanges.") + std::to_string(i + 1) +
                       (v6 ? ".CidrIpv6" : ".CidrIp"),
                   p.cidrs[i]);
  }
  for (size_t i = 0; i < p.group_ids.size(); ++i)
    params.emplace(prefix + ".Groups." + std::to_string(i + 1) + ".GroupId", p.group_ids[i]);
}

void AddProfile(QueryParams& params, const std::string& profile) {
  params.emplace(profile.rfind("arn:", 0) == 0 ? "IamInstanceProfile.Arn"
                                               : "IamInstanceProfile.Name",
                 profile);
}

// An EC2 Describe* call, every page (NextToken in, <nextToken> out);
// `decode` reads one <item> of `list_element`.
template <class Item, class Decode>
Result<std::vector<Item>> DescribeAll(Client& client, const std::string& region,
                                      std::string_view action,
                                      QueryParams params,
                                      const char* list_element, Decode decode) {
  std::vector<Item> items;
  Status status =
      Paginate([&](const std::string& token) -> Result<std::string> {
        QueryParams page_params = params;
        if (!token.empty())
          page_params.emplace(std::string(kEc2NextToken.input), token);
        CIRT_ASSIGN_OR_RETURN(XmlResponse xml,
                              CallEc2(client, region, action, page_params));
        pugi::xml_node result = xml.root();
        for (pugi::xml_node item : result.child(list_element).children("item"))
          items.push_back(decode(item));
        return NextTokenFromXml(result, kEc2NextToken);
      });
  CIRT_RETURN_IF_ERROR(status);
  return items;
}

std::vector<std::string> ItemTexts(pugi::xml_node list, const char* field) {
  std::vector<std::string> out;
  for (pugi::xml_node item : list.children("item"))
    out.push_back(ChildText(item, field));
  return out;
}

QueryParams FilterParams(const std::vector<Filter>& filters) {
  QueryParams params;
  AddFilters(params, filters);
  return params;
}

IpPermission DecodePermission(pugi::xml_node item) {
  IpPermission p{ChildText(item, "ipProtocol"), ChildText(item, "fromPort"),
                 ChildText(item, "toPort"),
                 ItemTexts(item.child("ipRanges"), "cidrIp"),
                 ItemTexts(item.child("groups"), "groupId")};
  for (std::string& cidr : ItemTexts(item.child("ipv6Ranges"), "cidrIpv6"))
    p.cidrs.push_back(std::move(cidr));
  return p;
}

Instance DecodeInstance(pugi::xml_node item) {
  Instance i;
  i.instance_id = ChildText(item, "instanceId");
  i.instance_type = ChildText(item, "instanceType");
  i.state = ChildText(item.child("instanceState"), "name");
  i.image_id = ChildText(item, "imageId");
  i.launch_time = ChildText(item, "launchTime");
  i.vpc_id = ChildText(item, "vpcId");
  i.subnet_id = ChildText(item, "subnetId");
  i.private_ip = ChildText(item, "privateIpAddress");
  i.public_ip = ChildText(item, "ipAddress");
  i.iam_instance_profile_arn =
      ChildText(item.child("iamInstanceProfile"), "arn");
  i.security_group_ids = ItemTexts(item.child("groupSet"), "groupId");
  i.network_interface_ids =
      ItemTexts(item.child("networkInterfaceSet"), "networkInterfaceId");
  return i;
}

}  // namespace

void AddList(QueryParams& params, const std::string& name,
             const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i)
    params.emplace(name + "." + std::to_string(i + 1), values[i]);
}

void AddFilters(QueryParams& params, const std::vector<Filter>& filters) {
  for (size_t i = 0; i < filters.size(); ++i) {
    std::string prefix = "Filter." + std::to_string(i + 1);
    params.emplace(prefix + ".Name", filters[i].name);
    AddList(params, prefix + ".Value", filters[i].values);
  }
}

Result<std::vector<Region>> DescribeRegions(Client& client, bool all,
                                            nlohmann::json* raw) {
  QueryParams params;
  if (all) params.emplace("AllRegions", "true");
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml,
                        CallEc2(client, "", "DescribeRegions", params));
  std::vector<Region> regions;
  pugi::xml_node list = xml.root().child("regionInfo");
  for (pugi::xml_node item : list.children("item")) {
    regions.push_back({ChildText(item, "regionName"),
                       ChildText(item, "regionEndpoint"),
                       ChildText(item, "optInStatus")});
  }
  if (raw != nullptr) {
    nlohmann::json items = XmlToJson(list);
    if (!items.is_array())
      items = nlohmann::json::array();  // <regionInfo/>: none
    *raw = {{"regionInfo", std::move(items)}};
  }
  return regions;
}

Result<std::vector<Reservation>> DescribeInstances(
    Client& client, const std::string& region,
    const std::vector<Filter>& filters) {
  return DescribeAll<Reservation>(
      client, region, "DescribeInstances", FilterParams(filters),
      "reservationSet", [](pugi::xml_node item) {
        Reservation r{ChildText(item, "reservationId"),
                      ChildText(item, "ownerId"),
                      {},
                      XmlToJson(item)};
        for (pugi::xml_node instance :
             item.child("instancesSet").children("item"))
          r.instances.push_back(DecodeInstance(instance));
        return r;
      });
}

Result<std::vector<SecurityGroup>> DescribeSecurityGroups(
    Client& client, const std::string& region,
    const std::vector<Filter>& filters) {
  return DescribeAll<SecurityGroup>(
      client, region, "DescribeSecurityGroups", FilterParams(filters),
      "securityGroupInfo", [](pugi::xml_node item) {
        SecurityGroup g{ChildText(item, "groupId"),
                        ChildText(item, "groupName"),
                        ChildText(item, "vpcId"),
                        ChildText(item, "ownerId"),
                        ChildText(item, "groupDescription"),
                        {},
                        {},
                        XmlToJson(item)};
        for (pugi::xml_node p : item.child("ipPermissions").children("item"))
          g.ingress.push_back(DecodePermission(p));
        for (pugi::xml_node p :
             item.child("ipPermissionsEgress").children("item"))
          g.egress.push_back(DecodePermission(p));
        return g;
      });
}

Result<std::vector<NetworkInterface>> DescribeNetworkInterfaces(
    Client& client, const std::string& region,
    const std::vector<Filter>& filters) {
  return DescribeAll<NetworkInterface>(
      client, region, "DescribeNetworkInterfaces", FilterParams(filters),
      "networkInterfaceSet", [](pugi::xml_node item) {
        NetworkInterface n;
        n.network_interface_id = ChildText(item, "networkInterfaceId");
        n.status = ChildText(item, "status");
        n.interface_type = ChildText(item, "interfaceType");
        n.vpc_id = ChildText(item, "vpcId");
        n.subnet_id = ChildText(item, "subnetId");
        n.private_ip = ChildText(item, "privateIpAddress");
        n.public_ip = ChildText(item.child("association"), "publicIp");
        n.instance_id = ChildText(item.child("attachment"), "instanceId");
        n.security_group_ids = ItemTexts(item.child("groupSet"), "groupId");
        n.raw = XmlToJson(item);
        return n;
      });
}

Result<nlohmann::json> DescribeInstanceAttribute(Client& client, const std::string& region,
                                                 const std::string& instance_id,
                                                 const std::string& attribute) {
  QueryParams params{{"InstanceId", instance_id}, {"Attribute", attribute}};
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml,
                        CallEc2(client, region, "DescribeInstanceAttribute", params));
  return XmlToJson(xml.root());
}

Result<nlohmann::json> GetConsoleOutput(Client& client, const std::string& region,
                                        const std::string& instance_id) {
  QueryParams params{{"InstanceId", instance_id}, {"Latest", "true"}};
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, CallEc2(client, region, "GetConsoleOutput", params));
  pugi::xml_node root = xml.root();
  return nlohmann::json{{"instanceId", ChildText(root, "instanceId")},
                        {"timestamp", ChildText(root, "timestamp")},
                        {"output", ChildText(root, "output")}};
}

Result<std::vector<nlohmann::json>> DescribeVolumes(Client& client, const std::string& region,
                                                    const std::vector<Filter>& filters) {
  return DescribeAll<nlohmann::json>(client, region, "DescribeVolumes", FilterParams(filters),
                                     "volumeSet", [](pugi::xml_node item) { return XmlToJson(item); });
}

Result<std::vector<nlohmann::json>> DescribeSnapshots(Client& client, const std::string& region,
                                                      const std::vector<Filter>& filters) {
  QueryParams params = FilterParams(filters);
  params.emplace("Owner.1", "self");
  return DescribeAll<nlohmann::json>(client, region, "DescribeSnapshots", params, "snapshotSet",
                                     [](pugi::xml_node item) { return XmlToJson(item); });
}

Result<WriteResult> SetDisableApiTermination(Client& client, const std::string& region,
                                             const std::string& instance_id, bool value) {
  return Write(client, region, "ModifyInstanceAttribute",
               {{"InstanceId", instance_id}, {"DisableApiTermination.Value", value ? "true" : "false"}});
}

Result<WriteResult> SetShutdownBehavior(Client& client, const std::string& region,
                                        const std::string& instance_id, const std::string& value) {
  return Write(client, region, "ModifyInstanceAttribute",
               {{"InstanceId", instance_id}, {"InstanceInitiatedShutdownBehavior.Value", value}});
}

Result<WriteResult> SetDeleteOnTermination(Client& client, const std::string& region,
                                           const std::string& instance_id,
                                           const std::vector<DeleteOnTermination>& devices) {
  if (devices.empty()) return Status::InvalidArgument("SetDeleteOnTermination: no devices");
  QueryParams params{{"InstanceId", instance_id}};
  for (size_t i = 0; i < devices.size(); ++i) {
    std::string prefix = "BlockDeviceMapping." + std::to_string(i + 1);
    params.emplace(prefix + ".DeviceName", devices[i].device_name);
    params.emplace(prefix + ".Ebs.DeleteOnTermination", devices[i].value ? "true" : "false");
  }
  return Write(client, region, "ModifyInstanceAttribute", params);
}

Result<WriteResult> CreateTags(Client& client, const std::string& region,
                               const std::vector<std::string>& resource_ids,
                               const std::vector<Tag>& tags) {
  QueryParams params;
  AddList(params, "ResourceId", resource_ids);
  for (size_t i = 0; i < tags.size(); ++i) {
    std::string prefix = "Tag." + std::to_string(i + 1);
    params.emplace(prefix + ".Key", tags[i].key);
    params.emplace(prefix + ".Value", tags[i].value);
  }
  return Write(client, region, "CreateTags", params);
}

Result<WriteResult> DeleteTags(Client& client, const std::string& region,
                               const std::vector<std::string>& resource_ids,
                               const std::vector<std::string>& keys) {
  QueryParams params;
  AddList(params, "ResourceId", resource_ids);
  for (size_t i = 0; i < keys.size(); ++i)
    params.emplace("Tag." + std::to_string(i + 1) + ".Key", keys[i]);
  return Write(client, region, "DeleteTags", params);
}

Result<WriteResult> CreateSnapshot(Client& client, const std::string& region,
                                   const std::string& volume_id, const std::string& description,
                                   const std::vector<Tag>& tags) {
  QueryParams params{{"VolumeId", volume_id}, {"Description", description}};
  if (!tags.empty()) params.emplace("TagSpecification.1.ResourceType", "snapshot");
  for (size_t i = 0; i < tags.size(); ++i) {
    std::string prefix = "TagSpecification.1.Tag." + std::to_string(i + 1);
    params.emplace(prefix + ".Key", tags[i].key);
    params.emplace(prefix + ".Value", tags[i].value);
  }
  return Write(client, region, "CreateSnapshot", params, "snapshotId");
}

Result<WriteResult> SetMetadataEndpoint(Client& client, const std::string& region,
                                        const std::string& instance_id,
                                        const std::string& http_endpoint) {
  return Write(client, region, "ModifyInstanceMetadataOptions",
               {{"InstanceId", instance_id}, {"HttpEndpoint", http_endpoint}});
}

Result<WriteResult> CreateSecurityGroup(Client& client, const std::string& region,
                                        const std::string& vpc_id, const std::string& name,
                                        const std::string& description) {
  return Write(client, region, "CreateSecurityGroup",
               {{"VpcId", vpc_id}, {"GroupName", name}, {"GroupDescription", description}},
               "groupId");
}

Result<WriteResult> AuthorizeIngress(Client& client, const std::string& region,
                                     const std::string& group_id, const IpPermission& permission) {
  QueryParams params{{"GroupId", group_id}};
  AddPermission(params, "IpPermissions.1", permission);
  return Write(client, region, "AuthorizeSecurityGroupIngress", params);
}

Result<WriteResult> RevokeEgress(Client& client, const std::string& region,
                                 const std::string& group_id, const IpPermission& permission) {
  QueryParams params{{"GroupId", group_id}};
  AddPermission(params, "IpPermissions.1", permission);
  return Write(client, region, "RevokeSecurityGroupEgress", params);
}

Result<WriteResult> SetNetworkInterfaceGroups(Client& client, const std::string& region,
                                              const std::string& network_interface_id,
                                              const std::vector<std::string>& group_ids) {
  if (group_ids.empty())
    return Status::InvalidArgument("an interface needs at least one security group");
  QueryParams params{{"NetworkInterfaceId", network_interface_id}};
  AddList(params, "SecurityGroupId", group_ids);
  return Write(client, region, "ModifyNetworkInterfaceAttribute", params);
}

Result<std::vector<ProfileAssociation>> DescribeIamInstanceProfileAssociations(
    Client& client, const std::string& region, const std::string& instance_id) {
  return DescribeAll<ProfileAssociation>(
      client, region, "DescribeIamInstanceProfileAssociations",
      FilterParams({{"instance-id", {instance_id}}}), "iamInstanceProfileAssociationSet",
      [](pugi::xml_node item) {
        return ProfileAssociation{ChildText(item, "associationId"), ChildText(item, "instanceId"),
                                  ChildText(item.child("iamInstanceProfile"), "arn"),
                                  ChildText(item, "state")};
      });
}

Result<WriteResult> AssociateIamInstanceProfile(Client& client, const std::string& region,
                                                const std::string& instance_id,
                                                const std::string& profile) {
  QueryParams params{{"InstanceId", instance_id}};
  AddProfile(params, profile);
  CIRT_ASSIGN_OR_RETURN(WriteResult result,
                        Write(client, region, "AssociateIamInstanceProfile", params));
  return result;
}

Result<WriteResult> ReplaceIamInstanceProfileAssociation(Client& client,
                                                         const std::string& region,
                                                         const std::string& association_id,
                                                         const std::string& profile) {
  QueryParams params{{"AssociationId", association_id}};
  AddProfile(params, profile);
  return Write(client, region, "ReplaceIamInstanceProfileAssociation", params);
}

Result<WriteResult> DisassociateIamInstanceProfile(Client& client, const std::string& region,
                                                   const std::string& association_id) {
  return Write(client, region, "DisassociateIamInstanceProfile",
               {{"AssociationId", association_id}});
}

}  // namespace cirt::aws::ec2
