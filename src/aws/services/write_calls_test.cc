// The containment write calls of services/{ec2,autoscaling,elbv2,
// securityhub,guardduty} over FakeTransport: the exact request each sends
// (action, version, signing name, numbered list parameters, REST path and
// JSON body, per the API references) and how answers are decoded, including
// partial failures. moto implements neither Security Hub BatchUpdateFindings
// nor GuardDuty ArchiveFindings, so these request-shape tests are what
// checks them.
#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/services/autoscaling.h"
#include "aws/services/ec2.h"
#include "aws/services/elbv2.h"
#include "aws/services/guardduty.h"
#include "aws/services/securityhub.h"
#include "aws/transport.h"
#include "aws/testing_util.h"

namespace cirt::aws {
namespace {

class WriteCallsTest : public ::testing::Test {
 protected:
  ClientOptions Options() { return testing_util::FakeClientOptions(); }
  static QueryParams Form(const std::string& body) { return testing_util::ParseForm(body); }
  QueryParams SentForm(size_t i) { return Form(transport_.sent().at(i).request.body); }
  static std::string Param(const QueryParams& p, const std::string& name) {
    auto it = p.find(name);
    return it == p.end() ? "<absent>" : it->second;
  }
  FakeTransport transport_;
  StaticCredentialsProvider creds_{
      Credentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = Secret("secret")}};
};

constexpr char kEc2Ok[] =
    R"(<ModifyInstanceAttributeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId><return>true</return>
</ModifyInstanceAttributeResponse>)";

