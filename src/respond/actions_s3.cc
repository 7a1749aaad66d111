// S3 actions of the built-in playbook s3-bucket: save the bucket's policy,
// ACL and public access block, then block public access at bucket level.
#include "aws/services/s3.h"
#include "respond/action.h"

namespace cirt::respond {

namespace {

using nlohmann::json;

std::string BucketArn(const ActionContext& ctx, const Params& params) {
  return "arn:" + ctx.partition + ":s3:::" + ParamString(params, "bucket");
}

class CaptureBucketPolicy : public CaptureAction {
 public:
  std::string_view name() const override { return "s3.capture-bucket-policy"; }
  std::string_view description() const override {
    return "save the bucket policy (GetBucketPolicy) into the journal and the case folder";
  }
  std::vector<std::string> required_params() const override { return {"bucket"}; }
  std::vector<std::string> permissions() const override { return {"s3:GetBucketPolicy"}; }
  std::vector<std::string> Resources(const ActionContext&, const Params&) const override {
    return {};
  }
  std::vector<ApiCall> ReadCalls(const Params& params) const override {
    return {{"s3:GetBucketPolicy", {{"Bucket", ParamString(params, "bucket")}}}};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(auto policy,
                          aws::s3::GetBucketPolicy(*ctx.client, ParamString(params, "bucket")));
    if (!policy) return State{{"policy", nullptr}};
    return State{{"policy", ParsePolicyDocument(*policy)}, {"text", *policy}};
  }
};

class CaptureBucketAcl : public CaptureAction {
 public:
  std::string_view name() const override { return "s3.capture-bucket-acl"; }
  std::string_view description() const override {
    return "save the bucket ACL (GetBucketAcl, the AccessControlPolicy XML)";
  }
  std::vector<std::string> required_params() const override { return {"bucket"}; }
  std::vector<std::string> permissions() const override { return {"s3:GetBucketAcl"}; }
  std::vector<std::string> Resources(const ActionContext&, const Params&) const override {
    return {};
  }
  std::vector<ApiCall> ReadCalls(const Params& params) const override {
    return {{"s3:GetBucketAcl", {{"Bucket", ParamString(params, "bucket")}}}};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(std::string acl,
                          aws::s3::GetBucketAcl(*ctx.client, ParamString(params, "bucket")));
    return State{{"acl_xml", acl}};
  }
};

json ToJson(const aws::s3::PublicAccessBlock& c) {
  return json{{"BlockPublicAcls", c.block_public_acls},
              {"IgnorePublicAcls", c.ignore_public_acls},
              {"BlockPublicPolicy", c.block_public_policy},
              {"RestrictPublicBuckets", c.restrict_public_buckets}};
}

aws::s3::PublicAccessBlock FromJson(const json& j) {
  return aws::s3::PublicAccessBlock{
      Flag(Member(j, "BlockPublicAcls"), false), Flag(Member(j, "IgnorePublicAcls"), false),
      Flag(Member(j, "BlockPublicPolicy"), false), Flag(Member(j, "RestrictPublicBuckets"), false)};
}

class PutPublicAccessBlock : public Action {
 public:
  std::string_view name() const override { return "s3.put-public-access-block"; }
  std::string_view description() const override {
    return "block public access at bucket level (all four settings true unless a parameter "
           "says \"false\"); the previous configuration, or its absence, is saved";
  }
  std::vector<std::string> required_params() const override { return {"bucket"}; }
  std::vector<std::string> optional_params() const override {
    return {"block_public_acls", "ignore_public_acls", "block_public_policy",
            "restrict_public_buckets"};
  }
  std::vector<std::string> permissions() const override {
    // Get/Put/DeleteBucketPublicAccessBlock map to these IAM actions.
    return {"s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"};
  }
  std::vector<std::string> Resources(const ActionContext& ctx,
                                     const Params& params) const override {
    return {BucketArn(ctx, params)};
  }
  static aws::s3::PublicAccessBlock Target(const Params& params) {
    auto flag = [&](const char* name) { return ParamString(params, name) != "false"; };
    return {flag("block_public_acls"), flag("ignore_public_acls"), flag("block_public_policy"),
            flag("restrict_public_buckets")};
  }
  Result<State> Current(ActionContext& ctx, const Params& params) const override {
    CIRT_ASSIGN_OR_RETURN(
        auto config, aws::s3::GetPublicAccessBlock(*ctx.client, ParamString(params, "bucket")));
    if (!config) return State{{"configuration", nullptr}};
    return State{{"configuration", ToJson(*config)}};
  }
  State Intended(const ActionContext&, const Params& params, const State&) const override {
    return State{{"configuration", ToJson(Target(params))}};
  }
  std::vector<ApiCall> ApplyCalls(const ActionContext&, const Params& params,
                                  const State&) const override {
    return {{"s3:PutPublicAccessBlock",
             {{"Bucket", ParamString(params, "bucket")},
              {"PublicAccessBlockConfiguration", ToJson(Target(params))}}}};
  }
  Status Apply(ActionContext& ctx, const Params& params, const State&,
               std::vector<std::string>* ids) const override {
    CIRT_ASSIGN_OR_RETURN(
        auto result,
        aws::s3::PutPublicAccessBlock(*ctx.client, ParamString(params, "bucket"), Target(params)));
    ids->push_back(result.request_id);
    return Status::Ok();
  }
  Status Revert(ActionContext& ctx, const Params& params, const State& before, const State&,
                std::vector<std::string>* ids) const override {
    const json& config = Member(before, "configuration");
    Result<aws::s3::WriteResult> result =
        config.is_null()
            ? aws::s3::DeletePublicAccessBlock(*ctx.client, ParamString(params, "bucket"))
            : aws::s3::PutPublicAccessBlock(*ctx.client, ParamString(params, "bucket"),
                                            FromJson(config));
    CIRT_RETURN_IF_ERROR(result.status());
    ids->push_back(result->request_id);
    return Status::Ok();
  }
};

}  // namespace

void RegisterS3Actions(ActionRegistry& registry) {
  registry.Add(std::make_unique<CaptureBucketPolicy>());
  registry.Add(std::make_unique<CaptureBucketAcl>());
  registry.Add(std::make_unique<PutPublicAccessBlock>());
}

}  // namespace cirt::respond
