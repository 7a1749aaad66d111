#include "collect/parallel_hash.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "collect/crypto.h"
#include "collect/local_files.h"

namespace cirt::collect {

namespace {

constexpr unsigned kMaxJobs = 16;

FileHash HashOne(const std::string& path,
                 const std::function<Result<std::string>(std::string)>& transform) {
  FileHash out;
  Result<std::string> bytes = ReadWholeFile(path);
  if (!bytes.ok()) {
    out.status = bytes.status();
    return out;
  }
  out.size = bytes->size();
  if (!transform) {
    out.sha256 = Sha256Hex(*bytes);
    return out;
  }
  Result<std::string> hashed = transform(std::move(bytes).value());
  if (!hashed.ok()) {
    out.status = hashed.status();
    return out;
  }
  out.sha256 = Sha256Hex(*hashed);
  return out;
}

}  // namespace

std::vector<FileHash> HashFiles(const std::vector<std::string>& paths, unsigned jobs,
                                const std::function<Result<std::string>(std::string)>& transform) {
  std::vector<FileHash> results(paths.size());
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs =
      static_cast<unsigned>(std::min<size_t>({jobs, kMaxJobs, std::max<size_t>(paths.size(), 1)}));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < paths.size(); i = next++) results[i] = HashOne(paths[i], transform);
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace cirt::collect
