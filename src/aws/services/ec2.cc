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

}  // namespace cirt::aws::ec2
