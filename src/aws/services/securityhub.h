// src/aws/services/securityhub.h
// AWS Security Hub (REST-JSON; regional). Findings are ASFF; wire member
// names are upper-camel ("Filters", "Findings", "NextToken").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::securityhub {

struct Finding {
  std::string id;
  std::string product_arn;
  std::string generator_id;
  std::string aws_account_id;
  std::string title;
  std::string severity_label;   // "INFORMATIONAL" .. "CRITICAL", "" when absent
  std::string workflow_status;  // Workflow.Status, "" when absent
  std::string record_state;     // "ACTIVE" | "ARCHIVED"
  std::string created_at;       // ISO-8601 as returned
  std::string updated_at;
  nlohmann::json raw;  // the ASFF finding exactly as returned
};

struct GetFindingsInput {
  std::string region;  // "" = the client's
  // The API's Filters object ({"SeverityLabel": [{"Value": "HIGH",
  // "Comparison": "EQUALS"}]}); null = every finding.
  nlohmann::json filters = nullptr;
  int max_results = 100;  // per page, 1..100
};

// GetFindings (POST /findings), every page. Errors: as Client::Call
// (Security Hub not enabled: InvalidAccessException); kInvalidArgument when
// filters is neither null nor an object; kCorrupt for an unexpected answer.
Result<std::vector<Finding>> GetFindings(Client& client,
                                         const GetFindingsInput& input);

struct FindingIdentifier {
  std::string id;           // the ASFF Id
  std::string product_arn;  // the ASFF ProductArn
};

struct WorkflowUpdate {
  std::string region;  // "" = the client's
  std::vector<FindingIdentifier> findings;  // 1..100
  std::string workflow_status;  // NEW | NOTIFIED | RESOLVED | SUPPRESSED; "" = unchanged
  std::string note_text;        // "" = no Note
  std::string note_updated_by;  // Note.UpdatedBy (required with a note)
};

struct WriteResult {
  std::string request_id;
};

// BatchUpdateFindings (PATCH /findings/batchupdate) with Workflow.Status and
// Note. Errors: as Client::Call; kInvalidArgument for no findings or nothing
// to set; kAws with the first UnprocessedFindings ErrorCode/ErrorMessage when
// any finding was not processed (a partial failure is a failure).
Result<WriteResult> BatchUpdateFindings(Client& client, const WorkflowUpdate& update);

}  // namespace cirt::aws::securityhub
