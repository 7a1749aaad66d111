// src/io/gzip.h
// gzip decompression: a whole file per call with the output sized from the
// gzip trailer (libdeflate, the fastest here: see bench/README.md), and
// ISA-L's streaming igzip for multi-member streams and for recovering the
// data that precedes a truncation or a corrupt block.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/buffer.h"

namespace cirt::io {

// True when `bytes` starts with the gzip magic 1f 8b.
bool IsGzip(std::string_view bytes);

// Decompresses all gzip members in `compressed` into `out`.
// Returns OK when the whole stream decompressed and every CRC matched.
// On a truncated or corrupt stream returns kCorrupt with the compressed byte
// offset of the failure; `out` then still holds everything decompressed
// before it, so callers can keep the complete records it contains.
Status Gunzip(std::string_view compressed, Buffer* out);

// Compresses `plain` into one gzip member (ISA-L, default level).
std::string GzipCompress(std::string_view plain);

}  // namespace cirt::io
