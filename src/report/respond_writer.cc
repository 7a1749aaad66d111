#include "report/respond_writer.h"

#include <fmt/format.h>

#include <string>

namespace cirt::report {

namespace {

using nlohmann::json;

constexpr size_t kStateWidth = 120;

std::string Compact(const json& value) {
  if (value.is_null()) return "-";
  std::string text = value.is_string() ? value.get<std::string>()
                                       : value.dump(-1, ' ', false,
                                                    json::error_handler_t::replace);
  // Control characters from AWS data never reach the terminal raw.
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kStateWidth) text = text.substr(0, kStateWidth - 3) + "...";
  return text;
}

void Print(std::FILE* out, const std::string& text) { std::fputs(text.c_str(), out); }

Status Check(Format format) {
  if (format != Format::kTable && format != Format::kJson)
    return Status::InvalidArgument("respond output is table or json");
  return Status::Ok();
}

void WriteJson(const json& document, std::FILE* out) {
  Print(out, document.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace

Status WriteRespondPlan(const json& plan, Format format, std::FILE* out) {
  CIRT_RETURN_IF_ERROR(Check(format));
  if (format == Format::kJson) {
    WriteJson(plan, out);
    return Status::Ok();
  }
  Print(out, fmt::format("plan  {} ({})\ncaller {}  account {}  region {}\n",
                         plan.value("playbook", ""), plan.value("origin", ""),
                         plan["caller"].value("arn", ""), plan["caller"].value("account", ""),
                         plan.value("region", "")));
  const json inputs = plan.value("inputs", json::object());
  const json lookups = plan.value("lookups", json::object());
  for (const auto& [name, value] : inputs.items())
    Print(out, fmt::format("input  {} = {}\n", name, Compact(value)));
  for (const auto& [id, fields] : lookups.items()) {
    std::string text;
    for (const auto& [field, value] : fields.items())
      text += fmt::format(" {}={}", field, Compact(value));
    Print(out, fmt::format("target {}:{}\n", id, text));
  }
  Print(out, fmt::format("\n{:>2}  {:<22} {:<34} {:<10} {}\n", "#", "step", "action", "status",
                         "current -> intended"));
  int index = 0;
  for (const json& step : plan.value("steps", json::array())) {
    ++index;
    std::string disposition = step.value("disposition", "");
    std::string detail;
    if (disposition == "change") {
      detail = Compact(step["current"]) + " -> " + Compact(step["intended"]);
    } else if (disposition == "in-effect") {
      detail = "already in effect: " + Compact(step["current"]);
    } else if (disposition == "capture") {
      detail = "save " + Compact(step["current"]);
    } else {
      detail = step.value("note", "");
    }
    Print(out, fmt::format("{:>2}  {:<22} {:<34} {:<10} {}\n", index, step.value("id", ""),
                           step.value("action", ""), disposition, detail));
    for (const json& call : step.value("calls", json::array()))
      Print(out, fmt::format("      {} {}\n", call.value("operation", ""),
                             Compact(call["parameters"])));
    if (disposition == "change" && !step.value("note", "").empty())
      Print(out, fmt::format("      rollback: {}\n", step.value("note", "")));
  }
  const json& changed = plan["changed_resources"];
  Print(out, fmt::format("\nresources to change: {} (max_resources {}{})\n", changed.size(),
                         plan["guardrails"].value("max_resources", 0),
                         plan["guardrails"].value("forced", false) ? ", --force" : ""));
  for (const json& arn : changed) Print(out, fmt::format("  {}\n", Compact(arn)));
  for (const json& refusal : plan.value("refusals", json::array()))
    Print(out, fmt::format("REFUSED: {}\n", Compact(refusal)));
  return Status::Ok();
}

Status WriteRespondRun(const json& run, Format format, std::FILE* out) {
  CIRT_RETURN_IF_ERROR(Check(format));
  if (format == Format::kJson) {
    WriteJson(run, out);
    return Status::Ok();
  }
  Print(out, fmt::format("{} {}  journal {}\n", run.value("kind", ""), run.value("run_id", ""),
                         run.value("journal", "")));
  Print(out, fmt::format("{:<22} {:<34} {:<17} {:<9} {}\n", "step", "action", "outcome",
                         "verified", "request ids / detail"));
  for (const json& step : run.value("steps", json::array())) {
    std::string detail;
    for (const json& id : step.value("request_ids", json::array()))
      detail += (detail.empty() ? "" : ",") + Compact(id);
    if (!step.value("error", "").empty()) detail += (detail.empty() ? "" : "  ") + step.value("error", "");
    if (!step.value("note", "").empty()) detail += (detail.empty() ? "" : "  ") + step.value("note", "");
    Print(out, fmt::format("{:<22} {:<34} {:<17} {:<9} {}\n", step.value("id", ""),
                           step.value("action", ""), step.value("outcome", ""),
                           step.value("verified", false) ? "yes" : "no", detail));
  }
  return Status::Ok();
}

Status WriteRespondStatus(const json& status, Format format, std::FILE* out) {
  CIRT_RETURN_IF_ERROR(Check(format));
  if (format == Format::kJson) {
    WriteJson(status, out);
    return Status::Ok();
  }
  Print(out, fmt::format("run {}  playbook {}  started {}\n", status.value("run_id", ""),
                         status.value("playbook", ""), status.value("started_at", "")));
  Print(out, fmt::format("caller {}  region {}\n", status["caller"].value("arn", ""),
                         status.value("region", "")));
  Print(out, fmt::format("apply {}  rollback {}  journal {} ({} lines, hash chain {})\n",
                         status.value("status", ""),
                         status.value("rollback", "").empty() ? "-" : status.value("rollback", ""),
                         status.value("journal", ""), status.value("journal_lines", 0),
                         status.value("chain", "")));
  Print(out, fmt::format("{:<22} {:<34} {:<17} {:<17} {}\n", "step", "action", "apply",
                         "rollback", "request ids / error"));
  for (const json& step : status.value("steps", json::array())) {
    std::string detail;
    for (const json& id : step.value("request_ids", json::array()))
      detail += (detail.empty() ? "" : ",") + Compact(id);
    if (!step.value("error", "").empty()) detail += (detail.empty() ? "" : "  ") + step.value("error", "");
    Print(out, fmt::format("{:<22} {:<34} {:<17} {:<17} {}\n", step.value("id", ""),
                           step.value("action", ""), step.value("apply", ""),
                           step.value("rollback", "").empty() ? "-" : step.value("rollback", ""),
                           detail));
  }
  return Status::Ok();
}

Status WritePlaybookList(const json& playbooks, Format format, std::FILE* out) {
  CIRT_RETURN_IF_ERROR(Check(format));
  if (format == Format::kJson) {
    WriteJson(playbooks, out);
    return Status::Ok();
  }
  for (const json& p : playbooks) {
    Print(out, fmt::format("{}  ({})\n  {}\n", p.value("name", ""), p.value("origin", ""),
                           p.value("description", "")));
    for (const json& input : p.value("inputs", json::array())) {
      Print(out, fmt::format("  --input {}=<{}>{}{}  {}\n", input.value("name", ""),
                             input.value("type", ""),
                             input.value("required", false) ? " (required)" : "",
                             input["default"].is_string()
                                 ? " (default " + input["default"].get<std::string>() + ")"
                                 : "",
                             input.value("description", "")));
    }
    std::string steps;
    for (const json& step : p.value("steps", json::array()))
      steps += (steps.empty() ? "" : " -> ") + step.value("id", "");
    Print(out, fmt::format("  steps: {}\n\n", steps));
  }
  return Status::Ok();
}

}  // namespace cirt::report
