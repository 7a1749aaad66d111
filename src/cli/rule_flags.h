// `--var NAME=V1,V2` of `cirt hunt` and `cirt case ingest`: values for a
// rule placeholder (%NAME%, the Sigma `expand` modifier).
#pragma once

#include <string>
#include <vector>

#include "detect/sigma/rule.h"

namespace cirt::cli {

// Adds each NAME=V1,V2 to `load->placeholders`. False (and a line on
// stderr) for a value without a name.
bool AddRuleVars(const std::vector<std::string>& vars, detect::sigma::LoadOptions* load);

}  // namespace cirt::cli
