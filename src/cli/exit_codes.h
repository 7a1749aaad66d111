// src/cli/exit_codes.h
// The exit codes of every cirt command (documented in the README).
#pragma once

namespace cirt::cli {

inline constexpr int kExitOk = 0;            // ran, nothing skipped
inline constexpr int kExitInputSkipped = 1;  // ran, some input was skipped (see stderr)
inline constexpr int kExitRespondFailed = 1;  // respond: a step, a read or a rollback failed
inline constexpr int kExitUsage = 2;         // bad usage, or rules that do not load
inline constexpr int kExitFailed = 3;        // the command failed (e.g. a case database error)

}  // namespace cirt::cli
