// EC2 actions of the built-in playbook ec2-instance: capture the instance's
// metadata and console output, protect it from termination and its volumes
// from deletion, tag and snapshot it, take it out of its Auto Scaling group
// and target groups, disable the metadata endpoint, isolate every network
// interface (all-open group first, then the empty isolation group, which
// turns tracked connections into untracked ones before cutting them), and
// remove or replace its instance profile. Every write saves what it
// overwrites; rollback restores it (evidence snapshots are kept).
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "aws/services/autoscaling.h"
#include "aws/services/ec2.h"
#include "aws/services/elbv2.h"
#include "respond/action.h"

namespace cirt::respond {

namespace {

using nlohmann::json;

std::string InstanceId(const Params& params) { return ParamString(params, "instance_id"); }

std::string InstanceArn(const ActionContext& ctx, const Params& params) {
  return fmt::format("arn:{}:ec2:{}:{}:instance/{}", ctx.partition, ctx.region, ctx.account_id,
                     InstanceId(params));
}

std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

json List(const json& object, const char* key) {
  if (!object.is_object()) return json::array();
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : json::array();
}

// The instance as DescribeInstances returns it (wire names, XmlToJson).
// Errors: kNotFound when there is no such instance.
Result<json> DescribeInstance(ActionContext& ctx, const std::string& instance_id) {
  CIRT_ASSIGN_OR_RETURN(auto reservations,
                        aws::ec2::DescribeInstances(*ctx.client, "",
                                                    {{"instance-id", {instance_id}}}));
  for (const auto& r : reservations) {
    for (const json& item : List(r.raw, "instancesSet"))
      if (Str(item, "instanceId") == instance_id) return item;
  }
  return Status::NotFound("no EC2 instance " + instance_id + " in " + ctx.region);
}

// Base of the per-instance write actions: the resource is the instance.
class InstanceAction : public Action {
 public:
  std::vector<std::string> required_params() const override { return {"instance_id"}; }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {InstanceArn(ctx, params)};
  }
};

// ---- captures ------------------------------------------------------------------

class CaptureInstanceMetadata : public CaptureAction {
 public:
  std::string_view name() const override { return "ec2.capture-instance-metadata"; }
  std::string_view description() const override {
    return "save the instance (DescribeInstances), its termination/shutdown/user-data "
           "attributes, volumes, network interfaces and instance-profile associations";
  }
  std::vector<std::string> required_params() const override { return {"instance_id"}; }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeVolumes",
            "ec2:DescribeNetworkInterfaces", "ec2:DescribeIamInstanceProfileAssociations"};
  }
  std::vector<std::string> Resources(const ActionContext&, const Params&) const override {
    return {};
  }
  std::vector<ApiCall> ReadCalls(const Params& params) const override {
    std::string id = InstanceId(params);
    std::vector<ApiCall> calls = {{"ec2:DescribeInstances", {{"InstanceId", id}}}};
    for (const char* attribute : kAttributes)
      calls.push_back({"ec2:DescribeInstanceAttribute", {{"InstanceId", id}, {"Attribute", attribute}}});
    calls.push_back({"ec2:DescribeVolumes", {{"Filter", "attachment.instance-id=" + id}}});
    calls.push_back({"ec2:DescribeNetworkInterfaces", {{"Filter", "attachment.instance-id=" + id}}});
    calls.push_back({"ec2:DescribeIamInstanceProfileAssociations", {{"Filter", "instance-id=" + id}}});
    return calls;
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    std::string id = InstanceId(params);
    CIRT_ASSIGN_OR_RETURN(json instance, DescribeInstance(ctx, id));
    json attributes = json::object();
    for (const char* attribute : kAttributes) {
      CIRT_ASSIGN_OR_RETURN(json value,
                            aws::ec2::DescribeInstanceAttribute(*ctx.client, "", id, attribute));
      attributes[attribute] = value.contains(attribute) ? value[attribute] : json(nullptr);
    }
    CIRT_ASSIGN_OR_RETURN(auto volumes, aws::ec2::DescribeVolumes(
                                            *ctx.client, "", {{"attachment.instance-id", {id}}}));
    CIRT_ASSIGN_OR_RETURN(auto enis, aws::ec2::DescribeNetworkInterfaces(
                                         *ctx.client, "", {{"attachment.instance-id", {id}}}));
    json interfaces = json::array();
    for (const auto& eni : enis) interfaces.push_back(eni.raw);
    CIRT_ASSIGN_OR_RETURN(auto associations,
                          aws::ec2::DescribeIamInstanceProfileAssociations(*ctx.client, "", id));
    json profiles = json::array();
    for (const auto& a : associations)
      profiles.push_back({{"associationId", a.association_id},
                          {"arn", a.profile_arn},
                          {"state", a.state}});
    return State{{"instance", instance},
                 {"attributes", attributes},
                 {"volumes", volumes},
                 {"network_interfaces", interfaces},
                 {"instance_profile_associations", profiles}};
  }

 private:
  static constexpr const char* kAttributes[] = {"disableApiTermination",
                                                "instanceInitiatedShutdownBehavior", "userData"};
};

