// src/aws/services/s3_prefixes.h
// S3 ListObjectsV2 with a delimiter: the "folders" (CommonPrefixes) under a
// prefix, for discovering the accounts and regions of a trail bucket
// without listing every object. Belongs in s3.h as a delimiter option of
// ListObjectsV2; kept apart until s3.cc's owner merges it.
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::s3 {

// The CommonPrefixes directly under `prefix` for `delimiter`, all pages
// ("AWSLogs/" -> {"AWSLogs/111122223333/", "AWSLogs/o-abc/"}).
Result<std::vector<std::string>> ListCommonPrefixes(
    Client& client, const std::string& bucket, const std::string& prefix,
    const std::string& delimiter = "/");

}  // namespace cirt::aws::s3
