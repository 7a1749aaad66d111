#include "io/gzip.h"

#include <isa-l/igzip_lib.h>

#include <gtest/gtest.h>

#include <string>

namespace cirt::io {
namespace {

// Compresses `plain` as one gzip member with ISA-L.
std::string Compress(const std::string& plain) {
  std::string out(plain.size() + 1024, '\0');
  isal_zstream stream;
  isal_deflate_stateless_init(&stream);
  stream.gzip_flag = IGZIP_GZIP;
  stream.end_of_stream = 1;
  stream.flush = NO_FLUSH;
  stream.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(plain.data()));
  stream.avail_in = static_cast<uint32_t>(plain.size());
  stream.next_out = reinterpret_cast<uint8_t*>(out.data());
  stream.avail_out = static_cast<uint32_t>(out.size());
  EXPECT_EQ(isal_deflate_stateless(&stream), COMP_OK);
  out.resize(stream.total_out);
  return out;
}

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
