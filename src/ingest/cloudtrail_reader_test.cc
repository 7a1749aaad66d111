#include "ingest/cloudtrail_reader.h"


#include <gtest/gtest.h>

#include "io/gzip.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cirt::ingest {
namespace {

struct Seen {
  std::string event_name, event_time, event_id, arn, access_key, source_ip, region;
  int64_t time_us;
  uint64_t index;
  std::string policy_arn;  // requestParameters.policyArn, to check plan-driven fields
};

class CollectingSink : public RecordSink {
 public:
  explicit CollectingSink(model::SlotId policy_slot) : policy_slot_(policy_slot) {}
  void OnRecord(const model::Event& e, const model::FieldValues& v,
                const model::RecordOrigin& o) override {
    Seen s{std::string(e.event_name),
           std::string(e.event_time),
           std::string(e.event_id),
           std::string(e.user_identity.arn),
           std::string(e.user_identity.access_key_id),
           std::string(e.source_ip),
           std::string(e.aws_region),
           e.time_us,
           o.record_index,
           {}};
    if (!v.at(policy_slot_).empty()) s.policy_arn = std::string(v.at(policy_slot_).front().text);
    seen.push_back(std::move(s));
  }
  std::vector<Seen> seen;

 private:
  model::SlotId policy_slot_;
};

class ReaderTest : public ::testing::Test {
 protected:
  ReaderTest() : diag_(nullptr) {
    slots_ = ModelSlots::Register(&plan_);
    policy_slot_ = plan_.AddPath("requestParameters.policyArn");
    reader_ = std::make_unique<CloudTrailReader>(plan_, slots_, &diag_);
  }
  ReadStats Read(std::string_view name, std::string_view bytes) {
    sink_ = std::make_unique<CollectingSink>(policy_slot_);
    return reader_->ReadBytes(name, bytes, sink_.get());
  }
  std::string Warnings() const {
    std::string out;
    for (const auto& s : diag_.Kept()) out += s.ToString() + "\n";
    return out;
  }
  model::FieldPlan plan_;
  ModelSlots slots_;
  model::SlotId policy_slot_;
  Diagnostics diag_;
  std::unique_ptr<CloudTrailReader> reader_;
  std::unique_ptr<CollectingSink> sink_;
};

std::string Gzip(const std::string& plain) { return io::GzipCompress(plain); }

std::string Record(int i, const std::string& name = "GetObject") {
  return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::"
         "111122223333:user/alice\",\"accessKeyId\":\"AKIAEXAMPLE" +
         std::to_string(i) +
         "\"},\"eventTime\":\"2026-03-24T10:01:02Z\",\"eventSource\":\"s3.amazonaws.com\","
         "\"eventName\":\"" +
         name + "\",\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"203.0.113.7\",\"eventID\":\"id-" +
         std::to_string(i) + "\",\"recipientAccountId\":\"111122223333\"}";
}

std::string S3Object(int n) {
  std::string s = "{\"Records\":[";
  for (int i = 0; i < n; ++i) s += (i ? "," : "") + Record(i);
  return s + "]}";
}

// The text of the fenced or indented JSON block of a documentation file
// that starts at the line containing `marker`.
std::string DocBlock(const std::string& path, const std::string& start_marker,
                     const std::string& end_marker) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t a = text.find(start_marker);
  EXPECT_NE(a, std::string::npos) << path;
  size_t b = text.find(end_marker, a + 1);
  return text.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

TEST_F(ReaderTest, ReadsS3ObjectPlainAndGzipByMagic) {
  std::string json = S3Object(3);
  ReadStats plain = Read("a.json", json);
  EXPECT_EQ(plain.records, 3u);
  ASSERT_EQ(sink_->seen.size(), 3u);
  EXPECT_EQ(sink_->seen[1].access_key, "AKIAEXAMPLE1");
  EXPECT_EQ(sink_->seen[1].time_us, 1774346462000000);
  EXPECT_EQ(sink_->seen[2].index, 2u);
  // gzip detected from the bytes, whatever the name says
  ReadStats gz = Read("misleading.json", Gzip(json));
  EXPECT_EQ(gz.records, 3u);
  EXPECT_EQ(gz.bytes_json, json.size());
  EXPECT_FALSE(gz.any_skipped());
  EXPECT_EQ(diag_.warnings(), 0u) << Warnings();
}

TEST_F(ReaderTest, ReadsBareArrayJsonLinesAndConcatenatedRecords) {
  EXPECT_EQ(Read("arr.json", "[" + Record(0) + ",\n " + Record(1) + "]").records, 2u);
  EXPECT_EQ(Read("l.jsonl", Record(0) + "\n" + Record(1) + "\n\n" + Record(2) + "\n").records, 3u);
  std::string pretty = "{\n  \"eventVersion\": \"1.08\",\n  \"userIdentity\": {\"type\": \"Root\"},\n"
                       "  \"eventName\": \"ConsoleLogin\"\n}\n{\n \"eventVersion\": \"1.09\"\n}\n";
  EXPECT_EQ(Read("pretty.json", pretty).records, 2u);
  EXPECT_EQ(sink_->seen[0].event_name, "ConsoleLogin");
}

TEST_F(ReaderTest, ReadsAwsDocLogFileExamplesUnchanged) {
  std::string path = std::string(CIRT_CORPUS_DIR) +
                     "/awsdocs-cloudtrail-user-guide/doc_source/cloudtrail-log-file-examples.md";
  std::string block = DocBlock(path, "{\"Records\": [{", "```");
  ReadStats st = Read(path, block);
  EXPECT_GE(st.records, 1u) << Warnings();
  EXPECT_EQ(st.records_skipped, 0u) << Warnings();
  EXPECT_FALSE(sink_->seen[0].event_name.empty());
}

TEST_F(ReaderTest, ReadsAwsCliLookupEventsOutput) {
  std::string path = std::string(CIRT_CORPUS_DIR) + "/aws-cli-examples/cloudtrail/lookup-events.rst";
  std::string block = DocBlock(path, "Output::", "\n\n\n");
  block = block.substr(block.find('{'));
  ReadStats st = Read(path, block);
  ASSERT_EQ(st.records, 1u) << Warnings();
  EXPECT_EQ(sink_->seen[0].event_name, "ConsoleLogin");
  EXPECT_EQ(sink_->seen[0].arn, "arn:aws:sts::123456789012:assumed-role/my-role/my-session-name");
  EXPECT_EQ(sink_->seen[0].source_ip, "72.21.198.70");
}

TEST_F(ReaderTest, ReadsPlanFieldsInsideNestedObjects) {
  std::string rec =
      "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\"},\"eventName\":"
      "\"AttachUserPolicy\",\"requestParameters\":{\"userName\":\"bob\",\"policyArn\":"
      "\"arn:aws:iam::aws:policy/AdministratorAccess\"}}";
  Read("r.json", rec);
  ASSERT_EQ(sink_->seen.size(), 1u);
  EXPECT_EQ(sink_->seen[0].policy_arn, "arn:aws:iam::aws:policy/AdministratorAccess");
}

TEST_F(ReaderTest, SkipsDigestFilesAndCountsThem) {
  std::string path = std::string(CIRT_CORPUS_DIR) +
                     "/awsdocs-cloudtrail-user-guide/doc_source/"
                     "cloudtrail-log-file-validation-digest-file-structure.md";
  std::string block = DocBlock(path, "{\n  \"awsAccountId\"", "```");
  ReadStats st = Read("x_CloudTrail-Digest_us-east-1.json.gz", Gzip(block));
  EXPECT_EQ(st.digest_files, 1u);
  EXPECT_EQ(st.records, 0u);
  EXPECT_FALSE(st.any_skipped());
}

TEST_F(ReaderTest, TruncatedGzipKeepsCompleteRecordsAndReportsOffset) {
  std::string gz = Gzip(S3Object(2000));
  std::string cut = gz.substr(0, gz.size() / 2);
  ReadStats st = Read("cut.json.gz", cut);
  EXPECT_GT(st.records, 100u);
  EXPECT_LT(st.records, 2000u);
  EXPECT_EQ(st.files_partial, 1u);
  std::string w = Warnings();
  EXPECT_NE(w.find("cut.json.gz: byte " + std::to_string(cut.size()) + ": gzip: truncated"),
            std::string::npos)
      << w;
  // Every delivered record is whole and in order.
  for (size_t i = 0; i < sink_->seen.size(); ++i) {
    EXPECT_EQ(sink_->seen[i].event_id, "id-" + std::to_string(i));
  }
}

TEST_F(ReaderTest, InvalidJsonMidFileResumesAtNextRecord) {
  std::string json = "{\"Records\":[" + Record(0) + "," + Record(1) + ",{\"eventVersion\":oops}," +
                     Record(3) + "," + Record(4) + "]}";
  ReadStats st = Read("bad.json", json);
  EXPECT_EQ(st.files_partial, 1u);
  std::vector<std::string> ids;
  for (const auto& s : sink_->seen) ids.push_back(s.event_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"id-0", "id-1", "id-3", "id-4"})) << Warnings();
  std::string w = Warnings();
  EXPECT_NE(w.find("bad.json: byte "), std::string::npos) << w;
  EXPECT_NE(w.find("resuming at byte"), std::string::npos) << w;
}

