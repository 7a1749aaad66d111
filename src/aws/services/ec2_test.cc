// services/ec2 over FakeTransport: query parameters (Filter.N, NextToken),
// the nextToken paging of EC2 answers, typed decoding and the raw JSON form.
// The answers follow the EC2 API reference's response shapes.
#include "aws/services/ec2.h"

#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/transport.h"
#include "aws/testing_util.h"

namespace cirt::aws::ec2 {
namespace {

constexpr char kInstancesPage1[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <ipAddress>54.194.252.215</ipAddress>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <subnetId>subnet-56f5f633</subnetId>
          <vpcId>vpc-11112222</vpcId>
          <iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/web</arn><id>AIPA1</id></iamInstanceProfile>
          <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
          <networkInterfaceSet><item><networkInterfaceId>eni-0598c7d356eba48d7</networkInterfaceId></item></networkInterfaceSet>
          <tagSet><item><key>Name</key><value>web &amp; api</value></item></tagSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>page-2</nextToken>
</DescribeInstancesResponse>)";

constexpr char kInstancesPage2[] =
    R"(<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <reservationSet>
    <item><reservationId>r-2</reservationId><ownerId>123456789012</ownerId>
      <instancesSet><item><instanceId>i-2</instanceId><instanceState><name>stopped</name></instanceState></item></instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>)";

class Ec2ServiceTest : public ::testing::Test {
 protected:
  ClientOptions Options() { return testing_util::FakeClientOptions(); }
  static QueryParams Form(const std::string& body) { return testing_util::ParseForm(body); }
  static std::string Param(const QueryParams& p, const std::string& name) {
    auto it = p.find(name);
    return it == p.end() ? "<absent>" : it->second;
  }
  FakeTransport transport_;
  StaticCredentialsProvider creds_{Credentials{
      .access_key_id = "AKIDEXAMPLE", .secret_access_key = Secret("secret")}};
};

TEST_F(Ec2ServiceTest, DescribeInstancesPagesDecodesAndKeepsRawJson) {
  transport_.Enqueue(200, kInstancesPage1);
  transport_.Enqueue(200, kInstancesPage2);
  Client client(Options(), creds_, transport_);
  auto reservations = DescribeInstances(
      client, "eu-west-1",
      {{"instance-state-name", {"running", "stopped"}}, {"vpc-id", {"v"}}});
  ASSERT_TRUE(reservations.ok()) << reservations.status().ToString();
  ASSERT_EQ(reservations->size(), 2u);
  const Reservation& r = (*reservations)[0];
  EXPECT_EQ(r.reservation_id, "r-1234567890abcdef0");
  EXPECT_EQ(r.owner_id, "123456789012");
  ASSERT_EQ(r.instances.size(), 1u);
  const Instance& i = r.instances[0];
  EXPECT_EQ(i.instance_id, "i-1234567890abcdef0");
  EXPECT_EQ(i.state, "running");
  EXPECT_EQ(i.instance_type, "t2.micro");
  EXPECT_EQ(i.public_ip, "54.194.252.215");
  EXPECT_EQ(i.private_ip, "192.168.1.88");
  EXPECT_EQ(i.iam_instance_profile_arn,
            "arn:aws:iam::123456789012:instance-profile/web");
  EXPECT_EQ(i.security_group_ids, std::vector<std::string>{"sg-e4076980"});
  EXPECT_EQ(i.network_interface_ids,
            std::vector<std::string>{"eni-0598c7d356eba48d7"});
  EXPECT_EQ((*reservations)[1].instances[0].state, "stopped");
  // Raw: wire names, lists as arrays, empty "...Set" lists as [].
  EXPECT_EQ(r.raw["groupSet"], nlohmann::json::array());
  EXPECT_EQ(r.raw["instancesSet"][0]["tagSet"][0]["value"], "web & api");
  EXPECT_EQ(r.raw["instancesSet"][0]["instanceState"]["code"], "16");
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  QueryParams first = Form(sent[0].request.body);
  EXPECT_EQ(Param(first, "Action"), "DescribeInstances");
  EXPECT_EQ(Param(first, "Version"), "2016-11-15");
  EXPECT_EQ(Param(first, "Filter.1.Name"), "instance-state-name");
  EXPECT_EQ(Param(first, "Filter.1.Value.1"), "running");
  EXPECT_EQ(Param(first, "Filter.1.Value.2"), "stopped");
  EXPECT_EQ(Param(first, "Filter.2.Name"), "vpc-id");
  EXPECT_EQ(Param(first, "NextToken"), "<absent>");
  QueryParams second = Form(sent[1].request.body);
  EXPECT_EQ(Param(second, "NextToken"), "page-2");
  EXPECT_EQ(Param(second, "Filter.1.Value.2"), "stopped");
  EXPECT_NE(FindHeader(sent[0].request.headers, "Authorization")
                .value_or("")
                .find("/eu-west-1/ec2/aws4_request"),
            std::string::npos);
}

TEST_F(Ec2ServiceTest, DescribeSecurityGroupsDecodesRules) {
  transport_.Enqueue(200, R"(<DescribeSecurityGroupsResponse>
  <securityGroupInfo>
    <item>
      <ownerId>123456789012</ownerId><groupId>sg-1a2b3c4d</groupId><groupName>WebServers</groupName>
      <groupDescription>Web Servers</groupDescription><vpcId>vpc-1</vpcId>
      <ipPermissions>
        <item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort>
          <groups><item><groupId>sg-99</groupId></item></groups>
          <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>
          <ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges>
        </item>
      </ipPermissions>
      <ipPermissionsEgress>
        <item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>
      </ipPermissionsEgress>
    </item>
  </securityGroupInfo>
</DescribeSecurityGroupsResponse>)");
  Client client(Options(), creds_, transport_);
  auto groups = DescribeSecurityGroups(client, "");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 1u);
  const SecurityGroup& g = (*groups)[0];
  EXPECT_EQ(g.group_id, "sg-1a2b3c4d");
  EXPECT_EQ(g.description, "Web Servers");
  ASSERT_EQ(g.ingress.size(), 1u);
  EXPECT_EQ(g.ingress[0].from_port, "22");
  EXPECT_EQ(g.ingress[0].cidrs,
            (std::vector<std::string>{"0.0.0.0/0", "::/0"}));
  EXPECT_EQ(g.ingress[0].group_ids, std::vector<std::string>{"sg-99"});
  ASSERT_EQ(g.egress.size(), 1u);
  EXPECT_EQ(g.egress[0].protocol, "-1");
  EXPECT_EQ(g.raw["ipPermissions"][0]["ipRanges"][0]["cidrIp"], "0.0.0.0/0");
  EXPECT_EQ(Form(transport_.sent()[0].request.body).count("Filter.1.Name"), 0u);
}

