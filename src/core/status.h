// src/core/status.h
// Status: the result of a fallible operation. Free when OK (a null pointer),
// carries an ErrorCode, a message and the context a user needs to find the
// problem (file, byte offset, record index, AWS request id).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cirt {

enum class ErrorCode : uint8_t {
  kOk = 0,
  kInvalidArgument,   // bad flag, bad rule, bad configuration
  kNotFound,          // a file, key or resource does not exist
  kCorrupt,           // input data is malformed (JSON, gzip, YAML)
  kIo,                // the operating system refused a read or write
  kUnsupported,       // valid input using a feature cirt does not implement
  kPermissionDenied,  // local permission or AWS AccessDenied
  kAws,               // an AWS service returned an error (see AwsError)
  kNetwork,           // transport failure (DNS, connect, TLS, timeout)
  kConflict,          // state differs from what was expected
  kCancelled,         // the user or a signal stopped the operation
  kInternal,          // a bug in cirt
};

// Returns the stable lower-case name of `code` ("corrupt", "io", ...).
std::string_view ErrorCodeName(ErrorCode code);

// Where an error happened. Every member is optional; ToString prints those set.
struct ErrorContext {
  std::string file;
  std::optional<uint64_t> offset;        // byte offset in the (uncompressed) file
  std::optional<uint64_t> record_index;  // 0-based record index in the file
  std::optional<uint64_t> line;          // 1-based line number
  std::string request_id;                // AWS request id
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kInvalidArgument, std::move(msg), std::move(ctx));
  }
  static Status NotFound(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kNotFound, std::move(msg), std::move(ctx));
  }
  static Status Corrupt(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kCorrupt, std::move(msg), std::move(ctx));
  }
  static Status Io(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kIo, std::move(msg), std::move(ctx));
  }
  static Status Unsupported(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kUnsupported, std::move(msg), std::move(ctx));
  }
  static Status PermissionDenied(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kPermissionDenied, std::move(msg), std::move(ctx));
  }
  static Status Network(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kNetwork, std::move(msg), std::move(ctx));
  }
  static Status Conflict(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kConflict, std::move(msg), std::move(ctx));
  }
  static Status Cancelled(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kCancelled, std::move(msg), std::move(ctx));
  }
  static Status Internal(std::string msg, ErrorContext ctx = {}) {
    return Status(ErrorCode::kInternal, std::move(msg), std::move(ctx));
  }
  static Status Make(ErrorCode code, std::string msg, ErrorContext ctx = {}) {
    return Status(code, std::move(msg), std::move(ctx));
  }

  bool ok() const { return rep_ == nullptr; }
  ErrorCode code() const { return rep_ ? rep_->code : ErrorCode::kOk; }
  // The message without context; empty when OK.
  std::string_view message() const;
  // The context; an empty context when OK.
  const ErrorContext& context() const;

  // Returns a copy with `file` set in the context (when not already set).
  Status WithFile(std::string_view file) const;

  // "file:offset 1234: record 5: corrupt: message" (only the parts that are set).
  std::string ToString() const;

 private:
  struct Rep {
    ErrorCode code;
    std::string message;
    ErrorContext context;
  };
  Status(ErrorCode code, std::string msg, ErrorContext ctx);
  std::unique_ptr<Rep> rep_;
};

}  // namespace cirt

#define CIRT_STATUS_CONCAT_INNER_(a, b) a##b
#define CIRT_STATUS_CONCAT_(a, b) CIRT_STATUS_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` (a Status) is not OK.
#define CIRT_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::cirt::Status cirt_status_ = (expr);   \
    if (!cirt_status_.ok()) return cirt_status_; \
  } while (0)

// `lhs = value of expr` (a Result<T>), or returns its Status.
#define CIRT_ASSIGN_OR_RETURN(lhs, expr) \
  CIRT_ASSIGN_OR_RETURN_IMPL_(CIRT_STATUS_CONCAT_(cirt_result_, __LINE__), lhs, expr)
#define CIRT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value()
