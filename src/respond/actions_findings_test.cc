// finding-workflow's actions over FakeTransport (moto implements neither
// BatchUpdateFindings nor GuardDuty findings): how finding.locate decides by
// the shape of the id, which calls it makes, and what the archive and
// workflow actions read, send and send back on rollback.
#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/transport.h"
#include "respond/action.h"

namespace cirt::respond {
namespace {

using nlohmann::json;

class FindingActionsTest : public ::testing::Test {
 protected:
  FindingActionsTest() : client_(Options(), creds_, transport_) {
    ctx_.client = &client_;
    ctx_.account_id = "123456789012";
    ctx_.region = "us-east-1";
  }
  static aws::ClientOptions Options() {
    aws::ClientOptions options;
    options.region = "us-east-1";
    options.endpoints = aws::EndpointResolver::ForUrl("http://127.0.0.1:1");
    options.retry.max_attempts = 1;
    return options;
  }
  const Lookup& Locate() { return *ActionRegistry::Builtin().FindLookup("finding.locate"); }
  const Action& Find(const char* name) { return *ActionRegistry::Builtin().FindAction(name); }

  aws::FakeTransport transport_;
  aws::StaticCredentialsProvider creds_{aws::Credentials{
      .access_key_id = "AKIDEXAMPLE", .secret_access_key = aws::Secret("secret")}};
  aws::Client client_;
  ActionContext ctx_;
};

TEST_F(FindingActionsTest, GuardDutyFindingArnAsAsffIdMeansBothAndNeedsNoCalls) {
  json params = {{"finding_id",
                  "arn:aws:guardduty:us-east-1:123456789012:detector/"
                  "12abc34d567e8fa901bc2d34e56789f0/finding/1ab92989eaf0e742df4a014d5ee0c0a1"},
                 {"product_arn", "arn:aws:securityhub:us-east-1::product/aws/guardduty"},
                 {"detector_id", ""}};
  auto out = Locate().Resolve(ctx_, params);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["securityhub"], "true");
  EXPECT_EQ((*out)["guardduty"], "true");
  EXPECT_EQ((*out)["detector_id"], "12abc34d567e8fa901bc2d34e56789f0");
  EXPECT_EQ((*out)["guardduty_finding_id"], "1ab92989eaf0e742df4a014d5ee0c0a1");
  EXPECT_TRUE(transport_.sent().empty());
}

TEST_F(FindingActionsTest, HexIdIsGuardDutyOnlyWithTheRegionsDetector) {
  transport_.Enqueue(200, R"({"detectorIds":["d0"]})");
  json params = {{"finding_id", "1ab92989eaf0e742df4a014d5ee0c0a1"},
                 {"product_arn", ""},
                 {"detector_id", ""}};
  auto out = Locate().Resolve(ctx_, params);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["securityhub"], "false");
  EXPECT_EQ((*out)["guardduty"], "true");
  EXPECT_EQ((*out)["detector_id"], "d0");
  ASSERT_EQ(transport_.sent().size(), 1u);
  EXPECT_EQ(transport_.sent()[0].request.path, "/detector");
  // No detector: a clear error naming the input to give.
  transport_.Enqueue(200, R"({"detectorIds":[]})");
  auto none = Locate().Resolve(ctx_, params);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().ToString().find("detector_id"), std::string::npos);
}

TEST_F(FindingActionsTest, ArchiveReadsArchivedAndRollbackUnarchives) {
  transport_.Enqueue(200, R"({"findings":[{"id":"f1","arn":"arn:f1","type":"Recon:EC2/PortProbeUnprotectedPort",
    "severity":2,"accountId":"123456789012","region":"us-east-1","title":"t",
    "createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z",
    "service":{"archived":false}}]})");
  transport_.Enqueue(200, "{}");
  const Action& archive = Find("guardduty.archive-finding");
  json params = {{"detector_id", "d0"}, {"finding_id", "f1"}};
  auto current = archive.Current(ctx_, params);
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(*current, (json{{"archived", false}}));
  EXPECT_FALSE(archive.InEffect(ctx_, params, *current));
  EXPECT_EQ(archive.Resources(ctx_, params),
            std::vector<std::string>{
                "arn:aws:guardduty:us-east-1:123456789012:detector/d0/finding/f1"});
  std::vector<std::string> ids;
  ASSERT_TRUE(archive.Revert(ctx_, params, *current, json{{"archived", true}}, &ids).ok());
  EXPECT_EQ(transport_.sent().back().request.path, "/detector/d0/findings/unarchive");
}

TEST_F(FindingActionsTest, WorkflowRollbackSendsTheOldStatusAndNote) {
  const Action& workflow = Find("securityhub.update-finding-workflow");
  json params = {{"finding_id", "Id1"}, {"product_arn", "arn:p"}, {"status", "RESOLVED"},
                 {"note", "contained"}, {"updated_by", "cirt"}};
  transport_.Enqueue(200, R"({"Findings":[{"Id":"Id1","ProductArn":"arn:p",
    "Workflow":{"Status":"NEW"},"Note":{"Text":"triaged","UpdatedBy":"alice"}}]})");
  auto before = workflow.Current(ctx_, params);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ((*before)["workflow_status"], "NEW");
  EXPECT_EQ((*before)["note"], "triaged");
  EXPECT_FALSE(workflow.InEffect(ctx_, params, *before));
  transport_.Enqueue(200, R"({"ProcessedFindings":[{"Id":"Id1","ProductArn":"arn:p"}],"UnprocessedFindings":[]})");
  transport_.Enqueue(200, R"({"ProcessedFindings":[{"Id":"Id1","ProductArn":"arn:p"}],"UnprocessedFindings":[]})");
  std::vector<std::string> ids;
  ASSERT_TRUE(workflow.Apply(ctx_, params, *before, &ids).ok());
  json applied = json::parse(transport_.sent()[1].request.body);
  EXPECT_EQ(applied["Workflow"]["Status"], "RESOLVED");
  EXPECT_EQ(applied["Note"]["Text"], "contained");
  ASSERT_TRUE(workflow.Revert(ctx_, params, *before, json::object(), &ids).ok());
  json reverted = json::parse(transport_.sent()[2].request.body);
  EXPECT_EQ(reverted["Workflow"]["Status"], "NEW");
  EXPECT_EQ(reverted["Note"], (json{{"Text", "triaged"}, {"UpdatedBy", "alice"}}));
  EXPECT_EQ(reverted["FindingIdentifiers"][0]["ProductArn"], "arn:p");
}

}  // namespace
}  // namespace cirt::respond