TEST_F(WriteCallsTest, Ec2ModifyInstanceAttributeOneAttributePerCall) {
  transport_.Enqueue(200, kEc2Ok);
  transport_.Enqueue(200, kEc2Ok);
  transport_.Enqueue(200, kEc2Ok);
  Client client(Options(), creds_, transport_);
  auto protect = ec2::SetDisableApiTermination(client, "eu-west-1", "i-0abc", true);
  ASSERT_TRUE(protect.ok()) << protect.status().ToString();
  EXPECT_EQ(protect->request_id, "59dbff89-35bd-4eac-99ed-be587EXAMPLE");
  ASSERT_TRUE(ec2::SetShutdownBehavior(client, "", "i-0abc", "stop").ok());
  ASSERT_TRUE(
      ec2::SetDeleteOnTermination(client, "", "i-0abc", {{"/dev/xvda", false}, {"/dev/sdf", true}})
          .ok());
  QueryParams first = SentForm(0);
  EXPECT_EQ(transport_.sent()[0].request.service, "ec2");
  EXPECT_EQ(transport_.sent()[0].request.region, "eu-west-1");
  EXPECT_EQ(Param(first, "Action"), "ModifyInstanceAttribute");
  EXPECT_EQ(Param(first, "Version"), "2016-11-15");
  EXPECT_EQ(Param(first, "InstanceId"), "i-0abc");
  EXPECT_EQ(Param(first, "DisableApiTermination.Value"), "true");
  EXPECT_EQ(Param(first, "InstanceInitiatedShutdownBehavior.Value"), "<absent>");
  EXPECT_EQ(Param(SentForm(1), "InstanceInitiatedShutdownBehavior.Value"), "stop");
  QueryParams third = SentForm(2);
  EXPECT_EQ(Param(third, "BlockDeviceMapping.1.DeviceName"), "/dev/xvda");
  EXPECT_EQ(Param(third, "BlockDeviceMapping.1.Ebs.DeleteOnTermination"), "false");
  EXPECT_EQ(Param(third, "BlockDeviceMapping.2.DeviceName"), "/dev/sdf");
  EXPECT_EQ(Param(third, "BlockDeviceMapping.2.Ebs.DeleteOnTermination"), "true");
  // Nothing to change is refused before anything is sent.
  EXPECT_EQ(ec2::SetDeleteOnTermination(client, "", "i-0abc", {}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(transport_.sent().size(), 3u);
}

TEST_F(WriteCallsTest, Ec2CreateSnapshotTagsItAndReturnsItsId) {
  transport_.Enqueue(200, R"(<CreateSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>req-1</requestId><snapshotId>snap-1234567890abcdef0</snapshotId>
  <volumeId>vol-1</volumeId><status>pending</status></CreateSnapshotResponse>)");
  transport_.Enqueue(200, R"(<CreateSnapshotResponse><requestId>req-2</requestId></CreateSnapshotResponse>)");
  Client client(Options(), creds_, transport_);
  auto snap = ec2::CreateSnapshot(client, "", "vol-1", "evidence",
                                  {{"cirt:case", "IR-7"}, {"cirt:instance-id", "i-0abc"}});
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->id, "snap-1234567890abcdef0");
  EXPECT_EQ(snap->request_id, "req-1");
  QueryParams p = SentForm(0);
  EXPECT_EQ(Param(p, "Action"), "CreateSnapshot");
  EXPECT_EQ(Param(p, "VolumeId"), "vol-1");
  EXPECT_EQ(Param(p, "Description"), "evidence");
  EXPECT_EQ(Param(p, "TagSpecification.1.ResourceType"), "snapshot");
  EXPECT_EQ(Param(p, "TagSpecification.1.Tag.1.Key"), "cirt:case");
  EXPECT_EQ(Param(p, "TagSpecification.1.Tag.1.Value"), "IR-7");
  EXPECT_EQ(Param(p, "TagSpecification.1.Tag.2.Value"), "i-0abc");
  // An answer without the snapshot id is corrupt, not a silent success.
  EXPECT_EQ(ec2::CreateSnapshot(client, "", "vol-1", "x", {}).status().code(),
            ErrorCode::kCorrupt);
}

TEST_F(WriteCallsTest, Ec2IsolationGroupCallsAndInterfaceGroups) {
  transport_.Enqueue(200, R"(<CreateSecurityGroupResponse><requestId>r</requestId><return>true</return><groupId>sg-0open</groupId></CreateSecurityGroupResponse>)");
  transport_.Enqueue(200, kEc2Ok);
  transport_.Enqueue(200, kEc2Ok);
  transport_.Enqueue(200, kEc2Ok);
  Client client(Options(), creds_, transport_);
  auto group = ec2::CreateSecurityGroup(client, "", "vpc-1", "cirt-isolation-open", "open");
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->id, "sg-0open");
  ec2::IpPermission everything{"-1", "", "", {"0.0.0.0/0", "::/0"}, {}};
  ASSERT_TRUE(ec2::AuthorizeIngress(client, "", "sg-0open", everything).ok());
  ASSERT_TRUE(ec2::RevokeEgress(client, "", "sg-0iso", {"-1", "", "", {"0.0.0.0/0"}, {}}).ok());
  ASSERT_TRUE(ec2::SetNetworkInterfaceGroups(client, "", "eni-1", {"sg-a", "sg-b"}).ok());
  QueryParams create = SentForm(0);
  EXPECT_EQ(Param(create, "Action"), "CreateSecurityGroup");
  EXPECT_EQ(Param(create, "VpcId"), "vpc-1");
  EXPECT_EQ(Param(create, "GroupName"), "cirt-isolation-open");
  EXPECT_EQ(Param(create, "GroupDescription"), "open");
  QueryParams ingress = SentForm(1);
  EXPECT_EQ(Param(ingress, "Action"), "AuthorizeSecurityGroupIngress");
  EXPECT_EQ(Param(ingress, "GroupId"), "sg-0open");
  EXPECT_EQ(Param(ingress, "IpPermissions.1.IpProtocol"), "-1");
  EXPECT_EQ(Param(ingress, "IpPermissions.1.FromPort"), "<absent>");
  EXPECT_EQ(Param(ingress, "IpPermissions.1.IpRanges.1.CidrIp"), "0.0.0.0/0");
  EXPECT_EQ(Param(ingress, "IpPermissions.1.Ipv6Ranges.2.CidrIpv6"), "::/0");
  QueryParams egress = SentForm(2);
  EXPECT_EQ(Param(egress, "Action"), "RevokeSecurityGroupEgress");
  EXPECT_EQ(Param(egress, "GroupId"), "sg-0iso");
  EXPECT_EQ(Param(egress, "IpPermissions.1.IpRanges.1.CidrIp"), "0.0.0.0/0");
  QueryParams eni = SentForm(3);
  EXPECT_EQ(Param(eni, "Action"), "ModifyNetworkInterfaceAttribute");
  EXPECT_EQ(Param(eni, "NetworkInterfaceId"), "eni-1");
  EXPECT_EQ(Param(eni, "SecurityGroupId.1"), "sg-a");
  EXPECT_EQ(Param(eni, "SecurityGroupId.2"), "sg-b");
  // An interface always needs a group: refused before sending.
  EXPECT_EQ(ec2::SetNetworkInterfaceGroups(client, "", "eni-1", {}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(WriteCallsTest, Ec2InstanceProfileAssociations) {
  transport_.Enqueue(200, R"(<DescribeIamInstanceProfileAssociationsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <iamInstanceProfileAssociationSet><item>
    <associationId>iip-assoc-0e7736511a163c209</associationId>
    <iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/admin-role</arn><id>AIPAJVQN4F5WVLGCJDRGM</id></iamInstanceProfile>
    <instanceId>i-09eb09efa73ec1dee</instanceId><state>associated</state>
  </item></iamInstanceProfileAssociationSet>
</DescribeIamInstanceProfileAssociationsResponse>)");
  transport_.Enqueue(200, kEc2Ok);
  transport_.Enqueue(200, kEc2Ok);
  transport_.Enqueue(200, kEc2Ok);
  Client client(Options(), creds_, transport_);
  auto associations = ec2::DescribeIamInstanceProfileAssociations(client, "", "i-09eb09efa73ec1dee");
  ASSERT_TRUE(associations.ok()) << associations.status().ToString();
  ASSERT_EQ(associations->size(), 1u);
  EXPECT_EQ((*associations)[0].association_id, "iip-assoc-0e7736511a163c209");
  EXPECT_EQ((*associations)[0].profile_arn, "arn:aws:iam::123456789012:instance-profile/admin-role");
  EXPECT_EQ((*associations)[0].state, "associated");
  EXPECT_EQ(Param(SentForm(0), "Filter.1.Name"), "instance-id");
  EXPECT_EQ(Param(SentForm(0), "Filter.1.Value.1"), "i-09eb09efa73ec1dee");
  ASSERT_TRUE(ec2::DisassociateIamInstanceProfile(client, "", "iip-assoc-1").ok());
  EXPECT_EQ(Param(SentForm(1), "Action"), "DisassociateIamInstanceProfile");
  EXPECT_EQ(Param(SentForm(1), "AssociationId"), "iip-assoc-1");
  ASSERT_TRUE(ec2::ReplaceIamInstanceProfileAssociation(client, "", "iip-assoc-1", "quarantine").ok());
  EXPECT_EQ(Param(SentForm(2), "IamInstanceProfile.Name"), "quarantine");
  EXPECT_EQ(Param(SentForm(2), "IamInstanceProfile.Arn"), "<absent>");
  std::string arn = "arn:aws:iam::123456789012:instance-profile/admin-role";
  ASSERT_TRUE(ec2::AssociateIamInstanceProfile(client, "", "i-1", arn).ok());
  EXPECT_EQ(Param(SentForm(3), "Action"), "AssociateIamInstanceProfile");
  EXPECT_EQ(Param(SentForm(3), "InstanceId"), "i-1");
  EXPECT_EQ(Param(SentForm(3), "IamInstanceProfile.Arn"), arn);
}

TEST_F(WriteCallsTest, AutoScalingDescribeAndDetachKeepingCapacity) {
  transport_.Enqueue(200, R"(<DescribeAutoScalingInstancesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingInstancesResult><AutoScalingInstances><member>
    <InstanceId>i-4ba0837f</InstanceId><AutoScalingGroupName>my-asg</AutoScalingGroupName>
    <LifecycleState>InService</LifecycleState><HealthStatus>HEALTHY</HealthStatus>
  </member></AutoScalingInstances><NextToken>t2</NextToken></DescribeAutoScalingInstancesResult>
  <ResponseMetadata><RequestId>a</RequestId></ResponseMetadata></DescribeAutoScalingInstancesResponse>)");
  transport_.Enqueue(200, R"(<DescribeAutoScalingInstancesResponse><DescribeAutoScalingInstancesResult><AutoScalingInstances/></DescribeAutoScalingInstancesResult></DescribeAutoScalingInstancesResponse>)");
  transport_.Enqueue(200, R"(<DetachInstancesResponse><DetachInstancesResult><Activities/></DetachInstancesResult><ResponseMetadata><RequestId>req-detach</RequestId></ResponseMetadata></DetachInstancesResponse>)");
  transport_.Enqueue(200, R"(<AttachInstancesResponse><ResponseMetadata><RequestId>req-attach</RequestId></ResponseMetadata></AttachInstancesResponse>)");
  Client client(Options(), creds_, transport_);
  auto groups = autoscaling::DescribeAutoScalingInstances(client, "", {"i-4ba0837f"});
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].group_name, "my-asg");
  EXPECT_EQ((*groups)[0].lifecycle_state, "InService");
  EXPECT_EQ(transport_.sent()[0].request.service, "autoscaling");
  EXPECT_EQ(Param(SentForm(0), "Version"), "2011-01-01");
  EXPECT_EQ(Param(SentForm(0), "InstanceIds.member.1"), "i-4ba0837f");
  EXPECT_EQ(Param(SentForm(1), "NextToken"), "t2");
  auto detach = autoscaling::DetachInstances(client, "", "my-asg", {"i-4ba0837f"}, true);
  ASSERT_TRUE(detach.ok());
  EXPECT_EQ(detach->request_id, "req-detach");
  QueryParams d = SentForm(2);
  EXPECT_EQ(Param(d, "Action"), "DetachInstances");
  EXPECT_EQ(Param(d, "AutoScalingGroupName"), "my-asg");
  EXPECT_EQ(Param(d, "ShouldDecrementDesiredCapacity"), "true");
  EXPECT_EQ(Param(d, "InstanceIds.member.1"), "i-4ba0837f");
  auto attach = autoscaling::AttachInstances(client, "", "my-asg", {"i-4ba0837f"});
  ASSERT_TRUE(attach.ok());
  EXPECT_EQ(attach->request_id, "req-attach");
  EXPECT_EQ(Param(SentForm(3), "Action"), "AttachInstances");
  EXPECT_EQ(Param(SentForm(3), "ShouldDecrementDesiredCapacity"), "<absent>");
}

TEST_F(WriteCallsTest, Elbv2TargetGroupsHealthAndDeregistration) {
  transport_.Enqueue(200, R"(<DescribeTargetGroupsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeTargetGroupsResult><TargetGroups><member>
    <TargetGroupArn>arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067</TargetGroupArn>
    <TargetGroupName>web</TargetGroupName><TargetType>instance</TargetType><VpcId>vpc-3ac0fb5f</VpcId>
  </member></TargetGroups><NextMarker>m2</NextMarker></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>)");
  transport_.Enqueue(200, R"(<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups><member>
    <TargetGroupArn>arn:tg2</TargetGroupArn><TargetGroupName>ips</TargetGroupName><TargetType>ip</TargetType>
  </member></TargetGroups></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>)");
  transport_.Enqueue(200, R"(<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions>
    <member><Target><Id>i-0f76fade</Id><Port>80</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member>
  </TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>)");
  transport_.Enqueue(200, R"(<DeregisterTargetsResponse><ResponseMetadata><RequestId>req-d</RequestId></ResponseMetadata></DeregisterTargetsResponse>)");
  Client client(Options(), creds_, transport_);
  auto groups = elbv2::DescribeTargetGroups(client, "");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].name, "web");
  EXPECT_EQ((*groups)[0].target_type, "instance");
  EXPECT_EQ((*groups)[1].target_type, "ip");
  EXPECT_EQ(transport_.sent()[0].request.service, "elasticloadbalancing");
  EXPECT_EQ(Param(SentForm(0), "Version"), "2015-12-01");
  EXPECT_EQ(Param(SentForm(0), "Marker"), "<absent>");
  EXPECT_EQ(Param(SentForm(1), "Marker"), "m2");
  auto health = elbv2::DescribeTargetHealth(client, "", (*groups)[0].arn);
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->size(), 1u);
  EXPECT_EQ((*health)[0].id, "i-0f76fade");
  EXPECT_EQ((*health)[0].port, "80");
  EXPECT_EQ((*health)[0].state, "healthy");
  EXPECT_EQ(Param(SentForm(2), "TargetGroupArn"), (*groups)[0].arn);
  auto deregister = elbv2::DeregisterTargets(client, "", (*groups)[0].arn, {{"i-0f76fade", "80", "", ""}});
  ASSERT_TRUE(deregister.ok());
  EXPECT_EQ(deregister->request_id, "req-d");
  QueryParams d = SentForm(3);
  EXPECT_EQ(Param(d, "Action"), "DeregisterTargets");
  EXPECT_EQ(Param(d, "Targets.member.1.Id"), "i-0f76fade");
  EXPECT_EQ(Param(d, "Targets.member.1.Port"), "80");
  EXPECT_EQ(Param(d, "Targets.member.1.AvailabilityZone"), "<absent>");
}

