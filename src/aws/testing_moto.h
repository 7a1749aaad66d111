// src/aws/testing_moto.h
// For the end-to-end tests against moto_server (ctest -L moto): the
// endpoint they run against, an environment that sends the AWS CLI and the
// cirt binary to it alone, and a shell runner to drive both. Tests only.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cirt::aws::testing {

// CIRT_MOTO_ENDPOINT, or "" when it is not set.
inline std::string MotoEndpoint() {
  const char* value = std::getenv("CIRT_MOTO_ENDPOINT");
  return value ? value : "";
}

// Why the moto tests cannot run against `endpoint`, or "" when they can:
// traffic goes to 127.0.0.1 only.
inline std::string MotoEndpointProblem(const std::string& endpoint) {
  if (endpoint.empty()) {
    return "CIRT_MOTO_ENDPOINT is not set; start moto with tests/moto/run-moto.sh start PORT "
           "and export CIRT_MOTO_ENDPOINT=http://127.0.0.1:PORT";
  }
  if (endpoint.rfind("http://127.0.0.1:", 0) != 0) return endpoint + " is not loopback";
  return "";
}

// Test credentials, us-east-1, no AWS configuration (the files named lie
// under `dir` and do not exist), one attempt per call, no guardrails file:
// nothing of the machine's own AWS set-up takes part.
inline void UseMotoEnvironment(const std::filesystem::path& dir) {
  setenv("AWS_ACCESS_KEY_ID", "testing", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
  setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
  setenv("AWS_REGION", "us-east-1", 1);
  setenv("AWS_CONFIG_FILE", (dir / "no-config").c_str(), 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir / "no-credentials").c_str(), 1);
  setenv("AWS_MAX_ATTEMPTS", "1", 1);
  unsetenv("CIRT_GUARDRAILS");
}

struct ShellResult {
  int rc = -1;  // the exit code; -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs `command` with sh, stdin from /dev/null, stderr through `err_file`.
inline ShellResult RunShell(const std::string& command, const std::string& err_file) {
  ShellResult run;
  std::FILE* pipe = popen((command + " 2>" + err_file + " </dev/null").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  std::stringstream text;
  text << err.rdbuf();
  run.err = text.str();
  return run;
}

}  // namespace cirt::aws::testing
