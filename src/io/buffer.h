// src/io/buffer.h
// A growable byte buffer that always keeps `kPadding` readable bytes after
// its contents, as simdjson requires, and is reused across files so the hot
// path does not allocate per file.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace cirt::io {

class Buffer {
 public:
  static constexpr size_t kPadding = 64;  // >= SIMDJSON_PADDING

  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {data_.get(), size_}; }

  // Ensures room for `n` bytes plus padding, keeping the current contents.
  void Reserve(size_t n) {
    if (n + kPadding <= capacity_ && data_) return;
    size_t cap = capacity_ ? capacity_ : 4096;
    while (cap < n + kPadding) cap *= 2;
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }
  // Sets the size (REQUIRES: n <= capacity() - kPadding) and zeroes the padding.
  void Resize(size_t n) {
    Reserve(n);
    size_ = n;
    std::memset(data_.get() + n, 0, kPadding);
  }
  void Clear() { Resize(0); }
  void Assign(std::string_view bytes) {
    Resize(bytes.size());
    if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace cirt::io
