#include "investigate/response_journal.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "io/file.h"
#include "model/event.h"
#include "respond/journal.h"

namespace cirt::investigate {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// An "error" member: {"code","message","aws_code","request_id"} or a string.
std::string ErrorText(const json& line) {
  auto it = line.find("error");
  if (it == line.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    std::string code = Str(*it, "aws_code");
    if (code.empty()) code = Str(*it, "code");
    std::string message = Str(*it, "message");
    return code.empty() ? message : message.empty() ? code : code + ": " + message;
  }
  return it->dump();
}

std::string RequestIds(const json& line) {
  std::string out;
  auto it = line.find("request_ids");
  if (it == line.end() || !it->is_array()) return out;
  for (const json& id : *it) {
    if (id.is_string()) out += (out.empty() ? "" : ", ") + id.get<std::string>();
  }
  return out;
}

// What a step acts on: the plan's "resources" for it, else its parameters.
std::string Target(const json& plan_step) {
  std::string out;
  auto res = plan_step.find("resources");
  if (res != plan_step.end() && res->is_array()) {
    for (const json& r : *res) {
      if (r.is_string()) out += (out.empty() ? "" : ", ") + r.get<std::string>();
    }
  }
  if (!out.empty()) return out;
  auto params = plan_step.find("params");
  if (params != plan_step.end() && params->is_object()) {
    for (const auto& [k, v] : params->items()) {
      out +=
          (out.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return out;
}

}  // namespace

std::vector<report::ReportAction> ActionsFromJournal(const std::vector<json>& lines) {
  std::vector<report::ReportAction> actions;
  if (lines.empty()) return actions;
  std::string run_id, playbook;
  std::map<std::string, const json*> plan_steps;
  if (Str(lines[0], "type") == "run") {
    auto plan = lines[0].find("plan");
    if (plan != lines[0].end() && plan->is_object()) {
      run_id = Str(*plan, "run_id");
      playbook = Str(*plan, "playbook");
      auto steps = plan->find("steps");
      if (steps != plan->end() && steps->is_array()) {
        for (const json& s : *steps) {
          if (s.is_object()) plan_steps[Str(s, "id")] = &s;
        }
      }
    }
  }
  for (const json& line : lines) {
    const std::string type = Str(line, "type");
    const std::string step = Str(line, "step");
    if (type == "revert") {
      const std::string outcome = Str(line, "outcome");
      if (outcome != "restored" && outcome != "already-restored") continue;
      for (report::ReportAction& a : actions) {
        if (a.step == step && a.containment) a.rolled_back = true;
      }
      continue;
    }
    if (type != "result" && type != "capture" && type != "step") continue;
    report::ReportAction a;
    a.run_id = run_id;
    a.playbook = playbook;
    a.step = step;
    a.action = Str(line, "action");
    auto ps = plan_steps.find(step);
    if (ps != plan_steps.end()) a.target = Target(*ps->second);
    if (a.target.empty() && line.contains("params")) a.target = Target(line);
    a.time_us = model::ParseUtcTimestamp(Str(line, "time")).value_or(0);
    a.request_id = RequestIds(line);
    a.error = ErrorText(line);
    if (type == "result") {
      a.result = Str(line, "outcome");
      a.containment = true;
      a.succeeded = a.result == "applied";
      if (a.succeeded && line.contains("verified") && line["verified"].is_boolean() &&
          !line["verified"].get<bool>()) {
        a.result = "applied (not verified)";
      }
    } else if (type == "capture") {
      a.result = "captured";
      a.succeeded = true;
    } else {
      a.result = Str(line, "outcome");
      a.succeeded = a.result == "in-effect";
      if (a.error.empty()) a.error = Str(line, "reason");
    }
    actions.push_back(std::move(a));
  }
  return actions;
}

ResponseJournals ReadResponseJournals(const std::string& case_dir, Diagnostics* diagnostics) {
  ResponseJournals out;
  const fs::path dir = fs::path(case_dir) / "respond";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && entry.path().extension() == ".jsonl") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    std::vector<json> lines;
    Status s = respond::ReadJournalPrefix(file, &lines);
    ++out.journals;
    if (!s.ok()) {
      if (diagnostics != nullptr) diagnostics->Warn(s);
      out.problems.push_back(
          fmt::format("response journal {} does not verify ({}); {} lines "
                      "before the break are used",
                      fs::path(file).filename().string(), s.ToString(), lines.size()));
    }
    for (report::ReportAction& a : ActionsFromJournal(lines)) out.actions.push_back(std::move(a));
  }
  return out;
}

}  // namespace cirt::investigate
