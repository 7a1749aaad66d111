// src/investigate/scope.h
// `cirt scope`: the containment closure of a compromise. From a seed (a
// GuardDuty/Security Hub finding id, an access key, or a principal or role
// ARN) it follows the credential chain down (sessions assumed, keys
// created) and collects every identity, session, key and resource the
// attacker reached or changed, each named with the response playbook that
// contains it and that playbook's input: one entry per playbook input, in the
// order found walking out from the seed.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/case.h"

namespace cirt::investigate {

struct ScopeEntry {
  std::string playbook;  // iam-access-key, iam-user, iam-role, ec2-instance, s3-bucket,
                         // lambda-function, ebs-snapshot
  std::string param;     // the playbook's input: access_key_id, user_name, role_name, ...
  std::string value;
  std::string kind;                  // key, session, identity, resource
  std::string via;                   // the key, principal or finding that led here
  std::string reason;                // why, "; "-separated: "seed", "used", "CreateAccessKey",
                                     // "UpdateAssumeRolePolicy (trust policy changed)", ...
  std::string event_id, event_time;  // the event that put the entry in scope, if any
  bool inferred = false;             // reached through an inferred credential link
};

// Errors: kNotFound when the seed names nothing in the case.
Result<std::vector<ScopeEntry>> Scope(const store::Case& kase, std::string_view seed);

}  // namespace cirt::investigate
