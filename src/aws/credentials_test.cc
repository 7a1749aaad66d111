#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <sstream>

#include "aws/testing_util.h"
#include "aws/timestamp.h"

namespace cirt::aws {
namespace {

using testing_util::TempHome;
using testing_util::TestNow;

constexpr char kAssumeRoleAnswer[] =
    R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAROLE1</AccessKeyId>
      <SecretAccessKey>role-secret-1</SecretAccessKey>
      <SessionToken>role-token-1</SessionToken>
      <Expiration>2026-01-01T01:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::111122223333:assumed-role/IR/ir-analyst</Arn>
      <AssumedRoleId>AROAEXAMPLE:ir-analyst</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>)";

std::string AssumeRoleAnswer(const std::string& akid, const std::string& secret,
                             const std::string& token) {
  std::string out = kAssumeRoleAnswer;
  auto replace = [&](const std::string& from, const std::string& to) {
    out.replace(out.find(from), from.size(), to);
  };
  replace("ASIAROLE1", akid);
  replace("role-secret-1", secret);
  replace("role-token-1", token);
  return out;
}

// Everything a chain needs, with a temporary HOME and fake transports.
struct ChainFixture {
  TempHome home;
  MapEnvironment env{{}, TestNow()};
  FakeTransport sts;
  FakeTransport metadata;

  ChainFixture() {
    env.Set("HOME", home.path());
    env.Set("AWS_EC2_METADATA_DISABLED", "true");
  }

  Result<Credentials> Resolve(GlobalFlags flags = {}) {
    Result<ResolvedConfig> config = ResolveConfig(env, flags);
    if (!config.ok()) return config.status();
    ChainOptions options;
    options.sts_options.sleep = [](std::chrono::milliseconds) {};
    options.sts_options.random = [] { return 0.0; };
    options.sts_options.clock = [this] { return env.Now(); };
    options.sts_transport = &sts;
    options.metadata_transport = &metadata;
    auto chain = MakeDefaultCredentialsChain(env, *config, options);
    return chain->Resolve();
  }
};

TEST(AwsSecret, FormatsAsStars) {
  Secret secret("wJalrXUtnFEMI");
  EXPECT_EQ(fmt::format("{}", secret), "***");
  std::ostringstream out;
  out << secret;
  EXPECT_EQ(out.str(), "***");
  EXPECT_EQ(secret.Reveal(), "wJalrXUtnFEMI");
}

TEST(AwsCredentialChain, EnvBeatsAwsProfile) {
  ChainFixture f;
  f.home.Write(".aws/credentials",
               "[other]\naws_access_key_id = AKIDFILE\n"
               "aws_secret_access_key = file-secret\n");
  f.env.Set("AWS_PROFILE", "other");
  f.env.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  f.env.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  f.env.Set("AWS_SESSION_TOKEN", "env-token");
  Result<Credentials> creds = f.Resolve();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDENV");
  EXPECT_EQ(creds->session_token.Reveal(), "env-token");
  EXPECT_EQ(creds->source, "env");
}

TEST(AwsCredentialChain, ExplicitProfileBeatsEnv) {
  ChainFixture f;
  f.home.Write(".aws/credentials",
               "[other]\naws_access_key_id = AKIDFILE\n"
               "aws_secret_access_key = file-secret\n");
  f.env.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  f.env.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  Result<Credentials> creds = f.Resolve({.profile = "other"});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDFILE");
  EXPECT_EQ(creds->secret_access_key.Reveal(), "file-secret");
  EXPECT_EQ(creds->source, "shared-credentials-file");
}

TEST(AwsCredentialChain, MissingNamedProfileIsAnError) {
  ChainFixture f;
  Result<Credentials> creds = f.Resolve({.profile = "nope"});
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(creds.status().message().find("nope"), std::string_view::npos);
}

TEST(AwsCredentialChain, HonoursFileLocationEnvVarsAndProfileSections) {
  ChainFixture f;
  std::string config =
      f.home.Write("elsewhere/config",
                   "# comment\n[default]\nregion = eu-west-1\n\n"
                   "[profile cfg]\naws_access_key_id = AKIDCONFIG\n"
                   "aws_secret_access_key = config-secret\n"
                   "[cfg]\naws_access_key_id = IGNORED-BARE-SECTION\n");
  std::string creds_file = f.home.Write("elsewhere/creds", "[default]\n");
  f.env.Set("AWS_CONFIG_FILE", config);
  f.env.Set("AWS_SHARED_CREDENTIALS_FILE", creds_file);
  Result<Credentials> creds = f.Resolve({.profile = "cfg"});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDCONFIG");
  EXPECT_EQ(creds->source, "config-file");
}

TEST(AwsCredentialChain, CredentialsFileBeatsConfigFile) {
  ChainFixture f;
  f.home.Write(".aws/config",
               "[default]\naws_access_key_id = AKIDCONFIG\n"
               "aws_secret_access_key = s1\n");
  f.home.Write(".aws/credentials",
               "[default]\naws_access_key_id = AKIDCREDS\n"
               "aws_secret_access_key = s2\n");
  Result<Credentials> creds = f.Resolve();
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->access_key_id, "AKIDCREDS");
}