class CaptureConsoleOutput : public CaptureAction {
 public:
  std::string_view name() const override { return "ec2.capture-console-output"; }
  std::string_view description() const override {
    return "save the instance's latest console output (GetConsoleOutput, base64 as returned)";
  }
  std::vector<std::string> required_params() const override { return {"instance_id"}; }
  std::vector<std::string> permissions() const override { return {"ec2:GetConsoleOutput"}; }
  std::vector<std::string> Resources(const ActionContext&, const Params&) const override {
    return {};
  }
  std::vector<ApiCall> ReadCalls(const Params& params) const override {
    return {{"ec2:GetConsoleOutput", {{"InstanceId", InstanceId(params)}, {"Latest", true}}}};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(json output,
                          aws::ec2::GetConsoleOutput(*ctx.client, "", InstanceId(params)));
    return State{{"console_output", output}};
  }
};

// ---- termination protection and shutdown behaviour ------------------------------

class ProtectInstance : public InstanceAction {
 public:
  std::string_view name() const override { return "ec2.protect-instance"; }
  std::string_view description() const override {
    return "enable termination protection (DisableApiTermination) and set the "
           "instance-initiated shutdown behaviour to stop; the previous values are saved";
  }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    std::string id = InstanceId(params);
    CIRT_ASSIGN_OR_RETURN(json protection, aws::ec2::DescribeInstanceAttribute(
                                               *ctx.client, "", id, "disableApiTermination"));
    CIRT_ASSIGN_OR_RETURN(json shutdown,
                          aws::ec2::DescribeInstanceAttribute(
                              *ctx.client, "", id, "instanceInitiatedShutdownBehavior"));
    return State{{"disable_api_termination",
                  Str(protection.value("disableApiTermination", json()), "value") == "true"},
                 {"shutdown_behavior",
                  Str(shutdown.value("instanceInitiatedShutdownBehavior", json()), "value")}};
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"disable_api_termination", true}, {"shutdown_behavior", "stop"}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    std::vector<ApiCall> calls;
    if (current["disable_api_termination"] != true)
      calls.push_back({"ec2:ModifyInstanceAttribute",
                       {{"InstanceId", InstanceId(params)}, {"DisableApiTermination", true}}});
    if (current["shutdown_behavior"] != "stop")
      calls.push_back({"ec2:ModifyInstanceAttribute",
                       {{"InstanceId", InstanceId(params)},
                        {"InstanceInitiatedShutdownBehavior", "stop"}}});
    return calls;
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    if (before["disable_api_termination"] != true) {
      CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::SetDisableApiTermination(*ctx.client, "",
                                                                       InstanceId(params), true));
      ids->push_back(r.request_id);
    }
    if (before["shutdown_behavior"] != "stop") {
      CIRT_ASSIGN_OR_RETURN(
          auto r, aws::ec2::SetShutdownBehavior(*ctx.client, "", InstanceId(params), "stop"));
      ids->push_back(r.request_id);
    }
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before,
                const State& current, std::vector<std::string>* ids) const override {
    if (current["disable_api_termination"] != before["disable_api_termination"]) {
      CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::SetDisableApiTermination(
                                        *ctx.client, "", InstanceId(params),
                                        before["disable_api_termination"] == true));
      ids->push_back(r.request_id);
    }
    std::string old = before.value("shutdown_behavior", "");
    if (current["shutdown_behavior"] != before["shutdown_behavior"] && !old.empty()) {
      CIRT_ASSIGN_OR_RETURN(auto r,
                            aws::ec2::SetShutdownBehavior(*ctx.client, "", InstanceId(params), old));
      ids->push_back(r.request_id);
    }
    return Status::Ok();
  }
};

