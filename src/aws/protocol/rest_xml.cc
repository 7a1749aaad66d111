#include "aws/protocol/rest_xml.h"

#include <pugixml.hpp>

#include "aws/protocol/errors.h"
#include "aws/protocol/query_xml.h"

namespace cirt::aws {

namespace {
// What S3 means by a bodiless error status (HEAD requests).
struct StatusCode {
  int status;
  const char* code;
};
constexpr StatusCode kBodilessCodes[] = {
    {301, "PermanentRedirect"}, {304, "NotModified"},
    {400, "BadRequest"},        {403, "Forbidden"},
    {404, "NotFound"},          {412, "PreconditionFailed"},
};
}  // namespace

Request MakeRestXmlRequest(std::string service, std::string method,
                           std::string path, QueryParams query) {
  Request request;
  request.service = std::move(service);
  request.method = std::move(method);
  request.path = std::move(path);
  request.query = std::move(query);
  request.protocol = Protocol::kRestXml;
  return request;
}

AwsError DecodeRestXmlError(const Response& response) {
  if (response.body.empty()) {
    // Only S3's own headers prove the answer came from S3, not a proxy.
    bool from_s3 = FindHeader(response.headers, "x-amz-request-id").has_value();
    if (from_s3) {
      for (const StatusCode& entry : kBodilessCodes) {
        if (entry.status == response.status) {
          AwsError error;
          error.code = entry.code;
          error.message = "(no body)";
          return error;
        }
      }
    }
    return detail::NonAwsError(response);
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) {
    return detail::NonAwsError(response);
  }
  pugi::xml_node error_node = doc.document_element();
  if (std::string_view(error_node.name()) == "ErrorResponse") {
    error_node = error_node.child("Error");
  }
  if (std::string_view(error_node.name()) != "Error" ||
      ChildText(error_node, "Code").empty()) {
    return detail::NonAwsError(response);
  }
  AwsError error;
  error.code = detail::CleanErrorCode(ChildText(error_node, "Code"));
  error.message = ChildText(error_node, "Message");
  error.request_id = ChildText(error_node, "RequestId");
  return error;
}

}  // namespace cirt::aws
