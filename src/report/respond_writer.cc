#include "report/respond_writer.h"

#include <fmt/format.h>

#include <string>

namespace cirt::report {

namespace {

using nlohmann::json;

constexpr size_t kStateWidth = 120;

// The documents may carry journal content: reading them never throws.
const json& Sub(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}
std::string Str(const json& object, const char* key) {
  const json& value = Sub(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}
bool Bool(const json& object, const char* key) {
  const json& value = Sub(object, key);
  return value.is_boolean() && value.get<bool>();
}
long long Int(const json& object, const char* key) {
  const json& value = Sub(object, key);
  return value.is_number_integer() ? value.get<long long>() : 0;
}

std::string Compact(const json& value) {
  if (value.is_null()) return "-";
  std::string text = value.is_string() ? value.get<std::string>()
                                       : value.dump(-1, ' ', false, json::error_handler_t::replace);
  // Control characters from AWS data never reach the terminal raw.
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kStateWidth) text = text.substr(0, kStateWidth - 3) + "...";
  return text;
}

// Appends `text` to `out`, after `separator` when `out` is not empty.
void Append(std::string* out, std::string_view separator, const std::string& text) {
  if (!out->empty()) out->append(separator);
  out->append(text);
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
  Print(out,
        fmt::format("plan  {} ({})\ncaller {}  account {}  region {}\n", Str(plan, "playbook"),
                    Str(plan, "origin"), Str(Sub(plan, "caller"), "arn"),
                    Str(Sub(plan, "caller"), "account"), Str(plan, "region")));
  const json& inputs = Sub(plan, "inputs");
  const json& lookups = Sub(plan, "lookups");
  // items() throws on a non-object: only objects are walked.
  for (auto it = inputs.begin(); inputs.is_object() && it != inputs.end(); ++it)
    Print(out, fmt::format("input  {} = {}\n", it.key(), Compact(*it)));
  for (auto it = lookups.begin(); lookups.is_object() && it != lookups.end(); ++it) {
    std::string text;
    const json& fields = *it;
    for (auto f = fields.begin(); fields.is_object() && f != fields.end(); ++f)
      text += fmt::format(" {}={}", f.key(), Compact(*f));
    const std::string id = it.key();
    Print(out, fmt::format("target {}:{}\n", id, text));
  }
  Print(out, fmt::format("\n{:>2}  {:<22} {:<34} {:<10} {}\n", "#", "step", "action", "status",
                         "current -> intended"));
  int index = 0;
  for (const json& step : Sub(plan, "steps")) {
    ++index;
    std::string disposition = Str(step, "disposition");
    std::string detail;
    if (disposition == "change") {
      detail = Compact(Sub(step, "current")) + " -> " + Compact(Sub(step, "intended"));
    } else if (disposition == "in-effect") {
      detail = "already in effect: " + Compact(Sub(step, "current"));
    } else if (disposition == "capture") {
      detail = "save " + Compact(Sub(step, "current"));
    } else {
      detail = Str(step, "note");
    }
    Print(out, fmt::format("{:>2}  {:<22} {:<34} {:<10} {}\n", index, Str(step, "id"),
                           Str(step, "action"), disposition, detail));
    for (const json& call : Sub(step, "calls"))
      Print(out,
            fmt::format("      {} {}\n", Str(call, "operation"), Compact(Sub(call, "parameters"))));
    if (disposition == "change" && !Str(step, "note").empty())
      Print(out, fmt::format("      rollback: {}\n", Str(step, "note")));
  }
  const json& changed = Sub(plan, "changed_resources");
  Print(out, fmt::format("\nresources to change: {} (max_resources {}{})\n", changed.size(),
                         Int(Sub(plan, "guardrails"), "max_resources"),
                         Bool(Sub(plan, "guardrails"), "forced") ? ", --force" : ""));
  for (const json& arn : changed) Print(out, fmt::format("  {}\n", Compact(arn)));
  for (const json& refusal : Sub(plan, "refusals"))
    Print(out, fmt::format("REFUSED: {}\n", Compact(refusal)));
  return Status::Ok();
}

Status WriteRespondRun(const json& run, Format format, std::FILE* out) {
  CIRT_RETURN_IF_ERROR(Check(format));
  if (format == Format::kJson) {
    WriteJson(run, out);
    return Status::Ok();
  }
  Print(out, fmt::format("{} {}  journal {}\n", Str(run, "kind"), Str(run, "run_id"),
                         Str(run, "journal")));
  Print(out, fmt::format("{:<22} {:<34} {:<17} {:<9} {}\n", "step", "action", "outcome", "verified",
                         "request ids / detail"));
  for (const json& step : Sub(run, "steps")) {
    std::string detail;
    for (const json& id : Sub(step, "request_ids"))
      Append(&detail, ",", Compact(id));
    if (!Str(step, "error").empty())
      Append(&detail, "  ", Str(step, "error"));
    if (!Str(step, "note").empty())
      Append(&detail, "  ", Str(step, "note"));
    Print(out, fmt::format("{:<22} {:<34} {:<17} {:<9} {}\n", Str(step, "id"),
                           Str(step, "action"), Str(step, "outcome"),
                           Bool(step, "verified") ? "yes" : "no", detail));
  }
  return Status::Ok();
}

Status WriteRespondStatus(const json& status, Format format, std::FILE* out) {
  CIRT_RETURN_IF_ERROR(Check(format));
  if (format == Format::kJson) {
    WriteJson(status, out);
    return Status::Ok();
  }
  Print(out, fmt::format("run {}  playbook {}  started {}\n", Str(status, "run_id"),
                         Str(status, "playbook"), Str(status, "started_at")));
  Print(out, fmt::format("caller {}  region {}\n", Str(Sub(status, "caller"), "arn"),
                         Str(status, "region")));
  Print(out, fmt::format("apply {}  rollback {}  journal {} ({} lines, hash chain {})\n",
                         Str(status, "status"),
                         Str(status, "rollback").empty() ? "-" : Str(status, "rollback"),
                         Str(status, "journal"), Int(status, "journal_lines"),
                         Str(status, "chain")));
  Print(out, fmt::format("{:<22} {:<34} {:<17} {:<17} {}\n", "step", "action", "apply", "rollback",
                         "request ids / error"));
  for (const json& step : Sub(status, "steps")) {
    std::string detail;
    for (const json& id : Sub(step, "request_ids"))
      Append(&detail, ",", Compact(id));
    if (!Str(step, "error").empty())
      Append(&detail, "  ", Str(step, "error"));
    Print(out, fmt::format("{:<22} {:<34} {:<17} {:<17} {}\n", Str(step, "id"),
                           Str(step, "action"), Str(step, "apply"),
                           Str(step, "rollback").empty() ? "-" : Str(step, "rollback"),
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
    Print(out, fmt::format("{}  ({})\n  {}\n", Str(p, "name"), Str(p, "origin"),
                           Str(p, "description")));
    for (const json& input : Sub(p, "inputs")) {
      Print(out, fmt::format("  --input {}=<{}>{}{}  {}\n", Str(input, "name"),
                             Str(input, "type"),
                             Bool(input, "required") ? " (required)" : "",
                             Sub(input, "default").is_string()
                                 ? " (default " + Sub(input, "default").get<std::string>() + ")"
                                 : "",
                             Str(input, "description")));
    }
    std::string steps;
    for (const json& step : Sub(p, "steps"))
      Append(&steps, " -> ", Str(step, "id"));
    Print(out, fmt::format("  steps: {}\n\n", steps));
  }
  return Status::Ok();
}

}  // namespace cirt::report
