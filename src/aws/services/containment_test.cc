// Request shapes and decoding of the IAM, S3 and Lambda calls `cirt respond`
// makes (services/iam.h, s3.h, lambda.h, the blocks marked for respond),
// over FakeTransport: the wire details moto does not check (Content-MD5,
// which fields are sent, path encoding, redaction of the password).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/services/iam.h"
#include "aws/services/lambda.h"
#include "aws/services/s3.h"
#include "aws/transport.h"
#include "aws/testing_util.h"

namespace cirt::aws {
namespace {

class ContainmentCallsTest : public ::testing::Test {
 protected:
  ClientOptions Options() { return testing_util::FakeClientOptions(); }
  const Request& Last() {
    sent_ = transport_.sent();
    return sent_.back().request;
  }
  FakeTransport transport_;
  StaticCredentialsProvider creds_{
      Credentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = Secret("secret")}};
  std::vector<FakeTransport::Sent> sent_;
};

TEST_F(ContainmentCallsTest, PutPublicAccessBlockSendsTheXmlWithContentMd5) {
  transport_.Enqueue(200, "", Headers{{"x-amz-request-id", "REQ1"}});
  Client client(Options(), creds_, transport_);
  auto result = s3::PutPublicAccessBlock(client, "exposed-data", {true, false, true, true});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->request_id, "REQ1");
  const Request& request = Last();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.path, "/exposed-data");
  ASSERT_EQ(request.query.count("publicAccessBlock"), 1u);
  EXPECT_EQ(request.body,
            "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>"
            "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true"
            "</RestrictPublicBuckets></PublicAccessBlockConfiguration>");
  // base64(MD5(body)), computed independently (Python hashlib).
  EXPECT_EQ(FindHeader(request.headers, "Content-MD5").value_or(""), "5WIl55BX7t8EdgY3pWlnAA==");
}

TEST_F(ContainmentCallsTest, MissingConfigurationsAreNotErrors) {
  transport_.Enqueue(404,
                     "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>x</Message>"
                     "</Error>");
  transport_.Enqueue(404, "<Error><Code>NoSuchBucketPolicy</Code><Message>x</Message></Error>");
  transport_.Enqueue(404, "<Error><Code>NoSuchBucket</Code><Message>x</Message></Error>");
  Client client(Options(), creds_, transport_);
  auto block = s3::GetPublicAccessBlock(client, "b-1");
  ASSERT_TRUE(block.ok()) << block.status().ToString();
  EXPECT_FALSE(block->has_value());
  auto policy = s3::GetBucketPolicy(client, "b-1");
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE(policy->has_value());
  // Any other error is one.
  EXPECT_EQ(AwsErrorCode(s3::GetBucketPolicy(client, "b-1").status()), "NoSuchBucket");
}

TEST_F(ContainmentCallsTest, AddPermissionSendsOnlyTheGivenFields) {
  transport_.Enqueue(201, R"({"Statement":"{}"})", Headers{{"x-amzn-RequestId", "R2"}});
  Client client(Options(), creds_, transport_);
  lambda::Permission permission;
  permission.statement_id = "url";
  permission.action = "lambda:InvokeFunctionUrl";
  permission.principal = "*";
  permission.function_url_auth_type = "NONE";
  auto result = lambda::AddPermission(client, "backdoor", permission);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->request_id, "R2");
  const Request& request = Last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/2015-03-31/functions/backdoor/policy");
  EXPECT_EQ(nlohmann::json::parse(request.body),
            (nlohmann::json{{"StatementId", "url"},
                            {"Action", "lambda:InvokeFunctionUrl"},
                            {"Principal", "*"},
                            {"FunctionUrlAuthType", "NONE"}}));
  EXPECT_NE(FindHeader(request.headers, "Authorization").value_or("").find("/lambda/aws4_request"),
            std::string::npos);
}

