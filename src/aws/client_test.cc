// The request path end to end over FakeTransport: addressing, signing,
// retries with injected randomness, the retry quota, paging, services and
// --debug redaction.
#include "aws/client.h"

#include <gtest/gtest.h>

#include <deque>

#include "aws/credentials.h"
#include "aws/error.h"
#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"
#include "aws/services/iam.h"
#include "aws/services/s3.h"
#include "aws/services/sts.h"
#include "aws/session.h"
#include "aws/testing_util.h"

namespace cirt::aws {
namespace {

using std::chrono::milliseconds;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

Credentials TestCredentials() {
  Credentials creds;
  creds.access_key_id = "ASIATESTKEY";
  creds.secret_access_key = Secret(kSecret);
  creds.session_token = Secret(kToken);
  creds.source = "static";
  return creds;
}

// A Client over a FakeTransport whose sleeps and random draws are recorded.
struct ClientFixture {
  FakeTransport transport;
  StaticCredentialsProvider credentials{TestCredentials()};
  std::vector<milliseconds> sleeps;
  std::deque<double> randoms;
  std::vector<std::string> log;

  ClientOptions Options(RetryOptions retry = {}) {
    ClientOptions options;
    options.region = "eu-west-1";
    options.retry = retry;
    options.sleep = [this](milliseconds delay) { sleeps.push_back(delay); };
    options.random = [this] {
      double value = randoms.empty() ? 0.5 : randoms.front();
      if (!randoms.empty()) randoms.pop_front();
      return value;
    };
    options.clock = [] { return testing_util::TestNow(); };
    options.debug_log = [this](std::string_view text) {
      log.emplace_back(text);
    };
    return options;
  }
};

constexpr char kThrottled[] =
    "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate "
    "exceeded</Message>"
    "</Error><RequestId>t-1</RequestId></ErrorResponse>";
constexpr char kCallerIdentity[] =
    R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/alice</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
</GetCallerIdentityResponse>)";

TEST(AwsClient, SignsForTheResolvedEndpoint) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(200, kCallerIdentity);
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(client);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_EQ(identity->arn, "arn:aws:iam::123456789012:user/alice");
  auto sent = f.transport.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "https://sts.eu-west-1.amazonaws.com/");
  const Headers& headers = sent[0].request.headers;
  EXPECT_EQ(FindHeader(headers, "Host"), "sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(FindHeader(headers, "X-Amz-Date"), "20260101T000000Z");
  EXPECT_EQ(FindHeader(headers, "X-Amz-Security-Token"), kToken);
  std::string auth = *FindHeader(headers, "Authorization");
  EXPECT_EQ(
      auth.rfind(
          "AWS4-HMAC-SHA256 Credential=ASIATESTKEY/20260101/eu-west-1/sts/"
          "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
          "x-amz-security-token, Signature=",
          0),
      0u)
      << auth;
}

TEST(AwsClient, IamUsesGlobalEndpointAndUsEast1) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(
      200,
      "<ListUsersResponse><ListUsersResult><Users/>"
      "<IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>");
  ASSERT_TRUE(iam::ListUsers(client).ok());
  auto sent = f.transport.sent();
  EXPECT_EQ(sent.at(0).url, "https://iam.amazonaws.com/");
  EXPECT_NE(FindHeader(sent[0].request.headers, "Authorization")
                ->find("/us-east-1/iam/aws4_request"),
            std::string::npos);
}

