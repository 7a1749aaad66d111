#include "aws/services/guardduty.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "aws/paginator.h"
#include "aws/protocol/json.h"
#include "aws/protocol/rest_json.h"

namespace cirt::aws::guardduty {

namespace {

// ListDetectors and ListFindings allow at most 50 per page.
constexpr int kMaxResults = 50;

Result<nlohmann::json> CallGuardDuty(
    Client& client, const std::string& region, std::string method,
    std::string path, QueryParams query,
    const std::optional<nlohmann::json>& body) {
  Request request = MakeRestJsonRequest(
      "guardduty", std::move(method), std::move(path), std::move(query), body);
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  CIRT_ASSIGN_OR_RETURN(nlohmann::json page, ParseJsonBody(response.body));
  if (!page.is_object())
    return Status::Corrupt("GuardDuty answer is not a JSON object");
  return page;
}

// Appends the strings of list `key` in `page`. Errors: kCorrupt when the
// member is present but not a list of strings.
Status AppendStrings(const nlohmann::json& page, const char* key,
                     std::vector<std::string>& out) {
  auto it = page.find(key);
  if (it == page.end() || it->is_null()) return Status::Ok();
  if (!it->is_array())
    return Status::Corrupt(fmt::format("GuardDuty: {} is not a list", key));
  for (const auto& value : *it) {
    if (!value.is_string())
      return Status::Corrupt(
          fmt::format("GuardDuty: {} holds a non-string", key));
    out.push_back(value.get<std::string>());
  }
  return Status::Ok();
}

std::string DetectorPath(const std::string& detector_id) {
  return "/detector/" + UriEncode(detector_id);
}

std::string LowerFirst(std::string name) {
  if (!name.empty())
    name[0] =
        static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

}  // namespace

Result<std::vector<std::string>> ListDetectors(Client& client,
                                               const std::string& region) {
  std::vector<std::string> ids;
  Status status =
      Paginate([&](const std::string& token) -> Result<std::string> {
        QueryParams query{{"maxResults", std::to_string(kMaxResults)}};
        if (!token.empty())
          query.emplace(std::string(kLowerNextToken.input), token);
        CIRT_ASSIGN_OR_RETURN(nlohmann::json page,
                              CallGuardDuty(client, region, "GET", "/detector",
                                            query, std::nullopt));
        CIRT_RETURN_IF_ERROR(AppendStrings(page, "detectorIds", ids));
        return NextTokenFromJson(page, kLowerNextToken);
      });
  CIRT_RETURN_IF_ERROR(status);
  return ids;
}

Result<nlohmann::json> NormalizeFindingCriteria(
    const nlohmann::json& criteria) {
  if (!criteria.is_object())
    return Status::InvalidArgument(
        "GuardDuty finding criteria must be a JSON object");
  auto it = criteria.find("criterion");
  if (it == criteria.end()) it = criteria.find("Criterion");
  if (it == criteria.end() || !it->is_object())
    return Status::InvalidArgument(
        "GuardDuty finding criteria need a \"Criterion\" object, e.g. "
        "{\"Criterion\":{\"severity\":{\"Gte\":7}}}");
  nlohmann::json criterion = nlohmann::json::object();
  for (const auto& [attribute, condition] : it->items()) {
    if (!condition.is_object())
      return Status::InvalidArgument(
          fmt::format("GuardDuty criterion '{}' is not an object of conditions",
                      attribute));
    nlohmann::json wire = nlohmann::json::object();
    for (const auto& [op, value] : condition.items())
      wire[LowerFirst(op)] = value;
    criterion[attribute] = std::move(wire);
  }
  return nlohmann::json{{"criterion", std::move(criterion)}};
}

Result<std::vector<std::string>> ListFindings(
    Client& client, const std::string& region, const std::string& detector_id,
    const nlohmann::json& finding_criteria) {
  nlohmann::json criteria = nullptr;
  if (!finding_criteria.is_null()) {
    CIRT_ASSIGN_OR_RETURN(criteria, NormalizeFindingCriteria(finding_criteria));
  }
  std::vector<std::string> ids;
  Status status =
      Paginate([&](const std::string& token) -> Result<std::string> {
        nlohmann::json body = {{"maxResults", kMaxResults}};
        if (!criteria.is_null()) body["findingCriteria"] = criteria;
        if (!token.empty()) body[std::string(kLowerNextToken.input)] = token;
        CIRT_ASSIGN_OR_RETURN(
            nlohmann::json page,
            CallGuardDuty(client, region, "POST",
                          DetectorPath(detector_id) + "/findings", {}, body));
        CIRT_RETURN_IF_ERROR(AppendStrings(page, "findingIds", ids));
        return NextTokenFromJson(page, kLowerNextToken);
      });
  CIRT_RETURN_IF_ERROR(status);
  return ids;
}

Result<std::vector<Finding>> GetFindings(
    Client& client, const std::string& region, const std::string& detector_id,
    const std::vector<std::string>& finding_ids) {
  std::vector<Finding> findings;
  for (size_t first = 0; first < finding_ids.size();
       first += kMaxFindingIdsPerCall) {
    size_t last = std::min(finding_ids.size(), first + kMaxFindingIdsPerCall);
    nlohmann::json body = {
        {"findingIds", std::vector<std::string>(finding_ids.begin() + first,
                                                finding_ids.begin() + last)}};
    CIRT_ASSIGN_OR_RETURN(
        nlohmann::json page,
        CallGuardDuty(client, region, "POST",
                      DetectorPath(detector_id) + "/findings/get", {}, body));
    auto list = page.find("findings");
    if (list == page.end() || !list->is_array())
      return Status::Corrupt(
          "GuardDuty GetFindings: answer has no findings list");
    for (const auto& raw : *list) {
      if (!raw.is_object())
        return Status::Corrupt(
            "GuardDuty GetFindings: finding is not an object");
      Finding f;
      f.id = JsonString(raw, "id");
      f.arn = JsonString(raw, "arn");
      f.type = JsonString(raw, "type");
      auto severity = raw.find("severity");
      if (severity != raw.end() && severity->is_number())
        f.severity = severity->get<double>();
      f.account_id = JsonString(raw, "accountId");
      f.region = JsonString(raw, "region");
      f.title = JsonString(raw, "title");
      f.created_at = JsonString(raw, "createdAt");
      f.updated_at = JsonString(raw, "updatedAt");
      f.raw = raw;
      findings.push_back(std::move(f));
    }
  }
  return findings;
}

namespace {

Result<WriteResult> ChangeArchived(Client& client, const std::string& region,
                                   const std::string& detector_id,
                                   const std::vector<std::string>& finding_ids,
                                   const char* verb) {
  if (finding_ids.empty() || finding_ids.size() > static_cast<size_t>(kMaxFindingIdsPerCall))
    return Status::InvalidArgument(
        fmt::format("GuardDuty {}: 1 to {} finding ids", verb, kMaxFindingIdsPerCall));
  Request request = MakeRestJsonRequest(
      "guardduty", "POST", DetectorPath(detector_id) + "/findings/" + verb, {},
      nlohmann::json{{"findingIds", finding_ids}});
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  return WriteResult{RequestIdOf(response)};
}

}  // namespace

Result<WriteResult> ArchiveFindings(Client& client, const std::string& region,
                                    const std::string& detector_id,
                                    const std::vector<std::string>& finding_ids) {
  return ChangeArchived(client, region, detector_id, finding_ids, "archive");
}

Result<WriteResult> UnarchiveFindings(Client& client, const std::string& region,
                                      const std::string& detector_id,
                                      const std::vector<std::string>& finding_ids) {
  return ChangeArchived(client, region, detector_id, finding_ids, "unarchive");
}

}  // namespace cirt::aws::guardduty
