// src/aws/config.h
// The AWS CLI's configuration sources, read once: ~/.aws/config and
// ~/.aws/credentials (INI, `[profile x]` vs `[x]`, indented sub-sections),
// the profile in use, the region, retry settings and endpoint overrides.
// Resolution orders follow the AWS CLI v2 (aws-ir-conventions.md 1.1-1.6).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/environment.h"
#include "aws/retry.h"
#include "core/result.h"

namespace cirt::aws {

// One INI section: `key = value` pairs (keys lower-case) and indented
// sub-sections (`s3 =` followed by indented `endpoint_url = ...`).
struct ProfileSection {
  std::map<std::string, std::string> values;
  std::map<std::string, std::map<std::string, std::string>> subsections;

  std::optional<std::string> Get(std::string_view key) const;
};

// The two shared files, parsed. Missing files are simply empty.
struct SharedConfig {
  std::map<std::string, ProfileSection> config_profiles;  // config file
  std::map<std::string, ProfileSection>
      credentials_profiles;                            // credentials file
  std::map<std::string, ProfileSection> services;      // [services x]
  std::map<std::string, ProfileSection> sso_sessions;  // [sso-session x]

  bool HasProfile(const std::string& name) const;
  // Profile `name` from the config file with the credentials file's keys
  // laid over it (the credentials file wins for the same key).
  ProfileSection MergedProfile(const std::string& name) const;
};

// Parses the text of the config file and of the credentials file.
// Errors: kCorrupt (with the line) for a line that is neither a section,
// a key, a comment nor a continuation.
Result<SharedConfig> ParseSharedConfig(std::string_view config_text,
                                       std::string_view credentials_text);

// Reads AWS_CONFIG_FILE (default ~/.aws/config) and
// AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials).
Result<SharedConfig> LoadSharedConfig(const Environment& env);

// Flags a CLI passes down; unset = not given on the command line.
struct GlobalFlags {
  std::optional<std::string> profile{};       // --profile
  std::optional<std::string> region{};        // --region
  std::optional<std::string> endpoint_url{};  // --endpoint-url
};

// A service cirt knows how to address.
struct ServiceInfo {
  std::string_view signing_name;     // credential scope: "iam", "logs"
  std::string_view endpoint_prefix;  // host label: "iam", "logs"
  std::string_view service_id;       // SDK serviceId: "IAM", "CloudWatch Logs"
  // Global services have one endpoint and sign with global_region.
  std::string_view global_host;    // "iam.amazonaws.com"; empty = regional
  std::string_view global_region;  // "us-east-1"
};

// The table entry for `signing_name`, or nullptr.
const ServiceInfo* FindService(std::string_view signing_name);

// "CloudWatch Logs" -> "CLOUDWATCH_LOGS" (AWS_ENDPOINT_URL_<this>).
std::string ServiceIdEnvSuffix(std::string_view service_id);

// Where one request goes.
struct Endpoint {
  std::string scheme;     // "https" or "http"
  std::string host;       // Host header: "iam.amazonaws.com", "127.0.0.1:5000"
  std::string base_path;  // path prefix from a custom URL, "" or "/x"
  std::string signing_region;  // the region in the credential scope
  bool custom = false;         // came from user configuration (S3 path-style)
};

// Parses "http://host:port/prefix". Errors: kInvalidArgument.
Result<Endpoint> ParseEndpointUrl(std::string_view url);

// Endpoint overrides, resolved once from flags, env and profile; then
// Resolve() answers per service. Order (first hit wins): --endpoint-url,
// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
// `services` section, profile `endpoint_url`, then the AWS default.
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true keeps only the flag.
class EndpointResolver {
 public:
  EndpointResolver() = default;
  static EndpointResolver FromConfig(const Environment& env,
                                     const GlobalFlags& flags,
                                     const SharedConfig& shared,
                                     const std::string& profile);
  // A resolver with one URL for every service (tests, moto).
  static EndpointResolver ForUrl(std::string url);

  // Errors: kInvalidArgument for an unknown service without an override,
  // or a malformed configured URL.
  Result<Endpoint> Resolve(std::string_view signing_name,
                           std::string_view region) const;

 private:
  std::string flag_url_;
  std::string global_url_;
  std::string profile_url_;
  std::map<std::string, std::string> service_urls_;  // by signing name
};

// Everything a Client and the credential chain need from configuration.
struct ResolvedConfig {
  std::string profile;            // the profile in use ("default" if none)
  bool profile_explicit = false;  // --profile given (removes env creds)
  bool profile_from_env = false;  // AWS_PROFILE / AWS_DEFAULT_PROFILE
  std::string region;             // empty when none is configured
  EndpointResolver endpoints;
  RetryOptions retry;
  SharedConfig shared;
};

// Region: --region > AWS_REGION > AWS_DEFAULT_REGION > profile `region`.
// (No IMDS lookup: cirt runs on laptops far more than on EC2.)
std::string ResolveRegion(const Environment& env, const GlobalFlags& flags,
                          const ProfileSection& profile);

// Reads the shared files and resolves profile, region, endpoints and retry
// settings (AWS_MAX_ATTEMPTS > profile max_attempts). Errors: kCorrupt for
// unparsable files, kInvalidArgument for a bad max_attempts or a profile
// named by --profile/AWS_PROFILE that exists in neither file.
Result<ResolvedConfig> ResolveConfig(const Environment& env,
                                     const GlobalFlags& flags);

}  // namespace cirt::aws
