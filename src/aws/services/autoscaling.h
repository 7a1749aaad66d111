// src/aws/services/autoscaling.h
// Amazon EC2 Auto Scaling (query protocol, version 2011-01-01; regional):
// the calls `cirt respond` needs to take an instance out of its group and
// put it back.
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::autoscaling {

inline constexpr char kVersion[] = "2011-01-01";

struct WriteResult {
  std::string request_id;
};

struct InstanceGroup {
  std::string instance_id;
  std::string group_name;
  std::string lifecycle_state;  // "InService", "Standby", ...
};

// DescribeAutoScalingInstances for `instance_ids` (InstanceIds.member.N),
// every page; an instance in no group is absent from the answer.
Result<std::vector<InstanceGroup>> DescribeAutoScalingInstances(
    Client& client, const std::string& region, const std::vector<std::string>& instance_ids);

// DetachInstances (ShouldDecrementDesiredCapacity as given: true keeps the
// group from launching a replacement).
Result<WriteResult> DetachInstances(Client& client, const std::string& region,
                                    const std::string& group_name,
                                    const std::vector<std::string>& instance_ids,
                                    bool should_decrement_desired_capacity);
// AttachInstances (the group's desired capacity grows by their number).
Result<WriteResult> AttachInstances(Client& client, const std::string& region,
                                    const std::string& group_name,
                                    const std::vector<std::string>& instance_ids);

}  // namespace cirt::aws::autoscaling
