#include "detect/spill.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "detect/repeats.h"

namespace cirt::detect {

namespace {

// The event fields a run keeps, in model::Detection::Field order (the file
// name comes from the file index).
constexpr int kTextFields = model::Detection::kFile;

struct RunHeader {
  int64_t time_us;
  uint64_t record_index;
  uint32_t file_index;
  uint32_t rule;
  uint32_t length[kTextFields];
};

}  // namespace

bool DetectionBefore(const model::Detection& a, const model::Detection& b) {
  if (a.time_us != b.time_us) return a.time_us < b.time_us;
  if (a.file_index != b.file_index) return a.file_index < b.file_index;
  if (a.record_index != b.record_index) return a.record_index < b.record_index;
  return a.rule().title < b.rule().title;
}

SpillRun::~SpillRun() {
  if (file_ != nullptr) std::fclose(file_);
}

SpillRun::SpillRun(SpillRun&& o) noexcept : file_(o.file_), count_(o.count_) {
  o.file_ = nullptr;
}

Result<SpillRun> SpillRun::Write(size_t count,
                                 const std::function<void(size_t, std::string*)>& append) {
  std::FILE* file = std::tmpfile();
  if (file == nullptr) {
    return Status::Io(fmt::format("cannot create a temporary file to hold detections ({})",
                                  std::strerror(errno)));
  }
  SpillRun run(file, count);
  std::string buf;
  buf.reserve(1 << 20);
  auto flush = [&]() -> bool {
    const bool ok = std::fwrite(buf.data(), 1, buf.size(), file) == buf.size();
    buf.clear();
    return ok;
  };
  for (size_t i = 0; i < count; ++i) {
    append(i, &buf);
    if (buf.size() >= (1 << 20) && !flush()) break;
  }
  if (!flush() || std::fflush(file) != 0 || std::ferror(file)) {
    return Status::Io(fmt::format("cannot write detections to a temporary file ({})",
                                  std::strerror(errno)));
  }
  std::rewind(file);
  return run;
}

Result<SpillRun> SpillRun::Write(
    const std::vector<const model::Detection*>& sorted,
    const std::unordered_map<const model::RuleInfo*, uint32_t>& rule_index) {
  return Write(sorted.size(), [&](size_t i, std::string* out) {
    AppendSpilledDetection(*sorted[i], rule_index.at(&sorted[i]->rule()), out);
  });
}

Status SpillRun::Rewind() {
  if (std::fseek(file_, 0, SEEK_SET) != 0) {
    return Status::Io(fmt::format("cannot read a temporary detection file again ({})",
                                  std::strerror(errno)));
  }
  return Status::Ok();
}

void AppendSpilledDetection(const model::Detection& d, uint32_t rule, std::string* out) {
  RunHeader h{};
  h.time_us = d.time_us;
  h.record_index = d.record_index;
  h.file_index = d.file_index;
  h.rule = rule;
  for (int f = 0; f < kTextFields; ++f) {
    h.length[f] = static_cast<uint32_t>(d.field(static_cast<model::Detection::Field>(f)).size());
  }
  out->append(reinterpret_cast<const char*>(&h), sizeof h);
  for (int f = 0; f < kTextFields; ++f) {
    out->append(d.field(static_cast<model::Detection::Field>(f)));
  }
}

void AppendSpilledText(std::string_view text, std::string* out) {
  AppendSpilledCount(static_cast<uint32_t>(text.size()), out);
  out->append(text);
}

void AppendSpilledCount(uint32_t count, std::string* out) {
  out->append(reinterpret_cast<const char*>(&count), sizeof count);
}

namespace {

Status Truncated() { return Status::Io("a temporary detection file was cut short (disk full?)"); }

}  // namespace

Status SpillReader::ReadDetection(model::Detection* d, uint32_t* rule) {
  RunHeader h;
  if (std::fread(&h, sizeof h, 1, file_) != 1) return Truncated();
  size_t total = 0;
  for (uint32_t n : h.length) total += n;
  text_.resize(total);
  if (total > 0 && std::fread(text_.data(), 1, total, file_) != total) return Truncated();
  if (h.rule >= rules_.size() || h.file_index >= files_.size()) {
    return Status::Corrupt("a temporary detection file does not match this hunt");
  }
  std::string_view fields[kTextFields];
  size_t pos = 0;
  for (int f = 0; f < kTextFields; ++f) {
    fields[f] = std::string_view(text_).substr(pos, h.length[f]);
    pos += h.length[f];
  }
  model::Event e;
  e.time_us = h.time_us;
  e.event_id = fields[model::Detection::kEventId];
  e.event_time = fields[model::Detection::kEventTime];
  e.event_source = fields[model::Detection::kEventSource];
  e.event_name = fields[model::Detection::kEventName];
  e.aws_region = fields[model::Detection::kAwsRegion];
  e.recipient_account_id = fields[model::Detection::kAccountId];
  e.user_identity.arn = fields[model::Detection::kPrincipalArn];
  e.user_identity.access_key_id = fields[model::Detection::kAccessKeyId];
  e.source_ip = fields[model::Detection::kSourceIp];
  e.user_agent = fields[model::Detection::kUserAgent];
  e.error_code = fields[model::Detection::kErrorCode];
  const std::string& file = files_[h.file_index];
  *d = model::Detection(rules_[h.rule].get(), e, {file, h.record_index}, nullptr, file);
  d->file_index = h.file_index;
  if (rule != nullptr) *rule = h.rule;
  return Status::Ok();
}

Status SpillReader::ReadCount(uint32_t* count) {
  if (std::fread(count, sizeof *count, 1, file_) != 1) return Truncated();
  return Status::Ok();
}

Status SpillReader::ReadText(std::string* text) {
  uint32_t n;
  CIRT_RETURN_IF_ERROR(ReadCount(&n));
  text->resize(n);
  if (n > 0 && std::fread(text->data(), 1, n, file_) != n) return Truncated();
  return Status::Ok();
}

bool RepeatFilter::Repeated(const model::Detection& d) {
  if (d.time_us != time_ || !started_) {
    started_ = true;
    time_ = d.time_us;
    ResetGroupSet(&seen_);
  }
  if (d.evidence() || d.event_id().empty()) return false;
  return !seen_.emplace(reinterpret_cast<uintptr_t>(&d.rule()), std::string(d.event_id())).second;
}

size_t RepeatFilter::KeyHash::operator()(const std::pair<uintptr_t, std::string>& k) const noexcept {
  return EventKeyHash()(EventKey{k.first, k.second});
}

Result<size_t> SpillMerge::Run(std::vector<SpillRun>& runs,
                               const std::vector<const model::Detection*>& in_memory,
                               const std::vector<std::unique_ptr<model::RuleInfo>>& rules,
                               const std::deque<std::string>& files,
                               const std::function<void(const model::Detection&)>& fn) {
  // Sources: the runs (each read into its own detection), then the list in
  // memory.
  std::vector<std::optional<SpillReader>> readers(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) readers[i].emplace(runs[i], rules, files);
  std::vector<model::Detection> read(runs.size());
  size_t memory_next = 0;
  auto next = [&](size_t i, const model::Detection** d) -> Result<bool> {
    if (i == runs.size()) {
      if (memory_next == in_memory.size()) return false;
      *d = in_memory[memory_next++];
      return true;
    }
    if (!readers[i]->Next()) return false;
    CIRT_RETURN_IF_ERROR(readers[i]->ReadDetection(&read[i]));
    *d = &read[i];
    return true;
  };
  RepeatFilter repeats;
  size_t dropped = 0;
  CIRT_RETURN_IF_ERROR(MergeSorted<const model::Detection*>(
      runs.size() + 1, next,
      [](const model::Detection* a, const model::Detection* b) { return DetectionBefore(*a, *b); },
      [&](const model::Detection* d) {
        if (repeats.Repeated(*d)) {
          ++dropped;
        } else {
          fn(*d);
        }
      }));
  return dropped;
}

}  // namespace cirt::detect
