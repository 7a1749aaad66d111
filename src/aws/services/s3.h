// src/aws/services/s3.h
// Amazon S3 (REST-XML). Requests are built path-style ("/bucket/key"); the
// Client switches to virtual-hosted addressing against AWS endpoints.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace cirt::aws::s3 {

// "/<bucket>/<key>" with the key URI-encoded ('/' kept).
std::string ObjectPath(const std::string& bucket, const std::string& key);

struct ObjectSummary {
  std::string key;
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // ISO-8601 as returned
  std::string storage_class;
};

// Every object under `prefix` (all pages). `page_size` > 0 sets max-keys.
Result<std::vector<ObjectSummary>> ListObjectsV2(Client& client,
                                                 const std::string& bucket,
                                                 const std::string& prefix = "",
                                                 int page_size = 0);

// The CommonPrefixes directly under `prefix` for `delimiter`, all pages
// ("AWSLogs/" -> {"AWSLogs/111122223333/", "AWSLogs/o-abc/"}): the "folders"
// of a bucket, e.g. a trail's accounts and regions, without listing objects.
Result<std::vector<std::string>> ListCommonPrefixes(Client& client, const std::string& bucket,
                                                    const std::string& prefix,
                                                    const std::string& delimiter = "/");

struct ObjectInfo {
  uint64_t size = 0;
  std::string etag;
  std::string content_type;
  std::string last_modified;  // HTTP date as returned
  // x-amz-meta-* headers, names lower-cased without the prefix
  // (e.g. CloudTrail digests' "signature").
  std::map<std::string, std::string> metadata;
};

struct Object {
  ObjectInfo info;
  std::string bytes;  // exactly as stored (no transparent decompression)
};

Result<Object> GetObject(Client& client, const std::string& bucket,
                         const std::string& key);
Result<ObjectInfo> HeadObject(Client& client, const std::string& bucket,
                              const std::string& key);

}  // namespace cirt::aws::s3

// ---------------------------------------------------------------------------
// Bucket access configuration, used by `cirt respond` (src/respond).
// ---------------------------------------------------------------------------

namespace cirt::aws::s3 {

struct WriteResult {
  std::string request_id;
};

// The bucket policy (JSON text as stored), or nullopt when the bucket has
// none (NoSuchBucketPolicy).
Result<std::optional<std::string>> GetBucketPolicy(Client& client, const std::string& bucket);

// The bucket ACL as the AccessControlPolicy XML document S3 returns (the
// shape PutBucketAcl accepts back).
Result<std::string> GetBucketAcl(Client& client, const std::string& bucket);

struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;
  bool operator==(const PublicAccessBlock&) const = default;
};

// The bucket-level public access block, or nullopt when none is set
// (NoSuchPublicAccessBlockConfiguration).
Result<std::optional<PublicAccessBlock>> GetPublicAccessBlock(Client& client,
                                                              const std::string& bucket);
// PutPublicAccessBlock (with the Content-MD5 S3 requires).
Result<WriteResult> PutPublicAccessBlock(Client& client, const std::string& bucket,
                                         const PublicAccessBlock& config);
Result<WriteResult> DeletePublicAccessBlock(Client& client, const std::string& bucket);

}  // namespace cirt::aws::s3
