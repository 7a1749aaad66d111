// src/aws/protocol/query_xml.h
// The AWS query protocol (IAM, EC2, STS, Auto Scaling, ELBv2): a
// form-encoded POST carrying Action and Version, answered with XML.
// Errors come in two shapes:
//   <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>
//   <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
//   (EC2)
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "aws/request.h"
#include "core/result.h"

namespace cirt::aws {

// POST / with body "Action=<action>&Version=<version>&<params>" and
// Content-Type application/x-www-form-urlencoded. Nested AWS parameters are
// flattened by the caller ("Tags.member.1.Key").
Request MakeQueryRequest(std::string service, std::string_view action,
                         std::string_view version, const QueryParams& params);

// A parsed XML answer. Owns the document; nodes are valid while it lives.
class XmlResponse {
 public:
  // Parses `body`. Errors: kCorrupt when it is not XML.
  static Result<XmlResponse> Parse(std::string_view body);

  pugi::xml_node root() const { return doc_->document_element(); }
  // The <{action}Result> element of a query answer, or the root when the
  // service puts results directly under it (EC2).
  pugi::xml_node ResultNode(std::string_view action) const;

 private:
  std::unique_ptr<pugi::xml_document> doc_;
};

// Text of the first child element `name` of `node`; "" when absent.
std::string ChildText(pugi::xml_node node, const char* name);

// The XML answer (or one element of it) as JSON, for keeping raw answers in
// evidence: an element whose children are all <item> (EC2) or <member>
// (IAM) becomes an array, other elements with children an object keyed by
// the wire's element names, and leaves their text (strings, as on the
// wire). An empty element is "", or [] when its name is a list's: ending in
// "Set" (EC2) or "List" or "Policies", or "Tags" (IAM). A repeated non-list
// child name keeps the last value (the query protocol does not repeat names
// outside lists).
nlohmann::json XmlToJson(pugi::xml_node node);

// Decodes either error shape; falls back to detail::NonAwsError.
AwsError DecodeQueryXmlError(const Response& response);

}  // namespace cirt::aws
