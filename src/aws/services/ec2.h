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

struct WriteResult {
  std::string request_id;
  std::string id;  // what the call created (snapshot, group), "" otherwise
};

// DescribeInstanceAttribute `attribute` ("disableApiTermination",
// "instanceInitiatedShutdownBehavior", "userData", ...): the answer as JSON
// (XmlToJson of the root, e.g. {"disableApiTermination": {"value": "false"}}).
Result<nlohmann::json> DescribeInstanceAttribute(Client& client, const std::string& region,
                                                 const std::string& instance_id,
                                                 const std::string& attribute);

// GetConsoleOutput (Latest=true): {"instanceId", "timestamp", "output"}
// with output base64 as returned ("" when the instance has none yet).
Result<nlohmann::json> GetConsoleOutput(Client& client, const std::string& region,
                                        const std::string& instance_id);

// DescribeVolumes / DescribeSnapshots (OwnerId self), every page: each item
// as JSON (XmlToJson, wire names: volumeId, snapshotId, tagSet, ...).
Result<std::vector<nlohmann::json>> DescribeVolumes(Client& client, const std::string& region,
                                                    const std::vector<Filter>& filters);
Result<std::vector<nlohmann::json>> DescribeSnapshots(Client& client, const std::string& region,
                                                      const std::vector<Filter>& filters);

// ModifyInstanceAttribute, one attribute per call (the API takes one).
Result<WriteResult> SetDisableApiTermination(Client& client, const std::string& region,
                                             const std::string& instance_id, bool value);
// "stop" | "terminate".
Result<WriteResult> SetShutdownBehavior(Client& client, const std::string& region,
                                        const std::string& instance_id, const std::string& value);
// BlockDeviceMapping.N.DeviceName / .Ebs.DeleteOnTermination per device.
struct DeleteOnTermination {
  std::string device_name;  // "/dev/xvda"
  bool value = false;
};
Result<WriteResult> SetDeleteOnTermination(Client& client, const std::string& region,
                                           const std::string& instance_id,
                                           const std::vector<DeleteOnTermination>& devices);

struct Tag {
  std::string key;
  std::string value;
};
Result<WriteResult> CreateTags(Client& client, const std::string& region,
                               const std::vector<std::string>& resource_ids,
                               const std::vector<Tag>& tags);
// DeleteTags of `keys` (any value).
Result<WriteResult> DeleteTags(Client& client, const std::string& region,
                               const std::vector<std::string>& resource_ids,
                               const std::vector<std::string>& keys);

// CreateSnapshot with TagSpecification.1 (ResourceType snapshot); id = the
// snapshot id.
Result<WriteResult> CreateSnapshot(Client& client, const std::string& region,
                                   const std::string& volume_id, const std::string& description,
                                   const std::vector<Tag>& tags);

// ModifyInstanceMetadataOptions HttpEndpoint ("enabled" | "disabled").
Result<WriteResult> SetMetadataEndpoint(Client& client, const std::string& region,
                                        const std::string& instance_id,
                                        const std::string& http_endpoint);

// CreateSecurityGroup in `vpc_id`; id = the group id.
Result<WriteResult> CreateSecurityGroup(Client& client, const std::string& region,
                                        const std::string& vpc_id, const std::string& name,
                                        const std::string& description);
// AuthorizeSecurityGroupIngress / RevokeSecurityGroupEgress of one
// IpPermissions.1 (protocol, ports when given, IpRanges.N.CidrIp).
Result<WriteResult> AuthorizeIngress(Client& client, const std::string& region,
                                     const std::string& group_id, const IpPermission& permission);
Result<WriteResult> RevokeEgress(Client& client, const std::string& region,
                                 const std::string& group_id, const IpPermission& permission);

// ModifyNetworkInterfaceAttribute SecurityGroupId.N (replaces every group).
Result<WriteResult> SetNetworkInterfaceGroups(Client& client, const std::string& region,
                                              const std::string& network_interface_id,
                                              const std::vector<std::string>& group_ids);

struct ProfileAssociation {
  std::string association_id;
  std::string instance_id;
  std::string profile_arn;
  std::string state;  // "associating" | "associated" | "disassociating" | ...
};
// DescribeIamInstanceProfileAssociations for one instance (Filter
// instance-id), every page.
Result<std::vector<ProfileAssociation>> DescribeIamInstanceProfileAssociations(
    Client& client, const std::string& region, const std::string& instance_id);
// `profile`: an instance-profile ARN (IamInstanceProfile.Arn) or name
// (IamInstanceProfile.Name). id = the new association id.
Result<WriteResult> AssociateIamInstanceProfile(Client& client, const std::string& region,
                                                const std::string& instance_id,
                                                const std::string& profile);
Result<WriteResult> ReplaceIamInstanceProfileAssociation(Client& client,
                                                         const std::string& region,
                                                         const std::string& association_id,
                                                         const std::string& profile);
Result<WriteResult> DisassociateIamInstanceProfile(Client& client, const std::string& region,
                                                   const std::string& association_id);

}  // namespace cirt::aws::ec2
