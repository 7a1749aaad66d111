#include "respond/playbook.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "collect/crypto.h"
#include "io/buffer.h"
#include "io/file.h"
#include "io/yaml.h"

namespace cirt::respond {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct InputTypeInfo {
  InputType type;
  std::string_view name;
  std::string_view pattern;  // RE2, matched fully
};

constexpr InputTypeInfo kInputTypes[] = {
    {InputType::kString, "string", ""},
    {InputType::kBool, "bool", "(?i)true|false|yes|no|1|0"},
    {InputType::kInt, "int", "-?[0-9]{1,18}"},
    {InputType::kAccessKeyId, "access_key_id", "A[KS]IA[A-Z0-9]{12,124}"},
    {InputType::kUserName, "user_name", "[A-Za-z0-9_+=,.@-]{1,64}"},
    {InputType::kRoleName, "role_name", "[A-Za-z0-9_+=,.@-]{1,64}"},
    {InputType::kInstanceId, "instance_id", "i-[0-9a-f]{8,17}"},
    {InputType::kBucket, "bucket", "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"},
    {InputType::kFunctionName, "function_name",
     "(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9_$-]+)"
     "?"},
    {InputType::kFindingId, "finding_id", "[A-Za-z0-9:/._-]{1,512}"},
    {InputType::kArn, "arn", "arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+"},
};

const InputTypeInfo& Info(InputType type) {
  for (const auto& info : kInputTypes) {
    if (info.type == type) return info;
  }
  return kInputTypes[0];
}

// YAML -> JSON with every scalar kept as the string written (a playbook
// author's "0" and 0 are the same parameter). yaml-cpp throws only on misuse
// of a node's type, which the checks here avoid.
json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) out[item.first.Scalar()] = ToJson(item.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(ToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return node.Scalar();
    default:
      return nullptr;
  }
}

std::string Trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

// Calls `visit(name)` for every {{ name }} in `text`; false on an unclosed
// "{{".
template <class Visit>
bool ForEachReference(std::string_view text, Visit visit) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t end = text.find("}}", pos + 2);
    if (end == std::string_view::npos) return false;
    visit(Trim(text.substr(pos + 2, end - pos - 2)));
    pos = end + 2;
  }
  return true;
}

template <class Visit>
bool ForEachReferenceIn(const json& value, Visit visit) {
  if (value.is_string()) return ForEachReference(value.get_ref<const std::string&>(), visit);
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!ForEachReference(it.key(), visit) || !ForEachReferenceIn(*it, visit)) return false;
    }
  } else if (value.is_array()) {
    for (const json& item : value) {
      if (!ForEachReferenceIn(item, visit)) return false;
    }
  }
  return true;
}

Status Bad(const std::string& origin, const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where.empty() ? what : fmt::format("{}: {}", where, what),
                                 {.file = origin});
}

Status CheckParams(const std::string& origin, const std::string& where, const json& params,
                   const std::vector<std::string>& required,
                   const std::vector<std::string>& optional) {
  if (!params.is_object()) return Bad(origin, where, "params must be a map");
  for (const std::string& name : required) {
    if (!params.contains(name) || params[name].is_null())
      return Bad(origin, where, "missing parameter '" + name + "'");
  }
  for (const auto& [name, value] : params.items()) {
    bool known = std::find(required.begin(), required.end(), name) != required.end() ||
                 std::find(optional.begin(), optional.end(), name) != optional.end();
    if (!known) return Bad(origin, where, "unknown parameter '" + name + "'");
  }
  return Status::Ok();
}

const std::set<std::string>& RunVariables() {
  static const std::set<std::string> names = {"run.id", "run.started_at", "caller.arn",
                                              "caller.account", "region"};
  return names;
}