TEST_F(ReaderTest, RecordThatIsNotAnObjectIsSkippedByIndex) {
  std::string json = "{\"Records\":[" + Record(0) + ",42,\"x\"," + Record(3) + "]}";
  ReadStats st = Read("mixed.json", json);
  EXPECT_EQ(st.records, 2u);
  EXPECT_EQ(st.records_skipped, 2u);
  EXPECT_NE(Warnings().find("mixed.json: record 1: record is a number, not an object"),
            std::string::npos)
      << Warnings();
}

TEST_F(ReaderTest, FieldOfUnexpectedTypeSkipsThatRecordOnly) {
  std::string bad = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\"},"
                    "\"eventName\":42}";
  std::string bad_ui = "{\"eventVersion\":\"1.08\",\"userIdentity\":\"root\",\"eventName\":\"X\"}";
  ReadStats st = Read("types.json", "[" + Record(0) + "," + bad + "," + bad_ui + "," + Record(3) + "]");
  EXPECT_EQ(st.records, 2u);
  EXPECT_EQ(st.records_skipped, 2u);
  std::string w = Warnings();
  EXPECT_NE(w.find("record 1: field eventName is a number, expected a string"), std::string::npos) << w;
  EXPECT_NE(w.find("record 2: field userIdentity is a string, expected an object"),
            std::string::npos)
      << w;
}

