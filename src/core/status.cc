#include "core/status.h"

#include <fmt/format.h>

namespace cirt {

namespace {
struct CodeName {
  ErrorCode code;
  std::string_view name;
};
constexpr CodeName kCodeNames[] = {
    {ErrorCode::kOk, "ok"},
    {ErrorCode::kInvalidArgument, "invalid argument"},
    {ErrorCode::kNotFound, "not found"},
    {ErrorCode::kCorrupt, "corrupt"},
    {ErrorCode::kIo, "io error"},
    {ErrorCode::kUnsupported, "unsupported"},
    {ErrorCode::kPermissionDenied, "permission denied"},
    {ErrorCode::kAws, "aws error"},
    {ErrorCode::kNetwork, "network error"},
    {ErrorCode::kConflict, "conflict"},
    {ErrorCode::kCancelled, "cancelled"},
    {ErrorCode::kInternal, "internal error"},
};
const ErrorContext kEmptyContext{};
}  // namespace

std::string_view ErrorCodeName(ErrorCode code) {
  for (const auto& entry : kCodeNames) {
    if (entry.code == code) return entry.name;
  }
  return "unknown";
}

Status::Status(ErrorCode code, std::string msg, ErrorContext ctx)
    : rep_(std::make_unique<Rep>(Rep{code, std::move(msg), std::move(ctx)})) {}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) {
    rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  }
  return *this;
}

std::string_view Status::message() const {
  return rep_ ? std::string_view(rep_->message) : std::string_view();
}

const ErrorContext& Status::context() const {
  return rep_ ? rep_->context : kEmptyContext;
}

Status Status::WithFile(std::string_view file) const {
  Status copy(*this);
  if (copy.rep_ && copy.rep_->context.file.empty()) {
    copy.rep_->context.file = std::string(file);
  }
  return copy;
}

std::string Status::ToString() const {
  if (!rep_) return "ok";
  std::string out;
  const ErrorContext& ctx = rep_->context;
  if (!ctx.file.empty()) {
    out += ctx.file;
    if (ctx.line) out += fmt::format(":{}", *ctx.line);
    out += ": ";
  } else if (ctx.line) {
    out += fmt::format("line {}: ", *ctx.line);
  }
  if (ctx.offset) out += fmt::format("byte {}: ", *ctx.offset);
  if (ctx.record_index) out += fmt::format("record {}: ", *ctx.record_index);
  out += rep_->message;
  if (!ctx.request_id.empty()) out += fmt::format(" (request id {})", ctx.request_id);
  return out;
}

}  // namespace cirt
