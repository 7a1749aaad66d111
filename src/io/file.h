// src/io/file.h
// Reading input files and expanding input paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/buffer.h"

namespace cirt::io {

// Reads the whole file at `path` into `out` (replacing its contents).
// Errors: kNotFound, kPermissionDenied, kIo; the context names the file.
Status ReadFile(const std::string& path, Buffer* out);

struct InputFile {
  std::string path;
  uint64_t size = 0;
};

// Expands `paths` (files or directories, walked recursively, symlinks
// followed for files only) into a sorted, de-duplicated list of regular files.
// Hidden entries under a directory (name starting with '.') are skipped.
// A path that does not exist or cannot be listed is reported in `errors` and
// the rest are still returned.
std::vector<InputFile> ExpandInputs(const std::vector<std::string>& paths,
                                    std::vector<Status>* errors);

}  // namespace cirt::io
