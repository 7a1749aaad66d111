#include "aws/paginator.h"

#include <fmt/format.h>

#include <set>

namespace cirt::aws {

std::string NextTokenFromXml(pugi::xml_node result,
                             const PageTokenStyle& style) {
  std::string out_name(style.output);
  std::string token = result.child(out_name.c_str()).text().as_string();
  if (!style.truncated.empty()) {
    std::string flag_name(style.truncated);
    std::string flag = result.child(flag_name.c_str()).text().as_string();
    if (flag != "true") return "";
  }
  return token;
}

std::string NextTokenFromJson(const nlohmann::json& page,
                              const PageTokenStyle& style) {
  if (!page.is_object()) return "";
  if (!style.truncated.empty()) {
    auto flag = page.find(style.truncated);
    if (flag == page.end() || !flag->is_boolean() || !flag->get<bool>())
      return "";
  }
  auto token = page.find(style.output);
  if (token == page.end() || !token->is_string()) return "";
  return token->get<std::string>();
}

Status Paginate(const PageFetcher& fetch_page, int max_pages) {
  std::set<std::string> seen;
  std::string token;
  for (int page = 0; page < max_pages; ++page) {
    CIRT_ASSIGN_OR_RETURN(std::string next, fetch_page(token));
    if (next.empty()) return Status::Ok();
    if (!seen.insert(next).second) {
      return Status::Corrupt(fmt::format(
          "the same pagination token was received twice (page {})", page + 1));
    }
    token = std::move(next);
  }
  return Status::Internal(
      fmt::format("pagination stopped after {} pages", max_pages));
}

}  // namespace cirt::aws
