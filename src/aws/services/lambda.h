// src/aws/services/lambda.h
// AWS Lambda (REST-JSON, API versions 2015-03-31 / 2017-10-31 / 2019-09-30
// by operation, as the service model has them). Used by `cirt respond`.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::lambda {

struct WriteResult {
  std::string request_id;
};

// GetFunctionConfiguration: the configuration object as returned.
// Errors: kAws ResourceNotFoundException when there is no such function.
Result<nlohmann::json> GetFunctionConfiguration(Client& client, const std::string& function_name);

// The reserved concurrency, or nullopt when none is set.
Result<std::optional<int>> GetFunctionConcurrency(Client& client, const std::string& function_name);
Result<WriteResult> PutFunctionConcurrency(Client& client, const std::string& function_name,
                                           int reserved_concurrent_executions);
Result<WriteResult> DeleteFunctionConcurrency(Client& client, const std::string& function_name);

// GetPolicy: the resource-based policy document (parsed from the Policy
// string), or nullopt when the function has none (ResourceNotFoundException).
Result<std::optional<nlohmann::json>> GetPolicy(Client& client, const std::string& function_name);

// AddPermission's inputs; empty members are not sent.
struct Permission {
  std::string statement_id;
  std::string action;     // "lambda:InvokeFunction"
  std::string principal;  // "*", "s3.amazonaws.com", an account id or ARN
  std::string source_arn;
  std::string source_account;
  std::string principal_org_id;
  std::string event_source_token;
  std::string function_url_auth_type;  // "NONE" | "AWS_IAM"
};

Result<WriteResult> AddPermission(Client& client, const std::string& function_name,
                                  const Permission& permission);
Result<WriteResult> RemovePermission(Client& client, const std::string& function_name,
                                     const std::string& statement_id);

}  // namespace cirt::aws::lambda