TEST_F(WriteCallsTest, SecurityHubBatchUpdateFindingsShapeAndPartialFailure) {
  transport_.Enqueue(200, R"({"ProcessedFindings":[{"Id":"f-1","ProductArn":"arn:p"}],"UnprocessedFindings":[]})",
                     {{"x-amzn-RequestId", "req-sh"}});
  transport_.Enqueue(200, R"({"ProcessedFindings":[],"UnprocessedFindings":[{"FindingIdentifier":{"Id":"f-2","ProductArn":"arn:p"},"ErrorCode":"FindingNotFound","ErrorMessage":"Finding Not Found"}]})");
  Client client(Options(), creds_, transport_);
  securityhub::WorkflowUpdate update;
  update.findings = {{"f-1", "arn:p"}};
  update.workflow_status = "NOTIFIED";
  update.note_text = "Contained";
  update.note_updated_by = "cirt";
  auto ok = securityhub::BatchUpdateFindings(client, update);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->request_id, "req-sh");
  const Request sent = transport_.sent()[0].request;
  EXPECT_EQ(sent.service, "securityhub");
  EXPECT_EQ(sent.method, "PATCH");
  EXPECT_EQ(sent.path, "/findings/batchupdate");
  nlohmann::json body = nlohmann::json::parse(sent.body);
  EXPECT_EQ(body, nlohmann::json::parse(R"({
    "FindingIdentifiers": [{"Id": "f-1", "ProductArn": "arn:p"}],
    "Workflow": {"Status": "NOTIFIED"},
    "Note": {"Text": "Contained", "UpdatedBy": "cirt"}})"));
  update.findings = {{"f-2", "arn:p"}};
  update.note_text.clear();
  auto partial = securityhub::BatchUpdateFindings(client, update);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(AwsErrorCode(partial.status()), "FindingNotFound");
  EXPECT_NE(partial.status().ToString().find("f-2"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(transport_.sent()[1].request.body).contains("Note"));
  update.findings.clear();
  EXPECT_EQ(securityhub::BatchUpdateFindings(client, update).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(transport_.sent().size(), 2u);
}

TEST_F(WriteCallsTest, GuardDutyArchiveAndUnarchive) {
  transport_.Enqueue(200, "{}", {{"x-amzn-RequestId", "req-a"}});
  transport_.Enqueue(200, "{}");
  Client client(Options(), creds_, transport_);
  std::string id = "1ab92989eaf0e742df4a014d5example";
  auto archived = guardduty::ArchiveFindings(client, "", "12abc34d567e8fa901bc2d34eexample", {id});
  ASSERT_TRUE(archived.ok()) << archived.status().ToString();
  EXPECT_EQ(archived->request_id, "req-a");
  ASSERT_TRUE(guardduty::UnarchiveFindings(client, "", "12abc34d567e8fa901bc2d34eexample", {id}).ok());
  auto sent = transport_.sent();
  EXPECT_EQ(sent[0].request.service, "guardduty");
  EXPECT_EQ(sent[0].request.method, "POST");
  EXPECT_EQ(sent[0].request.path, "/detector/12abc34d567e8fa901bc2d34eexample/findings/archive");
  EXPECT_EQ(nlohmann::json::parse(sent[0].request.body), (nlohmann::json{{"findingIds", nlohmann::json::array({id})}}));
  EXPECT_EQ(sent[1].request.path, "/detector/12abc34d567e8fa901bc2d34eexample/findings/unarchive");
  EXPECT_EQ(guardduty::ArchiveFindings(client, "", "d", {}).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cirt::aws
