#include "respond/guardrails.h"

#include <fmt/format.h>

#include <charconv>

#include "io/buffer.h"
#include "io/file.h"
#include "io/yaml.h"

namespace cirt::respond {

Result<Guardrails> LoadGuardrails(const std::string& path) {
  io::Buffer buffer;
  CIRT_RETURN_IF_ERROR(io::ReadFile(path, &buffer));
  // YAML is a superset of JSON: one reader for both.
  Result<std::vector<YAML::Node>> docs =
      io::LoadYamlDocuments(std::string_view(buffer.data(), buffer.size()));
  if (!docs.ok()) return docs.status().WithFile(path);
  Guardrails guardrails;
  guardrails.source = path;
  if (docs->empty() || (*docs)[0].IsNull()) return guardrails;
  const YAML::Node& root = (*docs)[0];
  auto bad = [&](const std::string& what) { return Status::InvalidArgument(what, {.file = path}); };
  if (!root.IsMap()) return bad("guardrails must be a map (protected, max_resources)");
  for (const auto& item : root) {
    std::string key = item.first.Scalar();
    const YAML::Node& value = item.second;
    if (key == "protected") {
      if (!value.IsSequence()) return bad("'protected' must be a list of ARN globs");
      for (const auto& pattern : value) {
        if (!pattern.IsScalar() || pattern.Scalar().empty())
          return bad("'protected' entries must be non-empty strings");
        guardrails.protected_patterns.push_back(pattern.Scalar());
      }
    } else if (key == "max_resources") {
      int limit = 0;
      const std::string& text = value.IsScalar() ? value.Scalar() : std::string();
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() || limit < 0)
        return bad("'max_resources' must be a whole number >= 0");
      guardrails.max_resources = limit;
    } else {
      return bad("unknown key '" + key + "' (expected protected, max_resources)");
    }
  }
  return guardrails;
}

std::vector<std::string> CallerPatterns(const std::string& caller_arn) {
  // arn:<partition>:<sts|iam>::<account>:<resource>
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = caller_arn.find(':', start);
    if (colon == std::string::npos) return {caller_arn};
    parts.push_back(caller_arn.substr(start, colon - start));
    start = colon + 1;
  }
  std::string resource = caller_arn.substr(start);
  const std::string& partition = parts[1];
  const std::string& account = parts[4];
  std::string prefix = fmt::format("arn:{}:iam::{}:", partition, account);
  if (resource.rfind("assumed-role/", 0) == 0) {
    std::string rest = resource.substr(13);
    std::string role = rest.substr(0, rest.find('/'));
    // The session ARN drops the role's path: match any.
    return {caller_arn, prefix + "role/" + role, prefix + "role/*/" + role};
  }
  if (resource.rfind("user/", 0) == 0) {
    std::string name = resource.substr(resource.rfind('/') + 1);
    return {caller_arn, prefix + resource, prefix + "user/" + name, prefix + "user/*/" + name};
  }
  return {caller_arn};
}

std::string ProtectedReason(const Guardrails& guardrails, const std::string& caller_arn,
                            const std::string& arn) {
  for (const std::string& pattern : CallerPatterns(caller_arn)) {
    if (GlobMatch(pattern, arn))
      return fmt::format("{} is the responder's own identity ({})", arn, caller_arn);
  }
  for (const std::string& pattern : guardrails.protected_patterns) {
    if (GlobMatch(pattern, arn))
      return fmt::format("{} is protected by '{}' in {}", arn, pattern, guardrails.source);
  }
  return "";
}

}  // namespace cirt::respond
