#include "cli/anomaly_flags.h"

#include <cstdio>

#include "detect/sigma/rule.h"
#include "model/event.h"

namespace cirt::cli {

void AddAnomalyFlags(CLI::App* cmd, AnomalyFlags* flags) {
  cmd->add_flag("--anomalies", flags->anomalies,
                "Also report first-seen anomalies per principal and bursts of denied calls");
  cmd->add_option("--baseline-end", flags->baseline_end,
                  "Anomalies: events before this UTC time are the baseline (default: the first "
                  "event plus --baseline-days)");
  cmd->add_option("--baseline-days", flags->baseline_days,
                  "Anomalies: length of the baseline from the first event")
      ->capture_default_str();
  cmd->add_option("--denial-burst", flags->denial_burst,
                  "Anomalies: denied calls by one principal that make a burst")
      ->capture_default_str();
  cmd->add_option("--denial-window", flags->denial_window,
                  "Anomalies: the window of a burst (90s, 10m, 1h)")
      ->capture_default_str();
}

std::optional<detect::AnomalyOptions> AnomalyOptionsFromFlags(const AnomalyFlags& f,
                                                              bool* usage_error) {
  *usage_error = false;
  if (!f.anomalies) {
    if (!f.baseline_end.empty()) {
      std::fprintf(stderr, "cirt: --baseline-end needs --anomalies\n");
      *usage_error = true;
    }
    return std::nullopt;
  }
  detect::AnomalyOptions a;
  if (!f.baseline_end.empty()) {
    a.baseline_end_us = model::ParseUtcTimestamp(f.baseline_end);
    if (!a.baseline_end_us) {
      std::fprintf(stderr,
                   "cirt: --baseline-end needs a UTC time like 2026-03-24T00:00:00Z, got '%s'\n",
                   f.baseline_end.c_str());
      *usage_error = true;
      return std::nullopt;
    }
  }
  if (!(f.baseline_days > 0)) {
    std::fprintf(stderr, "cirt: --baseline-days must be positive\n");
    *usage_error = true;
    return std::nullopt;
  }
  a.baseline_us = static_cast<int64_t>(f.baseline_days * 86400.0 * 1e6);
  auto window = detect::sigma::ParseTimespan(f.denial_window);
  if (!window || *window <= 0) {
    std::fprintf(stderr, "cirt: --denial-window needs a span like 90s, 10m or 1h, got '%s'\n",
                 f.denial_window.c_str());
    *usage_error = true;
    return std::nullopt;
  }
  a.denial_window_us = *window;
  if (f.denial_burst == 0) {
    std::fprintf(stderr, "cirt: --denial-burst must be at least 1\n");
    *usage_error = true;
    return std::nullopt;
  }
  a.denial_threshold = f.denial_burst;
  return a;
}

}  // namespace cirt::cli
