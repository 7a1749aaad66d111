// src/aws/credentials_value.h
// Credentials: one resolved set of AWS keys, as the signer needs them.
// Providers that produce them live in credentials.h.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "aws/secret.h"

namespace cirt::aws {

struct Credentials {
  std::string access_key_id{};
  Secret secret_access_key{};
  Secret session_token{};  // empty for long-term keys
  // When the keys stop working; nullopt = they do not expire.
  std::optional<std::chrono::system_clock::time_point> expiration{};
  // Where they came from: "env", "shared-credentials-file", "config-file",
  // "assume-role", "web-identity", "process", "container", "imds", "static".
  std::string source{};
  std::string account_id{};  // when the source told us (optional)
};

}  // namespace cirt::aws
