#include "cli/rule_flags.h"

#include <cstdio>

namespace cirt::cli {

bool AddRuleVars(const std::vector<std::string>& vars, detect::sigma::LoadOptions* load) {
  for (const std::string& v : vars) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "cirt: --var needs NAME=VALUE[,VALUE...], got '%s'\n", v.c_str());
      return false;
    }
    auto& values = load->placeholders[v.substr(0, eq)];
    const std::string rest = v.substr(eq + 1);
    for (size_t start = 0;;) {
      const size_t comma = rest.find(',', start);
      values.push_back(rest.substr(start, comma == std::string::npos ? comma : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return true;
}

}  // namespace cirt::cli
