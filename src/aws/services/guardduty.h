// src/aws/services/guardduty.h
// Amazon GuardDuty (REST-JSON; regional). Wire member names are
// lower-camel ("detectorIds", "findingCriteria", "nextToken").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::guardduty {

// GetFindings takes at most this many ids per call.
inline constexpr size_t kMaxFindingIdsPerCall = 50;

// ListDetectors in `region` ("" = the client's), every page.
// Errors: as Client::Call; kCorrupt for a non-JSON answer.
Result<std::vector<std::string>> ListDetectors(Client& client,
                                               const std::string& region);

// ListFindings of `detector_id`, every page. `finding_criteria` is the
// wire's FindingCriteria ({"criterion": {"severity": {"gte": 7}}}) or null
// for every finding; the AWS CLI's spelling ({"Criterion": {"type":
// {"Eq": [...]}}}) is accepted too (see NormalizeFindingCriteria).
Result<std::vector<std::string>> ListFindings(
    Client& client, const std::string& region, const std::string& detector_id,
    const nlohmann::json& finding_criteria = nullptr);

struct Finding {
  std::string id;
  std::string arn;
  std::string type;  // "UnauthorizedAccess:IAMUser/TorIPCaller"
  double severity = 0;
  std::string account_id;
  std::string region;
  std::string title;
  std::string created_at;  // ISO-8601 as returned
  std::string updated_at;
  nlohmann::json raw;  // the finding exactly as returned
};

// GetFindings for `finding_ids`, in calls of at most kMaxFindingIdsPerCall,
// in the order returned. Errors: as Client::Call; kCorrupt when the answer
// has no "findings" list.
Result<std::vector<Finding>> GetFindings(
    Client& client, const std::string& region, const std::string& detector_id,
    const std::vector<std::string>& finding_ids);

// FindingCriteria with the AWS CLI's upper-camel member names ("Criterion",
// "Eq", "GreaterThanOrEqual") turned into the wire's lower-camel ones;
// attribute names inside the criterion ("service.archived") are kept.
// Errors: kInvalidArgument when it is not an object with a criterion object.
Result<nlohmann::json> NormalizeFindingCriteria(const nlohmann::json& criteria);

struct WriteResult {
  std::string request_id;
};

// ArchiveFindings / UnarchiveFindings (POST
// /detector/{detectorId}/findings/archive|unarchive, {"findingIds": [...]},
// at most kMaxFindingIdsPerCall). Errors: as Client::Call; kInvalidArgument
// for no ids or too many.
Result<WriteResult> ArchiveFindings(Client& client, const std::string& region,
                                    const std::string& detector_id,
                                    const std::vector<std::string>& finding_ids);
Result<WriteResult> UnarchiveFindings(Client& client, const std::string& region,
                                      const std::string& detector_id,
                                      const std::vector<std::string>& finding_ids);

}  // namespace cirt::aws::guardduty
