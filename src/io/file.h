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

// What an evidence folder's manifest (written by `cirt collect`) says a file
// is. Files outside such a folder, or not listed in its manifest, are
// kUnknown: readers decide by content.
enum class EvidenceKind : uint8_t {
  kUnknown,
  kCloudTrail,  // s3:GetObject (trail objects, digests) or cloudtrail:LookupEvents
  kFindings,    // GuardDuty ListFindings+GetFindings, Security Hub GetFindings
  kSnapshot,    // any other API answer (IAM, EC2, DescribeTrails, ListDetectors...)
};

struct InputFile {
  std::string path;
  uint64_t size = 0;
  EvidenceKind kind = EvidenceKind::kUnknown;
};

// The kind of a manifest entry's source ("s3", "GetObject" -> kCloudTrail).
EvidenceKind EvidenceKindOf(std::string_view service, std::string_view operation);

// Expands `paths` (files or directories, walked recursively, symlinks
// followed for files only) into a sorted, de-duplicated list of regular files.
// Under a directory, hidden entries (name starting with '.') and the files
// `cirt collect` writes beside the evidence (IsCollectorFile) are skipped;
// files named explicitly are always kept. When a walked directory holds a
// manifest.json from `cirt collect`, each file it lists gets its kind.
// A path that does not exist or cannot be listed is reported in `errors` and
// the rest are still returned.
// True for the bookkeeping files of an evidence folder: manifest.json,
// public-keys.json, <object>.metadata.json sidecars and *.part downloads.
bool IsCollectorFile(std::string_view name);

std::vector<InputFile> ExpandInputs(const std::vector<std::string>& paths,
                                    std::vector<Status>* errors);

}  // namespace cirt::io
