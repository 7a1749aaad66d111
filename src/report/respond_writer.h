// src/report/respond_writer.h
// Output of `cirt respond`: the plan, an apply or rollback run, a run's
// status and the playbook list, as a table (people) or JSON (scripts). The
// documents come from respond/engine.h (PlanToJson, RunResultToJson,
// RunStatus); their keys are the JSON contract listed in README.md.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "report/writer.h"

namespace cirt::report {

// Formats: kTable and kJson. Errors: kInvalidArgument for other formats.
Status WriteRespondPlan(const nlohmann::json& plan, Format format, std::FILE* out);
Status WriteRespondRun(const nlohmann::json& run, Format format, std::FILE* out);
Status WriteRespondStatus(const nlohmann::json& status, Format format, std::FILE* out);
// `playbooks`: [{name, description, origin, inputs: [{name, type, required,
// default, description}], steps: [{id, action}]}].
Status WritePlaybookList(const nlohmann::json& playbooks, Format format, std::FILE* out);

}  // namespace cirt::report
