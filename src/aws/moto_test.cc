// Integration tests against moto_server on 127.0.0.1 (ctest -L moto).
// Start one with tests/moto/run-moto.sh start PORT and export
// CIRT_MOTO_ENDPOINT=http://127.0.0.1:PORT; without it every test FAILS.
// Tests are RUN_SERIAL: one of them switches moto's auth mode on and off.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/protocol/query_xml.h"
#include "aws/protocol/rest_xml.h"
#include "aws/services/iam.h"
#include "aws/services/s3.h"
#include "aws/services/sts.h"
#include "aws/testing_util.h"

namespace cirt::aws {
namespace {

constexpr char kIamVersion[] = "2010-05-08";

std::string MotoEndpoint() {
  const char* value = std::getenv("CIRT_MOTO_ENDPOINT");
  return value ? value : "";
}

// Loopback only: refuse anything else so a misconfigured run cannot reach AWS.
bool IsLoopback(const std::string& url) {
  return url.rfind("http://127.0.0.1:", 0) == 0 ||
         url.rfind("http://localhost:", 0) == 0;
}

class AwsMotoTest : public testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = MotoEndpoint();
    ASSERT_FALSE(endpoint_.empty())
        << "CIRT_MOTO_ENDPOINT is not set; start moto with "
           "tests/moto/run-moto.sh start PORT and export "
           "CIRT_MOTO_ENDPOINT=http://127.0.0.1:PORT";
    ASSERT_TRUE(IsLoopback(endpoint_)) << endpoint_ << " is not a loopback URL";
    ASSERT_TRUE(MotoApi("/moto-api/reset", "").ok());
  }

  Status MotoApi(const std::string& path, const std::string& body) {
    Request request;
    request.method = "POST";
    request.body = body;
    request.headers.emplace("Content-Type", "text/plain");
    Result<Response> response = transport_.Send(request, endpoint_ + path);
    if (!response.ok()) return response.status();
    if (response->status != 200) {
      return Status::Internal("moto-api " + path + " answered " +
                              std::to_string(response->status));
    }
    return Status::Ok();
  }

  ClientOptions Options() {
    ClientOptions options;
    options.region = "us-east-1";
    options.endpoints = EndpointResolver::ForUrl(endpoint_);
    options.retry.max_attempts = 1;  // moto's 500s are final answers
    if (std::getenv("CIRT_MOTO_DEBUG")) {
      options.debug_log = [](std::string_view text) {
        fprintf(stderr, "%.*s\n", static_cast<int>(text.size()), text.data());
      };
    }
    return options;
  }

  static Credentials Keys(std::string akid, std::string secret) {
    Credentials creds;
    creds.access_key_id = std::move(akid);
    creds.secret_access_key = Secret(std::move(secret));
    return creds;
  }

  std::string endpoint_;
  CurlTransport transport_{
      CurlOptions{.connect_timeout = std::chrono::milliseconds(2000),
                  .total_timeout = std::chrono::milliseconds(30000)}};
  StaticCredentialsProvider testing_creds_{Keys("testing", "testing")};
};

Result<Response> IamAction(Client& client, std::string_view action,
                           QueryParams params) {
  return client.Call(MakeQueryRequest("iam", action, kIamVersion, params));
}

TEST_F(AwsMotoTest, StsGetCallerIdentity) {
  Client client(Options(), testing_creds_, transport_);
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(client);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_NE(identity->arn.find("arn:aws:sts::123456789012:"),
            std::string::npos);
}

TEST_F(AwsMotoTest, StsAssumeRoleCredentialsWork) {
  Client client(Options(), testing_creds_, transport_);
  Result<sts::AssumedRole> role = sts::AssumeRole(
      client, {.role_arn = "arn:aws:iam::123456789012:role/ir-responder",
               .role_session_name = "ir"});
  ASSERT_TRUE(role.ok()) << role.status().ToString();
  StaticCredentialsProvider assumed(role->credentials);
  Client as_role(Options(), assumed, transport_);
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(as_role);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_NE(identity->arn.find("assumed-role/ir-responder/ir"),
            std::string::npos)
      << identity->arn;
}