Result<Playbook> ParseDocument(const YAML::Node& doc, const std::string& origin,
                               const ActionRegistry& registry) {
  if (!doc.IsMap()) return Bad(origin, "", "a playbook is a YAML map");
  json root = ToJson(doc);
  Playbook p;
  p.origin = origin;
  p.name = Text(Member(root, "name"), "");
  p.description = Trim(Text(Member(root, "description"), ""));
  if (p.name.empty()) return Bad(origin, "", "missing 'name'");
  for (const auto& [key, value] : root.items()) {
    static const std::set<std::string> known = {"name", "description", "inputs", "resolve",
                                                "steps"};
    if (!known.count(key)) return Bad(origin, "", "unknown key '" + key + "'");
  }
  std::set<std::string> variables = RunVariables();
  // inputs
  const json inputs = root.value("inputs", json::object());
  if (!inputs.is_object()) return Bad(origin, "inputs", "must be a map of name: {type, ...}");
  // In the order written (JSON objects sort their keys): `list` and
  // error messages show inputs as the author declared them.
  std::vector<std::string> input_names;
  if (const YAML::Node declared = doc["inputs"]; declared && declared.IsMap()) {
    for (const auto& item : declared) input_names.push_back(item.first.Scalar());
  }
  for (const std::string& name : input_names) {
    const json& spec = Member(inputs, name);
    std::string where = "input '" + name + "'";
    if (variables.count(name)) return Bad(origin, where, "declared twice or a reserved name");
    if (!spec.is_object()) return Bad(origin, where, "must be a map");
    InputSpec input;
    input.name = name;
    const json& type_node = Member(spec, "type");
    std::string type_name = type_node.is_null() ? "string" : Text(type_node, type_node.dump());
    auto type = InputTypeFromName(type_name);
    if (!type) return Bad(origin, where, "unknown type '" + type_name + "'");
    input.type = *type;
    std::string required = Text(Member(spec, "required"), "false");
    input.required = required == "true" || required == "yes";
    if (spec.contains("default") && spec["default"].is_string())
      input.default_value = Text(spec["default"]);
    input.description = Trim(Text(Member(spec, "description"), ""));
    input.pattern = Text(Member(spec, "pattern"), "");
    if (!input.pattern.empty()) {
      RE2 re(input.pattern, RE2::Quiet);
      if (!re.ok()) return Bad(origin, where, "bad pattern: " + re.error());
    }
    variables.insert(name);
    p.inputs.push_back(std::move(input));
  }
  // resolve
  const json resolve = root.value("resolve", json::array());
  if (!resolve.is_array()) return Bad(origin, "resolve", "must be a list");
  std::set<std::string> ids;
  for (const json& item : resolve) {
    LookupStep step;
    step.id = item.is_object() ? Text(Member(item, "id"), "") : "";
    step.lookup = item.is_object() ? Text(Member(item, "lookup"), "") : "";
    std::string where = "resolve '" + step.id + "'";
    if (step.id.empty() || step.lookup.empty()) return Bad(origin, where, "needs id and lookup");
    const Lookup* lookup = registry.FindLookup(step.lookup);
    if (lookup == nullptr) return Bad(origin, where, "unknown lookup '" + step.lookup + "'");
    step.params = item.value("params", json::object());
    CIRT_RETURN_IF_ERROR(CheckParams(origin, where, step.params, lookup->required_params(), {}));
    if (!ids.insert(step.id).second) return Bad(origin, where, "duplicate id");
    std::string unknown;
    if (!ForEachReferenceIn(step.params, [&](const std::string& ref) {
          if (!variables.count(ref) && unknown.empty()) unknown = ref;
        }))
      return Bad(origin, where, "unclosed '{{'");
    if (!unknown.empty()) return Bad(origin, where, "unknown variable '" + unknown + "'");
    for (const std::string& field : lookup->fields()) variables.insert(step.id + "." + field);
    p.resolve.push_back(std::move(step));
  }
  // steps
  const json steps = root.value("steps", json::array());
  if (!steps.is_array() || steps.empty()) return Bad(origin, "steps", "must be a non-empty list");
  for (const json& item : steps) {
    if (!item.is_object()) return Bad(origin, "steps", "each step is a map");
    Step step;
    step.id = Text(Member(item, "id"), "");
    step.action = Text(Member(item, "action"), "");
    std::string where = "step '" + step.id + "'";
    if (step.id.empty() || step.action.empty()) return Bad(origin, where, "needs id and action");
    for (const auto& [key, value] : item.items()) {
      static const std::set<std::string> known = {"id",   "action",     "description", "params",
                                                  "when", "on_failure", "rollback"};
      if (!known.count(key)) return Bad(origin, where, "unknown key '" + key + "'");
    }
    const Action* action = registry.FindAction(step.action);
    if (action == nullptr) return Bad(origin, where, "unknown action '" + step.action + "'");
    step.description = Trim(Text(Member(item, "description"), ""));
    step.params = item.value("params", json::object());
    CIRT_RETURN_IF_ERROR(CheckParams(origin, where, step.params, action->required_params(),
                                     action->optional_params()));
    step.when = Text(Member(item, "when"), "");
    std::string on_failure = Text(Member(item, "on_failure"), "stop");
    if (on_failure == "stop") {
      step.on_failure = OnFailure::kStop;
    } else if (on_failure == "continue") {
      step.on_failure = OnFailure::kContinue;
    } else {
      return Bad(origin, where, "on_failure must be stop or continue");
    }
    std::string rollback = Text(Member(item, "rollback"), "inverse");
    if (rollback == "inverse") {
      step.rollback = RollbackMode::kInverse;
    } else if (rollback == "none") {
      step.rollback = RollbackMode::kNone;
    } else {
      return Bad(origin, where, "rollback must be inverse or none");
    }
    if (!ids.insert(step.id).second) return Bad(origin, where, "duplicate id");
    std::string unknown;
    bool closed = ForEachReferenceIn(step.params, [&](const std::string& ref) {
      if (!variables.count(ref) && unknown.empty()) unknown = ref;
    });
    closed = closed && ForEachReference(step.when, [&](const std::string& ref) {
               if (!variables.count(ref) && unknown.empty()) unknown = ref;
             });
    if (!closed) return Bad(origin, where, "unclosed '{{'");
    if (!unknown.empty()) return Bad(origin, where, "unknown variable '" + unknown + "'");
    p.steps.push_back(std::move(step));
  }
  return p;
}

