// src/cli/progress_line.h
// The one progress line of the CLI: while alive, redraws `render()` on
// stderr every 200 ms (callers create it only when stderr is a terminal),
// and clears the line when destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

namespace cirt::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::function<std::string(double seconds)> render)
      : render_(std::move(render)), thread_([this] { Run(); }) {}
  ~ProgressLine() {
    stop_ = true;
    thread_.join();
    std::fputs("\r\x1b[2K", stderr);
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void Run() {
    const auto start = std::chrono::steady_clock::now();
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::string line = "\r\x1b[2Kcirt: " + render_(secs);
      std::fputs(line.c_str(), stderr);
      std::fflush(stderr);
    }
  }
  std::function<std::string(double)> render_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cirt::cli
