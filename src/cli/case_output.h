// src/cli/case_output.h
// Flags and output plumbing shared by the case commands (timeline, pivot,
// scope): --case, --format, --output, --no-color; rows go through
// report::RowWriter.
#pragma once

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/exit_codes.h"
#include "report/writer.h"
#include "store/case.h"

namespace cirt::cli {

struct CaseOutputFlags {
  std::string case_dir;
  std::string format = "table";
  std::string output;
  bool no_color = false;

  void Register(CLI::App* cmd) {
    cmd->add_option("--case", case_dir, "Case folder (cirt case init)")->required();
    cmd->add_option("--format,-f", format, "table, jsonl, json, csv or timesketch")
        ->capture_default_str();
    cmd->add_option("--output,-o", output, "Write to FILE instead of stdout");
    cmd->add_flag("--no-color", no_color, "No colours in the table");
  }
};

// Opens the case and the output; on failure prints why and sets *exit_code.
struct CaseOutput {
  std::unique_ptr<store::Case> kase;
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, std::fclose};
  report::Format format = report::Format::kTable;
  report::WriterOptions writer_options;

  bool Open(const CaseOutputFlags& f, int* exit_code) {
    auto fmt = report::ParseFormat(f.format);
    if (!fmt.ok()) {
      std::fprintf(stderr, "cirt: %s\n", std::string(fmt.status().message()).c_str());
      *exit_code = kExitUsage;
      return false;
    }
    format = *fmt;
    auto c = store::Case::Open(f.case_dir);
    if (!c.ok()) {
      std::fprintf(stderr, "cirt: %s\n", c.status().ToString().c_str());
      *exit_code = c.status().code() == ErrorCode::kIo ? kExitFailed : kExitUsage;
      return false;
    }
    kase = std::make_unique<store::Case>(std::move(*c));
    if (!f.output.empty() && f.output != "-") {
      file.reset(std::fopen(f.output.c_str(), "wb"));
      if (!file) {
        std::fprintf(stderr, "cirt: cannot write %s\n", f.output.c_str());
        *exit_code = kExitUsage;
        return false;
      }
      out = file.get();
    }
    writer_options.color =
        out == stdout && isatty(STDOUT_FILENO) && !f.no_color && !std::getenv("NO_COLOR");
    if (const char* cols = std::getenv("COLUMNS")) {
      writer_options.width = static_cast<size_t>(std::max(100, std::atoi(cols)));
    }
    return true;
  }
};

// Prints a failed query and returns its exit code.
inline int QueryFailed(const Status& s) {
  std::fprintf(stderr, "cirt: %s\n", s.ToString().c_str());
  return s.code() == ErrorCode::kNotFound || s.code() == ErrorCode::kInvalidArgument
             ? kExitInputSkipped
             : kExitFailed;
}

}  // namespace cirt::cli
