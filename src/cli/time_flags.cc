#include "cli/time_flags.h"

#include <cstdio>
#include <utility>

#include "investigate/timeline.h"

namespace cirt::cli {

bool ParseTimeFlags(const std::string& start, const std::string& end,
                    std::optional<int64_t>* start_us, std::optional<int64_t>* end_us) {
  for (auto [text, bound] : {std::pair{&start, start_us}, {&end, end_us}}) {
    if (text->empty()) continue;
    Result<int64_t> t = investigate::ParseTimeBound(*text);
    if (!t.ok()) {
      std::fprintf(stderr, "cirt: %s\n", std::string(t.status().message()).c_str());
      return false;
    }
    *bound = *t;
  }
  return true;
}

}  // namespace cirt::cli
