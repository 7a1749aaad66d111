// `--start` / `--end` of `cirt hunt` and `cirt timeline`: UTC bounds given
// as 2024-05-01 or 2024-05-01T13:00:00Z (investigate::ParseTimeBound).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cirt::cli {

// Sets `*start_us` / `*end_us` from the non-empty flags. False (and a line
// on stderr) when one is not such a time.
bool ParseTimeFlags(const std::string& start, const std::string& end,
                    std::optional<int64_t>* start_us, std::optional<int64_t>* end_us);

}  // namespace cirt::cli