// ---- DeleteOnTermination false on every EBS volume ------------------------------

class KeepVolumes : public InstanceAction {
 public:
  std::string_view name() const override { return "ec2.keep-volumes-on-termination"; }
  std::string_view description() const override {
    return "set DeleteOnTermination false on every attached EBS volume "
           "(ModifyInstanceAttribute BlockDeviceMapping); the previous flags are saved";
  }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeInstances", "ec2:ModifyInstanceAttribute"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(json instance, DescribeInstance(ctx, InstanceId(params)));
    json devices = json::object();
    for (const json& mapping : List(instance, "blockDeviceMapping")) {
      json ebs = mapping.value("ebs", json());
      if (!ebs.is_object() || Str(mapping, "deviceName").empty()) continue;
      devices[Str(mapping, "deviceName")] = {{"volume_id", Str(ebs, "volumeId")},
                                             {"delete_on_termination",
                                              Str(ebs, "deleteOnTermination") == "true"}};
    }
    return State{{"devices", devices}};
  }
  State Intended(const ActionContext&, const Params&, const State& current) const override {
    State intended = current;
    for (auto& [device, value] : intended["devices"].items()) value["delete_on_termination"] = false;
    return intended;
  }
  static std::vector<aws::ec2::DeleteOnTermination> Changes(const State& from, const State& to) {
    std::vector<aws::ec2::DeleteOnTermination> out;
    for (const auto& [device, value] : to["devices"].items()) {
      auto it = from["devices"].find(device);
      bool wanted = value["delete_on_termination"] == true;
      if (it != from["devices"].end() && (*it)["delete_on_termination"] != wanted)
        out.push_back({device, wanted});
    }
    return out;
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext& ctx, const Params& params,
                                  const State& current) const override {
    json mappings = json::array();
    for (const auto& change : Changes(current, Intended(ctx, params, current)))
      mappings.push_back({{"DeviceName", change.device_name},
                          {"Ebs", {{"DeleteOnTermination", false}}}});
    return {{"ec2:ModifyInstanceAttribute",
             {{"InstanceId", InstanceId(params)}, {"BlockDeviceMappings", mappings}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    auto changes = Changes(before, Intended(ctx, params, before));
    if (changes.empty()) return Status::Ok();
    CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::SetDeleteOnTermination(*ctx.client, "",
                                                                   InstanceId(params), changes));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before,
                const State& current, std::vector<std::string>* ids) const override {
    auto changes = Changes(current, before);
    if (changes.empty()) return Status::Ok();
    CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::SetDeleteOnTermination(*ctx.client, "",
                                                                   InstanceId(params), changes));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
};

// ---- tag ----------------------------------------------------------------------------

class TagInstance : public InstanceAction {
 public:
  std::string_view name() const override { return "ec2.tag-instance"; }
  std::string_view description() const override {
    return "set tag `key` to `value` on the instance (CreateTags); the previous value, or its "
           "absence, is saved";
  }
  std::vector<std::string> required_params() const override {
    return {"instance_id", "key", "value"};
  }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeInstances", "ec2:CreateTags", "ec2:DeleteTags"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(json instance, DescribeInstance(ctx, InstanceId(params)));
    for (const json& tag : List(instance, "tagSet"))
      if (Str(tag, "key") == ParamString(params, "key")) return State{{"value", Str(tag, "value")}};
    return State{{"value", nullptr}};
  }
  State Intended(const ActionContext&, const Params& params, const State&) const override {
    return State{{"value", ParamString(params, "value")}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"ec2:CreateTags",
             {{"Resources", json::array({InstanceId(params)})},
              {"Tags", json::array({{{"Key", ParamString(params, "key")},
                                     {"Value", ParamString(params, "value")}}})}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(
        auto r, aws::ec2::CreateTags(*ctx.client, "", {InstanceId(params)},
                                     {{ParamString(params, "key"), ParamString(params, "value")}}));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    const std::string key = ParamString(params, "key");
    if (before["value"].is_string()) {
      CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::CreateTags(*ctx.client, "", {InstanceId(params)},
                                                         {{key, before["value"]}}));
      ids->push_back(r.request_id);
    } else {
      CIRT_ASSIGN_OR_RETURN(auto r,
                            aws::ec2::DeleteTags(*ctx.client, "", {InstanceId(params)}, {key}));
      ids->push_back(r.request_id);
    }
    return Status::Ok();
  }
};

// ---- evidence snapshots ---------------------------------------------------------

class SnapshotVolumes : public InstanceAction {
 public:
  std::string_view name() const override { return "ec2.snapshot-volumes"; }
  std::string_view description() const override {
    return "snapshot every attached EBS volume (CreateSnapshot tagged cirt:case=<case_id>, "
           "cirt:instance-id); a volume that already has a snapshot tagged with the case is "
           "not snapshotted again";
  }
  std::vector<std::string> required_params() const override {
    return {"instance_id", "case_id"};
  }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateSnapshot",
            "ec2:CreateTags"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    std::string id = InstanceId(params);
    CIRT_ASSIGN_OR_RETURN(auto volumes, aws::ec2::DescribeVolumes(
                                            *ctx.client, "", {{"attachment.instance-id", {id}}}));
    CIRT_ASSIGN_OR_RETURN(
        auto snapshots,
        aws::ec2::DescribeSnapshots(*ctx.client, "",
                                    {{"tag:cirt:case", {ParamString(params, "case_id")}}}));
    json state = json::object();
    for (const json& volume : volumes) {
      json ids = json::array();
      for (const json& snapshot : snapshots)
        if (Str(snapshot, "volumeId") == Str(volume, "volumeId"))
          ids.push_back(Str(snapshot, "snapshotId"));
      state[Str(volume, "volumeId")] = ids;
    }
    return State{{"volumes", state}};
  }
  State Intended(const ActionContext&, const Params&, const State& current) const override {
    State intended = current;
    for (auto& [volume, ids] : intended["volumes"].items())
      if (ids.empty()) ids.push_back("(new snapshot)");
    return intended;
  }
  bool InEffect(const ActionContext&, const Params&, const State& current) const override {
    for (const auto& [volume, ids] : current["volumes"].items())
      if (ids.empty()) return false;
    return true;
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    std::vector<ApiCall> calls;
    for (const auto& [volume, ids] : current["volumes"].items()) {
      if (!ids.empty()) continue;
      calls.push_back({"ec2:CreateSnapshot",
                       {{"VolumeId", volume},
                        {"TagSpecifications",
                         {{{"ResourceType", "snapshot"}, {"Tags", TagsJson(params)}}}}}});
    }
    return calls;
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    for (const auto& [volume, snapshots] : before["volumes"].items()) {
      if (!snapshots.empty()) continue;
      CIRT_ASSIGN_OR_RETURN(
          auto r, aws::ec2::CreateSnapshot(
                      *ctx.client, "", volume,
                      fmt::format("cirt evidence: {} of {} (case {})", volume, InstanceId(params),
                                  ParamString(params, "case_id")),
                      Tags(params)));
      ids->push_back(r.request_id);
    }
    return Status::Ok();
  }
  // Snapshots are evidence: rollback never deletes them, so nothing about
  // them is "restorable".
  State Restorable(const State&) const override { return State::object(); }
  Status Revert(ActionContext&, const Params&, const State&, const State&,
                std::vector<std::string>*) const override {
    return Status::Ok();
  }
  std::string_view rollback_note() const override {
    return "evidence snapshots are kept by rollback (delete them with aws ec2 delete-snapshot "
           "once the case is closed)";
  }

 private:
  static std::vector<aws::ec2::Tag> Tags(const Params& params) {
    return {{"cirt:case", ParamString(params, "case_id")},
            {"cirt:instance-id", InstanceId(params)}};
  }
  static json TagsJson(const Params& params) {
    json tags = json::array();
    for (const auto& t : Tags(params)) tags.push_back({{"Key", t.key}, {"Value", t.value}});
    return tags;
  }
};

