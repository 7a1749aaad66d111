#include "aws/services/s3.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cctype>
#include <charconv>

#include "aws/error.h"
#include "aws/paginator.h"
#include "aws/protocol/query_xml.h"
#include "aws/protocol/rest_xml.h"

namespace cirt::aws::s3 {

namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

uint64_t ParseSize(std::string_view text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

ObjectInfo InfoFromHeaders(const Headers& headers) {
  ObjectInfo info;
  info.size = ParseSize(FindHeader(headers, "content-length").value_or("0"));
  info.etag = FindHeader(headers, "etag").value_or("");
  info.content_type = FindHeader(headers, "content-type").value_or("");
  info.last_modified = FindHeader(headers, "last-modified").value_or("");
  for (const auto& [name, value] : headers) {
    if (name.size() <= kMetaPrefix.size()) continue;
    std::string lower = name;
    for (char& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.compare(0, kMetaPrefix.size(), kMetaPrefix) == 0) {
      info.metadata[lower.substr(kMetaPrefix.size())] = value;
    }
  }
  return info;
}

}  // namespace

std::string ObjectPath(const std::string& bucket, const std::string& key) {
  return fmt::format("/{}/{}", UriEncode(bucket),
                     UriEncode(key, /*keep_slash=*/true));
}

namespace {

// One ListObjectsV2 walk over all pages: objects and, with a delimiter, the
// common prefixes.
Status ListAll(Client& client, const std::string& bucket, const std::string& prefix,
               const std::string& delimiter, int page_size, std::vector<ObjectSummary>* objects,
               std::vector<std::string>* prefixes) {
  return Paginate([&](const std::string& token) -> Result<std::string> {
    QueryParams query{{"list-type", "2"}};
    if (!delimiter.empty()) query.emplace("delimiter", delimiter);
    if (!prefix.empty()) query.emplace("prefix", prefix);
    if (page_size > 0) query.emplace("max-keys", std::to_string(page_size));
    if (!token.empty()) query.emplace(std::string(kS3ContinuationToken.input), token);
    CIRT_ASSIGN_OR_RETURN(
        Response response,
        client.Call(MakeRestXmlRequest("s3", "GET", fmt::format("/{}", UriEncode(bucket)), query)));
    CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response.body));
    pugi::xml_node result = xml.root();
    if (objects != nullptr) {
      for (pugi::xml_node item : result.children("Contents")) {
        objects->push_back(ObjectSummary{ChildText(item, "Key"), ParseSize(ChildText(item, "Size")),
                                         ChildText(item, "ETag"),
                                         ChildText(item, "LastModified"),
                                         ChildText(item, "StorageClass")});
      }
    }
    if (prefixes != nullptr) {
      for (pugi::xml_node item : result.children("CommonPrefixes")) {
        prefixes->push_back(ChildText(item, "Prefix"));
      }
    }
    return NextTokenFromXml(result, kS3ContinuationToken);
  });
}

}  // namespace

Result<std::vector<ObjectSummary>> ListObjectsV2(Client& client, const std::string& bucket,
                                                 const std::string& prefix, int page_size) {
  std::vector<ObjectSummary> objects;
  CIRT_RETURN_IF_ERROR(ListAll(client, bucket, prefix, "", page_size, &objects, nullptr));
  return objects;
}

Result<std::vector<std::string>> ListCommonPrefixes(Client& client, const std::string& bucket,
                                                    const std::string& prefix,
                                                    const std::string& delimiter) {
  std::vector<std::string> prefixes;
  CIRT_RETURN_IF_ERROR(ListAll(client, bucket, prefix, delimiter, 0, nullptr, &prefixes));
  return prefixes;
}

Result<Object> GetObject(Client& client, const std::string& bucket,
                         const std::string& key) {
  CIRT_ASSIGN_OR_RETURN(
      Response response,
      client.Call(MakeRestXmlRequest("s3", "GET", ObjectPath(bucket, key))));
  Object out;
  out.info = InfoFromHeaders(response.headers);
  out.info.size = response.body.size();
  out.bytes = std::move(response.body);
  return out;
}

