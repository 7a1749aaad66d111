#include "report/verify_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace cirt::report {
namespace {

std::string Render(Format format, const std::vector<VerifyRow>& rows, size_t failures) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    auto writer = MakeVerifyWriter(format, out, WriterOptions{});
    EXPECT_TRUE(writer.ok());
    for (const auto& row : rows) (*writer)->Write(row);
    (*writer)->Finish({{"digest files", 1, 2}, {"log files", 3, 3}}, failures);
  }
  std::fclose(out);
  std::string text(buffer, size);
  free(buffer);
  return text;
}

const std::vector<VerifyRow> kRows = {
    {"digest", "valid", false, "s3://b/k1", "/tmp/k1", ""},
    {"log", "changed", true, "s3://b/l1", "/tmp/l1", "hash value doesn't match"},
};

TEST(VerifyWriter, JsonlHasTheDocumentedKeysInOrder) {
  std::string text = Render(Format::kJsonl, kRows, 1);
  EXPECT_EQ(text,
            "{\"check\":\"digest\",\"status\":\"valid\",\"ok\":true,\"location\":\"s3://b/k1\","
            "\"path\":\"/tmp/k1\",\"detail\":\"\"}\n"
            "{\"check\":\"log\",\"status\":\"changed\",\"ok\":false,\"location\":\"s3://b/l1\","
            "\"path\":\"/tmp/l1\",\"detail\":\"hash value doesn't match\"}\n");
  EXPECT_EQ(VerifyKeys().front(), "check");
}

TEST(VerifyWriter, TableMarksFailuresAndSummarises) {
  std::string text = Render(Format::kTable, kRows, 1);
  EXPECT_NE(text.find("INVALID: changed"), std::string::npos);
  EXPECT_NE(text.find("1/2 digest files valid, 1/2 digest files INVALID"), std::string::npos);
  EXPECT_NE(text.find("3/3 log files valid\n"), std::string::npos);
  EXPECT_NE(text.find("verification FAILED: 1 problem(s)"), std::string::npos);
}

TEST(VerifyWriter, OtherFormatsAreRejected) {
  EXPECT_EQ(MakeVerifyWriter(Format::kCsv, stdout, WriterOptions{}).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cirt::report
