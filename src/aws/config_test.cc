#include "aws/config.h"

#include <gtest/gtest.h>

#include "aws/testing_util.h"
#include "aws/timestamp.h"

namespace cirt::aws {
namespace {

using testing_util::TempHome;
using testing_util::TestNow;

struct ConfigFixture {
  TempHome home;
  MapEnvironment env{{}, TestNow()};
  ConfigFixture() { env.Set("HOME", home.path()); }
  ResolvedConfig Resolve(GlobalFlags flags = {}) {
    Result<ResolvedConfig> config = ResolveConfig(env, flags);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return config.ok() ? *config : ResolvedConfig{};
  }
};

TEST(AwsSharedConfig, ParsesProfilesServicesAndSubsections) {
  Result<SharedConfig> parsed = ParseSharedConfig(
      "[default]\nregion = us-east-1\n"
      "[profile lab]\nservices = localstack\nRegion = eu-west-1\n"
      "[services localstack]\ns3 =\n  endpoint_url = http://localhost:4566\n"
      "cloudwatch_logs =\n  endpoint_url = http://localhost:4567\n"
      "[sso-session corp]\nsso_region = us-east-1\n",
      "[lab]\naws_access_key_id = AKID\n; comment\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ProfileSection lab = parsed->MergedProfile("lab");
  EXPECT_EQ(lab.Get("region"), "eu-west-1");  // keys are case-insensitive
  EXPECT_EQ(lab.Get("aws_access_key_id"), "AKID");
  const ProfileSection& services = parsed->services.at("localstack");
  EXPECT_EQ(services.subsections.at("s3").at("endpoint_url"),
            "http://localhost:4566");
  EXPECT_EQ(services.subsections.at("cloudwatch_logs").at("endpoint_url"),
            "http://localhost:4567");
  EXPECT_FALSE(parsed->HasProfile("corp"));
}

TEST(AwsSharedConfig, BadLineIsCorruptWithLineNumber) {
  Result<SharedConfig> parsed = ParseSharedConfig("[default]\nregion\n", "");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(parsed.status().context().line, 2u);
}

TEST(AwsRegion, FlagThenAwsRegionThenDefaultRegionThenProfile) {
  ConfigFixture f;
  f.home.Write(".aws/config", "[default]\nregion = ap-southeast-2\n");
  EXPECT_EQ(f.Resolve().region, "ap-southeast-2");
  f.env.Set("AWS_DEFAULT_REGION", "eu-central-1");
  EXPECT_EQ(f.Resolve().region, "eu-central-1");
  f.env.Set("AWS_REGION", "eu-west-3");
  EXPECT_EQ(f.Resolve().region, "eu-west-3");
  EXPECT_EQ(f.Resolve({.region = "sa-east-1"}).region, "sa-east-1");
}

TEST(AwsEndpoint, DefaultsAndGlobalServices) {
  EndpointResolver resolver;
  Result<Endpoint> ec2 = resolver.Resolve("ec2", "eu-west-1");
  ASSERT_TRUE(ec2.ok());
  EXPECT_EQ(ec2->host, "ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(ec2->signing_region, "eu-west-1");
  EXPECT_FALSE(ec2->custom);
  Result<Endpoint> iam = resolver.Resolve("iam", "eu-west-1");
  ASSERT_TRUE(iam.ok());
  EXPECT_EQ(iam->host, "iam.amazonaws.com");
  EXPECT_EQ(iam->signing_region, "us-east-1");
  EXPECT_EQ(resolver.Resolve("s3", "cn-north-1")->host,
            "s3.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(resolver.Resolve("nosuch", "us-east-1").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(resolver.Resolve("ec2", "").status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(AwsEndpoint, ServiceIdEnvSuffix) {
  EXPECT_EQ(ServiceIdEnvSuffix("CloudWatch Logs"), "CLOUDWATCH_LOGS");
  EXPECT_EQ(ServiceIdEnvSuffix("S3"), "S3");
  EXPECT_EQ(ServiceIdEnvSuffix("Elastic Load Balancing v2"),
            "ELASTIC_LOAD_BALANCING_V2");
}

TEST(AwsEndpoint, LookupOrder) {
  ConfigFixture f;
  f.home.Write(
      ".aws/config",
      "[default]\nendpoint_url = http://profile:1\nservices = local\n"
      "[services local]\nsts =\n  endpoint_url = http://services-sts:2\n");
  auto host = [&](GlobalFlags flags, const char* service) {
    Result<Endpoint> endpoint =
        f.Resolve(flags).endpoints.Resolve(service, "us-east-1");
    return endpoint.ok() ? endpoint->host : endpoint.status().ToString();
  };
  EXPECT_EQ(host({}, "iam"), "profile:1");
  EXPECT_EQ(host({}, "sts"), "services-sts:2");
  f.env.Set("AWS_ENDPOINT_URL", "http://global-env:3");
  EXPECT_EQ(host({}, "iam"), "global-env:3");
  EXPECT_EQ(host({}, "sts"), "global-env:3");
  f.env.Set("AWS_ENDPOINT_URL_IAM", "http://iam-env:4");
  EXPECT_EQ(host({}, "iam"), "iam-env:4");
  EXPECT_EQ(host({.endpoint_url = "http://flag:5"}, "iam"), "flag:5");
  f.env.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  EXPECT_EQ(host({}, "iam"), "iam.amazonaws.com");
  EXPECT_EQ(host({.endpoint_url = "http://flag:5"}, "iam"), "flag:5");
}

TEST(AwsEndpoint, CustomUrlKeepsPathPrefixAndSigningRegion) {
  EndpointResolver resolver =
      EndpointResolver::ForUrl("http://127.0.0.1:5000/prefix/");
  Result<Endpoint> s3 = resolver.Resolve("s3", "eu-west-1");
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->scheme, "http");
  EXPECT_EQ(s3->host, "127.0.0.1:5000");
  EXPECT_EQ(s3->base_path, "/prefix");
  EXPECT_EQ(s3->signing_region, "eu-west-1");
  EXPECT_TRUE(s3->custom);
  EXPECT_EQ(resolver.Resolve("iam", "eu-west-1")->signing_region, "us-east-1");
  EXPECT_EQ(ParseEndpointUrl("ftp://x").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpointUrl("localhost:4566").status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(AwsRetrySettings, MaxAttemptsFromEnvThenProfile) {
  ConfigFixture f;
  EXPECT_EQ(f.Resolve().retry.max_attempts, 3);
  f.home.Write(".aws/config", "[default]\nmax_attempts = 5\n");
  EXPECT_EQ(f.Resolve().retry.max_attempts, 5);
  f.env.Set("AWS_MAX_ATTEMPTS", "1");
  EXPECT_EQ(f.Resolve().retry.max_attempts, 1);
  f.env.Set("AWS_MAX_ATTEMPTS", "zero");
  EXPECT_EQ(ResolveConfig(f.env, {}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(AwsTimestamp, ParsesIsoAndHttpDates) {
  auto iso = ParseIso8601("2026-01-01T01:02:03.500+01:00");
  ASSERT_TRUE(iso.ok());
  EXPECT_EQ(FormatIso8601(*iso), "2026-01-01T00:02:03Z");
  EXPECT_EQ(ParseIso8601("2026-13-01T00:00:00Z").status().code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(ParseIso8601("yesterday").status().code(), ErrorCode::kCorrupt);
  auto http = ParseHttpDate("Sat, 28 Nov 2026 03:12:34 GMT");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(FormatIso8601(*http), "2026-11-28T03:12:34Z");
  EXPECT_EQ(ParseHttpDate("Sat, 28 Foo 2026 03:12:34 GMT").status().code(),
            ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cirt::aws
