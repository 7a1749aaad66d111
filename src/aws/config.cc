#include "aws/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace cirt::aws {

namespace {

constexpr std::string_view kWhitespace = " \t\r";

std::string_view Trim(std::string_view s) {
  size_t start = s.find_first_not_of(kWhitespace);
  if (start == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kWhitespace);
  return s.substr(start, end - start + 1);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsTrue(const std::optional<std::string>& value) {
  return value && Lower(Trim(*value)) == "true";
}

// Which map a section header of a given file feeds.
enum class FileKind { kConfig, kCredentials };

ErrorContext LineContext(const std::string& file, uint64_t line) {
  ErrorContext context;
  context.file = file;
  context.line = line;
  return context;
}

Status ParseIni(std::string_view text, FileKind kind, const std::string& file,
                SharedConfig& out) {
  ProfileSection* section = nullptr;
  std::string open_subsection;  // key whose value was empty: sub-section
  uint64_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    if (line.front() == '[') {
      open_subsection.clear();
      if (line.back() != ']') {
        return Status::Corrupt("unterminated section header",
                               LineContext(file, line_number));
      }
      std::string name(Trim(line.substr(1, line.size() - 2)));
      section = nullptr;
      if (kind == FileKind::kCredentials) {
        section = &out.credentials_profiles[name];
      } else if (name == "default") {
        section = &out.config_profiles[name];
      } else if (name.rfind("profile ", 0) == 0) {
        section = &out.config_profiles[std::string(Trim(name.substr(8)))];
      } else if (name.rfind("services ", 0) == 0) {
        section = &out.services[std::string(Trim(name.substr(9)))];
      } else if (name.rfind("sso-session ", 0) == 0) {
        section = &out.sso_sessions[std::string(Trim(name.substr(12)))];
      }
      // Other sections (bare names in the config file) are skipped, as the
      // AWS CLI does.
      continue;
    }
    size_t eq = line.find('=');
    if (indented && !open_subsection.empty() && eq != std::string_view::npos) {
      if (section) {
        section->subsections[open_subsection][Lower(Trim(line.substr(0, eq)))] =
            std::string(Trim(line.substr(eq + 1)));
      }
      continue;
    }
    if (eq == std::string_view::npos) {
      return Status::Corrupt(
          fmt::format("expected 'key = value', got '{}'", line),
          LineContext(file, line_number));
    }
    std::string key = Lower(Trim(line.substr(0, eq)));
    std::string value(Trim(line.substr(eq + 1)));
    open_subsection = value.empty() ? key : std::string();
    if (section) section->values[key] = value;
  }
  return Status::Ok();
}

// One row per service cirt calls. Signing names and service ids from the
// AWS SDK models; global hosts from the AWS endpoint tables.
constexpr ServiceInfo kServices[] = {
    {"sts", "sts", "STS", "", ""},
    {"iam", "iam", "IAM", "iam.amazonaws.com", "us-east-1"},
    {"s3", "s3", "S3", "", ""},
    {"ec2", "ec2", "EC2", "", ""},
    {"autoscaling", "autoscaling", "Auto Scaling", "", ""},
    {"elasticloadbalancing", "elasticloadbalancing",
     "Elastic Load Balancing v2", "", ""},
    {"cloudtrail", "cloudtrail", "CloudTrail", "", ""},
    {"organizations", "organizations", "Organizations",
     "organizations.us-east-1.amazonaws.com", "us-east-1"},
    {"guardduty", "guardduty", "GuardDuty", "", ""},
    {"securityhub", "securityhub", "SecurityHub", "", ""},
    {"lambda", "lambda", "Lambda", "", ""},
    {"logs", "logs", "CloudWatch Logs", "", ""},
    {"events", "events", "EventBridge", "", ""},
    {"ssm", "ssm", "SSM", "", ""},
    {"kms", "kms", "KMS", "", ""},
    {"sqs", "sqs", "SQS", "", ""},
    {"sns", "sns", "SNS", "", ""},
    {"athena", "athena", "Athena", "", ""},
    {"secretsmanager", "secretsmanager", "Secrets Manager", "", ""},
    // IAM Identity Center portal (GetRoleCredentials); called unsigned.
    {"awsssoportal", "portal.sso", "SSO", "", ""},
};

std::string ProfileServicesKey(std::string_view service_id) {
  std::string key = Lower(service_id);
  std::replace(key.begin(), key.end(), ' ', '_');
  return key;
}

}  // namespace

