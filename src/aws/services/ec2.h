// src/aws/services/ec2.h
// Amazon EC2 (query protocol, version 2016-11-15; regional). Read calls for
// evidence (inventory) come first; write calls (containment) belong in the
// block at the end and reuse the same request helpers (Filter, AddList,
// the Call* functions in ec2.cc): one file per service.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/request.h"
#include "core/result.h"

namespace cirt::aws::ec2 {

inline constexpr char kVersion[] = "2016-11-15";

// One EC2 Filter ("Filter.N.Name", "Filter.N.Value.M").
struct Filter {
  std::string name;  // "instance-state-name", "vpc-id", "tag:Name"
  std::vector<std::string> values;
};

// Adds EC2 list parameters: `name`.1, `name`.2, ... ("InstanceId.1").
void AddList(QueryParams& params, const std::string& name,
             const std::vector<std::string>& values);
// Adds Filter.N.Name / Filter.N.Value.M, numbering from 1.
void AddFilters(QueryParams& params, const std::vector<Filter>& filters);

struct Region {
  std::string name;      // "eu-west-1"
  std::string endpoint;  // "ec2.eu-west-1.amazonaws.com"
  // "opt-in-not-required" | "opted-in" | "not-opted-in"
  std::string opt_in_status;
};

// DescribeRegions (regions enabled for the account; `all` adds the ones not
// opted in). `raw` (optional) receives the answer as JSON ({"regionInfo":
// [...]}, see XmlToJson). Errors: as Client::Call; kCorrupt for non-XML.
Result<std::vector<Region>> DescribeRegions(Client& client, bool all = false,
                                            nlohmann::json* raw = nullptr);

struct Instance {
  std::string instance_id;
  std::string instance_type;
  std::string state;  // "running", "stopped", ...
  std::string image_id;
  std::string launch_time;  // ISO-8601 as returned
  std::string vpc_id;
  std::string subnet_id;
  std::string private_ip;
  std::string public_ip;                 // "" when none
  std::string iam_instance_profile_arn;  // "" when none
  std::vector<std::string> security_group_ids;
  std::vector<std::string> network_interface_ids;
};

struct Reservation {
  std::string reservation_id;
  std::string owner_id;
  std::vector<Instance> instances;
  nlohmann::json raw;  // the <item> as JSON (XmlToJson), wire names
};

// DescribeInstances in `region` ("" = the client's), every page, optionally
// narrowed by `filters`. Errors: as Client::Call; kCorrupt for non-XML.
Result<std::vector<Reservation>> DescribeInstances(
    Client& client, const std::string& region,
    const std::vector<Filter>& filters = {});

struct IpPermission {
  std::string protocol;   // "tcp", "udp", "icmp", "-1"
  std::string from_port;  // "" for all
  std::string to_port;
  std::vector<std::string> cidrs;      // IPv4 and IPv6 ranges
  std::vector<std::string> group_ids;  // referenced security groups
};

struct SecurityGroup {
  std::string group_id;
  std::string group_name;
  std::string vpc_id;
  std::string owner_id;
  std::string description;
  std::vector<IpPermission> ingress;
  std::vector<IpPermission> egress;
  nlohmann::json raw;
};

// DescribeSecurityGroups in `region`, every page.
Result<std::vector<SecurityGroup>> DescribeSecurityGroups(
    Client& client, const std::string& region,
    const std::vector<Filter>& filters = {});

struct NetworkInterface {
  std::string network_interface_id;
  std::string status;  // "in-use", "available"
  std::string interface_type;
  std::string vpc_id;
  std::string subnet_id;
  std::string private_ip;
  std::string public_ip;    // association publicIp, "" when none
  std::string instance_id;  // attachment, "" when unattached
  std::vector<std::string> security_group_ids;
  nlohmann::json raw;
};

// DescribeNetworkInterfaces in `region`, every page.
Result<std::vector<NetworkInterface>> DescribeNetworkInterfaces(
    Client& client, const std::string& region,
    const std::vector<Filter>& filters = {});

// ---------------------------------------------------------------------------
// Write calls (containment: isolation security group, snapshots, ...) go
// below this line, built with the same helpers.
// ---------------------------------------------------------------------------

}  // namespace cirt::aws::ec2