// ---- Auto Scaling group ---------------------------------------------------------

class DetachFromAutoScaling : public InstanceAction {
 public:
  std::string_view name() const override { return "autoscaling.detach-instance"; }
  std::string_view description() const override {
    return "detach the instance from its Auto Scaling group (DetachInstances with "
           "ShouldDecrementDesiredCapacity, so no replacement is launched and the instance "
           "keeps running); rollback attaches it again";
  }
  std::vector<std::string> permissions() const override {
    return {"autoscaling:DescribeAutoScalingInstances", "autoscaling:DetachInstances",
            "autoscaling:AttachInstances"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto groups, aws::autoscaling::DescribeAutoScalingInstances(
                                           *ctx.client, "", {InstanceId(params)}));
    for (const auto& g : groups)
      if (g.instance_id == InstanceId(params)) return State{{"group", g.group_name}};
    return State{{"group", nullptr}};
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"group", nullptr}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    return {{"autoscaling:DetachInstances",
             {{"AutoScalingGroupName", current["group"]},
              {"InstanceIds", json::array({InstanceId(params)})},
              {"ShouldDecrementDesiredCapacity", true}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto r, aws::autoscaling::DetachInstances(
                                      *ctx.client, "", before["group"], {InstanceId(params)}, true));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    if (!before["group"].is_string()) return Status::Ok();
    CIRT_ASSIGN_OR_RETURN(auto r, aws::autoscaling::AttachInstances(*ctx.client, "",
                                                                    before["group"],
                                                                    {InstanceId(params)}));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
};

// ---- target groups ---------------------------------------------------------------

class DeregisterFromTargetGroups : public InstanceAction {
 public:
  std::string_view name() const override { return "elbv2.deregister-instance"; }
  std::string_view description() const override {
    return "deregister the instance from every target group it is registered in "
           "(DeregisterTargets, with its ports); rollback registers it again";
  }
  std::vector<std::string> permissions() const override {
    return {"elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto groups, aws::elbv2::DescribeTargetGroups(*ctx.client, ""));
    json targets = json::array();
    for (const auto& group : groups) {
      if (!group.target_type.empty() && group.target_type != "instance") continue;
      CIRT_ASSIGN_OR_RETURN(auto health,
                            aws::elbv2::DescribeTargetHealth(*ctx.client, "", group.arn));
      for (const auto& t : health) {
        if (t.id != InstanceId(params) || t.state == "draining") continue;
        targets.push_back({{"target_group_arn", group.arn}, {"port", t.port}});
      }
    }
    return State{{"targets", targets}};
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"targets", json::array()}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    std::vector<ApiCall> calls;
    for (const json& t : current["targets"])
      calls.push_back({"elasticloadbalancing:DeregisterTargets",
                       {{"TargetGroupArn", t["target_group_arn"]},
                        {"Targets", {{{"Id", InstanceId(params)}, {"Port", t["port"]}}}}}});
    return calls;
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    for (const json& t : before["targets"]) {
      CIRT_ASSIGN_OR_RETURN(auto r, aws::elbv2::DeregisterTargets(
                                        *ctx.client, "", t["target_group_arn"],
                                        {{InstanceId(params), t.value("port", ""), "", ""}}));
      ids->push_back(r.request_id);
    }
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before,
                const State& current, std::vector<std::string>* ids) const override {
    for (const json& t : before["targets"]) {
      if (std::find(current["targets"].begin(), current["targets"].end(), t) !=
          current["targets"].end())
        continue;
      CIRT_ASSIGN_OR_RETURN(auto r, aws::elbv2::RegisterTargets(
                                        *ctx.client, "", t["target_group_arn"],
                                        {{InstanceId(params), t.value("port", ""), "", ""}}));
      ids->push_back(r.request_id);
    }
    return Status::Ok();
  }
};

// ---- instance metadata endpoint ------------------------------------------------

class DisableMetadataEndpoint : public InstanceAction {
 public:
  std::string_view name() const override { return "ec2.disable-metadata-endpoint"; }
  std::string_view description() const override {
    return "turn the instance metadata endpoint off (ModifyInstanceMetadataOptions "
           "HttpEndpoint=disabled): no more role credentials from 169.254.169.254";
  }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeInstances", "ec2:ModifyInstanceMetadataOptions"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(json instance, DescribeInstance(ctx, InstanceId(params)));
    std::string endpoint = Str(instance.value("metadataOptions", json()), "httpEndpoint");
    return State{{"http_endpoint", endpoint.empty() ? "enabled" : endpoint}};
  }
  State Intended(const ActionContext&, const Params&, const State&) const override {
    return State{{"http_endpoint", "disabled"}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"ec2:ModifyInstanceMetadataOptions",
             {{"InstanceId", InstanceId(params)}, {"HttpEndpoint", "disabled"}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::SetMetadataEndpoint(*ctx.client, "",
                                                                InstanceId(params), "disabled"));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::SetMetadataEndpoint(
                                      *ctx.client, "", InstanceId(params),
                                      before.value("http_endpoint", "enabled")));
    ids->push_back(r.request_id);
    return Status::Ok();
  }
};

// ---- network isolation ------------------------------------------------------------

class IsolateNetworkInterfaces : public InstanceAction {
 public:
  std::string_view name() const override { return "ec2.isolate-network-interfaces"; }
  std::string_view description() const override {
    return "move every network interface to an all-open security group and then to an empty "
           "isolation group (no ingress, no egress), both created in the instance's VPC when "
           "missing; the two-step move ends tracked connections. Each interface's groups are "
           "saved";
  }
  std::vector<std::string> optional_params() const override {
    return {"open_group_name", "isolation_group_name"};
  }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:CreateSecurityGroup",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:ModifyNetworkInterfaceAttribute"};
  }
  static std::string OpenName(const Params& params) {
    std::string name = ParamString(params, "open_group_name");
    return name.empty() ? "cirt-isolation-open" : name;
  }
  // How a plan names a group it has yet to create.
  static std::string ToCreate(const std::string& name) { return fmt::format("({})", name); }
  static std::string IsolationName(const Params& params) {
    std::string name = ParamString(params, "isolation_group_name");
    return name.empty() ? "cirt-isolation" : name;
  }
  static Result<json> GroupId(ActionContext& ctx, const std::string& vpc,
                              const std::string& name) {
    CIRT_ASSIGN_OR_RETURN(auto groups, aws::ec2::DescribeSecurityGroups(
                                           *ctx.client, "",
                                           {{"vpc-id", {vpc}}, {"group-name", {name}}}));
    for (const auto& g : groups)
      if (g.group_name == name && g.vpc_id == vpc) return json(g.group_id);
    return json(nullptr);
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(json instance, DescribeInstance(ctx, InstanceId(params)));
    std::string vpc = Str(instance, "vpcId");
    if (vpc.empty())
      return Status::InvalidArgument(InstanceId(params) +
                                     " is not in a VPC: no security groups to isolate it with");
    CIRT_ASSIGN_OR_RETURN(auto enis,
                          aws::ec2::DescribeNetworkInterfaces(
                              *ctx.client, "", {{"attachment.instance-id", {InstanceId(params)}}}));
    json interfaces = json::object();
    for (const auto& eni : enis) {
      std::vector<std::string> groups = eni.security_group_ids;
      std::sort(groups.begin(), groups.end());
      interfaces[eni.network_interface_id] = groups;
    }
    CIRT_ASSIGN_OR_RETURN(json open, GroupId(ctx, vpc, OpenName(params)));
    CIRT_ASSIGN_OR_RETURN(json isolation, GroupId(ctx, vpc, IsolationName(params)));
    return State{{"vpc_id", vpc},
                 {"interfaces", interfaces},
                 {"open_group_id", open},
                 {"isolation_group_id", isolation}};
  }
  static std::string Target(const Params& params, const State& current) {
    return current["isolation_group_id"].is_string()
               ? current["isolation_group_id"].get<std::string>()
               : "(new group " + IsolationName(params) + ")";
  }
  State Intended(const ActionContext&, const Params& params, const State& current) const override {
    State intended = current;
    for (auto& [eni, groups] : intended["interfaces"].items())
      groups = json::array({Target(params, current)});
    return intended;
  }
  bool InEffect(const ActionContext&, const Params&, const State& current) const override {
    if (!current["isolation_group_id"].is_string()) return false;
    for (const auto& [eni, groups] : current["interfaces"].items())
      if (groups != json::array({current["isolation_group_id"]})) return false;
    return true;
  }
  State Restorable(const State& state) const override {
    return State{{"interfaces", state.value("interfaces", json::object())}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    std::vector<ApiCall> calls;
    std::string vpc = current["vpc_id"];
    if (!current["open_group_id"].is_string()) {
      calls.push_back({"ec2:CreateSecurityGroup",
                       {{"VpcId", vpc}, {"GroupName", OpenName(params)}}});
      calls.push_back({"ec2:AuthorizeSecurityGroupIngress",
                       {{"GroupId", ToCreate(OpenName(params))},
                        {"IpPermissions", {{{"IpProtocol", "-1"},
                                            {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}}}}}}}}});
    }
    if (!current["isolation_group_id"].is_string()) {
      calls.push_back({"ec2:CreateSecurityGroup",
                       {{"VpcId", vpc}, {"GroupName", IsolationName(params)}}});
      calls.push_back({"ec2:RevokeSecurityGroupEgress",
                       {{"GroupId", ToCreate(IsolationName(params))},
                        {"IpPermissions", {{{"IpProtocol", "-1"},
                                            {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}}}}}}}}});
    }
    std::string open = current["open_group_id"].is_string()
                           ? current["open_group_id"].get<std::string>()
                           : ToCreate(OpenName(params));
    for (const auto& [eni, groups] : current["interfaces"].items()) {
      if (groups == json::array({current["isolation_group_id"]})) continue;
      calls.push_back({"ec2:ModifyNetworkInterfaceAttribute",
                       {{"NetworkInterfaceId", eni}, {"Groups", json::array({open})}}});
      calls.push_back({"ec2:ModifyNetworkInterfaceAttribute",
                       {{"NetworkInterfaceId", eni},
                        {"Groups", json::array({Target(params, current)})}}});
    }
    return calls;
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    std::string vpc = before["vpc_id"];
    const aws::ec2::IpPermission everything{"-1", "", "", {"0.0.0.0/0"}, {}};
    std::string open;
    if (before["open_group_id"].is_string()) {
      open = before["open_group_id"];
    } else {
      CIRT_ASSIGN_OR_RETURN(
          auto created,
          aws::ec2::CreateSecurityGroup(*ctx.client, "", vpc, OpenName(params),
                                        "cirt: all traffic allowed, first step of isolation"));
      ids->push_back(created.request_id);
      open = created.id;
      CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::AuthorizeIngress(*ctx.client, "", open, everything));
      ids->push_back(r.request_id);
    }
    std::string isolation;
    if (before["isolation_group_id"].is_string()) {
      isolation = before["isolation_group_id"];
    } else {
      CIRT_ASSIGN_OR_RETURN(
          auto created, aws::ec2::CreateSecurityGroup(*ctx.client, "", vpc, IsolationName(params),
                                                      "cirt: isolation, no traffic allowed"));
      ids->push_back(created.request_id);
      isolation = created.id;
      CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::RevokeEgress(*ctx.client, "", isolation, everything));
      ids->push_back(r.request_id);
    }
    for (const auto& [eni, groups] : before["interfaces"].items()) {
      if (groups == json::array({isolation})) continue;
      CIRT_ASSIGN_OR_RETURN(auto first,
                            aws::ec2::SetNetworkInterfaceGroups(*ctx.client, "", eni, {open}));
      ids->push_back(first.request_id);
      CIRT_ASSIGN_OR_RETURN(auto second,
                            aws::ec2::SetNetworkInterfaceGroups(*ctx.client, "", eni, {isolation}));
      ids->push_back(second.request_id);
    }
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params&, const State& before, const State& current,
                std::vector<std::string>* ids) const override {
    for (const auto& [eni, groups] : before["interfaces"].items()) {
      auto now = current["interfaces"].find(eni);
      if (now != current["interfaces"].end() && *now == groups) continue;
      CIRT_ASSIGN_OR_RETURN(auto r, aws::ec2::SetNetworkInterfaceGroups(
                                        *ctx.client, "", eni,
                                        groups.get<std::vector<std::string>>()));
      ids->push_back(r.request_id);
    }
    return Status::Ok();
  }
  std::string_view rollback_note() const override {
    return "the isolation security groups are left in place (empty of interfaces)";
  }
};

