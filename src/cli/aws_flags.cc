#include "cli/aws_flags.h"

#include <cstdio>

namespace cirt::cli {

void AddAwsFlags(CLI::App* cmd, AwsFlags* f) {
  cmd->add_option("--profile", f->profile, "AWS profile (~/.aws/config)");
  cmd->add_option("--region", f->region, "AWS region for the calls");
  cmd->add_option("--endpoint-url", f->endpoint_url, "Send every call to this URL (e.g. moto)");
  cmd->add_flag("--debug", f->debug, "Print each request and answer on stderr (secrets redacted)");
}

Result<std::unique_ptr<aws::Session>> OpenSession(const AwsFlags& f, const aws::Environment& env) {
  aws::SessionOptions options;
  if (!f.profile.empty()) options.flags.profile = f.profile;
  if (!f.region.empty()) options.flags.region = f.region;
  if (!f.endpoint_url.empty()) options.flags.endpoint_url = f.endpoint_url;
  if (f.debug) {
    options.debug_log = [](std::string_view text) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(text.size()), text.data());
    };
  }
  return aws::Session::Open(env, std::move(options));
}

std::string AwsFlagsText(const AwsFlags& f) {
  std::string text;
  if (!f.profile.empty()) text += " --profile " + f.profile;
  if (!f.region.empty()) text += " --region " + f.region;
  if (!f.endpoint_url.empty()) text += " --endpoint-url " + f.endpoint_url;
  return text;
}

}  // namespace cirt::cli