TEST_F(ReaderTest, EmptyFileAndNonJsonAreSkippedFiles) {
  EXPECT_EQ(Read("empty.json", "").files_skipped, 1u);
  EXPECT_EQ(Read("blank.json", "  \n").files_skipped, 1u);
  EXPECT_EQ(Read("bin.dat", "\x01\x02garbage").files_skipped, 1u);
  std::string w = Warnings();
  EXPECT_NE(w.find("empty.json: empty file"), std::string::npos) << w;
  EXPECT_NE(w.find("bin.dat: byte 0: not JSON"), std::string::npos) << w;
}

TEST_F(ReaderTest, OtherJsonIsNotTakenForEventsAndSkippedWithOneLine) {
  ReadStats st = Read("labels.jsonl", "{\"eventName\":\"X\",\"scenario\":\"a\"}\n"
                                      "{\"eventName\":\"Y\",\"scenario\":\"b\"}\n");
  EXPECT_EQ(st.records, 0u);
  EXPECT_EQ(st.files_skipped, 1u);
  EXPECT_EQ(diag_.warnings(), 1u);
  EXPECT_NE(Warnings().find("labels.jsonl: not CloudTrail records"), std::string::npos);
  // A stray non-CloudTrail record after real ones is skipped on its own.
  ReadStats mixed = Read("mixed.jsonl", Record(0) + "\n{\"eventName\":\"X\"}\n" + Record(2) + "\n");
  EXPECT_EQ(mixed.records, 2u);
  EXPECT_EQ(mixed.records_skipped, 1u);
}

TEST_F(ReaderTest, BadJsonLineSkipsOnlyThatLine) {
  ReadStats st = Read("l.jsonl", Record(0) + "\n{\"eventVersion\": tru\n" + Record(2) + "\n");
  EXPECT_EQ(st.records, 2u);
  EXPECT_EQ(st.records_skipped, 1u);
  EXPECT_NE(Warnings().find("record 1: invalid JSON"), std::string::npos) << Warnings();
}

TEST_F(ReaderTest, UnreadableFileIsReportedWithItsPath) {
  CollectingSink sink(policy_slot_);
  ReadStats st = reader_->ReadFile("/nonexistent/cirt/file.json.gz", &sink);
  EXPECT_EQ(st.files_skipped, 1u);
  EXPECT_NE(Warnings().find("/nonexistent/cirt/file.json.gz: cannot open"), std::string::npos);
}