TEST(AwsClient, S3VirtualHostByDefaultPathStyleForCustomEndpoint) {
  ClientFixture f;
  {
    Client client(f.Options(), f.credentials, f.transport);
    f.transport.Enqueue(200, "data", {{"x-amz-meta-signature", "abc"}});
    ASSERT_TRUE(
        s3::GetObject(client, "trail-bucket", "AWSLogs/a b.json.gz").ok());
  }
  {
    ClientOptions options = f.Options();
    options.endpoints = EndpointResolver::ForUrl("http://127.0.0.1:5000");
    Client client(options, f.credentials, f.transport);
    f.transport.Enqueue(200, "data");
    ASSERT_TRUE(
        s3::GetObject(client, "trail-bucket", "AWSLogs/a b.json.gz").ok());
  }
  auto sent = f.transport.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(
      sent[0].url,
      "https://trail-bucket.s3.eu-west-1.amazonaws.com/AWSLogs/a%20b.json.gz");
  EXPECT_EQ(sent[1].url,
            "http://127.0.0.1:5000/trail-bucket/AWSLogs/a%20b.json.gz");
  EXPECT_EQ(FindHeader(sent[1].request.headers, "Host"), "127.0.0.1:5000");
  EXPECT_EQ(FindHeader(sent[1].request.headers, "x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AwsClient, S3FollowsTheBucketRegionOnce) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(
      301,
      "<Error><Code>PermanentRedirect</Code><Message>The bucket you "
      "are attempting to access must be addressed using the "
      "specified endpoint.</Message></Error>",
      {{"x-amz-bucket-region", "ap-northeast-1"}, {"x-amz-request-id", "r1"}});
  f.transport.Enqueue(200, "data");
  ASSERT_TRUE(s3::GetObject(client, "trail-bucket", "k").ok());
  auto sent = f.transport.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].url,
            "https://trail-bucket.s3.ap-northeast-1.amazonaws.com/k");
  EXPECT_NE(FindHeader(sent[1].request.headers, "Authorization")
                ->find("/ap-northeast-1/s3/aws4_request"),
            std::string::npos);
  EXPECT_TRUE(f.sleeps.empty());
}

TEST(AwsClient, GetObjectReturnsBytesAndMetadata) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(200, std::string("\x1f\x8b\x08\x00", 4),
                      {{"Content-Type", "application/x-gzip"},
                       {"ETag", "\"e1\""},
                       {"x-amz-meta-signature", "3045022100"},
                       {"X-Amz-Meta-Signature-Algorithm", "SHA256withRSA"}});
  Result<s3::Object> object = s3::GetObject(client, "b", "k");
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(object->bytes, std::string("\x1f\x8b\x08\x00", 4));
  EXPECT_EQ(object->info.size, 4u);
  EXPECT_EQ(object->info.metadata.at("signature"), "3045022100");
  EXPECT_EQ(object->info.metadata.at("signature-algorithm"), "SHA256withRSA");
  EXPECT_EQ(object->info.content_type, "application/x-gzip");
}

TEST(AwsClient, HeadObjectNotFoundIsAwsError) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(404, "", {{"x-amz-request-id", "head-req"}});
  Result<s3::ObjectInfo> info = s3::HeadObject(client, "b", "missing");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(AwsErrorCode(info.status()), "NotFound");
  EXPECT_EQ(info.status().context().request_id, "head-req");
  EXPECT_EQ(f.transport.sent().at(0).request.method, "HEAD");
}

// ------------------------------------------------------------------ retries

TEST(AwsClientRetry, RetriesThrottlingWithJitteredExponentialBackoff) {
  ClientFixture f;
  f.randoms = {0.5, 0.25};
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(400, kThrottled);
  f.transport.Enqueue(503, "");
  f.transport.Enqueue(200, kCallerIdentity);
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(client);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(f.transport.sent().size(), 3u);
  // attempt 1: 0.5 * min(1 s * 2^0, 20 s); attempt 2: 0.25 * min(1 s * 2^1, 20
  // s)
  EXPECT_EQ(f.sleeps,
            (std::vector<milliseconds>{milliseconds(500), milliseconds(500)}));
  // The last retry's cost (5) is refunded on success.
  EXPECT_EQ(client.retry_quota_available(), 495);
}

TEST(AwsClientRetry, BackoffIsCappedAtTwentySeconds) {
  ClientFixture f;
  RetryOptions retry;
  retry.max_attempts = 8;
  f.randoms = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  Client client(f.Options(retry), f.credentials, f.transport);
  for (int i = 0; i < 8; ++i) f.transport.Enqueue(500, "");
  Result<Response> response = client.Call(
      MakeQueryRequest("sts", "GetCallerIdentity", "2011-06-15", {}));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(f.transport.sent().size(), 8u);
  std::vector<milliseconds> expected = {
      milliseconds(1000), milliseconds(2000),  milliseconds(4000),
      milliseconds(8000), milliseconds(16000), milliseconds(20000),
      milliseconds(20000)};
  EXPECT_EQ(f.sleeps, expected);
}

