// The anomaly flags shared by `cirt hunt` and `cirt case ingest`
// (--anomalies, --baseline-end, --baseline-days, --denial-burst,
// --denial-window) -> detect::AnomalyOptions.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "detect/anomaly.h"

namespace cirt::cli {

struct AnomalyFlags {
  bool anomalies = false;
  std::string baseline_end;
  double baseline_days = 7;
  unsigned denial_burst = 10;
  std::string denial_window = "10m";
};

// Adds the flags to `cmd`; `flags` must outlive the parse.
void AddAnomalyFlags(CLI::App* cmd, AnomalyFlags* flags);

// The options, std::nullopt without --anomalies; a usage error (printed to
// stderr) makes `*usage_error` true.
std::optional<detect::AnomalyOptions> AnomalyOptionsFromFlags(const AnomalyFlags& f,
                                                              bool* usage_error);

}  // namespace cirt::cli
