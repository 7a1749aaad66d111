// src/core/glob.h
// Shell-style wildcard matching ('*' any run, '?' one character; no
// escapes, case-sensitive), used for rule selectors and guardrail patterns.
#pragma once

#include <string_view>

namespace cirt {

// True when all of `text` matches `pattern`. Iterative with one backtrack
// point: linear in practice, no recursion on hostile patterns.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace cirt
