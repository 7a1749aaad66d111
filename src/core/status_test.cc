#include "core/status.h"

#include <gtest/gtest.h>

#include "core/result.h"

namespace cirt {
namespace {

TEST(Status, OkIsFreeAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(Status, CorruptCarriesFileOffsetAndRecord) {
  Status s = Status::Corrupt("invalid JSON", {.file = "a.json.gz", .offset = 1234, .record_index = 5});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_EQ(s.ToString(), "a.json.gz: byte 1234: record 5: invalid JSON");
}

TEST(Status, WithFileDoesNotOverrideExistingFile) {
  Status s = Status::Io("short read").WithFile("x");
  EXPECT_EQ(s.context().file, "x");
  EXPECT_EQ(s.WithFile("y").context().file, "x");
}

TEST(Status, CopyIsDeep) {
  Status a = Status::NotFound("gone");
  Status b = a;
  a = Status::Ok();
  EXPECT_EQ(b.code(), ErrorCode::kNotFound);
  EXPECT_EQ(b.message(), "gone");
}

TEST(Status, ErrorCodeNamesAreDistinct) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kCorrupt), "corrupt");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAws), "aws error");
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Status UseHalf(int x, int* out) {
  CIRT_ASSIGN_OR_RETURN(*out, Half(x));
  return Status::Ok();
}

TEST(Result, ValueOrStatusAndMacros) {
  int out = 0;
  EXPECT_TRUE(UseHalf(4, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = UseHalf(3, &out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  Result<int> r = Status::Ok();  // misuse becomes an internal error, never a fake value
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace cirt
