// src/cli/aws_flags.h
// The AWS CLI's global flags (--profile, --region, --endpoint-url, --debug)
// shared by every subcommand that calls AWS (collect, respond), and the
// Session they open.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "aws/environment.h"
#include "aws/session.h"
#include "core/result.h"

namespace cirt::cli {

struct AwsFlags {
  std::string profile;
  std::string region;
  std::string endpoint_url;
  bool debug = false;
};

// Registers the four flags on `cmd`, writing into `*flags`.
void AddAwsFlags(CLI::App* cmd, AwsFlags* flags);

// A Session from the flags and `env` (credentials resolve on first call);
// --debug prints each request and answer on stderr, secrets redacted.
Result<std::unique_ptr<aws::Session>> OpenSession(const AwsFlags& flags,
                                                  const aws::Environment& env);

// The flags as they would be typed again ("--profile p --region r ..."),
// for commands cirt tells the user to run.
std::string AwsFlagsText(const AwsFlags& flags);

}  // namespace cirt::cli
