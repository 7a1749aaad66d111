#include "aws/session.h"

namespace cirt::aws {

namespace {
// IMDS and container endpoints are local: fail fast when absent (laptops).
constexpr std::chrono::milliseconds kMetadataConnectTimeout{1000};
constexpr std::chrono::milliseconds kMetadataTotalTimeout{2000};
}  // namespace

Result<std::unique_ptr<Session>> Session::Open(const Environment& env,
                                               SessionOptions options) {
  std::unique_ptr<Session> session(new Session());
  CIRT_ASSIGN_OR_RETURN(session->config_, ResolveConfig(env, options.flags));
  const ResolvedConfig& config = session->config_;
  ProfileSection profile = config.shared.MergedProfile(config.profile);

  Transport* transport = options.transport;
  if (transport == nullptr) {
    CurlOptions curl;
    curl.ca_bundle = env.GetNonEmpty("AWS_CA_BUNDLE")
                         .value_or(profile.Get("ca_bundle").value_or(""));
    session->owned_transport_ = std::make_unique<CurlTransport>(curl);
    transport = session->owned_transport_.get();
  }
  Transport* metadata = options.metadata_transport;
  if (metadata == nullptr) {
    CurlOptions curl;
    curl.connect_timeout = kMetadataConnectTimeout;
    curl.total_timeout = kMetadataTotalTimeout;
    session->owned_metadata_transport_ = std::make_unique<CurlTransport>(curl);
    metadata = session->owned_metadata_transport_.get();
  }

  ClientOptions client_options;
  client_options.region = config.region;
  client_options.endpoints = config.endpoints;
  client_options.retry = config.retry;
  client_options.debug_log = options.debug_log;
  client_options.clock = [&env] { return env.Now(); };

  ChainOptions chain;
  chain.sts_options = client_options;
  chain.sts_transport = transport;
  chain.metadata_transport = metadata;
  session->credentials_ = MakeDefaultCredentialsChain(env, config, chain);
  session->client_ = std::make_unique<Client>(
      std::move(client_options), *session->credentials_, *transport);
  return session;
}

}  // namespace cirt::aws
