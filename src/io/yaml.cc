#include "io/yaml.h"

#include <fmt/format.h>
#include <yaml.h>

namespace cirt::io {

namespace {

// yaml-cpp 0.7 can loop forever (and grow without bound) on some malformed
// input, found by fuzz_rule_loader: " ,", "!,", "'',", ":\n%\n,". Untrusted
// text is therefore first run through libyaml's event parser, which rejects
// all of those in linear time; yaml-cpp then builds the nodes.
// Returns an empty string when libyaml accepts `text`, else the error.
std::string ValidateYaml(std::string_view text) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return "cannot initialise the YAML parser";
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  std::string error;
  while (true) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      error = fmt::format("invalid YAML at line {}, column {}: {}", parser.problem_mark.line + 1,
                          parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "syntax error");
      break;
    }
    bool done = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
    if (done) break;
  }
  yaml_parser_delete(&parser);
  return error;
}

// yaml-cpp also loops when a document's first node is a ',' after optional
// properties, which libyaml reads differently ("&l:," is an anchor and a
// scalar to libyaml, an anchor and a flow entry to yaml-cpp). Returns the
// 1-based line of such a comma, or 0. yaml-cpp opens a new document at
// "---", "..." and at any line starting with '%'.
size_t CommaStartsDocument(std::string_view text) {
  const size_t n = text.size();
  size_t pos = 0, line = 1;
  auto at_line_start = [&](size_t p) { return p == 0 || text[p - 1] == '\n'; };
  auto opens_document = [&](size_t p) {
    return at_line_start(p) &&
           (text.substr(p, 3) == "---" || text.substr(p, 3) == "..." || (p < n && text[p] == '%'));
  };
  bool doc_start = true;
  while (pos < n) {
    if (doc_start) {
      while (pos < n) {
        char c = text[pos];
        if (c == ' ' || c == '\t' || c == '\r') {
          ++pos;
        } else if (c == '\n') {
          ++pos;
          ++line;
        } else if (c == '#' || (c == '%' && at_line_start(pos))) {
          while (pos < n && text[pos] != '\n') ++pos;
        } else if (opens_document(pos)) {
          pos += 3;
        } else if (c == '!' || c == '&') {  // a tag or an anchor
          while (pos < n && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n' &&
                 text[pos] != ',') {
            ++pos;
          }
        } else {
          break;
        }
      }
      if (pos < n && text[pos] == ',') return line;
      doc_start = false;
    }
    while (pos < n && text[pos] != '\n') ++pos;
    if (pos < n) {
      ++pos;
      ++line;
      if (opens_document(pos)) doc_start = true;
    }
  }
  return 0;
}

}  // namespace

Result<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text) {
  if (std::string error = ValidateYaml(text); !error.empty()) return Status::Corrupt(error);
  if (size_t line = CommaStartsDocument(text); line != 0) {
    return Status::Corrupt(
        fmt::format("invalid YAML at line {}: a document cannot start with ','", line));
  }
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::Corrupt(fmt::format("invalid YAML at line {}, column {}: {}", e.mark.line + 1,
                                       e.mark.column + 1, e.msg));
  }
}

}  // namespace cirt::io
