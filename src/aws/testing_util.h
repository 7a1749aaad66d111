// src/aws/testing_util.h
// Helpers shared by the aws unit tests (test-only; not in cirt_aws).
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "aws/client_options.h"
#include "aws/config.h"
#include "aws/request.h"

namespace cirt::aws::testing_util {

// Client options for a test over a FakeTransport: nothing listens on the
// endpoint, and a call is tried once.
inline ClientOptions FakeClientOptions(std::string region = "us-east-1") {
  ClientOptions options;
  options.region = std::move(region);
  options.endpoints = EndpointResolver::ForUrl("http://127.0.0.1:1");
  options.retry.max_attempts = 1;
  return options;
}

// A form-encoded request body (the Query protocol) as its parameters.
inline QueryParams ParseForm(const std::string& body) {
  QueryParams params;
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    std::string pair = body.substr(start, amp == std::string::npos ? amp : amp - start);
    size_t eq = pair.find('=');
    params.emplace(UriDecode(pair.substr(0, eq)),
                   eq == std::string::npos ? "" : UriDecode(pair.substr(eq + 1)));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return params;
}

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

#ifdef CIRT_CORPUS_DIR  // defined for cirt_test binaries
// The text of ../shared/corpus/aws-cli-examples/<relative>, "" if unreadable.
inline std::string ReadCliExample(const std::string& relative) {
  std::ifstream in(
      std::string(CIRT_CORPUS_DIR) + "/aws-cli-examples/" + relative,
      std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
#endif

// The literal blocks of a reStructuredText page (the indented lines after a
// line ending in "::"), in order, indentation kept.
inline std::vector<std::string> RstLiteralBlocks(const std::string& page) {
  std::vector<std::string> blocks;
  std::istringstream lines(page);
  std::string line;
  bool in_block = false;
  std::string block;
  auto flush = [&] {
    if (in_block && !block.empty()) blocks.push_back(block);
    block.clear();
  };
  while (std::getline(lines, line)) {
    bool indented = line.rfind("    ", 0) == 0;
    bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (in_block && (indented || blank)) {
      block += line + "\n";
      continue;
    }
    flush();
    std::string trimmed = line.substr(0, line.find_last_not_of(" \t\r") + 1);
    in_block = trimmed.size() >= 2 &&
               trimmed.compare(trimmed.size() - 2, 2, "::") == 0;
  }
  flush();
  return blocks;
}

}  // namespace cirt::aws::testing_util