TEST(AwsCredentialChain, SourceProfileAssumesRoleThroughTheClient) {
  ChainFixture f;
  f.home.Write(".aws/config",
               "[profile ir]\nrole_arn = arn:aws:iam::111122223333:role/IR\n"
               "source_profile = base\nexternal_id = case-42\n"
               "duration_seconds = 900\nrole_session_name = ir-analyst\n"
               "region = eu-west-1\n");
  f.home.Write(".aws/credentials",
               "[base]\naws_access_key_id = AKIDBASE\n"
               "aws_secret_access_key = base-secret\n");
  f.sts.Enqueue(200, kAssumeRoleAnswer);
  Result<Credentials> creds = f.Resolve({.profile = "ir"});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIAROLE1");
  EXPECT_EQ(creds->secret_access_key.Reveal(), "role-secret-1");
  EXPECT_EQ(creds->session_token.Reveal(), "role-token-1");
  EXPECT_EQ(creds->source, "assume-role");
  EXPECT_EQ(creds->account_id, "111122223333");
  ASSERT_TRUE(creds->expiration.has_value());
  EXPECT_EQ(FormatIso8601(*creds->expiration), "2026-01-01T01:00:00Z");

  auto sent = f.sts.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "https://sts.eu-west-1.amazonaws.com/");
  const std::string& body = sent[0].request.body;
  for (const char* part :
       {"Action=AssumeRole",
        "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FIR",
        "ExternalId=case-42", "DurationSeconds=900",
        "RoleSessionName=ir-analyst", "Version=2011-06-15"}) {
    EXPECT_NE(body.find(part), std::string::npos) << part << " in " << body;
  }
  std::string auth = *FindHeader(sent[0].request.headers, "Authorization");
  EXPECT_NE(
      auth.find("Credential=AKIDBASE/20260101/eu-west-1/sts/aws4_request"),
      std::string::npos)
      << auth;
}

TEST(AwsCredentialChain, TwoHopRoleChainSignsSecondCallWithFirstRole) {
  ChainFixture f;
  f.env.Set("AWS_REGION", "us-east-1");
  f.home.Write(".aws/config",
               "[profile hop1]\nrole_arn = arn:aws:iam::111111111111:role/A\n"
               "source_profile = base\n"
               "[profile hop2]\nrole_arn = arn:aws:iam::222222222222:role/B\n"
               "source_profile = hop1\n");
  f.home.Write(".aws/credentials",
               "[base]\naws_access_key_id = AKIDBASE\n"
               "aws_secret_access_key = base-secret\n");
  f.sts.Enqueue(200, AssumeRoleAnswer("ASIAHOP1", "hop1-secret", "hop1-token"));
  f.sts.Enqueue(200, AssumeRoleAnswer("ASIAHOP2", "hop2-secret", "hop2-token"));
  Result<Credentials> creds = f.Resolve({.profile = "hop2"});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIAHOP2");
  auto sent = f.sts.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(
      FindHeader(sent[0].request.headers, "Authorization")->find("AKIDBASE/"),
      std::string::npos);
  EXPECT_NE(
      FindHeader(sent[1].request.headers, "Authorization")->find("ASIAHOP1/"),
      std::string::npos);
  EXPECT_EQ(FindHeader(sent[1].request.headers, "X-Amz-Security-Token"),
            "hop1-token");
  EXPECT_NE(sent[1].request.body.find("role%2FB"), std::string::npos);
}