TEST(AwsClientRetry, GivesUpAfterMaxAttemptsWithTheLastError) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  for (int i = 0; i < 3; ++i) f.transport.Enqueue(400, kThrottled);
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(client);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(f.transport.sent().size(), 3u);
  EXPECT_EQ(f.sleeps.size(), 2u);
  std::optional<AwsError> error = GetAwsError(identity.status());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "Throttling");
  EXPECT_TRUE(error->retryable);
  EXPECT_EQ(f.transport.pending(), 0u);
}

TEST(AwsClientRetry, AccessDeniedIsNotRetried) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(403,
                      "<ErrorResponse><Error><Code>AccessDenied</Code>"
                      "<Message>no</Message></Error></ErrorResponse>");
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(client);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(f.transport.sent().size(), 1u);
  EXPECT_TRUE(f.sleeps.empty());
  EXPECT_EQ(AwsErrorCode(identity.status()), "AccessDenied");
}

TEST(AwsClientRetry, NetworkErrorsAreRetriedAndTimeoutsCostMore) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(TimeoutError("read timed out"));
  f.transport.Enqueue(Status::Network("connection reset"));
  f.transport.Enqueue(Status::Network("connection reset"));
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(client);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().code(), ErrorCode::kNetwork);
  EXPECT_EQ(f.transport.sent().size(), 3u);
  EXPECT_EQ(client.retry_quota_available(), 500 - 10 - 5);
}

TEST(AwsClientRetry, QuotaExhaustionStopsRetrying) {
  ClientFixture f;
  RetryOptions retry;
  retry.max_attempts = 10;
  retry.quota_capacity = 12;  // two retries' worth
  Client client(f.Options(retry), f.credentials, f.transport);
  for (int i = 0; i < 3; ++i) f.transport.Enqueue(503, "");
  Result<sts::CallerIdentity> first = sts::GetCallerIdentity(client);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(f.transport.sent().size(), 3u);  // 1 + 2 retries, then no tokens
  EXPECT_EQ(client.retry_quota_available(), 2);
  f.transport.Enqueue(503, "");
  Result<sts::CallerIdentity> second = sts::GetCallerIdentity(client);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(f.transport.sent().size(), 4u);  // no retry at all
  EXPECT_EQ(f.sleeps.size(), 2u);
  // A first-try success puts one token back.
  f.transport.Enqueue(200, kCallerIdentity);
  ASSERT_TRUE(sts::GetCallerIdentity(client).ok());
  EXPECT_EQ(client.retry_quota_available(), 3);
}

TEST(AwsRetryState, ClassifiesErrors) {
  EXPECT_TRUE(IsRetryableError(400, "ThrottlingException"));
  EXPECT_TRUE(IsRetryableError(400, "RequestTimeout"));
  EXPECT_TRUE(IsRetryableError(504, ""));
  EXPECT_FALSE(IsRetryableError(501, ""));
  EXPECT_FALSE(IsRetryableError(400, "ValidationException"));
  EXPECT_TRUE(IsThrottlingCode("EC2ThrottledException"));
  EXPECT_FALSE(IsTransientCode("Throttling"));
}

TEST(AwsClientRetry, ClockSkewIsCorrectedFromTheDateHeader) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  // Our clock says 2026-01-01T00:00:00Z; the server's is an hour ahead.
  f.transport.Enqueue(
      403,
      "<ErrorResponse><Error><Code>RequestExpired</Code>"
      "<Message>Request has expired.</Message></Error></ErrorResponse>",
      {{"Date", "Thu, 01 Jan 2026 01:00:00 GMT"}});
  f.transport.Enqueue(200, kCallerIdentity);
  f.transport.Enqueue(200, kCallerIdentity);
  ASSERT_TRUE(sts::GetCallerIdentity(client).ok());
  ASSERT_TRUE(sts::GetCallerIdentity(client).ok());
  auto sent = f.transport.sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(FindHeader(sent[0].request.headers, "X-Amz-Date"),
            "20260101T000000Z");
  EXPECT_EQ(FindHeader(sent[1].request.headers, "X-Amz-Date"),
            "20260101T010000Z");
  EXPECT_EQ(FindHeader(sent[2].request.headers, "X-Amz-Date"),
            "20260101T010000Z");
  EXPECT_TRUE(f.sleeps.empty());
  EXPECT_EQ(client.retry_quota_available(), 500);
}

