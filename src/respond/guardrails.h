// src/respond/guardrails.h
// What `cirt respond` must never touch, and how much one run may change.
// Read from a YAML or JSON file (README "Guardrails"):
//   protected:            # ARN globs ('*' any run of characters, '?' one)
//     - arn:aws:iam::*:role/BreakGlass*
//   max_resources: 10     # resources one apply may change without --force
// The responder's own identity (GetCallerIdentity) is always protected.
#pragma once

#include <string>
#include <vector>

#include "core/glob.h"  // GlobMatch: protected patterns
#include "core/result.h"

namespace cirt::respond {

struct Guardrails {
  std::vector<std::string> protected_patterns;
  // Default: 10.
  int max_resources = 10;
  std::string source;  // the file read, "" for defaults
};

// Errors: kIo/kNotFound for an unreadable file, kCorrupt/kInvalidArgument
// (naming the file) for bad content or unknown keys.
Result<Guardrails> LoadGuardrails(const std::string& path);

// The IAM ARNs that stand for the caller `caller_arn` (from
// GetCallerIdentity): an IAM user ARN for a user (sts or iam form), the
// role's ARN, with any path, for an assumed-role session.
std::vector<std::string> CallerPatterns(const std::string& caller_arn);

// The reason `arn` is protected ("" when it is not): the matching pattern,
// or that it is the responder's own identity.
std::string ProtectedReason(const Guardrails& guardrails, const std::string& caller_arn,
                            const std::string& arn);

}  // namespace cirt::respond