TEST(AwsCredentialChain, SourceProfileLoopIsDetected) {
  ChainFixture f;
  f.home.Write(
      ".aws/config",
      "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = a\n");
  Result<Credentials> creds = f.Resolve({.profile = "a"});
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(creds.status().message().find("loops"), std::string_view::npos);
  EXPECT_TRUE(f.sts.sent().empty());
}

TEST(AwsCredentialChain, AssumeRoleErrorIsReportedAsAwsError) {
  ChainFixture f;
  f.home.Write(".aws/config",
               "[profile ir]\nrole_arn = "
               "arn:aws:iam::1:role/IR\nsource_profile = base\n");
  f.home.Write(".aws/credentials",
               "[base]\naws_access_key_id = AKIDBASE\n"
               "aws_secret_access_key = base-secret\n");
  f.sts.Enqueue(
      403, R"(<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>
<Message>not authorized to perform sts:AssumeRole</Message></Error>
<RequestId>r-9</RequestId></ErrorResponse>)");
  Result<Credentials> creds = f.Resolve({.profile = "ir"});
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), ErrorCode::kAws);
  EXPECT_EQ(creds.status().context().request_id, "r-9");
}

TEST(AwsCredentialChain, CredentialSourceEnvironment) {
  ChainFixture f;
  f.home.Write(".aws/config",
               "[profile ir]\nrole_arn = arn:aws:iam::1:role/IR\n"
               "credential_source = Environment\n");
  f.env.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  f.env.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  f.sts.Enqueue(200, kAssumeRoleAnswer);
  Result<Credentials> creds = f.Resolve({.profile = "ir"});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIAROLE1");
  EXPECT_NE(FindHeader(f.sts.sent().at(0).request.headers, "Authorization")
                ->find("AKIDENV/"),
            std::string::npos);
}

TEST(AwsCredentialChain, CredentialProcessRunsAndParsesVersion1) {
  ChainFixture f;
  std::string script = f.home.Write(
      "bin/creds.sh",
      "#!/bin/sh\n"
      "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
      "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"proc-token\", "
      "\"Expiration\": \"2026-01-01T02:00:00Z\"}'\n",
      /*executable=*/true);
  f.home.Write(".aws/config",
               "[profile helper]\ncredential_process = /bin/sh \"" + script +
                   "\" --role ir\n");
  Result<Credentials> creds = f.Resolve({.profile = "helper"});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDPROC");
  EXPECT_EQ(creds->session_token.Reveal(), "proc-token");
  EXPECT_EQ(creds->source, "process");
  ASSERT_TRUE(creds->expiration);
  EXPECT_EQ(FormatIso8601(*creds->expiration), "2026-01-01T02:00:00Z");
}

TEST(AwsCredentialChain, CredentialProcessFailureCarriesStderr) {
  ChainFixture f;
  std::string script = f.home.Write(
      "bin/fail.sh", "#!/bin/sh\necho 'token expired' >&2\nexit 3\n", true);
  f.home.Write(".aws/config",
               "[default]\ncredential_process = /bin/sh " + script + "\n");
  Result<Credentials> creds = f.Resolve();
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(creds.status().message().find("exited with 3"),
            std::string_view::npos);
  EXPECT_NE(creds.status().message().find("token expired"),
            std::string_view::npos);
}

TEST(AwsCredentialProcess, RejectsOtherVersionsAndMissingKeys) {
  EXPECT_EQ(ParseCredentialProcessOutput(
                R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"})")
                .status()
                .code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(
      ParseCredentialProcessOutput(R"({"Version": 1, "AccessKeyId": "A"})")
          .status()
          .code(),
      ErrorCode::kCorrupt);
  EXPECT_EQ(ParseCredentialProcessOutput("not json").status().code(),
            ErrorCode::kCorrupt);
  Result<Credentials> ok = ParseCredentialProcessOutput(
      R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S"})");
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->expiration.has_value());
}

TEST(AwsCredentialProcess, SplitsLikeAShell) {
  auto words =
      SplitCommandLine(R"(/usr/bin/get-creds --role "ir team" 'a b' c\ d)");
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(*words, (std::vector<std::string>{"/usr/bin/get-creds", "--role",
                                              "ir team", "a b", "c d"}));
  EXPECT_FALSE(SplitCommandLine("broken 'quote").ok());
}

