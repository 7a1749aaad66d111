#include "aws/protocol/query_xml.h"

#include <fmt/format.h>

#include "aws/protocol/errors.h"

namespace cirt::aws {

Request MakeQueryRequest(std::string service, std::string_view action,
                         std::string_view version, const QueryParams& params) {
  Request request;
  request.service = std::move(service);
  request.method = "POST";
  request.protocol = Protocol::kQueryXml;
  QueryParams form = params;
  form.emplace("Action", std::string(action));
  form.emplace("Version", std::string(version));
  request.body = EncodeQuery(form);
  request.headers.emplace("Content-Type",
                          "application/x-www-form-urlencoded; charset=utf-8");
  return request;
}

Result<XmlResponse> XmlResponse::Parse(std::string_view body) {
  XmlResponse out;
  out.doc_ = std::make_unique<pugi::xml_document>();
  pugi::xml_parse_result parsed =
      out.doc_->load_buffer(body.data(), body.size(), pugi::parse_default);
  if (!parsed) {
    ErrorContext context;
    context.offset = static_cast<uint64_t>(parsed.offset);
    return Status::Corrupt(
        fmt::format("AWS answer is not XML: {}", parsed.description()),
        context);
  }
  if (!out.doc_->document_element()) {
    return Status::Corrupt("AWS answer is an empty XML document");
  }
  return out;
}

pugi::xml_node XmlResponse::ResultNode(std::string_view action) const {
  std::string name = fmt::format("{}Result", action);
  pugi::xml_node result = root().child(name.c_str());
  return result ? result : root();
}

std::string ChildText(pugi::xml_node node, const char* name) {
  return node.child(name).text().as_string();
}

nlohmann::json XmlToJson(pugi::xml_node node) {
  bool has_elements = false;
  bool all_items = true;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    has_elements = true;
    std::string_view name = child.name();
    if (name != "item" && name != "member") all_items = false;
  }
  if (!has_elements) {
    std::string text = node.text().as_string();
    std::string_view name = node.name();
    // An empty list: EC2 names lists "...Set", IAM "...List", "...Policies"
    // (AttachedManagedPolicies, Policies) and "Tags".
    if (text.empty() && (name.ends_with("Set") || name.ends_with("List") ||
                         name.ends_with("Policies") || name == "Tags"))
      return nlohmann::json::array();
    return text;
  }
  if (all_items) {
    nlohmann::json list = nlohmann::json::array();
    for (pugi::xml_node child : node.children()) {
      if (child.type() == pugi::node_element) list.push_back(XmlToJson(child));
    }
    return list;
  }
  nlohmann::json object = nlohmann::json::object();
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_element)
      object[child.name()] = XmlToJson(child);
  }
  return object;
}

AwsError DecodeQueryXmlError(const Response& response) {
  pugi::xml_document doc;
  if (response.body.empty() ||
      !doc.load_buffer(response.body.data(), response.body.size())) {
    return detail::NonAwsError(response);
  }
  // Seen in the wild: <ErrorResponse><Error>, <Response><Errors><Error>
  // (EC2), <ErrorResponse><Errors><Error> (moto's STS) and a bare <Error>.
  pugi::xml_node root = doc.document_element();
  pugi::xml_node error;
  if (std::string_view(root.name()) == "Error") {
    error = root;
  } else if (root.child("Error")) {
    error = root.child("Error");
  } else {
    error = root.child("Errors").child("Error");
  }
  std::string request_id = ChildText(root, "RequestId");
  if (request_id.empty()) request_id = ChildText(root, "RequestID");
  if (!error || ChildText(error, "Code").empty()) {
    return detail::NonAwsError(response);
  }
  AwsError out;
  out.code = detail::CleanErrorCode(ChildText(error, "Code"));
  out.message = ChildText(error, "Message");
  out.request_id = request_id;
  return out;
}

}  // namespace cirt::aws