TEST_F(Ec2ServiceTest,
       DescribeNetworkInterfacesDecodesAttachmentAndAssociation) {
  transport_.Enqueue(200,
                     R"(<DescribeNetworkInterfacesResponse><networkInterfaceSet>
    <item><networkInterfaceId>eni-1</networkInterfaceId><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId>
      <status>in-use</status><interfaceType>interface</interfaceType><privateIpAddress>10.0.0.5</privateIpAddress>
      <groupSet><item><groupId>sg-1</groupId></item><item><groupId>sg-2</groupId></item></groupSet>
      <attachment><instanceId>i-1</instanceId><status>attached</status></attachment>
      <association><publicIp>203.0.113.9</publicIp></association>
    </item>
    <item><networkInterfaceId>eni-2</networkInterfaceId><status>available</status><groupSet/></item>
  </networkInterfaceSet></DescribeNetworkInterfacesResponse>)");
  Client client(Options(), creds_, transport_);
  auto enis = DescribeNetworkInterfaces(client, "",
                                        {{"attachment.instance-id", {"i-1"}}});
  ASSERT_TRUE(enis.ok()) << enis.status().ToString();
  ASSERT_EQ(enis->size(), 2u);
  EXPECT_EQ((*enis)[0].instance_id, "i-1");
  EXPECT_EQ((*enis)[0].public_ip, "203.0.113.9");
  EXPECT_EQ((*enis)[0].security_group_ids,
            (std::vector<std::string>{"sg-1", "sg-2"}));
  EXPECT_EQ((*enis)[1].instance_id, "");
  EXPECT_EQ((*enis)[1].status, "available");
  EXPECT_EQ((*enis)[1].raw["groupSet"], nlohmann::json::array());
}

TEST_F(Ec2ServiceTest, DescribeRegionsAndErrors) {
  transport_.Enqueue(200, R"(<DescribeRegionsResponse><regionInfo>
    <item><regionName>eu-north-1</regionName><regionEndpoint>ec2.eu-north-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>
    <item><regionName>af-south-1</regionName><regionEndpoint>ec2.af-south-1.amazonaws.com</regionEndpoint><optInStatus>opted-in</optInStatus></item>
  </regionInfo></DescribeRegionsResponse>)");
  Client client(Options(), creds_, transport_);
  nlohmann::json raw;
  auto regions = DescribeRegions(client, false, &raw);
  ASSERT_TRUE(regions.ok()) << regions.status().ToString();
  ASSERT_EQ(regions->size(), 2u);
  EXPECT_EQ((*regions)[1].name, "af-south-1");
  EXPECT_EQ((*regions)[1].opt_in_status, "opted-in");
  EXPECT_EQ(raw["regionInfo"].size(), 2u);
  EXPECT_EQ(Form(transport_.sent()[0].request.body).count("AllRegions"), 0u);

  transport_.Enqueue(
      403, R"(<Response><Errors><Error><Code>UnauthorizedOperation</Code>
    <Message>You are not authorized to perform this operation.</Message></Error></Errors>
    <RequestID>req-ec2</RequestID></Response>)");
  auto denied = DescribeInstances(client, "");
  EXPECT_EQ(AwsErrorCode(denied.status()), "UnauthorizedOperation");
  EXPECT_EQ(denied.status().context().request_id, "req-ec2");

  transport_.Enqueue(200, "not xml <");
  EXPECT_EQ(DescribeSecurityGroups(client, "").status().code(),
            ErrorCode::kCorrupt);
}

TEST_F(Ec2ServiceTest, RepeatedNextTokenStopsWithCorrupt) {
  transport_.Enqueue(
      200, "<R><networkInterfaceSet/><nextToken>same</nextToken></R>");
  transport_.Enqueue(
      200, "<R><networkInterfaceSet/><nextToken>same</nextToken></R>");
  Client client(Options(), creds_, transport_);
  EXPECT_EQ(DescribeNetworkInterfaces(client, "").status().code(),
            ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cirt::aws::ec2
