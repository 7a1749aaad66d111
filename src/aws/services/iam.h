// src/aws/services/iam.h
// AWS IAM (query protocol, version 2010-05-08; global endpoint, signed for
// us-east-1).
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::iam {

struct User {
  std::string user_name;
  std::string user_id;
  std::string arn;
  std::string path;
  std::string create_date;  // ISO-8601 as returned
};

struct AccessKeyMetadata {
  std::string user_name;
  std::string access_key_id;
  std::string status;       // "Active" | "Inactive"
  std::string create_date;  // ISO-8601 as returned
};

// Every user (all pages). `page_size` > 0 sets MaxItems.
Result<std::vector<User>> ListUsers(Client& client, int page_size = 0);

// Every access key of `user_name` (all pages).
Result<std::vector<AccessKeyMetadata>> ListAccessKeys(
    Client& client, const std::string& user_name, int page_size = 0);

}  // namespace cirt::aws::iam