TEST(AwsCredentialChain, WebIdentityFromEnvIsUnsigned) {
  ChainFixture f;
  std::string token = f.home.Write("token", "eyJhbGciOi.jwt.token\n");
  f.env.Set("AWS_WEB_IDENTITY_TOKEN_FILE", token);
  f.env.Set("AWS_ROLE_ARN", "arn:aws:iam::1:role/Pod");
  f.env.Set("AWS_ROLE_SESSION_NAME", "pod-session");
  f.env.Set("AWS_REGION", "us-west-2");
  std::string answer = kAssumeRoleAnswer;
  // Same shape as AssumeRole, other element names.
  for (const char* tag : {"AssumeRoleResponse", "AssumeRoleResult"}) {
    std::string from = tag;
    std::string to = "AssumeRoleWithWebIdentity" + from.substr(10);
    for (size_t pos = answer.find(from); pos != std::string::npos;
         pos = answer.find(from, pos + to.size())) {
      answer.replace(pos, from.size(), to);
    }
  }
  f.sts.Enqueue(200, answer);
  Result<Credentials> creds = f.Resolve();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->source, "web-identity");
  EXPECT_EQ(creds->access_key_id, "ASIAROLE1");
  auto sent = f.sts.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(FindHeader(sent[0].request.headers, "Authorization"));
  EXPECT_NE(sent[0].request.body.find("WebIdentityToken=eyJhbGciOi.jwt.token"),
            std::string::npos)
      << sent[0].request.body;
  EXPECT_EQ(sent[0].request.body.find("%0A"), std::string::npos);
  EXPECT_NE(sent[0].request.body.find("RoleSessionName=pod-session"),
            std::string::npos);
  EXPECT_EQ(sent[0].url, "https://sts.us-west-2.amazonaws.com/");
}

TEST(AwsCredentialChain, SsoSessionTokenIsExchangedAtThePortal) {
  ChainFixture f;
  f.home.Write(".aws/config",
               "[profile ir-sso]\nsso_session = corp\nsso_account_id = "
               "111122223333\nsso_role_name = SecurityAudit\n"
               "[sso-session corp]\nsso_start_url = "
               "https://corp.awsapps.com/start\nsso_region = eu-west-1\n");
  // ~/.aws/sso/cache/<sha1("corp")>.json, as `aws sso login` writes it.
  f.home.Write(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
               R"({"startUrl": "https://corp.awsapps.com/start",
                   "region": "eu-west-1", "accessToken": "sso-bearer",
                   "expiresAt": "2026-01-01T08:00:00Z"})");
  f.sts.Enqueue(200, R"({"roleCredentials": {"accessKeyId": "ASIASSO",
      "secretAccessKey": "sso-secret", "sessionToken": "sso-token",
      "expiration": 1767229200000}})");
  Result<Credentials> creds = f.Resolve({.profile = "ir-sso"});
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->source, "sso");
  EXPECT_EQ(creds->access_key_id, "ASIASSO");
  EXPECT_EQ(creds->account_id, "111122223333");
  ASSERT_TRUE(creds->expiration);
  EXPECT_EQ(FormatIso8601(*creds->expiration), "2026-01-01T01:00:00Z");
  auto sent = f.sts.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url,
            "https://portal.sso.eu-west-1.amazonaws.com/federation/"
            "credentials?account_id=111122223333&role_name=SecurityAudit");
  EXPECT_EQ(FindHeader(sent[0].request.headers, "x-amz-sso_bearer_token"),
            "sso-bearer");
  EXPECT_FALSE(FindHeader(sent[0].request.headers, "Authorization"));
}

TEST(AwsCredentialChain, ExpiredSsoTokenAsksForLogin) {
  ChainFixture f;
  f.home.Write(
      ".aws/config",
      "[profile legacy]\nsso_start_url = https://corp.awsapps.com/start\n"
      "sso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n");
  // Legacy profiles key the cache by the start URL.
  f.home.Write(
      ".aws/sso/cache/a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json",
      R"({"accessToken": "old", "expiresAt": "2025-12-31T23:00:00Z"})");
  Result<Credentials> creds = f.Resolve({.profile = "legacy"});
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(creds.status().message().find("aws sso login --profile legacy"),
            std::string_view::npos);
  EXPECT_TRUE(f.sts.sent().empty());
}

constexpr char kMetadataCredentials[] =
    R"({"Code": "Success", "Type": "AWS-HMAC",
  "AccessKeyId": "ASIAMETA", "SecretAccessKey": "meta-secret", "Token": "meta-token",
  "Expiration": "2026-01-01T06:00:00Z"})";

