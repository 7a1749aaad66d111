// src/ingest/finding_reader.h
// Reads GuardDuty findings and Security Hub ASFF findings in the shapes
// responders export them: GetFindings output ({"Findings":[...]}), a bare
// finding, a JSON array of findings, EventBridge events (GuardDuty's
// "detail": finding, Security Hub's "detail": {"findings": [...]}), and JSON
// Lines of any of these. GuardDuty keys are matched whether PascalCase (API)
// or camelCase (EventBridge).
#pragma once

#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "model/finding.h"

namespace cirt::ingest {

// True when the start of a JSON document (plain text) looks like findings
// rather than CloudTrail records: a "Findings" member, an EventBridge
// envelope of GuardDuty or Security Hub, or a finding's SchemaVersion with no
// CloudTrail eventVersion.
bool LooksLikeFindings(std::string_view head);

// Parses `json` (plain text) named `file`. Findings go to `out`; problems
// (bad JSON, a member that is not a finding) are reported to `diagnostics`
// and skipped. Returns the number of problems.
size_t ReadFindings(std::string_view file, std::string_view json, std::vector<model::Finding>* out,
                    Diagnostics* diagnostics);

}  // namespace cirt::ingest
