// Error decoding per protocol, from sample error bodies of each shape.
#include <gtest/gtest.h>

#include "aws/error.h"
#include "aws/protocol/errors.h"
#include "aws/protocol/json.h"
#include "aws/protocol/query_xml.h"
#include "aws/protocol/rest_json.h"
#include "aws/protocol/rest_xml.h"

namespace cirt::aws {
namespace {

Response Answer(int status, std::string body, Headers headers = {}) {
  return Response{status, std::move(headers), std::move(body)};
}

TEST(AwsQueryXmlError, ErrorResponseShape) {
  AwsError error = DecodeErrorResponse(
      Protocol::kQueryXml,
      Answer(
          403,
          R"(<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/x is not authorized</Message></Error>
  <RequestId>4c1b2a5e-0000</RequestId>
</ErrorResponse>)"));
  EXPECT_EQ(error.http_status, 403);
  EXPECT_EQ(error.code, "AccessDenied");
  EXPECT_EQ(error.message,
            "User: arn:aws:iam::123456789012:user/x is not authorized");
  EXPECT_EQ(error.request_id, "4c1b2a5e-0000");
  EXPECT_FALSE(error.retryable);
}

TEST(AwsQueryXmlError, Ec2ResponseErrorsShape) {
  AwsError error = DecodeErrorResponse(
      Protocol::kQueryXml, Answer(400, R"(<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code>
<Message>Request limit exceeded.</Message></Error></Errors>
<RequestID>ec2-req-7</RequestID></Response>)"));
  EXPECT_EQ(error.code, "RequestLimitExceeded");
  EXPECT_EQ(error.request_id, "ec2-req-7");
  EXPECT_TRUE(error.retryable);
}

TEST(AwsQueryXmlError, ErrorResponseWithErrorsWrapper) {
  // moto's STS answers this way.
  AwsError error = DecodeErrorResponse(
      Protocol::kQueryXml, Answer(403, R"(<?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>bad sig</Message>
<Type>Sender</Type></Error></Errors></ErrorResponse>)",
                                  {{"x-amzn-requestid", "moto-1"}}));
  EXPECT_EQ(error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(error.message, "bad sig");
  EXPECT_EQ(error.request_id, "moto-1");
}

TEST(AwsJsonError, TypeWithNamespaceAndHeaderRequestId) {
  AwsError error = DecodeErrorResponse(
      Protocol::kJson,
      Answer(
          400,
          R"({"__type":"com.amazonaws.cloudtrail.v20131101#ThrottlingException","message":"Rate exceeded"})",
          {{"x-amzn-RequestId", "ct-req-1"}}));
  EXPECT_EQ(error.code, "ThrottlingException");
  EXPECT_EQ(error.message, "Rate exceeded");
  EXPECT_EQ(error.request_id, "ct-req-1");
  EXPECT_TRUE(error.retryable);
}

TEST(AwsJsonError, CapitalMessage) {
  AwsError error = DecodeErrorResponse(
      Protocol::kJson,
      Answer(
          400,
          R"({"__type":"AWSOrganizationsNotInUseException","Message":"not in org"})"));
  EXPECT_EQ(error.code, "AWSOrganizationsNotInUseException");
  EXPECT_EQ(error.message, "not in org");
}

TEST(AwsRestJsonError, HeaderTypeWinsAndLosesItsUriSuffix) {
  AwsError error = DecodeErrorResponse(
      Protocol::kRestJson,
      Answer(
          404,
          R"({"message":"The request is rejected because the input detectorId is not owned by the current account.","__type":"BadRequestException"})",
          {{"x-amzn-ErrorType",
            "ResourceNotFoundException:http://internal.amazon.com/coral/"}}));
  EXPECT_EQ(error.code, "ResourceNotFoundException");
  EXPECT_NE(error.message.find("detectorId"), std::string::npos);
}

TEST(AwsRestJsonError, BodyCodeField) {
  AwsError error = DecodeErrorResponse(
      Protocol::kRestJson,
      Answer(429,
             R"({"code":"TooManyRequestsException","message":"slow down"})"));
  EXPECT_EQ(error.code, "TooManyRequestsException");
  EXPECT_TRUE(error.retryable);
  AwsError lambda = DecodeErrorResponse(
      Protocol::kRestJson,
      Answer(404, R"({"Type":"User","Message":"Function not found"})",
             {{"x-amzn-ErrorType", "ResourceNotFoundException"}}));
  EXPECT_EQ(lambda.code, "ResourceNotFoundException");
  EXPECT_EQ(lambda.message, "Function not found");
}

TEST(AwsRestXmlError, S3ErrorShape) {
  AwsError error = DecodeErrorResponse(
      Protocol::kRestXml, Answer(404, R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
<Key>AWSLogs/x.json.gz</Key><RequestId>s3-req-1</RequestId><HostId>h</HostId></Error>)"));
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.request_id, "s3-req-1");
  EXPECT_EQ(error.http_status, 404);
}

TEST(AwsRestXmlError, SlowDownIsRetryable) {
  AwsError error = DecodeErrorResponse(
      Protocol::kRestXml, Answer(503,
                                 "<Error><Code>SlowDown</Code><Message>Reduce "
                                 "your request rate.</Message></Error>"));
  EXPECT_EQ(error.code, "SlowDown");
  EXPECT_TRUE(error.retryable);
}

TEST(AwsRestXmlError, BodilessHeadAnswerFromS3) {
  AwsError error = DecodeErrorResponse(
      Protocol::kRestXml, Answer(404, "", {{"x-amz-request-id", "head-1"}}));
  EXPECT_EQ(error.code, "NotFound");
  EXPECT_EQ(error.request_id, "head-1");
}

TEST(AwsNonAwsAnswer, HtmlPageBecomesClearError) {
  for (Protocol protocol : {Protocol::kQueryXml, Protocol::kJson,
                            Protocol::kRestJson, Protocol::kRestXml}) {
    AwsError error = DecodeErrorResponse(
        protocol,
        Answer(500,
               "<!doctype html>\n<html lang=en>\n<title>500 Internal Server "
               "Error</title>\n"
               "<h1>Internal Server Error</h1><p>NotImplementedError</p>",
               {{"Content-Type", "text/html; charset=utf-8"}}));
    EXPECT_EQ(error.code, "");
    EXPECT_EQ(error.http_status, 500);
    EXPECT_TRUE(error.retryable);  // a 500 is retryable whatever the body
    EXPECT_NE(error.message.find("not an AWS error document (text/html"),
              std::string::npos)
        << error.message;
    EXPECT_NE(error.message.find("500 Internal Server Error"),
              std::string::npos);
  }
}

TEST(AwsNonAwsAnswer, EmptyBodyWith5xx) {
  AwsError error = DecodeErrorResponse(Protocol::kJson, Answer(502, ""));
  EXPECT_EQ(error.code, "");
  EXPECT_NE(error.message.find("empty answer"), std::string::npos);
  EXPECT_TRUE(error.retryable);
  AwsError not_found =
      DecodeErrorResponse(Protocol::kRestJson, Answer(404, "Not Found"));
  EXPECT_EQ(not_found.code, "");
  EXPECT_FALSE(not_found.retryable);
}

TEST(AwsErrorStatus, RoundTripsThroughStatus) {
  AwsError error{403, "AccessDenied", "nope: really", "rid-1", false};
  Status status = ToStatus(error);
  EXPECT_EQ(status.code(), ErrorCode::kAws);
  EXPECT_EQ(status.ToString(),
            "HTTP 403 AccessDenied: nope: really (request id rid-1)");
  std::optional<AwsError> back = GetAwsError(status);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->http_status, 403);
  EXPECT_EQ(back->code, "AccessDenied");
  EXPECT_EQ(back->message, "nope: really");
  EXPECT_EQ(back->request_id, "rid-1");
  EXPECT_EQ(AwsErrorCode(status), "AccessDenied");

  std::optional<AwsError> codeless =
      GetAwsError(ToStatus(AwsError{503, "", "empty answer", "", true}));
  ASSERT_TRUE(codeless.has_value());
  EXPECT_EQ(codeless->code, "");
  EXPECT_EQ(codeless->message, "empty answer");
  EXPECT_TRUE(codeless->retryable);

  EXPECT_FALSE(GetAwsError(Status::Network("down")).has_value());
  EXPECT_FALSE(GetAwsError(Status::Ok()).has_value());
}

TEST(AwsQueryRequest, FormEncodesActionVersionAndParams) {
  Request request = MakeQueryRequest("iam", "ListAccessKeys", "2010-05-08",
                                     {{"UserName", "a b+c"}});
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body,
            "Action=ListAccessKeys&UserName=a%20b%2Bc&Version=2010-05-08");
  EXPECT_EQ(FindHeader(request.headers, "content-type"),
            "application/x-www-form-urlencoded; charset=utf-8");
}

TEST(AwsJsonRequest, SetsTargetAndContentType) {
  Request request = MakeJsonRequest(
      "cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
      "LookupEvents", {{"MaxResults", 50}});
  EXPECT_EQ(
      FindHeader(request.headers, "X-Amz-Target"),
      "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents");
  EXPECT_EQ(FindHeader(request.headers, "Content-Type"),
            "application/x-amz-json-1.1");
  EXPECT_EQ(request.body, R"({"MaxResults":50})");
  EXPECT_EQ(request.protocol, Protocol::kJson);
}

TEST(AwsXmlResponse, NotXmlIsCorrupt) {
  EXPECT_EQ(XmlResponse::Parse("{}").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseJsonBody("<xml/>").status().code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cirt::aws
