// src/detect/builtin_rules.h
// cirt's own rule pack (rules/ in the source tree), embedded at build time.
#pragma once

#include <span>
#include <string_view>

namespace cirt::detect {

struct EmbeddedFile {
  std::string_view path;     // "rules/persistence/cirt_x.yml"
  std::string_view content;  // the YAML text
};

std::span<const EmbeddedFile> BuiltinRuleFiles();

}  // namespace cirt::detect
