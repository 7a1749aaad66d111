#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "respond/action.h"

namespace cirt::respond {

const ActionRegistry& ActionRegistry::Builtin() {
  static const ActionRegistry registry = [] {
    ActionRegistry r;
    RegisterIamActions(r);
    RegisterS3Actions(r);
    RegisterLambdaActions(r);
    RegisterEc2Actions(r);
    RegisterFindingActions(r);
    return r;
  }();
  return registry;
}

void ActionRegistry::Add(std::unique_ptr<Action> action) {
  std::string name(action->name());
  actions_[name] = std::move(action);
}

void ActionRegistry::Add(std::unique_ptr<Lookup> lookup) {
  std::string name(lookup->name());
  lookups_[name] = std::move(lookup);
}

const Action* ActionRegistry::FindAction(std::string_view name) const {
  auto it = actions_.find(name);
  return it == actions_.end() ? nullptr : it->second.get();
}

const Lookup* ActionRegistry::FindLookup(std::string_view name) const {
  auto it = lookups_.find(name);
  return it == lookups_.end() ? nullptr : it->second.get();
}

const nlohmann::json& Member(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Text(const nlohmann::json& value, std::string_view fallback) {
  return value.is_string() ? value.get<std::string>() : std::string(fallback);
}

bool Flag(const nlohmann::json& value, bool fallback) {
  return value.is_boolean() ? value.get<bool>() : fallback;
}

std::string ParamString(const Params& params, std::string_view name) {
  if (!params.is_object()) return "";
  auto it = params.find(name);
  if (it == params.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool ParamBool(const Params& params, std::string_view name) {
  std::string value = ParamString(params, name);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value == "true" || value == "yes" || value == "1";
}

std::string IamArn(const ActionContext& ctx, std::string_view kind, std::string_view name) {
  return fmt::format("arn:{}:iam::{}:{}/{}", ctx.partition, ctx.account_id, kind, name);
}

nlohmann::json ParsePolicyDocument(const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return nlohmann::json(text);
  return parsed;
}

}  // namespace cirt::respond
