#include "aws/services/securityhub.h"

#include "aws/error.h"
#include "aws/paginator.h"
#include "aws/protocol/json.h"
#include "aws/protocol/rest_json.h"

namespace cirt::aws::securityhub {

namespace {

std::string NestedString(const nlohmann::json& object, const char* outer,
                         const char* inner) {
  auto it = object.find(outer);
  return it != object.end() && it->is_object() ? JsonString(*it, inner) : "";
}

}  // namespace

Result<std::vector<Finding>> GetFindings(Client& client,
                                         const GetFindingsInput& input) {
  if (!input.filters.is_null() && !input.filters.is_object())
    return Status::InvalidArgument(
        "Security Hub filters must be a JSON object");
  std::vector<Finding> findings;
  Status status = Paginate([&](const std::string& token)
                               -> Result<std::string> {
    nlohmann::json body = {{"MaxResults", input.max_results}};
    if (!input.filters.is_null()) body["Filters"] = input.filters;
    if (!token.empty()) body[std::string(kNextToken.input)] = token;
    Request request =
        MakeRestJsonRequest("securityhub", "POST", "/findings", {}, body);
    request.region = input.region;
    CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
    CIRT_ASSIGN_OR_RETURN(nlohmann::json page, ParseJsonBody(response.body));
    if (!page.is_object())
      return Status::Corrupt("Security Hub answer is not a JSON object");
    auto list = page.find("Findings");
    if (list != page.end() && !list->is_null()) {
      if (!list->is_array())
        return Status::Corrupt(
            "Security Hub GetFindings: Findings is not a list");
      for (const auto& raw : *list) {
        if (!raw.is_object())
          return Status::Corrupt(
              "Security Hub GetFindings: finding is not an object");
        findings.push_back(
            {JsonString(raw, "Id"), JsonString(raw, "ProductArn"),
             JsonString(raw, "GeneratorId"), JsonString(raw, "AwsAccountId"),
             JsonString(raw, "Title"), NestedString(raw, "Severity", "Label"),
             NestedString(raw, "Workflow", "Status"),
             JsonString(raw, "RecordState"), JsonString(raw, "CreatedAt"),
             JsonString(raw, "UpdatedAt"), raw});
      }
    }
    return NextTokenFromJson(page, kNextToken);
  });
  CIRT_RETURN_IF_ERROR(status);
  return findings;
}

Result<WriteResult> BatchUpdateFindings(Client& client, const WorkflowUpdate& update) {
  if (update.findings.empty() || update.findings.size() > 100)
    return Status::InvalidArgument("BatchUpdateFindings takes 1 to 100 findings");
  if (update.workflow_status.empty() && update.note_text.empty())
    return Status::InvalidArgument("BatchUpdateFindings: neither a workflow status nor a note");
  nlohmann::json ids = nlohmann::json::array();
  for (const FindingIdentifier& f : update.findings)
    ids.push_back({{"Id", f.id}, {"ProductArn", f.product_arn}});
  nlohmann::json body = {{"FindingIdentifiers", ids}};
  if (!update.workflow_status.empty()) body["Workflow"] = {{"Status", update.workflow_status}};
  if (!update.note_text.empty())
    body["Note"] = {{"Text", update.note_text}, {"UpdatedBy", update.note_updated_by}};
  Request request = MakeRestJsonRequest("securityhub", "PATCH", "/findings/batchupdate", {}, body);
  request.region = update.region;
  CIRT_ASSIGN_OR_RETURN(Response response, client.Call(std::move(request)));
  CIRT_ASSIGN_OR_RETURN(nlohmann::json answer, ParseJsonBody(response.body));
  if (!answer.is_object()) return Status::Corrupt("Security Hub answer is not a JSON object");
  auto unprocessed = answer.find("UnprocessedFindings");
  if (unprocessed != answer.end() && unprocessed->is_array() && !unprocessed->empty()) {
    const nlohmann::json& first = (*unprocessed)[0];
    std::string code = first.is_object() ? JsonString(first, "ErrorCode") : "";
    std::string message = first.is_object() ? JsonString(first, "ErrorMessage") : "";
    std::string id = first.is_object() && first.contains("FindingIdentifier") &&
                             first["FindingIdentifier"].is_object()
                         ? JsonString(first["FindingIdentifier"], "Id")
                         : "";
    AwsError error;
    error.http_status = response.status;
    error.code = code.empty() ? "UnprocessedFindings" : code;
    error.message = "finding " + id + " not processed" + (message.empty() ? "" : ": " + message);
    error.request_id = RequestIdOf(response);
    return ToStatus(error);
  }
  return WriteResult{RequestIdOf(response)};
}

}  // namespace cirt::aws::securityhub
