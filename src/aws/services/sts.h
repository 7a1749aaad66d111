// src/aws/services/sts.h
// AWS STS (query protocol, version 2011-06-15).
#pragma once

#include <optional>
#include <string>

#include "aws/client.h"
#include "aws/credentials_value.h"
#include "core/result.h"

namespace cirt::aws::sts {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

Result<CallerIdentity> GetCallerIdentity(Client& client);

struct AssumeRoleInput {
  std::string role_arn{};
  std::string role_session_name{};
  std::string external_id{};              // optional
  std::optional<int> duration_seconds{};  // optional
};

struct AssumedRole {
  Credentials credentials;  // source = "assume-role" / "web-identity"
  std::string assumed_role_arn;
  std::string assumed_role_id;
};

Result<AssumedRole> AssumeRole(Client& client, const AssumeRoleInput& input);

struct WebIdentityInput {
  std::string role_arn{};
  std::string role_session_name{};
  Secret web_identity_token{};
  std::optional<int> duration_seconds{};
};

// Sent unsigned (the token is the proof), as AWS requires.
Result<AssumedRole> AssumeRoleWithWebIdentity(Client& client,
                                              const WebIdentityInput& input);

}  // namespace cirt::aws::sts