TEST(AwsClientRetry, SignatureMismatchWithSyncedClocksIsFinal) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(403,
                      "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
                      "<Message>bad</Message></Error></ErrorResponse>",
                      {{"Date", "Thu, 01 Jan 2026 00:01:00 GMT"}});
  Result<sts::CallerIdentity> identity = sts::GetCallerIdentity(client);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(AwsErrorCode(identity.status()), "SignatureDoesNotMatch");
  EXPECT_EQ(f.transport.sent().size(), 1u);
}

// Hands out a new key id on every Resolve.
class RotatingProvider : public CredentialsProvider {
 public:
  Result<Credentials> Resolve() override {
    Credentials creds = TestCredentials();
    creds.access_key_id = "ASIAGEN" + std::to_string(++resolves);
    return creds;
  }
  int resolves = 0;
};

TEST(AwsClientRetry, ExpiredTokenRefreshesCredentialsOnce) {
  ClientFixture f;
  auto rotating = std::make_unique<RotatingProvider>();
  RotatingProvider* inner = rotating.get();
  CachingCredentialsProvider cache(std::move(rotating),
                                   [] { return testing_util::TestNow(); });
  Client client(f.Options(), cache, f.transport);
  const char* expired =
      "<ErrorResponse><Error><Code>ExpiredToken</Code>"
      "<Message>The security token included in the request is expired</Message>"
      "</Error></ErrorResponse>";
  f.transport.Enqueue(400, expired);
  f.transport.Enqueue(200, kCallerIdentity);
  ASSERT_TRUE(sts::GetCallerIdentity(client).ok());
  EXPECT_EQ(inner->resolves, 2);
  auto sent = f.transport.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(
      FindHeader(sent[0].request.headers, "Authorization")->find("ASIAGEN1/"),
      std::string::npos);
  EXPECT_NE(
      FindHeader(sent[1].request.headers, "Authorization")->find("ASIAGEN2/"),
      std::string::npos);
  // Only once per call: a second expiry is reported.
  f.transport.Enqueue(400, expired);
  f.transport.Enqueue(400, expired);
  Result<sts::CallerIdentity> again = sts::GetCallerIdentity(client);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(AwsErrorCode(again.status()), "ExpiredToken");
  EXPECT_EQ(f.transport.sent().size(), 4u);
}

// ------------------------------------------------------------------ paging

std::string UsersPage(const std::vector<std::string>& names,
                      const std::string& marker) {
  std::string out = "<ListUsersResponse><ListUsersResult><Users>";
  for (const std::string& name : names) {
    out += "<member><UserName>" + name + "</UserName><UserId>ID" + name +
           "</UserId><Arn>arn:aws:iam::123456789012:user/" + name +
           "</Arn><Path>/</Path><CreateDate>2026-01-01T00:00:00Z</CreateDate></"
           "member>";
  }
  out += "</Users><IsTruncated>" +
         std::string(marker.empty() ? "false" : "true") + "</IsTruncated>";
  if (!marker.empty()) out += "<Marker>" + marker + "</Marker>";
  return out + "</ListUsersResult></ListUsersResponse>";
}

TEST(AwsPaging, IamMarkerAndIsTruncated) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(200, UsersPage({"alice", "bob"}, "m/1+"));
  f.transport.Enqueue(200, UsersPage({"carol"}, "m2"));
  f.transport.Enqueue(200, UsersPage({"dave"}, ""));
  Result<std::vector<iam::User>> users = iam::ListUsers(client, 2);
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  ASSERT_EQ(users->size(), 4u);
  EXPECT_EQ((*users)[2].user_name, "carol");
  EXPECT_EQ((*users)[3].arn, "arn:aws:iam::123456789012:user/dave");
  auto sent = f.transport.sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].request.body,
            "Action=ListUsers&MaxItems=2&Version=2010-05-08");
  EXPECT_EQ(sent[1].request.body,
            "Action=ListUsers&Marker=m%2F1%2B&MaxItems=2&Version=2010-05-08");
  EXPECT_EQ(sent[2].request.body,
            "Action=ListUsers&Marker=m2&MaxItems=2&Version=2010-05-08");
}

