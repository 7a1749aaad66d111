// src/io/yaml.h
// The one adapter in front of yaml-cpp for untrusted YAML (Sigma rules,
// playbooks, configuration): a libyaml pre-check that rejects, in linear
// time, the inputs on which yaml-cpp 0.7 loops forever, then yaml-cpp's
// LoadAll with its exceptions turned into a Status.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cirt::io {

// Every document of `text`. Errors: kCorrupt with the message
// "invalid YAML at line L, column C: ..." (no file; callers add it).
Result<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text);

}  // namespace cirt::io