// ---- instance profile -------------------------------------------------------------

class RemoveInstanceProfile : public InstanceAction {
 public:
  std::string_view name() const override { return "ec2.remove-instance-profile"; }
  std::string_view description() const override {
    return "disassociate the instance profile (DisassociateIamInstanceProfile), or replace it "
           "with replacement_profile (ReplaceIamInstanceProfileAssociation); rollback "
           "re-associates the saved profile";
  }
  std::vector<std::string> optional_params() const override { return {"replacement_profile"}; }
  std::vector<std::string> permissions() const override {
    return {"ec2:DescribeIamInstanceProfileAssociations", "ec2:DisassociateIamInstanceProfile",
            "ec2:ReplaceIamInstanceProfileAssociation", "ec2:AssociateIamInstanceProfile",
            "iam:PassRole"};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto associations, aws::ec2::DescribeIamInstanceProfileAssociations(
                                                 *ctx.client, "", InstanceId(params)));
    for (const auto& a : associations) {
      if (a.state == "associated" || a.state == "associating")
        return State{{"profile_arn", a.profile_arn}, {"association_id", a.association_id}};
    }
    return State{{"profile_arn", nullptr}, {"association_id", nullptr}};
  }
  static json Wanted(const Params& params) {
    std::string replacement = ParamString(params, "replacement_profile");
    return replacement.empty() ? json(nullptr) : json(replacement);
  }
  // A replacement given by name matches the ARN ending in /<name>.
  static bool Matches(const json& arn, const json& wanted) {
    if (wanted.is_null() || !arn.is_string()) return arn.is_null() && wanted.is_null();
    std::string a = arn, w = wanted;
    if (a == w) return true;
    return w.rfind("arn:", 0) != 0 && a.size() > w.size() &&
           a.compare(a.size() - w.size() - 1, std::string::npos, "/" + w) == 0;
  }
  State Intended(const ActionContext&, const Params& params, const State&) const override {
    return State{{"profile_arn", Wanted(params)}};
  }
  bool InEffect(const ActionContext&, const Params& params, const State& current) const override {
    return Matches(current["profile_arn"], Wanted(params));
  }
  State Restorable(const State& state) const override {
    return State{{"profile_arn", state.value("profile_arn", json())}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State& current) const override {
    json wanted = Wanted(params);
    if (current["association_id"].is_string() && wanted.is_null())
      return {{"ec2:DisassociateIamInstanceProfile",
               {{"AssociationId", current["association_id"]}}}};
    if (current["association_id"].is_string())
      return {{"ec2:ReplaceIamInstanceProfileAssociation",
               {{"AssociationId", current["association_id"]}, {"IamInstanceProfile", wanted}}}};
    return {{"ec2:AssociateIamInstanceProfile",
             {{"InstanceId", InstanceId(params)}, {"IamInstanceProfile", wanted}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State& before,
               std::vector<std::string>* ids) const override {
    return Move(ctx, params, before, Wanted(params), ids);
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before,
                const State& current, std::vector<std::string>* ids) const override {
    return Move(ctx, params, current, before["profile_arn"], ids);
  }

 private:
  static Status Move(ActionContext& ctx, const Params& params, const State& from,
                     const json& to, std::vector<std::string>* ids) {
    Result<aws::ec2::WriteResult> r = aws::ec2::WriteResult{};
    if (from["association_id"].is_string() && to.is_null()) {
      r = aws::ec2::DisassociateIamInstanceProfile(*ctx.client, "", from["association_id"]);
    } else if (from["association_id"].is_string()) {
      r = aws::ec2::ReplaceIamInstanceProfileAssociation(*ctx.client, "", from["association_id"],
                                                         to);
    } else if (!to.is_null()) {
      r = aws::ec2::AssociateIamInstanceProfile(*ctx.client, "", InstanceId(params), to);
    } else {
      return Status::Ok();
    }
    CIRT_RETURN_IF_ERROR(r.status());
    ids->push_back(r->request_id);
    return Status::Ok();
  }
};

}  // namespace

void RegisterEc2Actions(ActionRegistry& registry) {
  registry.Add(std::make_unique<CaptureInstanceMetadata>());
  registry.Add(std::make_unique<CaptureConsoleOutput>());
  registry.Add(std::make_unique<ProtectInstance>());
  registry.Add(std::make_unique<KeepVolumes>());
  registry.Add(std::make_unique<TagInstance>());
  registry.Add(std::make_unique<SnapshotVolumes>());
  registry.Add(std::make_unique<DetachFromAutoScaling>());
  registry.Add(std::make_unique<DeregisterFromTargetGroups>());
  registry.Add(std::make_unique<DisableMetadataEndpoint>());
  registry.Add(std::make_unique<IsolateNetworkInterfaces>());
  registry.Add(std::make_unique<RemoveInstanceProfile>());
}

}  // namespace cirt::respond
