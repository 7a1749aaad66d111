#include "respond/journal.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <utility>

#include "collect/crypto.h"
#include "io/buffer.h"
#include "io/file.h"

namespace cirt::respond {

namespace {

std::string NowIsoMillis() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

struct Verified {
  std::vector<nlohmann::json> entries;
  std::string head;
};

// Reads `path` into `out`, checking the chain line by line; on a break,
// `out` keeps the lines before it, less the last one when the break is a
// prev that does not match (that line may be the edited one).
Status Verify(const std::string& path, Verified* out) {
  io::Buffer buffer;
  CIRT_RETURN_IF_ERROR(io::ReadFile(path, &buffer));
  std::string_view text(buffer.data(), buffer.size());
  out->head = std::string(kGenesisHash);
  uint64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos)
      return Status::Corrupt(
          fmt::format("line {} is not terminated (a write was cut short)", line_no + 1),
          {.file = path, .line = line_no + 1});
    std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded() || !entry.is_object())
      return Status::Corrupt("not a JSON object", {.file = path, .line = line_no});
    auto seq = entry.find("seq");
    if (seq == entry.end() || !seq->is_number_unsigned() || seq->get<uint64_t>() != line_no - 1)
      return Status::Corrupt(fmt::format("hash chain broken: seq is not {}", line_no - 1),
                             {.file = path, .line = line_no});
    auto prev = entry.find("prev");
    if (prev == entry.end() || !prev->is_string() || prev->get<std::string>() != out->head) {
      if (!out->entries.empty()) out->entries.pop_back();
      return Status::Corrupt(
          "hash chain broken: prev is not the SHA-256 of the line before (edited, removed or "
          "reordered lines)",
          {.file = path, .line = line_no});
    }
    out->head = collect::Sha256Hex(line);
    out->entries.push_back(std::move(entry));
    pos = end + 1;
  }
  return Status::Ok();
}

}  // namespace

JournalWriter::JournalWriter(JournalWriter&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::exchange(other.file_, nullptr)),
      seq_(other.seq_),
      head_(std::move(other.head_)) {}

JournalWriter::~JournalWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Result<JournalWriter> JournalWriter::Create(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Status::Io("cannot create the folder: " + ec.message(), {.file = path});
  // "x": fail when it exists; a journal is never overwritten.
  std::FILE* file = std::fopen(path.c_str(), "wxe");
  if (file == nullptr) {
    if (errno == EEXIST) return Status::Conflict("journal already exists", {.file = path});
    return Status::Io(std::string("cannot create: ") + std::strerror(errno), {.file = path});
  }
  return JournalWriter(path, file, 0, std::string(kGenesisHash));
}

Result<JournalWriter> JournalWriter::Open(const std::string& path) {
  Verified verified;
  CIRT_RETURN_IF_ERROR(Verify(path, &verified));
  std::FILE* file = std::fopen(path.c_str(), "ae");
  if (file == nullptr)
    return Status::Io(std::string("cannot append: ") + std::strerror(errno), {.file = path});
  return JournalWriter(path, file, verified.entries.size(), verified.head);
}

Status JournalWriter::Append(nlohmann::json entry) {
  nlohmann::json line = nlohmann::json::object();
  line["seq"] = seq_;
  line["prev"] = head_;
  line["time"] = NowIsoMillis();
  for (auto& [key, value] : entry.items()) line[key] = std::move(value);
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string with_newline = text + "\n";
  if (std::fwrite(with_newline.data(), 1, with_newline.size(), file_) != with_newline.size() ||
      std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) {
    return Status::Io(std::string("cannot write: ") + std::strerror(errno), {.file = path_});
  }
  head_ = collect::Sha256Hex(text);
  ++seq_;
  return Status::Ok();
}

Result<std::vector<nlohmann::json>> ReadJournal(const std::string& path) {
  Verified verified;
  CIRT_RETURN_IF_ERROR(Verify(path, &verified));
  return std::move(verified.entries);
}

Status ReadJournalPrefix(const std::string& path, std::vector<nlohmann::json>* lines) {
  Verified verified;
  Status s = Verify(path, &verified);
  for (auto& entry : verified.entries) lines->push_back(std::move(entry));
  return s;
}

}  // namespace cirt::respond
