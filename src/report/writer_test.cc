#include "report/writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace cirt::report {
namespace {

// Renders `detections` with `format` into a string (through a temp FILE).
std::string Render(Format format, const std::vector<const model::Detection*>& detections) {
  std::FILE* f = std::tmpfile();
  auto writer = MakeDetectionWriter(format, f, WriterOptions{});
  for (const auto* d : detections) writer->Write(*d);
  writer->Finish();
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() {
    rule_ = {"4db60cc0-36fb-42b7-9b58-a5b53019fb74", "Rule \"quoted\", with comma",
             model::Level::kHigh, {"attack.t1562.008", "attack.defense-impairment"}};
    e_.event_id = "ev-1";
    e_.event_time = "2026-03-24T10:01:02Z";
    e_.event_name = "StopLogging";
    e_.recipient_account_id = "111122223333";
    // Hostile bytes from a record: control characters, a backslash, a quote,
    // non-ASCII UTF-8 and an invalid byte.
    user_agent_ = std::string("aws-cli\t\"x\"\\ \x01 caf\xc3\xa9 \xff end");
    e_.user_agent = user_agent_;
    origin_ = {"a,b.json.gz", 3};
  }
  model::RuleInfo rule_;
  model::Event e_;
  std::string user_agent_;
  model::RecordOrigin origin_;
};

TEST_F(WriterTest, JsonlIsValidJsonWithExactKeysAndEscapes) {
  model::Detection d(&rule_, e_, origin_);
  std::string out = Render(Format::kJsonl, {&d});
  ASSERT_EQ(out.back(), '\n');
  auto j = nlohmann::ordered_json::parse(out);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  std::vector<std::string> expected(DetectionKeys().begin(), DetectionKeys().end());
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(j["rule_title"], "Rule \"quoted\", with comma");
  EXPECT_EQ(j["level"], "high");
  EXPECT_EQ(j["tags"][1], "attack.defense-impairment");
  EXPECT_EQ(j["event_name"], "StopLogging");
  EXPECT_EQ(j["account_id"], "111122223333");
  // Valid UTF-8 kept, control characters escaped, the invalid byte replaced.
  EXPECT_EQ(j["user_agent"], "aws-cli\t\"x\"\\ \x01 caf\xc3\xa9 \xef\xbf\xbd end");
  EXPECT_EQ(j["file"], "a,b.json.gz");
}

TEST_F(WriterTest, JsonlLinesKeepTheirOwnFileAndRuleWhateverTheOrder) {
  // Plain and escaped detections interleaved, from two files (one shared,
  // one copied into the detection) and two rules: each line must carry its
  // own file and rule, escaped, whatever the encoder remembered.
  model::RuleInfo other{"0000", "Other", model::Level::kLow, {}};
  model::Event plain = e_;
  plain.user_agent = "aws-cli/2";
  const std::string shared = "dir/with \"quote\".json.gz";
  model::Detection a(&rule_, plain, {"ignored", 1}, nullptr, shared);
  model::Detection b(&other, e_, {"back\\slash.json", 2});
  model::Detection c(&other, plain, {"back\\slash.json", 3});
  model::Detection d(&rule_, e_, {"ignored", 4}, nullptr, shared);
  std::string out = Render(Format::kJsonl, {&a, &b, &c, &d, &a});
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(nlohmann::json::parse(out.substr(start, nl - start)));
  }
  ASSERT_EQ(lines.size(), 5u);
  const char* files[] = {"dir/with \"quote\".json.gz", "back\\slash.json", "back\\slash.json",
                         "dir/with \"quote\".json.gz", "dir/with \"quote\".json.gz"};
  const char* titles[] = {"Rule \"quoted\", with comma", "Other", "Other",
                          "Rule \"quoted\", with comma", "Rule \"quoted\", with comma"};
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["file"], files[i]) << i;
    EXPECT_EQ(lines[i]["rule_title"], titles[i]) << i;
  }
  EXPECT_EQ(lines[0]["user_agent"], "aws-cli/2");
  EXPECT_EQ(lines[1]["user_agent"], "aws-cli\t\"x\"\\ \x01 caf\xc3\xa9 \xef\xbf\xbd end");
  EXPECT_EQ(lines[2]["event_id"], "ev-1");
}

TEST_F(WriterTest, JsonlEscapesBytesAnywhereInLongValues) {
  // Bytes that need care at every position of values longer than the
  // encoder's 8- and 16-byte blocks.
  const std::string base = "aws-sdk-go/1.44.46 (go1.20.8; linux; amd64) exec-env/AWS_ECS_FARGATE";
  for (const char* hostile : {"\"", "\\", "\x01", "\x7f", "\xc3\xa9", "\xff"}) {
    for (size_t pos = 0; pos <= base.size(); ++pos) {
      std::string agent = base;
      agent.insert(pos, hostile);
      model::Event e = e_;
      e.user_agent = agent;
      model::Detection d(&rule_, e, origin_);
      nlohmann::json j = nlohmann::json::parse(Render(Format::kJsonl, {&d}));
      std::string expected = agent;
      if (std::string_view(hostile) == "\xff") expected.replace(pos, 1, "\xef\xbf\xbd");
      ASSERT_EQ(j["user_agent"], expected) << "byte " << int(static_cast<unsigned char>(hostile[0]))
                                          << " at " << pos;
    }
  }
}

