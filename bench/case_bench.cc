// bench/case_bench.cc: cirt_case_bench, the `cirt case ingest` throughput.
//
//   cirt_case_bench DIR [--no-builtin-rules] [--rules PATH]... [--keep CASE]
//
// Ingests every file under DIR into a fresh case (in a temporary folder, or
// CASE with --keep) with store::Ingest, exactly as `cirt case ingest` does
// (single-threaded: read, SHA-256, decompress, parse, hunt rules, rows,
// evidence copy, secondary indexes), and prints:
//
//   indexing   events/s of writing the rows (events, credentials, detections)
//              into SQLite, in thread CPU time: the store's own cost
//   indexes    seconds to build the secondary indexes at the end
//   ingest     events/s of the whole ingest in process CPU time, and wall time
//
// CPU times make the figures comparable on a busy machine; wall time is
// printed too.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "store/case.h"
#include "store/ingest.h"

namespace {

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: cirt_case_bench DIR [--no-builtin-rules] [--rules PATH]... "
                 "[--keep CASE]\n");
    return 2;
  }
  cirt::store::IngestOptions options;
  options.inputs = {argv[1]};
  std::string keep;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-builtin-rules") == 0) {
      options.builtin_rules = false;
    } else if (std::strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
      options.rule_paths.push_back(argv[++i]);
    } else if (std::strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
      keep = argv[++i];
    } else {
      std::fprintf(stderr, "cirt_case_bench: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  const std::string dir =
      keep.empty()
          ? (fs::temp_directory_path() / ("cirt-case-bench-" + std::to_string(getpid()))).string()
          : keep;
  fs::remove_all(dir);
  auto kase = cirt::store::Case::Init(dir);
  if (!kase.ok()) {
    std::fprintf(stderr, "cirt_case_bench: %s\n", kase.status().ToString().c_str());
    return 1;
  }
  cirt::Diagnostics diagnostics(stderr);
  const double cpu0 = ProcessCpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  auto stats = cirt::store::Ingest(&*kase, options, &diagnostics);
  const double cpu = ProcessCpuSeconds() - cpu0;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (!stats.ok()) {
    std::fprintf(stderr, "cirt_case_bench: %s\n", stats.status().ToString().c_str());
    return 1;
  }
  const auto& s = *stats;
  const double events = static_cast<double>(s.events);
  std::printf("files %llu, events %llu, detections %llu, rules %zu\n",
              static_cast<unsigned long long>(s.files_ingested),
              static_cast<unsigned long long>(s.events),
              static_cast<unsigned long long>(s.detections), s.rules.loaded);
  std::printf("indexing   %.2f s CPU  %10.0f events/s\n", s.seconds_index,
              s.seconds_index > 0 ? events / s.seconds_index : 0);
  std::printf("indexes    %.2f s wall\n", s.seconds_indexes);
  std::printf("ingest     %.2f s CPU  %10.0f events/s  (%.2f s wall, %.0f events/s)\n", cpu,
              cpu > 0 ? events / cpu : 0, wall, wall > 0 ? events / wall : 0);
  if (keep.empty()) fs::remove_all(dir);
  return 0;
}
