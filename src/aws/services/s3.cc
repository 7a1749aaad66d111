#include "aws/services/s3.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

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