std::optional<std::string> ProfileSection::Get(std::string_view key) const {
  auto it = values.find(std::string(key));
  if (it == values.end()) return std::nullopt;
  return it->second;
}

bool SharedConfig::HasProfile(const std::string& name) const {
  return config_profiles.count(name) > 0 ||
         credentials_profiles.count(name) > 0;
}

ProfileSection SharedConfig::MergedProfile(const std::string& name) const {
  ProfileSection merged;
  if (auto it = config_profiles.find(name); it != config_profiles.end()) {
    merged = it->second;
  }
  if (auto it = credentials_profiles.find(name);
      it != credentials_profiles.end()) {
    for (const auto& [key, value] : it->second.values)
      merged.values[key] = value;
  }
  return merged;
}

Result<SharedConfig> ParseSharedConfig(std::string_view config_text,
                                       std::string_view credentials_text) {
  SharedConfig out;
  CIRT_RETURN_IF_ERROR(ParseIni(config_text, FileKind::kConfig, "config", out));
  CIRT_RETURN_IF_ERROR(
      ParseIni(credentials_text, FileKind::kCredentials, "credentials", out));
  return out;
}

Result<SharedConfig> LoadSharedConfig(const Environment& env) {
  std::string config_path = env.ExpandHome(
      env.GetNonEmpty("AWS_CONFIG_FILE").value_or("~/.aws/config"));
  std::string creds_path =
      env.ExpandHome(env.GetNonEmpty("AWS_SHARED_CREDENTIALS_FILE")
                         .value_or("~/.aws/credentials"));
  auto read = [&](const std::string& path) -> Result<std::string> {
    Result<std::string> text = env.ReadFile(path);
    if (!text.ok() && text.status().code() == ErrorCode::kNotFound) {
      return std::string();
    }
    return text;
  };
  CIRT_ASSIGN_OR_RETURN(std::string config_text, read(config_path));
  CIRT_ASSIGN_OR_RETURN(std::string creds_text, read(creds_path));
  SharedConfig out;
  CIRT_RETURN_IF_ERROR(
      ParseIni(config_text, FileKind::kConfig, config_path, out));
  CIRT_RETURN_IF_ERROR(
      ParseIni(creds_text, FileKind::kCredentials, creds_path, out));
  return out;
}

const ServiceInfo* FindService(std::string_view signing_name) {
  for (const ServiceInfo& info : kServices) {
    if (info.signing_name == signing_name) return &info;
  }
  return nullptr;
}

std::string ServiceIdEnvSuffix(std::string_view service_id) {
  std::string out(service_id);
  for (char& c : out) {
    if (c == ' ') c = '_';
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

Result<Endpoint> ParseEndpointUrl(std::string_view url) {
  Endpoint out;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Status::InvalidArgument(fmt::format(
        "endpoint URL '{}' has no scheme (http:// or https://)", url));
  }
  out.scheme = Lower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    return Status::InvalidArgument(fmt::format(
        "endpoint URL '{}': only http and https are supported", url));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  size_t slash = rest.find('/');
  out.host = std::string(rest.substr(0, slash));
  if (out.host.empty()) {
    return Status::InvalidArgument(
        fmt::format("endpoint URL '{}' has no host", url));
  }
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.base_path = std::string(path);
  }
  out.custom = true;
  return out;
}

