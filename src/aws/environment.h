// src/aws/environment.h
// Environment: everything credential, region and endpoint resolution read
// from the outside world (environment variables, files, child processes,
// the clock), behind one interface so tests use a temporary HOME, a fixed
// clock and their own variables without touching the real process state.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cirt::aws {

struct ProcessResult {
  int exit_code = 0;
  std::string stdout_text;
  std::string stderr_text;
};

class Environment {
 public:
  virtual ~Environment() = default;
  // The variable's value; nullopt when unset. An empty value counts as set.
  virtual std::optional<std::string> Get(std::string_view name) const = 0;
  // The whole file. Errors: kNotFound when it does not exist, kIo otherwise.
  virtual Result<std::string> ReadFile(const std::string& path) const = 0;
  // Runs argv[0] (PATH lookup, no shell) with argv, waits for it and returns
  // its exit code and output. Errors: kIo when it cannot be started.
  virtual Result<ProcessResult> Run(
      const std::vector<std::string>& argv) const = 0;
  virtual std::chrono::system_clock::time_point Now() const = 0;

  // Get(name) when set and non-empty.
  std::optional<std::string> GetNonEmpty(std::string_view name) const;
  // "~/x" -> "$HOME/x"; other paths unchanged.
  std::string ExpandHome(const std::string& path) const;
};

// The real process environment, file system and clock.
class SystemEnvironment final : public Environment {
 public:
  std::optional<std::string> Get(std::string_view name) const override;
  Result<std::string> ReadFile(const std::string& path) const override;
  Result<ProcessResult> Run(
      const std::vector<std::string>& argv) const override;
  std::chrono::system_clock::time_point Now() const override;
};

// Variables from a map (nothing from the real environment), the real file
// system and processes, and a clock the test sets. Not thread-safe.
class MapEnvironment final : public Environment {
 public:
  MapEnvironment(std::map<std::string, std::string> vars,
                 std::chrono::system_clock::time_point now)
      : vars_(std::move(vars)), now_(now) {}

  void Set(std::string name, std::string value) {
    vars_[std::move(name)] = std::move(value);
  }
  void Unset(const std::string& name) { vars_.erase(name); }
  void SetNow(std::chrono::system_clock::time_point now) { now_ = now; }

  std::optional<std::string> Get(std::string_view name) const override;
  Result<std::string> ReadFile(const std::string& path) const override;
  Result<ProcessResult> Run(
      const std::vector<std::string>& argv) const override;
  std::chrono::system_clock::time_point Now() const override { return now_; }

 private:
  std::map<std::string, std::string> vars_;
  std::chrono::system_clock::time_point now_;
};

}  // namespace cirt::aws
