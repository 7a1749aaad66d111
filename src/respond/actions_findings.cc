// Finding actions of the built-in playbook finding-workflow: set a Security
// Hub finding's workflow status and note (BatchUpdateFindings), and archive
// a GuardDuty finding (ArchiveFindings). Which of the two applies is decided
// by the shape of the finding id (finding.locate):
//   - 32 lowercase hex characters: a GuardDuty finding id -> GuardDuty only;
//   - anything else: an ASFF Id -> Security Hub; when that Id is a GuardDuty
//     finding ARN (arn:<p>:guardduty:<region>:<acct>:detector/<d>/finding/<f>,
//     the Id GuardDuty's Security Hub integration uses), GuardDuty as well.
#include <fmt/format.h>
#include <re2/re2.h>

#include "aws/services/guardduty.h"
#include "aws/services/securityhub.h"
#include "respond/action.h"

namespace cirt::respond {

namespace {

using nlohmann::json;

const RE2& GuardDutyIdPattern() {
  static const RE2 re("[0-9a-f]{32}");
  return re;
}

const RE2& GuardDutyArnPattern() {
  static const RE2 re(
      "arn:aws[a-z-]*:guardduty:[a-z0-9-]+:[0-9]{12}:detector/([0-9a-zA-Z]+)/finding/"
      "([0-9a-zA-Z]+)");
  return re;
}

Result<aws::securityhub::Finding> SecurityHubFinding(ActionContext& ctx,
                                                     const std::string& id) {
  aws::securityhub::GetFindingsInput input;
  input.filters = {{"Id", {{{"Value", id}, {"Comparison", "EQUALS"}}}}};
  CIRT_ASSIGN_OR_RETURN(auto findings, aws::securityhub::GetFindings(*ctx.client, input));
  for (auto& f : findings)
    if (f.id == id) return f;
  return Status::NotFound("no Security Hub finding with Id " + id + " in " + ctx.region);
}

class LocateFinding : public Lookup {
 public:
  std::string_view name() const override { return "finding.locate"; }
  std::string_view description() const override {
    return "where a finding lives, from the shape of its id (32 hex: GuardDuty; otherwise an "
           "ASFF Id, and also GuardDuty when it is a GuardDuty finding ARN); the Security Hub "
           "ProductArn (GetFindings) and the GuardDuty detector (ListDetectors) unless given";
  }
  std::vector<std::string> required_params() const override {
    return {"finding_id", "detector_id", "product_arn"};
  }
  std::vector<std::string> permissions() const override {
    return {"securityhub:GetFindings", "guardduty:ListDetectors"};
  }
  std::vector<std::string> fields() const override {
    return {"securityhub", "guardduty", "product_arn", "detector_id", "guardduty_finding_id"};
  }
  Result<json> Resolve(ActionContext& ctx, const Params& params) const override {
    std::string id = ParamString(params, "finding_id");
    json out = {{"securityhub", "false"},
                {"guardduty", "false"},
                {"product_arn", ""},
                {"detector_id", ParamString(params, "detector_id")},
                {"guardduty_finding_id", ""}};
    std::string detector, finding;
    if (RE2::FullMatch(id, GuardDutyIdPattern())) {
      out["guardduty"] = "true";
      out["guardduty_finding_id"] = id;
    } else {
      out["securityhub"] = "true";
      std::string product = ParamString(params, "product_arn");
      if (product.empty()) {
        CIRT_ASSIGN_OR_RETURN(auto f, SecurityHubFinding(ctx, id));
        product = f.product_arn;
      }
      out["product_arn"] = product;
      if (RE2::FullMatch(id, GuardDutyArnPattern(), &detector, &finding)) {
        out["guardduty"] = "true";
        out["guardduty_finding_id"] = finding;
        if (out["detector_id"] == "") out["detector_id"] = detector;
      }
    }
    if (out["guardduty"] == "true" && out["detector_id"] == "") {
      CIRT_ASSIGN_OR_RETURN(auto detectors, aws::guardduty::ListDetectors(*ctx.client, ""));
      if (detectors.empty())
        return Status::NotFound("GuardDuty finding " + id + " but no GuardDuty detector in " +
                                ctx.region + " (give --input detector_id=...)");
      out["detector_id"] = detectors[0];  // at most one detector per region
    }
    return out;
  }
};

class UpdateFindingWorkflow : public Action {
 public:
  std::string_view name() const override { return "securityhub.update-finding-workflow"; }
  std::string_view description() const override {
    return "set a Security Hub finding's workflow status and note (BatchUpdateFindings); the "
           "previous status and note are saved and written back by rollback";
  }
  std::vector<std::string> required_params() const override {
    return {"finding_id", "product_arn", "status", "note"};
  }
  std::vector<std::string> optional_params() const override { return {"updated_by"}; }
  std::vector<std::string> permissions() const override {
    return {"securityhub:GetFindings", "securityhub:BatchUpdateFindings"};
  }
  std::vector<std::string> Resources(const ActionContext&, const Params& params) const override {
    return {ParamString(params, "finding_id")};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto f, SecurityHubFinding(ctx, ParamString(params, "finding_id")));
    json note = f.raw.value("Note", json());
    json text = note.is_object() ? json(note.value("Text", "")) : json(nullptr);
    json by = note.is_object() ? json(note.value("UpdatedBy", "")) : json(nullptr);
    return State{{"workflow_status", f.workflow_status}, {"note", text}, {"note_updated_by", by}};
  }
  static std::string UpdatedBy(const Params& params) {
    std::string by = ParamString(params, "updated_by");
    return by.empty() ? "cirt" : by;
  }
  State Intended(const ActionContext&, const Params& params, const State&) const override {
    return State{{"workflow_status", ParamString(params, "status")},
                 {"note", ParamString(params, "note")},
                 {"note_updated_by", UpdatedBy(params)}};
  }
  bool InEffect(const ActionContext& ctx, const Params& params,
                const State& current) const override {
    State intended = Intended(ctx, params, current);
    return current["workflow_status"] == intended["workflow_status"] &&
           current["note"] == intended["note"];
  }
  // A note cannot be deleted through BatchUpdateFindings: rollback restores
  // the old note when there was one and always the old status.
  State Restorable(const State& state) const override {
    return State{{"workflow_status", state.value("workflow_status", json())}};
  }
  std::string_view rollback_note() const override {
    return "a Security Hub note cannot be removed: when the finding had none, cirt's note stays";
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"securityhub:BatchUpdateFindings",
             {{"FindingIdentifiers",
               {{{"Id", ParamString(params, "finding_id")},
                 {"ProductArn", ParamString(params, "product_arn")}}}},
              {"Workflow", {{"Status", ParamString(params, "status")}}},
              {"Note", {{"Text", ParamString(params, "note")}, {"UpdatedBy", UpdatedBy(params)}}}}}};
  }
  static aws::securityhub::WorkflowUpdate Update(const Params& params) {
    aws::securityhub::WorkflowUpdate update;
    update.findings = {{ParamString(params, "finding_id"), ParamString(params, "product_arn")}};
    return update;
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    auto update = Update(params);
    update.workflow_status = ParamString(params, "status");
    update.note_text = ParamString(params, "note");
    update.note_updated_by = UpdatedBy(params);
    CIRT_ASSIGN_OR_RETURN(auto r, aws::securityhub::BatchUpdateFindings(*ctx.client, update));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    auto update = Update(params);
    update.workflow_status = before.value("workflow_status", "");
    if (update.workflow_status.empty()) update.workflow_status = "NEW";
    if (before["note"].is_string() && !before["note"].get<std::string>().empty()) {
      update.note_text = before["note"];
      std::string by = before["note_updated_by"].is_string() ? before["note_updated_by"] : "";
      update.note_updated_by = by.empty() ? UpdatedBy(params) : by;
    }
    CIRT_ASSIGN_OR_RETURN(auto r, aws::securityhub::BatchUpdateFindings(*ctx.client, update));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
};

