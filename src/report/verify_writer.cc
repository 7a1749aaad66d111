#include "report/verify_writer.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace cirt::report {

namespace {

void Put(std::FILE* out, std::string_view s) { std::fwrite(s.data(), 1, s.size(), out); }

class VerifyJsonlWriter : public VerifyWriter {
 public:
  explicit VerifyJsonlWriter(std::FILE* out) : out_(out) {}
  void Write(const VerifyRow& row) override {
    nlohmann::ordered_json j;
    j["check"] = row.check;
    j["status"] = row.status;
    j["ok"] = !row.failure;
    j["location"] = row.location;
    j["path"] = row.path;
    j["detail"] = row.detail;
    // Invalid UTF-8 in a key or path is replaced, never an exception.
    Put(out_, j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    Put(out_, "\n");
  }
  void Finish(const std::vector<VerifyCount>&, size_t) override { std::fflush(out_); }

 private:
  std::FILE* out_;
};

class VerifyTableWriter : public VerifyWriter {
 public:
  VerifyTableWriter(std::FILE* out, const WriterOptions& options) : out_(out), options_(options) {}
  void Write(const VerifyRow& row) override {
    std::string status(row.status);
    if (row.failure) status = "INVALID: " + status;
    std::string text = fmt::format("{:<8} {:<26} {}", row.check, status, row.location);
    if (!row.detail.empty()) text += "  (" + row.detail + ")";
    if (options_.color && row.failure) text = "\x1b[31m" + text + "\x1b[0m";
    Put(out_, text);
    Put(out_, "\n");
  }
  void Finish(const std::vector<VerifyCount>& counts, size_t failures) override {
    for (const VerifyCount& c : counts) {
      if (c.total == 0) continue;
      Put(out_, fmt::format("{}/{} {} valid", c.valid, c.total, c.what));
      if (c.valid != c.total)
        Put(out_, fmt::format(", {}/{} {} INVALID", c.total - c.valid, c.total, c.what));
      Put(out_, "\n");
    }
    Put(out_, failures == 0 ? std::string("verification passed\n")
                            : fmt::format("verification FAILED: {} problem(s)\n", failures));
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  WriterOptions options_;
};

}  // namespace

const std::vector<std::string_view>& VerifyKeys() {
  static const std::vector<std::string_view> keys = {"check",    "status", "ok",
                                                     "location", "path",   "detail"};
  return keys;
}

Result<std::unique_ptr<VerifyWriter>> MakeVerifyWriter(Format format, std::FILE* out,
                                                       const WriterOptions& options) {
  switch (format) {
    case Format::kTable:
      return std::unique_ptr<VerifyWriter>(std::make_unique<VerifyTableWriter>(out, options));
    case Format::kJsonl:
      return std::unique_ptr<VerifyWriter>(std::make_unique<VerifyJsonlWriter>(out));
    default:
      return Status::InvalidArgument(
          fmt::format("cirt verify writes table or jsonl, not {}", FormatName(format)));
  }
}

}  // namespace cirt::report
