// The IAM read calls for evidence (services/iam.h, last block) over
// FakeTransport: GetAccountAuthorizationDetails paging and decoding, and the
// credential report's generate/poll/get sequence with an injected sleep.
// Answers follow the IAM API reference's response shapes.
#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/services/iam.h"
#include "aws/transport.h"
#include "aws/testing_util.h"

namespace cirt::aws::iam {
namespace {

constexpr char kDetailsPage1[] =
    R"(<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
<GetAccountAuthorizationDetailsResult>
  <IsTruncated>true</IsTruncated>
  <Marker>EXAMPLEkakv9BCuUNFDtxWSyfzetYwEx2ADc8dnzfvERF5S6YMvXKx41t6gCl/eeaCX3Jo94/bKqezEAg8TEVS99EKFLxm3jtbpl25FDWEXAMPLE</Marker>
  <UserDetailList>
    <member>
      <GroupList><member>Admins</member></GroupList>
      <AttachedManagedPolicies/>
      <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
      <Path>/</Path>
      <UserName>Alice</UserName>
      <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
      <CreateDate>2013-10-14T18:32:24Z</CreateDate>
      <UserPolicyList>
        <member><PolicyName>inline</PolicyName><PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D</PolicyDocument></member>
      </UserPolicyList>
    </member>
  </UserDetailList>
  <GroupDetailList>
    <member><GroupId>AIDACKCEVSQ6C7EXAMPLE</GroupId><GroupName>Admins</GroupName><Path>/</Path>
      <Arn>arn:aws:iam::123456789012:group/Admins</Arn><GroupPolicyList/>
      <AttachedManagedPolicies><member><PolicyName>AdministratorAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member></AttachedManagedPolicies>
    </member>
  </GroupDetailList>
  <RoleDetailList/>
  <Policies/>
</GetAccountAuthorizationDetailsResult>
<ResponseMetadata><RequestId>92e79ae7-7399-11e4-8c85-4b53eEXAMPLE</RequestId></ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>)";

constexpr char kDetailsPage2[] =
    R"(<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult>
  <IsTruncated>false</IsTruncated>
  <UserDetailList/><GroupDetailList/>
  <RoleDetailList>
    <member><RoleName>ir-responder</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::123456789012:role/ir-responder</Arn><Path>/</Path>
      <CreateDate>2024-01-01T00:00:00Z</CreateDate>
      <AssumeRolePolicyDocument>%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%7D%5D%7D</AssumeRolePolicyDocument>
      <RolePolicyList/><AttachedManagedPolicies/><InstanceProfileList/>
    </member>
  </RoleDetailList>
  <Policies>
    <member><PolicyName>AdministratorAccess</PolicyName><PolicyId>ANPA1</PolicyId><Arn>arn:aws:iam::aws:policy/AdministratorAccess</Arn>
      <DefaultVersionId>v1</DefaultVersionId><AttachmentCount>1</AttachmentCount></member>
  </Policies>
</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>)";

std::string Generate(const char* state) {
  return std::string(
             "<GenerateCredentialReportResponse><"
             "GenerateCredentialReportResult><State>") +
         state +
         "</State><Description>No report exists. Starting a new report "
         "generation "
         "task</Description></GenerateCredentialReportResult></"
         "GenerateCredentialReportResponse>";
}

class IamReadTest : public ::testing::Test {
 protected:
  ClientOptions Options() { return testing_util::FakeClientOptions("eu-west-1"); }
  FakeTransport transport_;
  StaticCredentialsProvider creds_{Credentials{
      .access_key_id = "AKIDEXAMPLE", .secret_access_key = Secret("secret")}};
};

TEST_F(IamReadTest, AccountAuthorizationDetailsFollowsMarkerAndMergesPages) {
  transport_.Enqueue(200, kDetailsPage1);
  transport_.Enqueue(200, kDetailsPage2);
  Client client(Options(), creds_, transport_);
  auto details = GetAccountAuthorizationDetails(client, 100);
  ASSERT_TRUE(details.ok()) << details.status().ToString();
  ASSERT_EQ(details->users.size(), 1u);
  const UserDetail& alice = details->users[0];
  EXPECT_EQ(alice.user_name, "Alice");
  EXPECT_EQ(alice.groups, std::vector<std::string>{"Admins"});
  ASSERT_EQ(alice.inline_policies.size(), 1u);
  EXPECT_EQ(alice.inline_policies[0].policy_document,
            R"({"Version":"2012-10-17","Statement":[]})");
  ASSERT_EQ(details->groups.size(), 1u);
  EXPECT_EQ(details->groups[0].attached_policies[0].policy_arn,
            "arn:aws:iam::aws:policy/AdministratorAccess");
  ASSERT_EQ(details->roles.size(), 1u);
  EXPECT_EQ(details->roles[0].assume_role_policy_document,
            R"({"Statement":[{"Effect":"Allow"}]})");
  ASSERT_EQ(details->policies.size(), 1u);
  EXPECT_EQ(details->policies[0].attachment_count, "1");
  // Raw: both pages merged, lists as arrays, documents as on the wire.
  EXPECT_EQ(details->raw["UserDetailList"].size(), 1u);
  EXPECT_EQ(details->raw["RoleDetailList"].size(), 1u);
  EXPECT_EQ(details->raw["Policies"].size(), 1u);
  EXPECT_EQ(details->raw["UserDetailList"][0]["GroupList"],
            nlohmann::json::array({"Admins"}));
  EXPECT_EQ(details->raw["UserDetailList"][0]["AttachedManagedPolicies"],
            nlohmann::json::array());
  EXPECT_EQ(details->raw["UserDetailList"][0]["Path"], "/");
  EXPECT_EQ(details->raw["RoleDetailList"][0]["RolePolicyList"],
            nlohmann::json::array());
  EXPECT_NE(details->raw["RoleDetailList"][0]["AssumeRolePolicyDocument"]
                .get<std::string>()
                .find("%7B"),
            std::string::npos);
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[0].request.body.find("Action=GetAccountAuthorizationDetails"),
            std::string::npos);
  EXPECT_NE(sent[0].request.body.find("MaxItems=100"), std::string::npos);
  EXPECT_EQ(sent[0].request.body.find("Marker="), std::string::npos);
  EXPECT_NE(sent[1].request.body.find("Marker=EXAMPLEkakv9"),
            std::string::npos);
  // IAM is global: signed for us-east-1 whatever the client's region.
  EXPECT_NE(FindHeader(sent[0].request.headers, "Authorization")
                .value_or("")
                .find("/us-east-1/iam/aws4_request"),
            std::string::npos);
}

