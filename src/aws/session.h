// src/aws/session.h
// Session: the one-call way for cirt commands to get a ready Client from
// flags and the environment, wired the way the AWS CLI would be (config
// files, profile, region, endpoints, retries, the credential chain, curl
// transports with AWS_CA_BUNDLE). Commands in collect/ and respond/ start
// here; tests may inject transports.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/credentials.h"
#include "aws/environment.h"
#include "aws/transport.h"
#include "core/result.h"

namespace cirt::aws {

struct SessionOptions {
  GlobalFlags flags;
  // --debug hook (see ClientOptions::debug_log). Default: off.
  std::function<void(std::string_view)> debug_log;
  // Optional overrides (tests): used instead of the curl transports.
  // Must outlive the Session.
  Transport* transport = nullptr;
  Transport* metadata_transport = nullptr;
};

class Session {
 public:
  // Resolves configuration (errors as ResolveConfig) and builds the chain;
  // credentials are resolved lazily on the first call. `env` must outlive
  // the Session.
  static Result<std::unique_ptr<Session>> Open(const Environment& env,
                                               SessionOptions options);

  Client& client() { return *client_; }
  const ResolvedConfig& config() const { return config_; }
  CredentialsProvider& credentials() { return *credentials_; }

 private:
  Session() = default;
  ResolvedConfig config_;
  std::unique_ptr<Transport> owned_transport_;
  std::unique_ptr<Transport> owned_metadata_transport_;
  std::unique_ptr<CredentialsProvider> credentials_;
  std::unique_ptr<Client> client_;
};

}  // namespace cirt::aws