bool LooksLikePath(const std::string& name) {
  return name.find('/') != std::string::npos || name.ends_with(".yml") || name.ends_with(".yaml");
}

std::vector<std::string> PlaybookFilesIn(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string ext = it->path().extension().string();
    if (it->is_regular_file(ec) && (ext == ".yml" || ext == ".yaml"))
      files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<Playbook> LoadFile(const std::string& path, const ActionRegistry& registry) {
  io::Buffer buffer;
  CIRT_RETURN_IF_ERROR(io::ReadFile(path, &buffer));
  return ParsePlaybook(std::string_view(buffer.data(), buffer.size()), path, registry);
}

}  // namespace

std::optional<InputType> InputTypeFromName(std::string_view name) {
  for (const auto& info : kInputTypes) {
    if (info.name == name) return info.type;
  }
  return std::nullopt;
}

std::string_view InputTypeName(InputType type) { return Info(type).name; }

Result<Playbook> ParsePlaybook(std::string_view yaml, const std::string& origin,
                               const ActionRegistry& registry) {
  Result<std::vector<YAML::Node>> docs = io::LoadYamlDocuments(yaml);
  if (!docs.ok()) return docs.status().WithFile(origin);
  if (docs->size() != 1) return Bad(origin, "", "a playbook file holds exactly one document");
  Result<Playbook> playbook = ParseDocument((*docs)[0], origin, registry);
  if (playbook.ok()) playbook->sha256 = collect::Sha256Hex(yaml);
  return playbook;
}

Result<Playbook> FindPlaybook(const std::string& name_or_path,
                              const std::vector<std::string>& user_dirs,
                              const ActionRegistry& registry) {
  if (LooksLikePath(name_or_path)) return LoadFile(name_or_path, registry);
  for (const std::string& dir : user_dirs) {
    for (const std::string& file : PlaybookFilesIn(dir)) {
      if (fs::path(file).stem() == name_or_path) return LoadFile(file, registry);
    }
  }
  for (const EmbeddedPlaybook& file : BuiltinPlaybookFiles()) {
    if (fs::path(file.path).stem() == name_or_path)
      return ParsePlaybook(file.content, "builtin:" + std::string(file.path), registry);
  }
  return Status::NotFound("no playbook named '" + name_or_path + "' (see `cirt respond list`)");
}

std::vector<Playbook> ListPlaybooks(const std::vector<std::string>& user_dirs,
                                    const ActionRegistry& registry,
                                    std::vector<std::string>* errors) {
  std::vector<Playbook> out;
  std::set<std::string> names;
  auto add = [&](Result<Playbook> playbook, const std::string& origin) {
    if (!playbook.ok()) {
      errors->push_back(playbook.status().ToString());
      return;
    }
    if (names.insert(playbook->name).second) out.push_back(std::move(playbook).value());
    (void)origin;
  };
  for (const std::string& dir : user_dirs) {
    for (const std::string& file : PlaybookFilesIn(dir)) add(LoadFile(file, registry), file);
  }
  for (const EmbeddedPlaybook& file : BuiltinPlaybookFiles()) {
    std::string origin = "builtin:" + std::string(file.path);
    add(ParsePlaybook(file.content, origin, registry), origin);
  }
  return out;
}