TEST_F(ReaderTest, ManyProblemsInOneFileAreCappedButAllCounted) {
  std::string json = "[";
  for (int i = 0; i < 50; ++i) json += "1,";
  json += Record(0) + "]";
  ReadStats st = Read("noisy.json", json);
  EXPECT_EQ(st.records_skipped, 50u);
  EXPECT_EQ(st.records, 1u);
  EXPECT_EQ(diag_.warnings(), 11u);  // 10 lines, then one summary line
  EXPECT_NE(Warnings().find("40 more problems in this file not shown"), std::string::npos);
}

// SetTimeWindow: records outside [start, end) are counted, not delivered,
// in every input shape; one left at its eventTime still counts as outside
// (not as other JSON), and one with a broken field after its eventTime is
// not reported, being outside anyway.
TEST_F(ReaderTest, TimeWindowDeliversOnlyItsRecords) {
  auto at = [](int i, const std::string& time) {
    std::string r = Record(i);
    r.replace(r.find("2026-03-24T10:01:02Z"), 20, time);
    return r;
  };
  const std::string in = at(0, "2026-03-24T10:00:00Z"), before = at(1, "2026-03-24T09:59:59Z"),
                    at_end = at(2, "2026-03-24T11:00:00Z");
  // Hand-made: no eventVersion, its eventName after eventTime, a bad field.
  const std::string bare_outside =
      R"({"userIdentity":{"type":"Root"},"eventTime":"2026-03-24T08:00:00Z",)"
      R"("eventName":"ConsoleLogin","awsRegion":42})";
  const std::string no_time = R"({"eventVersion":"1.08","eventName":"GetObject"})";
  reader_->SetTimeWindow(model::ParseUtcTimestamp("2026-03-24T10:00:00Z"),
                         model::ParseUtcTimestamp("2026-03-24T11:00:00Z"));
  const std::string records = before + "," + bare_outside + "," + in + "," + no_time + "," + at_end;
  for (const std::string& body :
       {"{\"Records\":[" + records + "]}", "[" + records + "]",
        before + "\n" + bare_outside + "\n" + in + "\n" + no_time + "\n" + at_end + "\n"}) {
    ReadStats st = Read("w.json", Gzip(body));
    EXPECT_EQ(st.records, 1u) << body;
    EXPECT_EQ(st.records_outside, 4u) << body;
    EXPECT_EQ(st.files_skipped + st.records_skipped, 0u) << body;
    ASSERT_EQ(sink_->seen.size(), 1u);
    EXPECT_EQ(sink_->seen[0].event_id, "id-0");
    EXPECT_EQ(sink_->seen[0].index, 2u);  // record indexes still count every record
  }
  EXPECT_EQ(diag_.warnings(), 0u) << Warnings();
  // Without a window, the same file delivers them all but the broken one.
  reader_->SetTimeWindow(std::nullopt, std::nullopt);
  ReadStats all = Read("w.json", "[" + records + "]");
  EXPECT_EQ(all.records, 4u);
  EXPECT_EQ(all.records_skipped, 1u);
  EXPECT_EQ(all.records_outside, 0u);
}

TEST(CloudTrailDeliveryTime, ReadsTheMinuteFromLogFileNames) {
  EXPECT_EQ(CloudTrailDeliveryTime("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"
                                   "111122223333_CloudTrail_us-east-1_20240501T0330Z_T2vyI68eaHMxgL1l.json.gz"),
            model::ParseUtcTimestamp("2024-05-01T03:30:00Z"));
  EXPECT_EQ(CloudTrailDeliveryTime("111122223333_CloudTrail_eu-west-1_20231231T2359Z_x.json"),
            model::ParseUtcTimestamp("2023-12-31T23:59:00Z"));
  // Not a log file name: digests, exports, a malformed or impossible time.
  EXPECT_EQ(CloudTrailDeliveryTime("111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_"
                                   "20240501T033015Z.json.gz"),
            std::nullopt);
  EXPECT_EQ(CloudTrailDeliveryTime("lookup-events.json"), std::nullopt);
  EXPECT_EQ(CloudTrailDeliveryTime("dir_CloudTrail_x/records.jsonl"), std::nullopt);
  EXPECT_EQ(CloudTrailDeliveryTime("111122223333_CloudTrail_us-east-1_2024050T0330Z_x.json.gz"),
            std::nullopt);
  EXPECT_EQ(CloudTrailDeliveryTime("111122223333_CloudTrail_us-east-1_20241301T0330Z_x.json.gz"),
            std::nullopt);
}

}  // namespace
}  // namespace cirt::ingest
