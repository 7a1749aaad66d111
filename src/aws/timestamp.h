// src/aws/timestamp.h
// ISO-8601 timestamps as AWS writes them ("2026-11-28T03:00:00Z",
// "...T03:00:00.123Z", "...T03:00:00+01:00").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cirt::aws {

// Errors: kCorrupt for anything but the forms above.
Result<std::chrono::system_clock::time_point> ParseIso8601(
    std::string_view text);

// An HTTP Date header (RFC 7231 IMF-fixdate, "Sat, 28 Nov 2026 03:12:34
// GMT"). Errors: kCorrupt.
Result<std::chrono::system_clock::time_point> ParseHttpDate(
    std::string_view text);

// "2026-11-28T03:00:00Z" (UTC, whole seconds).
std::string FormatIso8601(std::chrono::system_clock::time_point time);

}  // namespace cirt::aws
