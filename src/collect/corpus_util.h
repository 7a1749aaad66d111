// src/collect/corpus_util.h
// Test helper: reads the awsdocs pages in ../shared/corpus unchanged and
// returns the n-th fenced code block after a heading.
#pragma once

#include <string>
#include <string_view>

#include "collect/local_files.h"

namespace cirt::collect::testing {

inline std::string DocPath(std::string_view page) {
  return std::string(CIRT_CORPUS_DIR) + "/awsdocs-cloudtrail-user-guide/doc_source/" +
         std::string(page);
}

// The first ``` block after the line that starts with `heading`; "" if none.
inline std::string CodeBlockAfter(std::string_view page, std::string_view heading) {
  Result<std::string> text = ReadWholeFile(DocPath(page));
  if (!text.ok()) return "";
  size_t at = text->find(std::string("\n") + std::string(heading));
  if (at == std::string::npos) return "";
  size_t open = text->find("```\n", at);
  if (open == std::string::npos) return "";
  open += 4;
  size_t close = text->find("```", open);
  if (close == std::string::npos) return "";
  return text->substr(open, close - open);
}

}  // namespace cirt::collect::testing