TEST(AwsPaging, RepeatedTokenIsCorrupt) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(200, UsersPage({"a"}, "same"));
  f.transport.Enqueue(200, UsersPage({"b"}, "same"));
  Result<std::vector<iam::User>> users = iam::ListUsers(client);
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.status().code(), ErrorCode::kCorrupt);
}

TEST(AwsPaging, S3ContinuationToken) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(200, R"(<ListBucketResult><Name>b</Name>
<Contents><Key>AWSLogs/1.json.gz</Key><Size>10</Size><ETag>"e1"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified><StorageClass>STANDARD</StorageClass></Contents>
<IsTruncated>true</IsTruncated><NextContinuationToken>tok/1=</NextContinuationToken></ListBucketResult>)");
  f.transport.Enqueue(200, R"(<ListBucketResult><Name>b</Name>
<Contents><Key>AWSLogs/2.json.gz</Key><Size>20</Size></Contents>
<IsTruncated>false</IsTruncated></ListBucketResult>)");
  Result<std::vector<s3::ObjectSummary>> objects =
      s3::ListObjectsV2(client, "trail-bucket", "AWSLogs/", 1);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].size, 10u);
  EXPECT_EQ((*objects)[1].key, "AWSLogs/2.json.gz");
  auto sent = f.transport.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].url,
            "https://trail-bucket.s3.eu-west-1.amazonaws.com/"
            "?list-type=2&max-keys=1&prefix=AWSLogs%2F");
  EXPECT_EQ(sent[1].url,
            "https://trail-bucket.s3.eu-west-1.amazonaws.com/"
            "?continuation-token=tok%2F1%3D&list-type=2&max-keys=1&prefix="
            "AWSLogs%2F");
}

TEST(AwsPaging, JsonTokensFromTheTable) {
  auto page = nlohmann::json::parse(R"({"Events": [], "NextToken": "n1"})");
  EXPECT_EQ(NextTokenFromJson(page, kNextToken), "n1");
  EXPECT_EQ(NextTokenFromJson(page, kLowerNextToken), "");
  auto logs = nlohmann::json::parse(R"({"events": [], "nextToken": "n2"})");
  EXPECT_EQ(NextTokenFromJson(logs, kLowerNextToken), "n2");
  auto done = nlohmann::json::parse(R"({"NextToken": ""})");
  EXPECT_EQ(NextTokenFromJson(done, kNextToken), "");
  auto truncated = nlohmann::json::parse(R"({"IsTruncated": false, "Marker": "m"})");
  EXPECT_EQ(NextTokenFromJson(truncated, kMarker), "");
  // Driving Paginate directly: three pages, tokens passed back in order.
  std::vector<std::string> seen;
  std::deque<std::string> next = {"a", "b", ""};
  Status status = Paginate([&](const std::string& token) -> Result<std::string> {
    seen.push_back(token);
    std::string out = next.front();
    next.pop_front();
    return out;
  });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"", "a", "b"}));
  Status endless = Paginate(
      [n = 0](const std::string&) mutable -> Result<std::string> {
        return std::to_string(++n);
      },
      /*max_pages=*/5);
  EXPECT_EQ(endless.code(), ErrorCode::kInternal);
}

TEST(AwsPaging, IamListAccessKeys) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(200, R"(<ListAccessKeysResponse><ListAccessKeysResult>
<AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>AKIA1</AccessKeyId>
<Status>Active</Status><CreateDate>2026-01-01T00:00:00Z</CreateDate></member></AccessKeyMetadata>
<IsTruncated>false</IsTruncated></ListAccessKeysResult></ListAccessKeysResponse>)");
  auto keys = iam::ListAccessKeys(client, "alice");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].access_key_id, "AKIA1");
  EXPECT_EQ((*keys)[0].status, "Active");
}

// ------------------------------------------------------------------ redaction