TEST_F(IamReadTest, CredentialReportPollsUntilCompleteThenGets) {
  transport_.Enqueue(200, Generate("STARTED"));
  transport_.Enqueue(200, Generate("INPROGRESS"));
  transport_.Enqueue(200, Generate("COMPLETE"));
  transport_.Enqueue(200,
                     R"(<GetCredentialReportResponse><GetCredentialReportResult>
    <Content>dXNlcixhcm4KPHJvb3RfYWNjb3VudD4sYXJuOmF3czppYW06OjEyMzQ1Njc4OTAxMjpyb290Cg==</Content>
    <ReportFormat>text/csv</ReportFormat><GeneratedTime>2024-05-01T10:00:00Z</GeneratedTime>
  </GetCredentialReportResult></GetCredentialReportResponse>)");
  Client client(Options(), creds_, transport_);
  std::vector<std::chrono::milliseconds> sleeps;
  CredentialReportWait wait;
  wait.interval = std::chrono::milliseconds(1500);
  wait.sleep = [&](std::chrono::milliseconds d) { sleeps.push_back(d); };
  auto report = FetchCredentialReport(client, wait);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->content_base64,
            "dXNlcixhcm4KPHJvb3RfYWNjb3VudD4sYXJuOmF3czppYW06OjEyMzQ1Njc4OTAxMj"
            "pyb290Cg==");
  EXPECT_EQ(report->report_format, "text/csv");
  EXPECT_EQ(report->generated_time, "2024-05-01T10:00:00Z");
  EXPECT_EQ(sleeps, (std::vector<std::chrono::milliseconds>(
                        2, std::chrono::milliseconds(1500))));
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_NE(sent[2].request.body.find("Action=GenerateCredentialReport"),
            std::string::npos);
  EXPECT_NE(sent[3].request.body.find("Action=GetCredentialReport"),
            std::string::npos);
}

TEST_F(IamReadTest, CredentialReportGivesUpAfterMaxPolls) {
  for (int i = 0; i < 3; ++i) transport_.Enqueue(200, Generate("INPROGRESS"));
  Client client(Options(), creds_, transport_);
  CredentialReportWait wait;
  wait.max_polls = 3;
  int slept = 0;
  wait.sleep = [&](std::chrono::milliseconds) { ++slept; };
  auto report = FetchCredentialReport(client, wait);
  EXPECT_EQ(report.status().code(), ErrorCode::kCancelled);
  EXPECT_EQ(slept, 2);
  EXPECT_EQ(transport_.sent().size(), 3u);
}

TEST_F(IamReadTest, CredentialReportStateTableRoundTripsAndRejectsUnknown) {
  for (auto state :
       {CredentialReportState::kStarted, CredentialReportState::kInProgress,
        CredentialReportState::kComplete}) {
    auto parsed = ParseCredentialReportState(CredentialReportStateName(state));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, state);
  }
  EXPECT_EQ(ParseCredentialReportState("DONE").status().code(),
            ErrorCode::kCorrupt);
  transport_.Enqueue(200, Generate("WEIRD"));
  Client client(Options(), creds_, transport_);
  EXPECT_EQ(GenerateCredentialReport(client).status().code(),
            ErrorCode::kCorrupt);
}

TEST_F(IamReadTest, CredentialReportErrorsAreAwsErrors) {
  transport_.Enqueue(
      410,
      R"(<ErrorResponse><Error><Type>Sender</Type><Code>ReportNotPresent</Code>
    <Message>Credential report not present</Message></Error><RequestId>r1</RequestId></ErrorResponse>)");
  Client client(Options(), creds_, transport_);
  EXPECT_EQ(AwsErrorCode(GetCredentialReport(client).status()),
            "ReportNotPresent");
  transport_.Enqueue(200,
                     "<GetCredentialReportResponse><GetCredentialReportResult/"
                     "></GetCredentialReportResponse>");
  EXPECT_EQ(GetCredentialReport(client).status().code(), ErrorCode::kCorrupt);
  transport_.Enqueue(
      403,
      R"(<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>)");
  EXPECT_EQ(AwsErrorCode(GetAccountAuthorizationDetails(client).status()),
            "AccessDenied");
}

}  // namespace
}  // namespace cirt::aws::iam