class ArchiveGuardDutyFinding : public Action {
 public:
  std::string_view name() const override { return "guardduty.archive-finding"; }
  std::string_view description() const override {
    return "archive a GuardDuty finding (ArchiveFindings); rollback unarchives it "
           "(UnarchiveFindings) when it was not archived before";
  }
  std::vector<std::string> required_params() const override {
    return {"detector_id", "finding_id"};
  }
  std::vector<std::string> permissions() const override {
    return {"guardduty:GetFindings", "guardduty:ArchiveFindings", "guardduty:UnarchiveFindings"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {fmt::format("arn:{}:guardduty:{}:{}:detector/{}/finding/{}", ctx.partition,
                        ctx.region, ctx.account_id, ParamString(params, "detector_id"),
                        ParamString(params, "finding_id"))};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    std::string id = ParamString(params, "finding_id");
    CIRT_ASSIGN_OR_RETURN(auto findings,
                          aws::guardduty::GetFindings(*ctx.client, "",
                                                      ParamString(params, "detector_id"), {id}));
    for (const auto& f : findings) {
      if (f.id != id) continue;
      json service = f.raw.value("service", json());
      return State{{"archived", service.is_object() && service.value("archived", false) == true}};
    }
    return Status::NotFound("no GuardDuty finding " + id + " in detector " +
                            ParamString(params, "detector_id"));
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"archived", true}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"guardduty:ArchiveFindings",
             {{"DetectorId", ParamString(params, "detector_id")},
              {"FindingIds", json::array({ParamString(params, "finding_id")})}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto r, aws::guardduty::ArchiveFindings(
                                      *ctx.client, "", ParamString(params, "detector_id"),
                                      {ParamString(params, "finding_id")}));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State&, const State&,
                std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto r, aws::guardduty::UnarchiveFindings(
                                      *ctx.client, "", ParamString(params, "detector_id"),
                                      {ParamString(params, "finding_id")}));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
};

}  // namespace

void RegisterFindingActions(ActionRegistry& registry) {
  registry.Add(std::make_unique<LocateFinding>());
  registry.Add(std::make_unique<UpdateFindingWorkflow>());
  registry.Add(std::make_unique<ArchiveGuardDutyFinding>());
}

}  // namespace cirt::respond