TEST_F(WriterTest, JsonIsOneArrayAndEmptyIsEmptyArray) {
  model::Detection d(&rule_, e_, origin_);
  auto arr = nlohmann::json::parse(Render(Format::kJson, {&d, &d}));
  ASSERT_TRUE(arr.is_array());
  EXPECT_EQ(arr.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(Render(Format::kJson, {})), nlohmann::json::array());
}

TEST_F(WriterTest, TimesketchHasItsMandatoryFieldsFirst) {
  model::Detection d(&rule_, e_, origin_);
  auto j = nlohmann::ordered_json::parse(Render(Format::kTimesketch, {&d}));
  auto it = j.begin();
  EXPECT_EQ(it.key(), "message");
  EXPECT_EQ((++it).key(), "datetime");
  EXPECT_EQ((++it).key(), "timestamp_desc");
  EXPECT_EQ(j["datetime"], "2026-03-24T10:01:02Z");
  EXPECT_NE(j["message"].get<std::string>().find("StopLogging"), std::string::npos);
  EXPECT_EQ(j["rule_id"], rule_.id);
}

TEST_F(WriterTest, CsvQuotesCommasQuotesAndNewlines) {
  model::Detection d(&rule_, e_, origin_);
  std::string out = Render(Format::kCsv, {&d});
  EXPECT_EQ(out.substr(0, out.find('\n')),
            "rule_id,rule_title,level,tags,event_id,event_time,event_source,event_name,aws_region,"
            "account_id,principal_arn,access_key_id,source_ip,user_agent,error_code,file");
  EXPECT_NE(out.find("\"Rule \"\"quoted\"\", with comma\""), std::string::npos) << out;
  EXPECT_NE(out.find("attack.t1562.008;attack.defense-impairment"), std::string::npos);
  EXPECT_NE(out.find("\"a,b.json.gz\""), std::string::npos);
}

TEST_F(WriterTest, TableNeverPrintsControlCharacters) {
  // In every column, the last (account, never cut) included: a record must
  // not be able to send escape sequences to the responder's terminal.
  const std::string hostile = "\x1b]0;owned\x07\x1b[2J";
  model::Event e = e_;
  e.recipient_account_id = hostile;
  e.source_ip = hostile;
  e.user_identity.arn = hostile;
  model::Detection d(&rule_, e, origin_);
  std::string out = Render(Format::kTable, {&d});
  for (char c : out) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\n') << int(c);
  EXPECT_NE(out.find("StopLogging"), std::string::npos);
  EXPECT_NE(out.find("owned"), std::string::npos);
}

TEST(Format, NamesRoundTrip) {
  for (Format f : {Format::kTable, Format::kJsonl, Format::kJson, Format::kCsv,
                   Format::kTimesketch}) {
    auto parsed = ParseFormat(FormatName(f));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, f);
  }
  EXPECT_EQ(ParseFormat("xml").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(WriterTest, EvidenceIsOneMoreKeyInEveryFormat) {
  model::Detection plain(&rule_, e_, origin_);
  model::Detection d(&rule_, e_, origin_);
  model::Evidence ev;
  ev.type = "value_count";
  ev.count = 3;
  ev.group = {{"sourceIPAddress", "203.0.113.7"}, {"odd \"key\"", "caf\xc3\xa9"}};
  ev.event_ids = {"ev-0", "ev-1"};
  ev.first_time_us = 1774346400LL * 1000000;
  ev.last_time_us = ev.first_time_us + 1500000;
  d.set_evidence(ev);
  // A copy carries its own evidence.
  model::Detection copy = d;
  d.set_evidence({});
  ASSERT_NE(copy.evidence(), nullptr);
  EXPECT_EQ(copy.evidence()->event_ids.size(), 2u);

  const std::string expected_evidence =
      R"({"type":"value_count","count":3,"group":{"sourceIPAddress":"203.0.113.7","odd \"key\"":"café"},"first_time":"2026-03-24T10:00:00Z","last_time":"2026-03-24T10:00:01.500000Z","event_ids":["ev-0","ev-1"]})";
  EXPECT_EQ(EvidenceJson(*copy.evidence()), expected_evidence);

  for (Format format : {Format::kJsonl, Format::kTimesketch}) {
    std::string out = Render(format, {&plain, &copy});
    std::string first = out.substr(0, out.find('\n'));
    std::string second = out.substr(out.find('\n') + 1);
    EXPECT_EQ(nlohmann::json::parse(first).count("evidence"), 0u);
    auto j = nlohmann::ordered_json::parse(second);
    std::vector<std::string> keys;
    for (auto& [k, v] : j.items()) keys.push_back(k);
    EXPECT_EQ(keys.back(), "evidence");
    EXPECT_EQ(j["evidence"].dump(), nlohmann::ordered_json::parse(expected_evidence).dump());
  }
  std::string ts = Render(Format::kTimesketch, {&copy});
  EXPECT_NE(nlohmann::json::parse(ts)["message"].get<std::string>().find(
                "(value_count 3 by sourceIPAddress=203.0.113.7, odd \"key\"=caf\xc3\xa9)"),
            std::string::npos)
      << ts;
  auto json = nlohmann::json::parse(Render(Format::kJson, {&plain, &copy}));
  EXPECT_EQ(json[1]["evidence"]["event_ids"][1], "ev-1");
  // csv: the same columns unless asked for the evidence column.
  EXPECT_EQ(Render(Format::kCsv, {&copy}).find("evidence"), std::string::npos);
  std::FILE* f = std::tmpfile();
  WriterOptions with;
  with.evidence_column = true;
  auto writer = MakeDetectionWriter(Format::kCsv, f, with);
  writer->Write(plain);
  writer->Write(copy);
  writer->Finish();
  std::rewind(f);
  std::string csv;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) csv.append(buf, n);
  std::fclose(f);
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; (nl = csv.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    lines.push_back(csv.substr(pos, nl - pos));
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].size() > 9 && lines[0].substr(lines[0].size() - 9) == ",evidence");
  EXPECT_EQ(lines[1].back(), ',');  // empty for a plain match
  EXPECT_NE(lines[2].find(R"("{""type"":""value_count"",""count"":3,)"), std::string::npos)
      << lines[2];
}

}  // namespace
}  // namespace cirt::report