TEST(AwsDebugLog, RedactsSignatureTokensAndSecretsOnRealSignedRequests) {
  ClientFixture f;
  Client client(f.Options(), f.credentials, f.transport);
  f.transport.Enqueue(200,
                      R"(<AssumeRoleResponse><AssumeRoleResult><Credentials>
<AccessKeyId>ASIANEW</AccessKeyId><SecretAccessKey>NEWSECRETvalue123</SecretAccessKey>
<SessionToken>NEWTOKENvalue456</SessionToken><Expiration>2026-01-01T01:00:00Z</Expiration>
</Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/s</Arn></AssumedRoleUser>
</AssumeRoleResult></AssumeRoleResponse>)");
  Result<sts::AssumedRole> role = sts::AssumeRole(
      client, {.role_arn = "arn:aws:iam::1:role/R", .role_session_name = "s"});
  ASSERT_TRUE(role.ok()) << role.status().ToString();

  std::string signature;
  std::string auth =
      *FindHeader(f.transport.sent().at(0).request.headers, "Authorization");
  signature = auth.substr(auth.find("Signature=") + 10);
  ASSERT_EQ(signature.size(), 64u);

  ASSERT_EQ(f.log.size(), 2u);
  std::string all = f.log[0] + f.log[1];
  for (const std::string& secret :
       {std::string(kSecret), std::string(kToken), signature,
        std::string("NEWSECRETvalue123"), std::string("NEWTOKENvalue456")}) {
    EXPECT_EQ(all.find(secret), std::string::npos)
        << "leaked: " << secret << "\n"
        << all;
  }
  EXPECT_NE(f.log[0].find("Credential=ASIATESTKEY/"), std::string::npos)
      << f.log[0];
  EXPECT_NE(f.log[0].find("Signature=***"), std::string::npos);
  EXPECT_NE(f.log[0].find("X-Amz-Security-Token: ***"), std::string::npos);
  EXPECT_NE(f.log[1].find("<SecretAccessKey>***</SecretAccessKey>"),
            std::string::npos)
      << f.log[1];
  EXPECT_NE(f.log[1].find("<AccessKeyId>ASIANEW</AccessKeyId>"),
            std::string::npos);
}

TEST(AwsDebugLog, RedactsPresignedQueryAndJsonBodies) {
  Request request;
  request.method = "GET";
  request.query = {{"X-Amz-Signature", "abcdef"},
                   {"X-Amz-Security-Token", "tok"},
                   {"list-type", "2"}};
  request.headers.emplace("x-amz-sso_bearer_token", "bearer-value");
  std::string text = DescribeRequestForLog(request, "https://h/p?x", nullptr);
  EXPECT_EQ(text.find("abcdef"), std::string::npos);
  EXPECT_EQ(text.find("bearer-value"), std::string::npos);
  EXPECT_NE(text.find("list-type=2"), std::string::npos);
  EXPECT_EQ(
      RedactBody(
          R"({"AccessKeyId":"A","SecretAccessKey":"S3cr3t","Token": "t0k"})"),
      R"({"AccessKeyId":"A","SecretAccessKey":"***","Token": "***"})");
  EXPECT_EQ(
      RedactBody(
          "Action=AssumeRoleWithWebIdentity&WebIdentityToken=jwt&Version=1"),
      "Action=AssumeRoleWithWebIdentity&WebIdentityToken=***&Version=1");
}

// ------------------------------------------------------------------ session

TEST(AwsSession, WiresProfileRegionEndpointAndCredentials) {
  testing_util::TempHome home;
  home.Write(".aws/config",
             "[profile ir]\nregion = eu-north-1\n"
             "endpoint_url = http://127.0.0.1:4566\n");
  home.Write(".aws/credentials",
             "[ir]\naws_access_key_id = AKIDIR\n"
             "aws_secret_access_key = ir-secret\n");
  MapEnvironment env({{"HOME", home.path()}, {"AWS_PROFILE", "ir"}},
                     testing_util::TestNow());
  FakeTransport transport;
  FakeTransport metadata;
  SessionOptions options;
  options.transport = &transport;
  options.metadata_transport = &metadata;
  Result<std::unique_ptr<Session>> session = Session::Open(env, options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->config().region, "eu-north-1");
  transport.Enqueue(200, kCallerIdentity);
  ASSERT_TRUE(sts::GetCallerIdentity((*session)->client()).ok());
  auto sent = transport.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "http://127.0.0.1:4566/");
  EXPECT_NE(
      FindHeader(sent[0].request.headers, "Authorization")
          ->find("Credential=AKIDIR/20260101/eu-north-1/sts/aws4_request"),
      std::string::npos);
}

}  // namespace
}  // namespace cirt::aws
