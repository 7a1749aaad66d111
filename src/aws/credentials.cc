#include "aws/credentials.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "aws/client.h"
#include "aws/protocol/json.h"
#include "aws/protocol/rest_json.h"
#include "aws/services/sts.h"
#include "aws/timestamp.h"

namespace cirt::aws {

namespace {

using Clock = std::chrono::system_clock;

constexpr char kContainerHost[] = "http://169.254.170.2";
constexpr char kImdsV4[] = "http://169.254.169.254";
constexpr char kImdsV6[] = "http://[fd00:ec2::254]";
// Container endpoint: 3 attempts; IMDS: AWS_METADATA_SERVICE_NUM_ATTEMPTS
// (default 1, so a laptop is not held up by an absent metadata service).
constexpr int kContainerAttempts = 3;
constexpr int kDefaultImdsAttempts = 1;
// Hosts a plain-http AWS_CONTAINER_CREDENTIALS_FULL_URI may name.
constexpr std::string_view kAllowedContainerHosts[] = {
    "127.0.0.1",     "localhost",      "[::1]",
    "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"};

std::string Sha1Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

ErrorContext FileContext(const std::string& path) {
  ErrorContext context;
  context.file = path;
  return context;
}

bool IsTrue(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string lower = *value;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true";
}

Status NotFound(std::string what) { return Status::NotFound(std::move(what)); }

// Static keys from a section, or nullopt. Half a pair is a config error.
Result<std::optional<Credentials>> StaticKeys(const ProfileSection& section,
                                              std::string source,
                                              const std::string& profile) {
  auto akid = section.Get("aws_access_key_id");
  auto secret = section.Get("aws_secret_access_key");
  if (!akid && !secret) return std::optional<Credentials>();
  if (!akid || !secret || akid->empty() || secret->empty()) {
    return Status::InvalidArgument(
        fmt::format("profile {}: aws_access_key_id and aws_secret_access_key "
                    "must both be set",
                    profile));
  }
  Credentials out;
  out.access_key_id = *akid;
  out.secret_access_key = Secret(*secret);
  out.session_token = Secret(section.Get("aws_session_token").value_or(""));
  out.source = std::move(source);
  return std::optional<Credentials>(std::move(out));
}

// The JSON that container endpoints and IMDS return.
Result<Credentials> ParseMetadataCredentials(std::string_view body,
                                             std::string source) {
  CIRT_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJsonBody(body));
  std::string code = JsonString(doc, "Code");
  if (!code.empty() && code != "Success") {
    return Status::PermissionDenied(fmt::format("{} credentials: Code {}: {}",
                                                source, code,
                                                JsonString(doc, "Message")));
  }
  Credentials out;
  out.access_key_id = JsonString(doc, "AccessKeyId");
  out.secret_access_key = Secret(JsonString(doc, "SecretAccessKey"));
  out.session_token = Secret(JsonString(doc, "Token"));
  out.account_id = JsonString(doc, "AccountId");
  out.source = std::move(source);
  if (out.access_key_id.empty() || out.secret_access_key.empty()) {
    return Status::Corrupt(out.source +
                           " answer has no AccessKeyId/SecretAccessKey");
  }
  std::string expiration = JsonString(doc, "Expiration");
  if (!expiration.empty()) {
    CIRT_ASSIGN_OR_RETURN(out.expiration, ParseIso8601(expiration));
  }
  return out;
}

// GET/PUT against a metadata endpoint, retried a few times on network
// errors only (no sleeping: the endpoints are local and fast or absent).
Result<Response> MetadataCall(Transport& transport, const Request& request,
                              const std::string& url, int attempts) {
  Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    Result<Response> response = transport.Send(request, url);
    if (response.ok()) return response;
    last = response.status();
    if (last.code() != ErrorCode::kNetwork) break;
  }
  return last;
}

