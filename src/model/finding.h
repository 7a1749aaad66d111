// src/model/finding.h
// An alert from a detection service (GuardDuty, Security Hub ASFF), with the
// identities and resources it names, for tying alerts to CloudTrail activity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cirt::model {

enum class FindingSource : uint8_t { kGuardDuty, kSecurityHub };
// "guardduty", "securityhub".
inline std::string_view FindingSourceName(FindingSource source) {
  return source == FindingSource::kGuardDuty ? "guardduty" : "securityhub";
}

// What a finding names. The kinds are stable strings stored in cases.
struct FindingEntity {
  std::string kind;  // access_key_id, principal_arn, principal_id, user_name, instance_id,
                     // bucket, function_name, role_arn, arn, ip, resource (ASFF Resources[].Id)
  std::string value;
  bool operator==(const FindingEntity&) const = default;
};

struct Finding {
  FindingSource source = FindingSource::kGuardDuty;
  std::string id;
  std::string type;  // GuardDuty Type, or the first ASFF Types entry
  std::string title;
  double severity = 0;         // GuardDuty 0-10; ASFF Severity.Normalized (0-100)
  std::string severity_label;  // ASFF Severity.Label; GuardDuty: LOW/MEDIUM/HIGH/CRITICAL by range
  std::string account_id;
  std::string region;
  std::string first_seen;  // as written
  std::string last_seen;
  int64_t time_us = 0;  // first_seen (else created) as Unix microseconds; 0 if unknown
  std::string raw;      // the finding as compact JSON
  std::vector<FindingEntity> entities;  // de-duplicated, in order found
};

}  // namespace cirt::model