Result<std::map<std::string, std::string>> BindInputs(
    const Playbook& playbook, const std::vector<std::pair<std::string, std::string>>& given) {
  std::map<std::string, std::string> values;
  for (const auto& [name, value] : given) {
    auto spec = std::find_if(playbook.inputs.begin(), playbook.inputs.end(),
                             [&wanted = name](const InputSpec& s) { return s.name == wanted; });
    if (spec == playbook.inputs.end()) {
      std::string names;
      for (const InputSpec& s : playbook.inputs) names += (names.empty() ? "" : ", ") + s.name;
      return Status::InvalidArgument(
          fmt::format("playbook {} has no input '{}' (inputs: {})", playbook.name, name, names));
    }
    if (values.count(name)) return Status::InvalidArgument("input '" + name + "' given twice");
    std::string_view pattern = Info(spec->type).pattern;
    if (!pattern.empty() && !RE2::FullMatch(value, RE2(std::string(pattern), RE2::Quiet)))
      return Status::InvalidArgument(
          fmt::format("input {}='{}' is not a valid {}", name, value, InputTypeName(spec->type)));
    if (!spec->pattern.empty() && !RE2::FullMatch(value, RE2(spec->pattern, RE2::Quiet)))
      return Status::InvalidArgument(
          fmt::format("input {}='{}' does not match {}", name, value, spec->pattern));
    std::string normalised = value;
    if (spec->type == InputType::kBool) {
      std::string lower = value;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      normalised = (lower == "true" || lower == "yes" || lower == "1") ? "true" : "false";
    }
    values[name] = normalised;
  }
  for (const InputSpec& spec : playbook.inputs) {
    if (values.count(spec.name)) continue;
    if (spec.default_value) {
      values[spec.name] = *spec.default_value;
    } else if (spec.required) {
      return Status::InvalidArgument(fmt::format("playbook {} needs --input {}=<{}>", playbook.name,
                                                 spec.name, InputTypeName(spec.type)));
    } else {
      values[spec.name] = "";
    }
  }
  return values;
}

Result<json> Substitute(const json& value, const std::map<std::string, std::string>& vars) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    std::string out;
    size_t pos = 0;
    while (true) {
      size_t open = text.find("{{", pos);
      if (open == std::string::npos) break;
      size_t close = text.find("}}", open + 2);
      if (close == std::string::npos) return Status::InvalidArgument("unclosed '{{' in " + text);
      std::string name = Trim(std::string_view(text).substr(open + 2, close - open - 2));
      auto it = vars.find(name);
      if (it == vars.end()) return Status::InvalidArgument("unknown variable '" + name + "'");
      out.append(text, pos, open - pos);
      out += it->second;
      pos = close + 2;
    }
    out.append(text, pos, std::string::npos);
    return json(out);
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items()) {
      CIRT_ASSIGN_OR_RETURN(json key_value, Substitute(json(key), vars));
      CIRT_ASSIGN_OR_RETURN(json sub, Substitute(item, vars));
      out[key_value.get<std::string>()] = std::move(sub);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) {
      CIRT_ASSIGN_OR_RETURN(json sub, Substitute(item, vars));
      out.push_back(std::move(sub));
    }
    return out;
  }
  return value;
}

Result<bool> EvaluateCondition(const std::string& text) {
  // "A and B": every part must hold.
  if (size_t at = text.find(" and "); at != std::string::npos) {
    CIRT_ASSIGN_OR_RETURN(bool left, EvaluateCondition(text.substr(0, at)));
    CIRT_ASSIGN_OR_RETURN(bool right, EvaluateCondition(text.substr(at + 5)));
    return left && right;
  }
  auto truth = [](std::string value) -> std::optional<bool> {
    for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (value == "true" || value == "yes" || value == "1") return true;
    if (value == "false" || value == "no" || value == "0" || value.empty()) return false;
    return std::nullopt;
  };
  for (std::string_view op : {"==", "!="}) {
    size_t at = text.find(op);
    if (at != std::string::npos) {
      bool equal =
          Trim(std::string_view(text).substr(0, at)) == Trim(std::string_view(text).substr(at + 2));
      return op == "==" ? equal : !equal;
    }
  }
  if (auto value = truth(Trim(text))) return *value;
  return Status::InvalidArgument("condition '" + text +
                                 "' is neither true/false nor 'A == B' / 'A != B'");
}

}  // namespace cirt::respond
