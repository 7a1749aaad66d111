#include "core/diagnostics.h"

namespace cirt {

void Diagnostics::Warn(const Status& status) {
  warnings_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  if (stream_ != nullptr) {
    std::string line = "cirt: warning: " + status.ToString() + "\n";
    std::fputs(line.c_str(), stream_);
  }
  if (kept_.size() < keep_) kept_.push_back(status);
}

std::vector<Status> Diagnostics::Kept() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kept_;
}

}  // namespace cirt