namespace cirt::report {
namespace {

std::string RenderRows(Format format, const RowSchema& schema,
                       const std::vector<std::vector<Cell>>& rows) {
  std::FILE* f = std::tmpfile();
  auto writer = MakeRowWriter(format, f, schema, WriterOptions{});
  for (const auto& r : rows) writer->Write(r);
  writer->Finish();
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

RowSchema TestSchema() {
  RowSchema s;
  s.keys = {"time", "name", "count", "flag", "items"};
  s.table_keys = {"time", "name", "items"};
  s.time_key = "time";
  s.timestamp_desc = "Test time";
  s.message = [](const std::vector<Cell>& r) { return "did " + r[1].Text(); };
  return s;
}

std::vector<std::vector<Cell>> TestRows() {
  return {{Cell::Str("2024-03-14T10:00:00Z"), Cell::Str("a \"b\"\n\x01"), Cell::Int(3),
           Cell::Bool(true), Cell::List({"x=1", "y,2"})},
          {Cell::Str(""), Cell::Str("no time"), Cell::Int(0), Cell::Null(), Cell::List({})}};
}

TEST(RowWriter, JsonlKeepsTypesOrderAndNulls) {
  const std::string out = RenderRows(Format::kJsonl, TestSchema(), TestRows());
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    lines.push_back(nlohmann::json::parse(out.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["name"], "a \"b\"\n\x01");
  EXPECT_EQ(lines[0]["count"], 3);
  EXPECT_EQ(lines[0]["flag"], true);
  EXPECT_EQ(lines[0]["items"], nlohmann::json::array({"x=1", "y,2"}));
  EXPECT_TRUE(lines[1]["time"].is_null());  // empty strings are null
  EXPECT_TRUE(lines[1]["flag"].is_null());
  EXPECT_EQ(out.substr(0, 9), "{\"time\":\"");  // keys in schema order
}

TEST(RowWriter, TimesketchLeavesOutRowsWithoutTime) {
  const std::string out = RenderRows(Format::kTimesketch, TestSchema(), TestRows());
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["message"], "did a \"b\"\n\x01");
  EXPECT_EQ(j["datetime"], "2024-03-14T10:00:00Z");
  EXPECT_EQ(j["timestamp_desc"], "Test time");
  EXPECT_EQ(out.rfind("{\"message\":", 0), 0u);
}

TEST(RowWriter, CsvJoinsListsAndQuotes) {
  const std::string out = RenderRows(Format::kCsv, TestSchema(), TestRows());
  EXPECT_EQ(out,
            "time,name,count,flag,items\n"
            "2024-03-14T10:00:00Z,\"a \"\"b\"\"\n\x01\",3,true,\"x=1;y,2\"\n"
            ",no time,0,,\n");
}

TEST(RowWriter, TableShowsTheTableKeysWithoutControlCharacters) {
  const std::string out = RenderRows(Format::kTable, TestSchema(), TestRows());
  EXPECT_EQ(out.find('\x01'), std::string::npos);
  EXPECT_NE(out.find("time"), std::string::npos);
  EXPECT_EQ(out.find("count"), std::string::npos);  // not a table key
  EXPECT_NE(out.find("x=1, y,2"), std::string::npos);
}

}  // namespace
}  // namespace cirt::report