TEST_F(ContainmentCallsTest, LambdaPathsEncodeNamesAndStatementIds) {
  transport_.Enqueue(204, "");
  transport_.Enqueue(200, R"({"ReservedConcurrentExecutions":0})");
  transport_.Enqueue(200, "{}");
  transport_.Enqueue(404, R"({"Type":"User","message":"none"})",
                     Headers{{"x-amzn-ErrorType", "ResourceNotFoundException"}});
  Client client(Options(), creds_, transport_);
  ASSERT_TRUE(lambda::RemovePermission(client, "fn", "a b/c").ok());
  EXPECT_EQ(Last().method, "DELETE");
  EXPECT_EQ(Last().path, "/2015-03-31/functions/fn/policy/a%20b%2Fc");
  ASSERT_TRUE(lambda::PutFunctionConcurrency(client, "fn", 0).ok());
  EXPECT_EQ(Last().method, "PUT");
  EXPECT_EQ(Last().path, "/2017-10-31/functions/fn/concurrency");
  EXPECT_EQ(nlohmann::json::parse(Last().body)["ReservedConcurrentExecutions"], 0);
  auto none = lambda::GetFunctionConcurrency(client, "fn");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(Last().path, "/2019-09-30/functions/fn/concurrency");
  auto policy = lambda::GetPolicy(client, "fn");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_FALSE(policy->has_value());
}

TEST_F(ContainmentCallsTest, IamDocumentsAreUrlDecodedAndNoSuchEntityIsAbsence) {
  transport_.Enqueue(
      200,
      "<GetUserPolicyResponse><GetUserPolicyResult><UserName>alice</UserName>"
      "<PolicyName>p</PolicyName><PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D"
      "</PolicyDocument></GetUserPolicyResult><ResponseMetadata><RequestId>R3</RequestId>"
      "</ResponseMetadata></GetUserPolicyResponse>");
  transport_.Enqueue(404,
                     "<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>no</Message></Error>"
                     "</ErrorResponse>");
  transport_.Enqueue(200,
                     "<UpdateAccessKeyResponse><ResponseMetadata><RequestId>R4</RequestId>"
                     "</ResponseMetadata></UpdateAccessKeyResponse>");
  Client client(Options(), creds_, transport_);
  auto document = iam::GetUserPolicy(client, "alice", "p");
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_EQ(**document, R"({"Version":"2012-10-17"})");
  auto absent = iam::GetUserPolicy(client, "alice", "q");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  // No request-id header: the id comes from the body.
  auto write = iam::UpdateAccessKey(client, "alice", "AKIAEXAMPLE", "Inactive");
  ASSERT_TRUE(write.ok());
  EXPECT_EQ(write->request_id, "R4");
  EXPECT_NE(Last().body.find("Action=UpdateAccessKey"), std::string::npos);
  EXPECT_NE(Last().body.find("Status=Inactive"), std::string::npos);
}

TEST_F(ContainmentCallsTest, TheRecreatedPasswordNeverReachesTheDebugLog) {
  transport_.Enqueue(200, "<CreateLoginProfileResponse/>");
  std::vector<std::string> log;
  ClientOptions options = Options();
  options.debug_log = [&](std::string_view text) { log.emplace_back(text); };
  Client client(options, creds_, transport_);
  ASSERT_TRUE(iam::CreateLoginProfile(client, "alice", Secret("Xy7!s3cretPassw0rd"), true).ok());
  EXPECT_NE(Last().body.find("Password=Xy7"), std::string::npos);  // sent
  EXPECT_NE(Last().body.find("PasswordResetRequired=true"), std::string::npos);
  ASSERT_FALSE(log.empty());
  for (const std::string& line : log) EXPECT_EQ(line.find("s3cret"), std::string::npos) << line;
  bool masked = false;
  for (const std::string& line : log)
    masked = masked || line.find("Password=***") != std::string::npos;
  EXPECT_TRUE(masked);
}

}  // namespace
}  // namespace cirt::aws