Result<ObjectInfo> HeadObject(Client& client, const std::string& bucket,
                              const std::string& key) {
  CIRT_ASSIGN_OR_RETURN(
      Response response,
      client.Call(MakeRestXmlRequest("s3", "HEAD", ObjectPath(bucket, key))));
  return InfoFromHeaders(response.headers);
}

}  // namespace cirt::aws::s3

// ---------------------------------------------------------------------------
// Bucket access configuration (see s3.h).
// ---------------------------------------------------------------------------

namespace cirt::aws::s3 {

namespace {

std::string BucketPath(const std::string& bucket) {
  std::string path = "/";
  path += UriEncode(bucket);
  return path;
}

// base64(MD5(body)): S3 refuses PutPublicAccessBlock without Content-MD5.
std::string ContentMd5(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(body.data(), body.size(), digest, &length, EVP_md5(), nullptr);
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<char*>(encoded), static_cast<size_t>(n));
}

Result<WriteResult> Send(Client& client, Request request) {
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  return WriteResult{RequestIdOf(response)};
}

}  // namespace

Result<std::optional<std::string>> GetBucketPolicy(Client& client, const std::string& bucket) {
  Result<Response> response =
      client.Call(MakeRestXmlRequest("s3", "GET", BucketPath(bucket), {{"policy", ""}}));
  if (!response.ok() && AwsErrorCode(response.status()) == "NoSuchBucketPolicy")
    return std::optional<std::string>();
  CIRT_RETURN_IF_ERROR(response.status());
  return std::optional<std::string>(std::move(response->body));
}

Result<std::string> GetBucketAcl(Client& client, const std::string& bucket) {
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(MakeRestXmlRequest(
                                               "s3", "GET", BucketPath(bucket), {{"acl", ""}})));
  return std::move(response.body);
}

Result<std::optional<PublicAccessBlock>> GetPublicAccessBlock(Client& client,
                                                              const std::string& bucket) {
  Result<Response> response = client.Call(
      MakeRestXmlRequest("s3", "GET", BucketPath(bucket), {{"publicAccessBlock", ""}}));
  if (!response.ok() &&
      AwsErrorCode(response.status()) == "NoSuchPublicAccessBlockConfiguration")
    return std::optional<PublicAccessBlock>();
  CIRT_RETURN_IF_ERROR(response.status());
  CIRT_ASSIGN_OR_RETURN(XmlResponse xml, XmlResponse::Parse(response->body));
  pugi::xml_node root = xml.root();
  auto flag = [&](const char* name) { return ChildText(root, name) == "true"; };
  return std::optional<PublicAccessBlock>(
      PublicAccessBlock{flag("BlockPublicAcls"), flag("IgnorePublicAcls"),
                        flag("BlockPublicPolicy"), flag("RestrictPublicBuckets")});
}

Result<WriteResult> PutPublicAccessBlock(Client& client, const std::string& bucket,
                                         const PublicAccessBlock& config) {
  auto text = [](bool value) { return value ? "true" : "false"; };
  Request request =
      MakeRestXmlRequest("s3", "PUT", BucketPath(bucket), {{"publicAccessBlock", ""}});
  request.body = fmt::format(
      "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<BlockPublicAcls>{}</BlockPublicAcls><IgnorePublicAcls>{}</IgnorePublicAcls>"
      "<BlockPublicPolicy>{}</BlockPublicPolicy><RestrictPublicBuckets>{}</RestrictPublicBuckets>"
      "</PublicAccessBlockConfiguration>",
      text(config.block_public_acls), text(config.ignore_public_acls),
      text(config.block_public_policy), text(config.restrict_public_buckets));
  request.headers.emplace("Content-Type", "application/xml");
  request.headers.emplace("Content-MD5", ContentMd5(request.body));
  return Send(client, std::move(request));
}

Result<WriteResult> DeletePublicAccessBlock(Client& client, const std::string& bucket) {
  return Send(client,
              MakeRestXmlRequest("s3", "DELETE", BucketPath(bucket), {{"publicAccessBlock", ""}}));
}

}  // namespace cirt::aws::s3
