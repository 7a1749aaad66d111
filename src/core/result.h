// src/core/result.h
// Result<T>: a value or a non-OK Status (GCC 12 has no std::expected).
#pragma once

#include <cstdlib>
#include <utility>
#include <variant>

#include "core/status.h"

namespace cirt {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    if (std::get<Status>(data_).ok()) {
      data_ = Status::Internal("Result constructed from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }

  // REQUIRES: ok().
  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // OK when a value is held.
  Status status() const& { return ok() ? Status() : std::get<Status>(data_); }
  Status status() && {
    return ok() ? Status() : std::get<Status>(std::move(data_));
  }

 private:
  std::variant<T, Status> data_;
};

}  // namespace cirt
