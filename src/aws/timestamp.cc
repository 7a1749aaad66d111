#include "aws/timestamp.h"

#include <fmt/format.h>

#include <ctime>

namespace cirt::aws {

namespace {
bool ReadDigits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}
}  // namespace

Result<std::chrono::system_clock::time_point> ParseIso8601(
    std::string_view text) {
  auto bad = [&] {
    return Status::Corrupt(fmt::format("bad ISO-8601 timestamp '{}'", text));
  };
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' ||
      !ReadDigits(text, 8, 2, day) || (text[10] != 'T' && text[10] != ' ') ||
      !ReadDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, minute) || text[16] != ':' ||
      !ReadDigits(text, 17, 2, second)) {
    return bad();
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  int offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!ReadDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !ReadDigits(text, pos + 4, 2, om)) {
      return bad();
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t - offset_seconds) +
         std::chrono::milliseconds(millis);
}

Result<std::chrono::system_clock::time_point> ParseHttpDate(
    std::string_view text) {
  // Fixed layout: "Www, DD Mon YYYY HH:MM:SS GMT" (29 bytes).
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                                 "May", "Jun", "Jul", "Aug",
                                                 "Sep", "Oct", "Nov", "Dec"};
  auto bad = [&] {
    return Status::Corrupt(fmt::format("bad HTTP date '{}'", text));
  };
  if (text.size() != 29 || text.substr(3, 2) != ", " ||
      text.substr(25) != " GMT") {
    return bad();
  }
  int day, year, hour, minute, second;
  if (!ReadDigits(text, 5, 2, day) || !ReadDigits(text, 12, 4, year) ||
      !ReadDigits(text, 17, 2, hour) || !ReadDigits(text, 20, 2, minute) ||
      !ReadDigits(text, 23, 2, second)) {
    return bad();
  }
  std::string_view month_name = text.substr(8, 3);
  int month = 0;
  while (month < 12 && kMonths[month] != month_name) ++month;
  if (month == 12) return bad();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string FormatIso8601(std::chrono::system_clock::time_point time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace cirt::aws
