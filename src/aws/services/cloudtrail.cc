#include "aws/services/cloudtrail.h"

#include "aws/paginator.h"
#include "aws/protocol/json.h"

namespace cirt::aws::cloudtrail {

namespace {

double EpochSeconds(std::chrono::system_clock::time_point t) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
          .count());
}

double NumberOr(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0;
}

}  // namespace

Result<std::vector<PublicKey>> ListPublicKeys(
    Client& client, const std::string& region,
    std::optional<std::chrono::system_clock::time_point> start,
    std::optional<std::chrono::system_clock::time_point> end) {
  std::vector<PublicKey> keys;
  Status status = Paginate([&](const std::string& token)
                               -> Result<std::string> {
    nlohmann::json body = nlohmann::json::object();
    if (start) body["StartTime"] = EpochSeconds(*start);
    if (end) body["EndTime"] = EpochSeconds(*end);
    if (!token.empty()) body[std::string(kNextToken.input)] = token;
    Request request =
        MakeJsonRequest("cloudtrail", kTargetPrefix, "ListPublicKeys", body);
    request.region = region;
    CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
    CIRT_ASSIGN_OR_RETURN(nlohmann::json page, ParseJsonBody(response.body));
    auto list = page.find("PublicKeyList");
    if (list != page.end()) {
      if (!list->is_array())
        return Status::Corrupt("ListPublicKeys: PublicKeyList is not a list");
      for (const auto& entry : *list) {
        PublicKey key{JsonString(entry, "Value"),
                      JsonString(entry, "Fingerprint"),
                      NumberOr(entry, "ValidityStartTime"),
                      NumberOr(entry, "ValidityEndTime")};
        if (key.value_base64.empty())
          return Status::Corrupt("ListPublicKeys: key without Value");
        keys.push_back(std::move(key));
      }
    }
    return NextTokenFromJson(page, kNextToken);
  });
  CIRT_RETURN_IF_ERROR(status);
  return keys;
}

Status LookupEvents(
    Client& client, const LookupEventsInput& input,
    const std::function<Status(const nlohmann::json& event)>& on_event) {
  return Paginate([&](const std::string& token) -> Result<std::string> {
    if (input.before_page) input.before_page();
    nlohmann::json body = nlohmann::json::object();
    if (input.start) body["StartTime"] = EpochSeconds(*input.start);
    if (input.end) body["EndTime"] = EpochSeconds(*input.end);
    if (!input.attribute_key.empty()) {
      body["LookupAttributes"] =
          nlohmann::json::array({{{"AttributeKey", input.attribute_key},
                                  {"AttributeValue", input.attribute_value}}});
    }
    body["MaxResults"] = input.max_results;
    if (!token.empty()) body[std::string(kNextToken.input)] = token;
    Request request =
        MakeJsonRequest("cloudtrail", kTargetPrefix, "LookupEvents", body);
    request.region = input.region;
    CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
    CIRT_ASSIGN_OR_RETURN(nlohmann::json page, ParseJsonBody(response.body));
    auto events = page.find("Events");
    if (events != page.end() && events->is_array()) {
      for (const auto& event : *events) CIRT_RETURN_IF_ERROR(on_event(event));
    }
    return NextTokenFromJson(page, kNextToken);
  });
}

namespace {

bool BoolOr(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

Result<std::vector<Trail>> DescribeTrails(Client& client,
                                          const std::string& region,
                                          bool include_shadow_trails) {
  nlohmann::json body = {{"includeShadowTrails", include_shadow_trails}};
  Request request =
      MakeJsonRequest("cloudtrail", kTargetPrefix, "DescribeTrails", body);
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  CIRT_ASSIGN_OR_RETURN(nlohmann::json answer, ParseJsonBody(response.body));
  std::vector<Trail> trails;
  auto list = answer.find("trailList");
  if (list == answer.end() || list->is_null()) return trails;
  if (!list->is_array())
    return Status::Corrupt("DescribeTrails: trailList is not a list");
  for (const auto& t : *list) {
    if (!t.is_object())
      return Status::Corrupt("DescribeTrails: trail is not an object");
    trails.push_back(
        {JsonString(t, "Name"), JsonString(t, "TrailARN"),
         JsonString(t, "HomeRegion"), JsonString(t, "S3BucketName"),
         JsonString(t, "S3KeyPrefix"), BoolOr(t, "IsMultiRegionTrail"),
         BoolOr(t, "IsOrganizationTrail"),
         BoolOr(t, "LogFileValidationEnabled"), t});
  }
  return trails;
}

Result<TrailStatus> GetTrailStatus(Client& client, const std::string& region,
                                   const std::string& name) {
  Request request =
      MakeJsonRequest("cloudtrail", kTargetPrefix, "GetTrailStatus",
                      nlohmann::json{{"Name", name}});
  request.region = region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  CIRT_ASSIGN_OR_RETURN(nlohmann::json answer, ParseJsonBody(response.body));
  if (!answer.is_object())
    return Status::Corrupt("GetTrailStatus: answer is not an object");
  return TrailStatus{BoolOr(answer, "IsLogging"),
                     JsonString(answer, "LatestDeliveryError"),
                     JsonString(answer, "LatestDigestDeliveryError"), answer};
}

}  // namespace cirt::aws::cloudtrail
