// src/aws/services/elbv2.h
// Elastic Load Balancing v2 (query protocol, version 2015-12-01, signing
// name elasticloadbalancing; regional): the target-group calls `cirt
// respond` needs to take an instance out of its load balancers and back.
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::elbv2 {

inline constexpr char kVersion[] = "2015-12-01";

struct WriteResult {
  std::string request_id;
};

struct TargetGroup {
  std::string arn;
  std::string name;
  std::string target_type;  // "instance" | "ip" | "lambda" | "alb"
  std::string vpc_id;
};

// DescribeTargetGroups, every page (Marker / NextMarker).
Result<std::vector<TargetGroup>> DescribeTargetGroups(Client& client, const std::string& region);

struct Target {
  std::string id;    // instance id, IP, ...
  std::string port;  // "" when the answer has none
  std::string availability_zone;
  std::string state;  // TargetHealth.State ("healthy", "initial", "unused", ...)
};

// DescribeTargetHealth of every target registered in `target_group_arn`.
Result<std::vector<Target>> DescribeTargetHealth(Client& client, const std::string& region,
                                                 const std::string& target_group_arn);

// DeregisterTargets / RegisterTargets (Targets.member.N.Id / .Port /
// .AvailabilityZone when given).
Result<WriteResult> DeregisterTargets(Client& client, const std::string& region,
                                      const std::string& target_group_arn,
                                      const std::vector<Target>& targets);
Result<WriteResult> RegisterTargets(Client& client, const std::string& region,
                                    const std::string& target_group_arn,
                                    const std::vector<Target>& targets);

}  // namespace cirt::aws::elbv2
