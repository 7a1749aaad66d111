#include "io/gzip.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace cirt::io {

namespace {

// ISIZE, the last 4 bytes of a gzip member: uncompressed size mod 2^32. Only
// a hint: it is wrong for multi-member files and files over 4 GiB.
uint32_t TrailerSizeHint(std::string_view c) {
  if (c.size() < 18) return 0;
  uint32_t v;
  std::memcpy(&v, c.data() + c.size() - 4, 4);
  return v;  // gzip is little-endian, as is every platform we build on
}

std::string_view InflateErrorName(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "CRC mismatch";
    default: return "decompression error";
  }
}

// libdeflate decompresses a whole member in one call about 10% faster than
// ISA-L here (bench/README.md), but returns nothing when the stream is bad.
// It is the fast path for well-formed single-member files; anything else
// (several members, a wrong size trailer, truncation, corruption) goes to
// the ISA-L streaming path, which keeps what precedes a failure.
bool TryLibdeflate(std::string_view compressed, size_t expected, Buffer* out) {
  struct Free {
    void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
  };
  thread_local std::unique_ptr<libdeflate_decompressor, Free> decompressor(
      libdeflate_alloc_decompressor());
  if (!decompressor) return false;
  out->Resize(0);
  out->Reserve(expected);
  size_t in_used = 0, produced = 0;
  libdeflate_result r = libdeflate_gzip_decompress_ex(
      decompressor.get(), compressed.data(), compressed.size(), out->data(), expected, &in_used,
      &produced);
  if (r != LIBDEFLATE_SUCCESS || in_used != compressed.size()) return false;
  out->Resize(produced);
  return true;
}

}  // namespace

bool IsGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

Status Gunzip(std::string_view compressed, Buffer* out) {
  // Deflate cannot expand more than 1032:1, so a larger trailer is corrupt
  // and must not decide an allocation (found by fuzz_reader).
  const size_t max_plain = compressed.size() * 1032 + 1024;
  size_t hint = TrailerSizeHint(compressed);
  if (hint >= 1 && hint <= max_plain && TryLibdeflate(compressed, hint, out)) return Status::Ok();
  if (hint < compressed.size() || hint > max_plain) hint = std::min(compressed.size() * 4, max_plain);
  out->Resize(0);
  out->Reserve(hint + 1);

  inflate_state state;
  isal_inflate_init(&state);
  state.crc_flag = ISAL_GZIP;
  state.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(compressed.data()));
  state.avail_in = static_cast<uint32_t>(compressed.size());
  size_t produced = 0;

  while (true) {
    size_t room = out->capacity() - Buffer::kPadding - produced;
    if (room == 0) {
      out->Resize(produced);
      out->Reserve(produced * 2 + 65536);
      room = out->capacity() - Buffer::kPadding - produced;
    }
    // avail_out is 32 bits: feed large outputs in slices.
    uint32_t slice = room > (1u << 30) ? (1u << 30) : static_cast<uint32_t>(room);
    state.next_out = reinterpret_cast<uint8_t*>(out->data() + produced);
    state.avail_out = slice;
    int rc = isal_inflate(&state);
    produced += slice - state.avail_out;
    size_t consumed = compressed.size() - state.avail_in;
    if (rc < 0) {
      out->Resize(produced);
      return Status::Corrupt(fmt::format("gzip: {} at compressed byte {}", InflateErrorName(rc),
                                         consumed),
                             {.offset = consumed});
    }
    if (state.block_state == ISAL_BLOCK_FINISH) {
      // End of a member: another may follow (concatenated gzip), possibly
      // after zero padding, which gzip -d also tolerates.
      size_t rest = state.avail_in;
      const char* next = compressed.data() + consumed;
      while (rest > 0 && *next == '\0') {
        ++next;
        --rest;
      }
      if (rest == 0) break;
      if (!IsGzip(std::string_view(next, rest))) {
        out->Resize(produced);
        return Status::Corrupt(
            fmt::format("gzip: trailing garbage at compressed byte {}", compressed.size() - rest),
            {.offset = compressed.size() - rest});
      }
      isal_inflate_reset(&state);
      state.crc_flag = ISAL_GZIP;
      state.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(next));
      state.avail_in = static_cast<uint32_t>(rest);
      continue;
    }
    if (state.avail_in == 0 && state.avail_out > 0) {
      out->Resize(produced);
      return Status::Corrupt(
          fmt::format("gzip: truncated stream (input ends at compressed byte {}, "
                      "{} bytes recovered)",
                      compressed.size(), produced),
          {.offset = compressed.size()});
    }
  }
  out->Resize(produced);
  return Status::Ok();
}

std::string GzipCompress(std::string_view plain) {
  // Deflate never grows data by more than a few bytes per 16 KiB block.
  std::string out(plain.size() + plain.size() / 16 + 1024, '\0');
  isal_zstream stream;
  isal_deflate_stateless_init(&stream);
  stream.gzip_flag = IGZIP_GZIP;
  stream.end_of_stream = 1;
  stream.flush = NO_FLUSH;
  stream.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(plain.data()));
  stream.avail_in = static_cast<uint32_t>(plain.size());
  stream.next_out = reinterpret_cast<uint8_t*>(out.data());
  stream.avail_out = static_cast<uint32_t>(out.size());
  if (isal_deflate_stateless(&stream) != COMP_OK) return {};
  out.resize(stream.total_out);
  return out;
}

}  // namespace cirt::io