EndpointResolver EndpointResolver::FromConfig(const Environment& env,
                                              const GlobalFlags& flags,
                                              const SharedConfig& shared,
                                              const std::string& profile_name) {
  EndpointResolver out;
  out.flag_url_ = flags.endpoint_url.value_or("");
  ProfileSection profile = shared.MergedProfile(profile_name);
  if (IsTrue(env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
      IsTrue(profile.Get("ignore_configured_endpoint_urls"))) {
    return out;
  }
  out.global_url_ = env.GetNonEmpty("AWS_ENDPOINT_URL").value_or("");
  out.profile_url_ = profile.Get("endpoint_url").value_or("");
  const ProfileSection* services = nullptr;
  if (auto name = profile.Get("services")) {
    if (auto it = shared.services.find(*name); it != shared.services.end()) {
      services = &it->second;
    }
  }
  for (const ServiceInfo& info : kServices) {
    std::string key(info.signing_name);
    if (auto url = env.GetNonEmpty("AWS_ENDPOINT_URL_" +
                                   ServiceIdEnvSuffix(info.service_id))) {
      out.service_urls_[key] = *url;
      continue;
    }
    // Below the two env vars: the profile's services section.
    if (!out.global_url_.empty() || services == nullptr) continue;
    auto sub = services->subsections.find(ProfileServicesKey(info.service_id));
    if (sub == services->subsections.end()) continue;
    if (auto url = sub->second.find("endpoint_url"); url != sub->second.end()) {
      out.service_urls_[key] = url->second;
    }
  }
  return out;
}

EndpointResolver EndpointResolver::ForUrl(std::string url) {
  EndpointResolver out;
  out.flag_url_ = std::move(url);
  return out;
}

Result<Endpoint> EndpointResolver::Resolve(std::string_view signing_name,
                                           std::string_view region) const {
  const ServiceInfo* info = FindService(signing_name);
  std::string configured = flag_url_;
  if (configured.empty()) {
    auto it = service_urls_.find(std::string(signing_name));
    if (it != service_urls_.end()) configured = it->second;
  }
  if (configured.empty()) configured = global_url_;
  if (configured.empty()) configured = profile_url_;
  if (!configured.empty()) {
    CIRT_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpointUrl(configured));
    // Custom endpoints still sign with the resolved region (global
    // services keep their fixed signing region).
    endpoint.signing_region = info && !info->global_region.empty()
                                  ? std::string(info->global_region)
                                  : std::string(region);
    return endpoint;
  }
  if (info == nullptr) {
    return Status::InvalidArgument(
        fmt::format("no endpoint known for service '{}'", signing_name));
  }
  if (region.empty()) {
    return Status::InvalidArgument(
        "You must specify a region (--region, AWS_REGION, AWS_DEFAULT_REGION "
        "or `region` in the profile)");
  }
  Endpoint endpoint;
  endpoint.scheme = "https";
  bool china = region.rfind("cn-", 0) == 0;
  if (!info->global_host.empty() && !china) {
    endpoint.host = std::string(info->global_host);
    endpoint.signing_region = std::string(info->global_region);
    return endpoint;
  }
  endpoint.host = fmt::format("{}.{}.amazonaws.com{}", info->endpoint_prefix,
                              region, china ? ".cn" : "");
  endpoint.signing_region = std::string(region);
  return endpoint;
}

std::string ResolveRegion(const Environment& env, const GlobalFlags& flags,
                          const ProfileSection& profile) {
  if (flags.region && !flags.region->empty()) return *flags.region;
  if (auto region = env.GetNonEmpty("AWS_REGION")) return *region;
  if (auto region = env.GetNonEmpty("AWS_DEFAULT_REGION")) return *region;
  return profile.Get("region").value_or("");
}

Result<ResolvedConfig> ResolveConfig(const Environment& env,
                                     const GlobalFlags& flags) {
  ResolvedConfig out;
  CIRT_ASSIGN_OR_RETURN(out.shared, LoadSharedConfig(env));
  if (flags.profile && !flags.profile->empty()) {
    out.profile = *flags.profile;
    out.profile_explicit = true;
  } else if (auto name = env.GetNonEmpty("AWS_PROFILE")) {
    out.profile = *name;
    out.profile_from_env = true;
  } else if (auto legacy = env.GetNonEmpty("AWS_DEFAULT_PROFILE")) {
    out.profile = *legacy;
    out.profile_from_env = true;
  } else {
    out.profile = "default";
  }
  if ((out.profile_explicit || out.profile_from_env) &&
      !out.shared.HasProfile(out.profile)) {
    return Status::InvalidArgument(
        fmt::format("The config profile ({}) could not be found", out.profile));
  }
  ProfileSection profile = out.shared.MergedProfile(out.profile);
  out.region = ResolveRegion(env, flags, profile);
  out.endpoints =
      EndpointResolver::FromConfig(env, flags, out.shared, out.profile);
  std::optional<std::string> attempts = env.GetNonEmpty("AWS_MAX_ATTEMPTS");
  if (!attempts) attempts = profile.Get("max_attempts");
  if (attempts) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(
        attempts->data(), attempts->data() + attempts->size(), value);
    if (ec != std::errc() || ptr != attempts->data() + attempts->size() ||
        value < 1) {
      return Status::InvalidArgument(fmt::format(
          "max_attempts must be a positive integer, got '{}'", *attempts));
    }
    out.retry.max_attempts = value;
  }
  return out;
}

}  // namespace cirt::aws