TEST_F(AwsMotoTest, IamListUsersAndAccessKeysPaginated) {
  Client client(Options(), testing_creds_, transport_);
  for (const char* name : {"alice", "bob", "carol"}) {
    ASSERT_TRUE(IamAction(client, "CreateUser", {{"UserName", name}}).ok());
  }
  ASSERT_TRUE(IamAction(client, "CreateAccessKey", {{"UserName", "bob"}}).ok());
  ASSERT_TRUE(IamAction(client, "CreateAccessKey", {{"UserName", "bob"}}).ok());

  Result<std::vector<iam::User>> users =
      iam::ListUsers(client, /*page_size=*/1);
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  std::vector<std::string> names;
  for (const iam::User& user : *users) names.push_back(user.user_name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"alice", "bob", "carol"}));

  auto keys = iam::ListAccessKeys(client, "bob", /*page_size=*/1);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].status, "Active");
  EXPECT_EQ((*keys)[0].access_key_id.rfind("AKIA", 0), 0u);

  Result<Response> missing =
      IamAction(client, "ListAccessKeys", {{"UserName", "nobody"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(AwsErrorCode(missing.status()), "NoSuchEntity");
}

TEST_F(AwsMotoTest, S3PutListGetWithMetadata) {
  Client client(Options(), testing_creds_, transport_);
  const std::string bucket = "cirt-evidence";
  ASSERT_TRUE(client.Call(MakeRestXmlRequest("s3", "PUT", "/" + bucket)).ok());
  for (int i = 0; i < 4; ++i) {
    Request put = MakeRestXmlRequest(
        "s3", "PUT",
        s3::ObjectPath(bucket, "AWSLogs/file " + std::to_string(i) + ".json"));
    put.body = "{\"Records\":[" + std::to_string(i) + "]}";
    put.headers.emplace("x-amz-meta-case", "ir-" + std::to_string(i));
    Result<Response> stored = client.Call(put);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  }
  // One object written by the real AWS CLI, to prove interoperability.
  testing_util::TempHome home;
  std::string body_file = home.Write("digest.json", "");
  std::string command =
      "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "
      "AWS_DEFAULT_REGION=us-east-1 "
      "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
      "aws --endpoint-url " +
      endpoint_ + " s3api put-object --bucket " + bucket +
      " --key AWSLogs/digest.json --body " + body_file +
      " --metadata signature=3045abcd,"
      "signature-algorithm=SHA256withRSA >/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  Result<std::vector<s3::ObjectSummary>> objects =
      s3::ListObjectsV2(client, bucket, "AWSLogs/", /*page_size=*/2);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(objects->size(), 5u);
  EXPECT_EQ((*objects)[0].key, "AWSLogs/digest.json");
  EXPECT_EQ((*objects)[1].key, "AWSLogs/file 0.json");

  Result<s3::Object> object =
      s3::GetObject(client, bucket, "AWSLogs/file 2.json");
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(object->bytes, "{\"Records\":[2]}");
  EXPECT_EQ(object->info.metadata["case"], "ir-2");

  Result<s3::Object> digest =
      s3::GetObject(client, bucket, "AWSLogs/digest.json");
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(digest->info.metadata["signature"], "3045abcd");
  EXPECT_EQ(digest->info.metadata["signature-algorithm"], "SHA256withRSA");

  Result<s3::ObjectInfo> head =
      s3::HeadObject(client, bucket, "AWSLogs/file 3.json");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 15u);

  Result<s3::Object> missing = s3::GetObject(client, bucket, "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(AwsErrorCode(missing.status()), "NoSuchKey");
}

// Switches moto's SigV4 checking on for its lifetime, off again after.
class AuthMode {
 public:
  explicit AuthMode(AwsMotoTest* test,
                    std::function<Status(const std::string&)> post)
      : post_(std::move(post)) {
    on_ = post_("0").ok();
  }
  ~AuthMode() {
    if (on_) (void)post_("inf");
  }
  bool on() const { return on_; }

 private:
  std::function<Status(const std::string&)> post_;
  bool on_ = false;
};

TEST_F(AwsMotoTest, AuthModeChecksOurSignatures) {
  Client admin(Options(), testing_creds_, transport_);
  ASSERT_TRUE(IamAction(admin, "CreateUser", {{"UserName", "signer"}}).ok());
  ASSERT_TRUE(
      IamAction(
          admin, "PutUserPolicy",
          {{"UserName", "signer"},
           {"PolicyName", "allow-all"},
           {"PolicyDocument",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})"}})
          .ok());
  Result<Response> created =
      IamAction(admin, "CreateAccessKey", {{"UserName", "signer"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  Result<XmlResponse> xml = XmlResponse::Parse(created->body);
  ASSERT_TRUE(xml.ok());
  pugi::xml_node key = xml->ResultNode("CreateAccessKey").child("AccessKey");
  std::string akid = ChildText(key, "AccessKeyId");
  std::string secret = ChildText(key, "SecretAccessKey");
  ASSERT_FALSE(akid.empty());
  ASSERT_FALSE(secret.empty());
  ASSERT_TRUE(
      admin.Call(MakeRestXmlRequest("s3", "PUT", "/signed-bucket")).ok());

  AuthMode auth(this, [this](const std::string& body) {
    return MotoApi("/moto-api/reset-auth", body);
  });
  ASSERT_TRUE(auth.on());

  StaticCredentialsProvider good_creds(Keys(akid, secret));
  Client good(Options(), good_creds, transport_);
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(good);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_NE(identity->arn.find("user/signer"), std::string::npos)
      << identity->arn;
  Result<std::vector<iam::User>> users = iam::ListUsers(good);
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  Request put = MakeRestXmlRequest(
      "s3", "PUT", s3::ObjectPath("signed-bucket", "a b/c.json"));
  put.body = "{\"signed\":true}";  // the payload hash is signed too
  Result<Response> stored = good.Call(put);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  Result<std::vector<s3::ObjectSummary>> objects =
      s3::ListObjectsV2(good, "signed-bucket");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].key, "a b/c.json");

  StaticCredentialsProvider bad_creds(Keys(akid, secret + "x"));
  Client bad(Options(), bad_creds, transport_);
  Result<sts::CallerIdentity> denied = sts::GetCallerIdentity(bad);
  ASSERT_FALSE(denied.ok());
  std::optional<AwsError> error = GetAwsError(denied.status());
  ASSERT_TRUE(error.has_value()) << denied.status().ToString();
  EXPECT_EQ(error->http_status, 403);
  EXPECT_EQ(error->code, "SignatureDoesNotMatch");
  EXPECT_FALSE(error->retryable);

  Result<std::vector<s3::ObjectSummary>> s3_denied =
      s3::ListObjectsV2(bad, "signed-bucket");
  ASSERT_FALSE(s3_denied.ok());
  EXPECT_EQ(AwsErrorCode(s3_denied.status()), "SignatureDoesNotMatch")
      << s3_denied.status().ToString();
}

TEST_F(AwsMotoTest, UnimplementedOperationIsAClearNonAwsError) {
  Client client(Options(), testing_creds_, transport_);
  // IAM ListServiceSpecificCredentials: moto answers a 500 HTML page.
  Result<Response> answer =
      IamAction(client, "ListServiceSpecificCredentials", {});
  ASSERT_FALSE(answer.ok());
  std::optional<AwsError> error = GetAwsError(answer.status());
  ASSERT_TRUE(error.has_value()) << answer.status().ToString();
  EXPECT_EQ(error->http_status, 500);
  EXPECT_NE(error->message.find("not an AWS error document"), std::string::npos)
      << error->message;
}

}  // namespace
}  // namespace cirt::aws
