// src/aws/credentials.h
// Where credentials come from: the AWS CLI v2 provider chain
// (aws-ir-conventions.md 1.1), a refreshing cache, and a static provider.
// Everything read from outside (env, files, processes, clock) goes through
// Environment; every HTTP call through a Transport; STS calls through the
// same Client path as any other AWS call.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/client_options.h"
#include "aws/config.h"
#include "aws/credentials_value.h"
#include "aws/environment.h"
#include "aws/transport.h"
#include "core/result.h"

namespace cirt::aws {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Errors: kNotFound means "this source has nothing" (a chain moves on);
  // any other error means the source is configured but failed (a chain
  // stops and reports it, as the AWS CLI does).
  virtual Result<Credentials> Resolve() = 0;
  // Drops anything cached so the next Resolve() fetches fresh credentials
  // (called after an ExpiredToken answer). Default: nothing cached.
  virtual void Invalidate() {}
};

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  Result<Credentials> Resolve() override { return credentials_; }

 private:
  Credentials credentials_;
};

// Caches what `inner` returns and asks again once the credentials are within
// `refresh_before` of their expiration (never for non-expiring ones). When a
// refresh fails while the cached credentials are still valid, they are used.
// Thread-safe.
class CachingCredentialsProvider final : public CredentialsProvider {
 public:
  // Default refresh_before: 5 minutes.
  CachingCredentialsProvider(
      std::unique_ptr<CredentialsProvider> inner,
      std::function<std::chrono::system_clock::time_point()> clock,
      std::chrono::seconds refresh_before = std::chrono::minutes(5));
  Result<Credentials> Resolve() override;
  void Invalidate() override;

 private:
  std::mutex mu_;
  std::unique_ptr<CredentialsProvider> inner_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  std::chrono::seconds refresh_before_;
  std::optional<Credentials> cached_;
};

struct ChainOptions {
  // Options for the temporary Clients that call STS (AssumeRole,
  // AssumeRoleWithWebIdentity). Region and endpoints are taken from the
  // ResolvedConfig (region falls back to us-east-1).
  ClientOptions sts_options;
  // REQUIRED, must outlive the chain: the transport for STS calls.
  Transport* sts_transport = nullptr;
  // REQUIRED, must outlive the chain: the transport for the container
  // endpoint and IMDS (give it short timeouts: 1-2 s).
  Transport* metadata_transport = nullptr;
};

// The AWS CLI chain, in order:
//  1. env AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN]
//     (skipped when --profile was given);
//  2. profile role_arn + source_profile | credential_source -> sts:AssumeRole
//     (external_id, duration_seconds, role_session_name; loops detected);
//  3. web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or profile
//     web_identity_token_file + role_arn) -> sts:AssumeRoleWithWebIdentity;
//  4. IAM Identity Center (sso_session or legacy sso_start_url): the token
//     cached by `aws sso login` in ~/.aws/sso/cache, exchanged at the portal
//     (kPermissionDenied when missing or expired);
//  5. credentials-file keys; 6. credential_process; 7. config-file keys;
//  8. container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI);
//  9. IMDSv2 (unless AWS_EC2_METADATA_DISABLED=true).
// The result is wrapped in a CachingCredentialsProvider on env.Now().
// `env` must outlive the provider. Resolve() errors: kNotFound when no
// source has credentials, kInvalidArgument for broken configuration,
// kAws/kNetwork from STS and metadata calls.
std::unique_ptr<CredentialsProvider> MakeDefaultCredentialsChain(
    const Environment& env, const ResolvedConfig& config, ChainOptions options);

// Parses credential_process output (Version 1 JSON). Errors: kCorrupt.
Result<Credentials> ParseCredentialProcessOutput(std::string_view json);

// Splits a credential_process command line like a POSIX shell would for
// words: whitespace separates, '...' and "..." quote, backslash escapes.
// Errors: kInvalidArgument for an unterminated quote.
Result<std::vector<std::string>> SplitCommandLine(std::string_view command);

}  // namespace cirt::aws