std::string HostOf(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return "";
  std::string_view rest = url.substr(start + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') {
    return std::string(rest.substr(0, rest.find(']') + 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

class DefaultChain final : public CredentialsProvider {
 public:
  DefaultChain(const Environment& env, ResolvedConfig config,
               ChainOptions options)
      : env_(env), config_(std::move(config)), options_(std::move(options)) {}

  Result<Credentials> Resolve() override {
    if (!config_.profile_explicit) {
      Result<Credentials> from_env = FromEnv();
      if (from_env.ok() || from_env.status().code() != ErrorCode::kNotFound) {
        return from_env;
      }
    }
    std::set<std::string> visited{config_.profile};
    Result<Credentials> from_profile =
        FromProfile(config_.profile, visited, true);
    if (from_profile.ok() ||
        from_profile.status().code() != ErrorCode::kNotFound) {
      return from_profile;
    }
    Result<Credentials> from_container = FromContainer();
    if (from_container.ok() ||
        from_container.status().code() != ErrorCode::kNotFound) {
      return from_container;
    }
    Result<Credentials> from_imds = FromImds();
    if (from_imds.ok() || from_imds.status().code() != ErrorCode::kNotFound) {
      return from_imds;
    }
    return NotFound("Unable to locate credentials (env, profile '" +
                    config_.profile +
                    "', container endpoint and IMDS all came up empty)");
  }

 private:
  Result<Credentials> FromEnv() {
    auto akid = env_.GetNonEmpty("AWS_ACCESS_KEY_ID");
    auto secret = env_.GetNonEmpty("AWS_SECRET_ACCESS_KEY");
    if (!akid && !secret) return NotFound("no AWS_ACCESS_KEY_ID");
    if (!akid || !secret) {
      return Status::InvalidArgument(
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
    }
    Credentials out;
    out.access_key_id = *akid;
    out.secret_access_key = Secret(*secret);
    auto token = env_.GetNonEmpty("AWS_SESSION_TOKEN");
    if (!token) token = env_.GetNonEmpty("AWS_SECURITY_TOKEN");
    out.session_token = Secret(token.value_or(""));
    out.account_id = env_.GetNonEmpty("AWS_ACCOUNT_ID").value_or("");
    if (auto expiration = env_.GetNonEmpty("AWS_CREDENTIAL_EXPIRATION")) {
      CIRT_ASSIGN_OR_RETURN(out.expiration, ParseIso8601(*expiration));
    }
    out.source = "env";
    return out;
  }

  // Steps 2-7 of the chain for profile `name`. `top_level`: the profile in
  // use (env web identity applies), not a source_profile.
  Result<Credentials> FromProfile(const std::string& name,
                                  std::set<std::string>& visited,
                                  bool top_level) {
    ProfileSection profile = config_.shared.MergedProfile(name);
    auto role_arn = profile.Get("role_arn");
    auto source_profile = profile.Get("source_profile");
    auto credential_source = profile.Get("credential_source");
    if (role_arn && (source_profile || credential_source)) {
      if (source_profile && credential_source) {
        return Status::InvalidArgument(fmt::format(
            "profile {}: source_profile and credential_source are exclusive",
            name));
      }
      Credentials source;
      if (source_profile) {
        CIRT_ASSIGN_OR_RETURN(
            source, FromSourceProfile(name, *source_profile, visited));
      } else {
        CIRT_ASSIGN_OR_RETURN(source,
                              FromCredentialSource(name, *credential_source));
      }
      return AssumeRoleWith(source, profile);
    }
    std::optional<std::string> token_file =
        profile.Get("web_identity_token_file");
    std::optional<std::string> web_role = role_arn;
    std::optional<std::string> session_name = profile.Get("role_session_name");
    if (top_level && !token_file) {
      token_file = env_.GetNonEmpty("AWS_WEB_IDENTITY_TOKEN_FILE");
      web_role = env_.GetNonEmpty("AWS_ROLE_ARN");
      session_name = env_.GetNonEmpty("AWS_ROLE_SESSION_NAME");
    }
    if (token_file && web_role) {
      return WebIdentity(*token_file, *web_role, session_name);
    }
    if (profile.Get("sso_session") || profile.Get("sso_start_url")) {
      return FromSso(name, profile);
    }
    if (auto it = config_.shared.credentials_profiles.find(name);
        it != config_.shared.credentials_profiles.end()) {
      CIRT_ASSIGN_OR_RETURN(
          std::optional<Credentials> keys,
          StaticKeys(it->second, "shared-credentials-file", name));
      if (keys) return std::move(*keys);
    }
    if (auto process = profile.Get("credential_process")) {
      return FromProcess(*process);
    }
    if (auto it = config_.shared.config_profiles.find(name);
        it != config_.shared.config_profiles.end()) {
      CIRT_ASSIGN_OR_RETURN(std::optional<Credentials> keys,
                            StaticKeys(it->second, "config-file", name));
      if (keys) return std::move(*keys);
    }
    return NotFound(fmt::format("profile {} has no credentials", name));
  }

  Result<Credentials> FromSourceProfile(const std::string& name,
                                        const std::string& source,
                                        std::set<std::string>& visited) {
    if (!config_.shared.HasProfile(source)) {
      return Status::InvalidArgument(fmt::format(
          "profile {}: source_profile {} does not exist", name, source));
    }
    if (source == name) {
      // A profile may name itself to use its own static keys.
      ProfileSection self = config_.shared.MergedProfile(name);
      CIRT_ASSIGN_OR_RETURN(std::optional<Credentials> keys,
                            StaticKeys(self, "shared-credentials-file", name));
      if (keys) return std::move(*keys);
    }
    if (!visited.insert(source).second) {
      return Status::InvalidArgument(fmt::format(
          "profile {}: source_profile chain loops back to {}", name, source));
    }
    Result<Credentials> out = FromProfile(source, visited, false);
    if (!out.ok() && out.status().code() == ErrorCode::kNotFound) {
      return Status::InvalidArgument(fmt::format(
          "profile {}: source_profile {} has no credentials", name, source));
    }
    return out;
  }

  Result<Credentials> FromCredentialSource(const std::string& name,
                                           const std::string& source) {
    Result<Credentials> out = NotFound("");
    if (source == "Environment") {
      out = FromEnv();
    } else if (source == "Ec2InstanceMetadata") {
      out = FromImds();
    } else if (source == "EcsContainer") {
      out = FromContainer();
    } else {
      return Status::InvalidArgument(fmt::format(
          "profile {}: unknown credential_source '{}' (Environment, "
          "Ec2InstanceMetadata or EcsContainer)",
          name, source));
    }
    if (!out.ok() && out.status().code() == ErrorCode::kNotFound) {
      return Status::InvalidArgument(fmt::format(
          "profile {}: credential_source {} has no credentials", name, source));
    }
    return out;
  }

  std::string DefaultSessionName() const {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        env_.Now().time_since_epoch());
    return fmt::format("cirt-session-{}", seconds.count());
  }

  ClientOptions StsClientOptions() const {
    ClientOptions options = options_.sts_options;
    options.region = config_.region.empty() ? "us-east-1" : config_.region;
    options.endpoints = config_.endpoints;
    return options;
  }

  Result<Credentials> AssumeRoleWith(const Credentials& source,
                                     const ProfileSection& profile) {
    sts::AssumeRoleInput input;
    input.role_arn = *profile.Get("role_arn");
    input.role_session_name =
        profile.Get("role_session_name").value_or(DefaultSessionName());
    input.external_id = profile.Get("external_id").value_or("");
    if (profile.Get("mfa_serial")) {
      return Status::Unsupported(
          "profiles with mfa_serial need an interactive MFA code, which cirt "
          "does not prompt for");
    }
    if (auto duration = profile.Get("duration_seconds")) {
      int seconds = 0;
      auto [end, ec] = std::from_chars(
          duration->data(), duration->data() + duration->size(), seconds);
      if (ec != std::errc() || end != duration->data() + duration->size()) {
        return Status::InvalidArgument(
            "duration_seconds must be an integer, got '" + *duration + "'");
      }
      input.duration_seconds = seconds;
    }
    StaticCredentialsProvider source_provider(source);
    Client client(StsClientOptions(), source_provider, *options_.sts_transport);
    CIRT_ASSIGN_OR_RETURN(sts::AssumedRole role,
                          sts::AssumeRole(client, input));
    return std::move(role.credentials);
  }

  Result<Credentials> WebIdentity(
      const std::string& token_file, const std::string& role_arn,
      const std::optional<std::string>& session_name) {
    Result<std::string> token = env_.ReadFile(env_.ExpandHome(token_file));
    if (!token.ok()) {
      return Status::InvalidArgument("cannot read web identity token file: " +
                                     token.status().ToString());
    }
    std::string value = *token;
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
      value.pop_back();
    }
    sts::WebIdentityInput input{role_arn,
                                session_name.value_or(DefaultSessionName()),
                                Secret(value), std::nullopt};
    StaticCredentialsProvider unused({});
    Client client(StsClientOptions(), unused, *options_.sts_transport);
    CIRT_ASSIGN_OR_RETURN(sts::AssumedRole role,
                          sts::AssumeRoleWithWebIdentity(client, input));
    return std::move(role.credentials);
  }

  // IAM Identity Center: the token `aws sso login` cached, exchanged at the
  // portal for role credentials (GetRoleCredentials, unsigned; the bearer
  // token is the proof). cirt never runs the login flow itself.
  Result<Credentials> FromSso(const std::string& name,
                              const ProfileSection& profile) {
    std::string start_url;
    std::string sso_region;
    std::string cache_key;
    if (auto session = profile.Get("sso_session")) {
      auto it = config_.shared.sso_sessions.find(*session);
      if (it == config_.shared.sso_sessions.end()) {
        return Status::InvalidArgument(fmt::format(
            "profile {}: [sso-session {}] does not exist", name, *session));
      }
      start_url = it->second.Get("sso_start_url").value_or("");
      sso_region = it->second.Get("sso_region").value_or("");
      cache_key = *session;
    } else {
      start_url = profile.Get("sso_start_url").value_or("");
      sso_region = profile.Get("sso_region").value_or("");
      cache_key = start_url;
    }
    std::string account = profile.Get("sso_account_id").value_or("");
    std::string role = profile.Get("sso_role_name").value_or("");
    if (start_url.empty() || sso_region.empty() || account.empty() ||
        role.empty()) {
      return Status::InvalidArgument(fmt::format(
          "profile {}: SSO needs sso_start_url, sso_region, sso_account_id "
          "and sso_role_name",
          name));
    }
    std::string path = env_.ExpandHome(
        fmt::format("~/.aws/sso/cache/{}.json", Sha1Hex(cache_key)));
    Result<std::string> cached = env_.ReadFile(path);
    if (!cached.ok()) {
      return Status::PermissionDenied(fmt::format(
          "no cached SSO token for profile {} ({}); run `aws sso login "
          "--profile {}`",
          name, cached.status().ToString(), name));
    }
    CIRT_ASSIGN_OR_RETURN(nlohmann::json token, ParseJsonBody(*cached));
    Secret access_token(JsonString(token, "accessToken"));
    Result<Clock::time_point> expires_at =
        ParseIso8601(JsonString(token, "expiresAt"));
    if (access_token.empty() || !expires_at.ok()) {
      return Status::Corrupt("SSO token cache has no accessToken/expiresAt",
                             FileContext(path));
    }
    if (*expires_at <= env_.Now()) {
      return Status::PermissionDenied(fmt::format(
          "the SSO session for profile {} has expired; run `aws sso login "
          "--profile {}`",
          name, name));
    }
    Request request =
        MakeRestJsonRequest("awsssoportal", "GET", "/federation/credentials",
                            {{"account_id", account}, {"role_name", role}});
    request.anonymous = true;
    request.region = sso_region;
    request.headers.emplace("x-amz-sso_bearer_token", access_token.Reveal());
    StaticCredentialsProvider unused({});
    Client client(StsClientOptions(), unused, *options_.sts_transport);
    CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
    CIRT_ASSIGN_OR_RETURN(nlohmann::json answer, ParseJsonBody(response.body));
    const nlohmann::json* role_creds = nullptr;
    if (answer.is_object() && answer.contains("roleCredentials")) {
      role_creds = &answer["roleCredentials"];
    }
    Credentials out;
    if (role_creds) {
      out.access_key_id = JsonString(*role_creds, "accessKeyId");
      out.secret_access_key =
          Secret(JsonString(*role_creds, "secretAccessKey"));
      out.session_token = Secret(JsonString(*role_creds, "sessionToken"));
      auto expiration = role_creds->find("expiration");
      if (expiration != role_creds->end() && expiration->is_number_integer()) {
        out.expiration = Clock::time_point(
            std::chrono::milliseconds(expiration->get<int64_t>()));
      }
    }
    if (out.access_key_id.empty() || out.secret_access_key.empty()) {
      return Status::Corrupt(
          "SSO GetRoleCredentials answer has no credentials");
    }
    out.account_id = account;
    out.source = "sso";
    return out;
  }

  Result<Credentials> FromProcess(const std::string& command) {
    CIRT_ASSIGN_OR_RETURN(std::vector<std::string> argv,
                          SplitCommandLine(command));
    if (argv.empty())
      return Status::InvalidArgument("credential_process is empty");
    CIRT_ASSIGN_OR_RETURN(ProcessResult run, env_.Run(argv));
    if (run.exit_code != 0) {
      return Status::PermissionDenied(
          fmt::format("credential_process {} exited with {}: {}", argv[0],
                      run.exit_code, run.stderr_text));
    }
    return ParseCredentialProcessOutput(run.stdout_text);
  }

  Result<Credentials> FromContainer() {
    std::string url;
    if (auto relative =
            env_.GetNonEmpty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      url = kContainerHost + *relative;
    } else if (auto full =
                   env_.GetNonEmpty("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      url = *full;
      bool https = url.rfind("https://", 0) == 0;
      std::string host = HostOf(url);
      bool allowed = std::find(std::begin(kAllowedContainerHosts),
                               std::end(kAllowedContainerHosts),
                               host) != std::end(kAllowedContainerHosts);
      if (!https && !allowed) {
        return Status::InvalidArgument(
            fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI host {} is not "
                        "allowed over http",
                        host));
      }
    } else {
      return NotFound("no container credentials endpoint");
    }
    Request request;
    request.method = "GET";
    if (auto file =
            env_.GetNonEmpty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      CIRT_ASSIGN_OR_RETURN(std::string token, env_.ReadFile(*file));
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
        token.pop_back();
      }
      request.headers.emplace("Authorization", token);
    } else if (auto token =
                   env_.GetNonEmpty("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      request.headers.emplace("Authorization", *token);
    }
    CIRT_ASSIGN_OR_RETURN(Response response,
                          MetadataCall(*options_.metadata_transport, request,
                                       url, kContainerAttempts));
    if (response.status != 200) {
      return Status::PermissionDenied(fmt::format(
          "container credentials endpoint answered HTTP {}", response.status));
    }
    return ParseMetadataCredentials(response.body, "container");
  }

  Result<Credentials> FromImds() {
    if (IsTrue(env_.Get("AWS_EC2_METADATA_DISABLED"))) {
      return NotFound("IMDS disabled");
    }
    std::string base =
        env_.GetNonEmpty("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .value_or(env_.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
                                  .value_or("") == "IPv6"
                          ? kImdsV6
                          : kImdsV4);
    while (!base.empty() && base.back() == '/') base.pop_back();
    Transport& transport = *options_.metadata_transport;
    int attempts = kDefaultImdsAttempts;
    if (auto configured =
            env_.GetNonEmpty("AWS_METADATA_SERVICE_NUM_ATTEMPTS")) {
      auto [end, ec] =
          std::from_chars(configured->data(),
                          configured->data() + configured->size(), attempts);
      if (ec != std::errc() || attempts < 1) attempts = kDefaultImdsAttempts;
    }
    Request token_request;
    token_request.method = "PUT";
    token_request.headers.emplace("X-aws-ec2-metadata-token-ttl-seconds",
                                  "21600");
    Result<Response> token = MetadataCall(transport, token_request,
                                          base + "/latest/api/token", attempts);
    if (!token.ok()) {
      // No metadata service: not on EC2. That is "no credentials here".
      if (token.status().code() == ErrorCode::kNetwork)
        return NotFound("no IMDS");
      return token.status();
    }
    Request get;
    get.method = "GET";
    if (token->status == 200) {
      get.headers.emplace("X-aws-ec2-metadata-token", token->body);
    } else if ((token->status == 403 || token->status == 404 ||
                token->status == 405) &&
               !IsTrue(env_.Get("AWS_EC2_METADATA_V1_DISABLED"))) {
      // IMDSv1 fallback (documented behaviour of the AWS CLI).
    } else {
      return Status::PermissionDenied(
          fmt::format("IMDS token request answered HTTP {}", token->status));
    }
    std::string creds_url =
        base + "/latest/meta-data/iam/security-credentials/";
    CIRT_ASSIGN_OR_RETURN(Response role,
                          MetadataCall(transport, get, creds_url, attempts));
    if (role.status == 404) return NotFound("instance has no IAM role");
    if (role.status != 200) {
      return Status::PermissionDenied(
          fmt::format("IMDS role lookup answered HTTP {}", role.status));
    }
    std::string role_name = role.body.substr(0, role.body.find('\n'));
    if (role_name.empty()) return NotFound("instance has no IAM role");
    CIRT_ASSIGN_OR_RETURN(
        Response creds,
        MetadataCall(transport, get, creds_url + role_name, attempts));
    if (creds.status != 200) {
      return Status::PermissionDenied(
          fmt::format("IMDS credentials answered HTTP {}", creds.status));
    }
    return ParseMetadataCredentials(creds.body, "imds");
  }

  const Environment& env_;
  ResolvedConfig config_;
  ChainOptions options_;
};

}  // namespace

CachingCredentialsProvider::CachingCredentialsProvider(
    std::unique_ptr<CredentialsProvider> inner,
    std::function<Clock::time_point()> clock,
    std::chrono::seconds refresh_before)
    : inner_(std::move(inner)),
      clock_(std::move(clock)),
      refresh_before_(refresh_before) {}

Result<Credentials> CachingCredentialsProvider::Resolve() {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point now = clock_();
  if (cached_ &&
      (!cached_->expiration || now < *cached_->expiration - refresh_before_)) {
    return *cached_;
  }
  Result<Credentials> fresh = inner_->Resolve();
  if (fresh.ok()) {
    cached_ = *fresh;
    return fresh;
  }
  if (cached_ && cached_->expiration && now < *cached_->expiration) {
    return *cached_;  // refresh failed, but what we have still works
  }
  return fresh;
}

void CachingCredentialsProvider::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_.reset();
}

std::unique_ptr<CredentialsProvider> MakeDefaultCredentialsChain(
    const Environment& env, const ResolvedConfig& config,
    ChainOptions options) {
  auto chain = std::make_unique<DefaultChain>(env, config, std::move(options));
  return std::make_unique<CachingCredentialsProvider>(
      std::move(chain), [&env] { return env.Now(); });
}

Result<Credentials> ParseCredentialProcessOutput(std::string_view json) {
  Result<nlohmann::json> parsed = ParseJsonBody(json);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status::Corrupt("credential_process output is not a JSON object");
  }
  const nlohmann::json& doc = *parsed;
  auto version = doc.find("Version");
  if (version == doc.end() || !version->is_number_integer() || *version != 1) {
    return Status::Corrupt("credential_process output: Version must be 1");
  }
  Credentials out;
  out.access_key_id = JsonString(doc, "AccessKeyId");
  out.secret_access_key = Secret(JsonString(doc, "SecretAccessKey"));
  out.session_token = Secret(JsonString(doc, "SessionToken"));
  out.account_id = JsonString(doc, "AccountId");
  out.source = "process";
  if (out.access_key_id.empty() || out.secret_access_key.empty()) {
    return Status::Corrupt(
        "credential_process output: AccessKeyId and SecretAccessKey are "
        "required");
  }
  std::string expiration = JsonString(doc, "Expiration");
  if (!expiration.empty()) {
    CIRT_ASSIGN_OR_RETURN(out.expiration, ParseIso8601(expiration));
  }
  return out;
}

Result<std::vector<std::string>> SplitCommandLine(std::string_view command) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\')) {
        current.push_back(command[++i]);
      } else {
        current.push_back(c);
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      current.push_back(command[++i]);
      in_word = true;
    } else {
      current.push_back(c);
      in_word = true;
    }
  }
  if (quote)
    return Status::InvalidArgument("credential_process: unterminated quote");
  if (in_word) words.push_back(std::move(current));
  return words;
}

}  // namespace cirt::aws
