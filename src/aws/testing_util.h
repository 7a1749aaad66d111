// src/aws/testing_util.h
// Helpers shared by the aws unit tests (test-only; not in cirt_aws).
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace cirt::aws::testing_util {

// A fresh directory under the system temp dir, removed on destruction.
// Used as HOME so credential tests never see the developer's ~/.aws.
class TempHome {
 public:
  TempHome() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cirt-aws-test-XXXXXX")
            .string();
    path_ = mkdtemp(pattern.data());
    std::filesystem::create_directories(path_ / ".aws");
  }
  ~TempHome() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;

  std::string path() const { return path_.string(); }
  // Writes `text` to HOME/<relative> and returns the full path.
  std::string Write(const std::string& relative, const std::string& text,
                    bool executable = false) const {
    std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    if (executable) {
      std::filesystem::permissions(file, std::filesystem::perms::owner_all);
    }
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// 2026-01-01T00:00:00Z: a fixed "now" for tests.
inline std::chrono::system_clock::time_point TestNow() {
  return std::chrono::system_clock::time_point(
      std::chrono::seconds(1767225600));
}

}  // namespace cirt::aws::testing_util
