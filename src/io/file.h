// src/io/file.h
// Reading input files and expanding input paths.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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
// Under a directory, hidden entries (name starting with '.') and the files
// `cirt collect` writes beside the evidence (IsCollectorFile) are skipped;
// files named explicitly are always kept.
// A path that does not exist or cannot be listed is reported in `errors` and
// the rest are still returned.
// True for the bookkeeping files of an evidence folder: manifest.json,
// public-keys.json, <object>.metadata.json sidecars and *.part downloads.
bool IsCollectorFile(std::string_view name);

std::vector<InputFile> ExpandInputs(const std::vector<std::string>& paths,
                                    std::vector<Status>* errors);

}  // namespace cirt::io
