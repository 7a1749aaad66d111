// src/aws/client_options.h
// How a Client behaves: region, endpoints, retries, the --debug hook and the
// injected clock, sleep and randomness (tests never sleep or read the time).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "aws/config.h"
#include "aws/retry.h"

namespace cirt::aws {

struct ClientOptions {
  // Default region for requests whose Request::region is empty.
  std::string region;
  EndpointResolver endpoints;
  RetryOptions retry;
  // --debug: receives one redacted text block per request and per response
  // (Authorization signature, X-Amz-Security-Token, secret keys and session
  // tokens replaced by ***). Default: off.
  std::function<void(std::string_view)> debug_log;
  // Waits between attempts. Default: std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Jitter source in [0, 1). Default: a PRNG seeded from std::random_device.
  RandomSource random;
  // Signing time. Default: std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
  std::string user_agent = "cirt/0.1";
};

}  // namespace cirt::aws
