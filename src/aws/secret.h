// src/aws/secret.h
// Secret: a string that must never reach a log, a report or an error
// message (secret access keys, session tokens, bearer tokens). Formatting it
// with fmt or operator<< prints "***"; only Reveal() gives the value, and
// only the signer and the transport call it.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace cirt::aws {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The plain value. Callers must not log or store it in another type.
  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  bool operator==(const Secret& other) const = default;

 private:
  std::string value_;
};

inline std::ostream& operator<<(std::ostream& os, const Secret&) {
  return os << "***";
}

}  // namespace cirt::aws

template <>
struct fmt::formatter<cirt::aws::Secret> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const cirt::aws::Secret&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
