#include "io/gzip.h"


#include <gtest/gtest.h>

#include <string>

namespace cirt::io {
namespace {

std::string Compress(const std::string& plain) { return io::GzipCompress(plain); }

std::string Sample() {
  std::string s = "{\"Records\":[";
  for (int i = 0; i < 2000; ++i) s += "{\"eventName\":\"GetObject\",\"i\":" + std::to_string(i) + "},";
  s.back() = ']';
  s += "}";
  return s;
}

TEST(Gunzip, RoundTripsOneMember) {
  std::string plain = Sample();
  std::string gz = Compress(plain);
  ASSERT_TRUE(IsGzip(gz));
  Buffer out;
  ASSERT_TRUE(Gunzip(gz, &out).ok());
  EXPECT_EQ(out.view(), plain);
}

TEST(Gunzip, ConcatenatedMembers) {
  std::string gz = Compress("hello ") + Compress("world");
  Buffer out;
  ASSERT_TRUE(Gunzip(gz, &out).ok());
  EXPECT_EQ(out.view(), "hello world");
}

TEST(Gunzip, TruncatedStreamKeepsPrefixAndReportsOffset) {
  std::string plain = Sample();
  std::string gz = Compress(plain);
  std::string cut = gz.substr(0, gz.size() / 2);
  Buffer out;
  Status s = Gunzip(cut, &out);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.message().find("truncated"), std::string_view::npos);
  ASSERT_TRUE(s.context().offset.has_value());
  EXPECT_EQ(*s.context().offset, cut.size());
  ASSERT_GT(out.size(), 0u);
  EXPECT_EQ(out.view(), std::string_view(plain).substr(0, out.size()));
}

TEST(Gunzip, CorruptCrcIsReported) {
  std::string gz = Compress(Sample());
  gz[gz.size() - 6] ^= 0x55;  // inside the CRC32 of the trailer
  Buffer out;
  Status s = Gunzip(gz, &out);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.message().find("CRC"), std::string_view::npos);
}

TEST(Gunzip, NotGzipIsDetected) {
  EXPECT_FALSE(IsGzip("{\"Records\":[]}"));
  EXPECT_FALSE(IsGzip(""));
}

}  // namespace
}  // namespace cirt::io
