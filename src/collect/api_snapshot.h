// src/collect/api_snapshot.h
// API answers kept as evidence (`cirt collect findings|iam|ec2`): each
// answer is written once per content into the evidence folder and recorded
// in the manifest; denied and failed calls are recorded instead of a file.
//
// Re-runs: the first snapshot of an answer is written at its plain path
// ("ec2/us-east-1/instances.json"). A later run whose answer has the same
// SHA-256 as the newest snapshot of that path writes nothing (unchanged);
// a different answer is written beside it with the collection time in its
// name ("ec2/us-east-1/instances.20260101T120000Z.json"), so no collected
// file is ever overwritten and the history of the state stays in the folder.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "collect/manifest.h"
#include "core/result.h"

namespace cirt::collect {

struct SnapshotCounts {
  size_t written = 0;                 // files written this run
  size_t unchanged = 0;               // answers equal to the newest snapshot
  size_t denied = 0;                  // AccessDenied calls (recorded in the manifest)
  size_t errors = 0;                  // other failed calls (recorded in the manifest)
  uint64_t bytes = 0;                 // written this run
  std::vector<std::string> problems;  // one line per denied/failed call
};

// Thread-safe: collectors of several regions may share one writer.
class SnapshotWriter {
 public:
  // `manifest` must outlive the writer; `now` gives collection times.
  SnapshotWriter(Manifest& manifest, std::string out_dir, std::string collector_arn,
                 std::function<std::chrono::system_clock::time_point()> now);

  // Writes `bytes` as the snapshot `rel` ('/'-separated, relative to the
  // folder; must pass IsSafeKey) unless the newest snapshot of `rel` holds
  // the same bytes and is still on disk. Errors: kInvalidArgument for an
  // unsafe path, kIo when the file cannot be written (the run should stop).
  Status Write(const std::string& rel, std::string_view bytes, EntrySource source);

  // Records a failed call (kDenied when IsAccessDenied, else kError).
  void RecordFailure(EntrySource source, const Status& status);

  SnapshotCounts counts() const;

 private:
  struct Latest {
    std::string path;
    std::string sha256;
  };
  Manifest& manifest_;
  std::string out_dir_;
  std::string collector_arn_;
  std::function<std::chrono::system_clock::time_point()> now_;
  mutable std::mutex mu_;
  std::map<std::string, Latest, std::less<>> latest_;  // snapshot base path -> newest
  SnapshotCounts counts_;
};

// The snapshot a path belongs to: "a/b.20260101T120000Z.json" -> "a/b.json";
// other paths are their own base.
std::string SnapshotBase(std::string_view path);

// `value` serialised as the snapshot files hold it: 2-space indented JSON,
// keys sorted (as nlohmann::json keeps them), invalid UTF-8 replaced, with a final newline.
std::string SnapshotJson(const nlohmann::json& value);

}  // namespace cirt::collect