TEST(AwsCredentialChain, ContainerEndpointWithTokenFile) {
  ChainFixture f;
  std::string token = f.home.Write("ecs-token", "container-auth\n");
  f.env.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  f.env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token);
  f.metadata.Enqueue(200, kMetadataCredentials);
  Result<Credentials> creds = f.Resolve();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->source, "container");
  EXPECT_EQ(creds->session_token.Reveal(), "meta-token");
  auto sent = f.metadata.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(FindHeader(sent[0].request.headers, "Authorization"),
            "container-auth");
}

TEST(AwsCredentialChain, ContainerFullUriMustBeLocalOverHttp) {
  ChainFixture f;
  f.env.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://evil.example.com/creds");
  Result<Credentials> creds = f.Resolve();
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), ErrorCode::kInvalidArgument);
}

TEST(AwsCredentialChain, ImdsV2TokenThenRoleThenCredentials) {
  ChainFixture f;
  f.env.Unset("AWS_EC2_METADATA_DISABLED");
  f.metadata.Enqueue(200, "imds-session-token");
  f.metadata.Enqueue(200, "ir-instance-role\n");
  f.metadata.Enqueue(200, kMetadataCredentials);
  Result<Credentials> creds = f.Resolve();
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_EQ(creds->source, "imds");
  auto sent = f.metadata.sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].request.method, "PUT");
  EXPECT_EQ(sent[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(FindHeader(sent[0].request.headers,
                       "X-aws-ec2-metadata-token-ttl-seconds"),
            "21600");
  EXPECT_EQ(
      sent[1].url,
      "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(FindHeader(sent[1].request.headers, "X-aws-ec2-metadata-token"),
            "imds-session-token");
  EXPECT_EQ(sent[2].url,
            "http://169.254.169.254/latest/meta-data/iam/"
            "security-credentials/ir-instance-role");
}

TEST(AwsCredentialChain, NothingConfiguredIsNotFound) {
  ChainFixture f;
  f.metadata.Enqueue(Status::Network("connect refused"));
  Result<Credentials> creds = f.Resolve();
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), ErrorCode::kNotFound);
}

// Counts calls and hands out credentials that expire at a set time.
class CountingProvider : public CredentialsProvider {
 public:
  explicit CountingProvider(std::chrono::system_clock::time_point expiration)
      : expiration_(expiration) {}
  Result<Credentials> Resolve() override {
    ++calls;
    if (fail) return Status::Network("sts down");
    Credentials out;
    out.access_key_id = "AKID" + std::to_string(calls);
    out.secret_access_key = Secret("s");
    out.expiration = expiration_;
    return out;
  }
  int calls = 0;
  bool fail = false;

 private:
  std::chrono::system_clock::time_point expiration_;
};

TEST(AwsCachingCredentials, RefreshesFiveMinutesBeforeExpiry) {
  using std::chrono::minutes;
  auto now = TestNow();
  auto inner = std::make_unique<CountingProvider>(TestNow() + minutes(60));
  CountingProvider* counting = inner.get();
  CachingCredentialsProvider cache(std::move(inner), [&] { return now; });
  EXPECT_EQ(cache.Resolve()->access_key_id, "AKID1");
  now += minutes(54);  // 6 minutes left: cached
  EXPECT_EQ(cache.Resolve()->access_key_id, "AKID1");
  EXPECT_EQ(counting->calls, 1);
  now += minutes(2);  // 4 minutes left: refresh
  EXPECT_EQ(cache.Resolve()->access_key_id, "AKID2");
  EXPECT_EQ(counting->calls, 2);
}

TEST(AwsCachingCredentials, FailedRefreshKeepsStillValidCredentials) {
  using std::chrono::minutes;
  auto now = TestNow();
  auto inner = std::make_unique<CountingProvider>(TestNow() + minutes(10));
  CountingProvider* counting = inner.get();
  CachingCredentialsProvider cache(std::move(inner), [&] { return now; });
  ASSERT_TRUE(cache.Resolve().ok());
  counting->fail = true;
  now += minutes(7);  // inside the refresh window, not expired
  Result<Credentials> still = cache.Resolve();
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->access_key_id, "AKID1");
  now += minutes(4);  // expired: the failure surfaces
  EXPECT_EQ(cache.Resolve().status().code(), ErrorCode::kNetwork);
}

}  // namespace
}  // namespace cirt::aws
