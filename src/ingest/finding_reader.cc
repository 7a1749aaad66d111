#include "ingest/finding_reader.h"

#include <fmt/format.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "model/event.h"

namespace cirt::ingest {

namespace {

using Json = nlohmann::json;

// GuardDuty's API and CLI write PascalCase keys, its EventBridge events
// camelCase: look a key up in both spellings.
const Json* Get(const Json& j, std::string_view pascal) {
  if (!j.is_object() || pascal.empty()) return nullptr;
  auto it = j.find(std::string(pascal));
  if (it != j.end()) return &*it;
  std::string camel(pascal);
  camel[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(camel[0])));
  it = j.find(camel);
  return it != j.end() ? &*it : nullptr;
}

const Json* Path(const Json& j, std::initializer_list<std::string_view> keys) {
  const Json* cur = &j;
  for (auto k : keys) {
    cur = Get(*cur, k);
    if (!cur) return nullptr;
  }
  return cur;
}

std::string Str(const Json* j) {
  if (!j) return {};
  if (j->is_string()) return j->get<std::string>();
  return {};
}

bool IsAccessKeyId(std::string_view s) {
  if (s.size() < 16 || s.size() > 128) return false;
  if (s.substr(0, 4) != "AKIA" && s.substr(0, 4) != "ASIA") return false;
  for (char c : s) {
    if (!std::isupper(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

class Entities {
 public:
  explicit Entities(std::vector<model::FindingEntity>* out) : out_(out) {}
  void Add(std::string_view kind, std::string value) {
    if (value.empty()) return;
    model::FindingEntity e{std::string(kind), std::move(value)};
    for (const auto& x : *out_) {
      if (x == e) return;
    }
    out_->push_back(std::move(e));
  }
  // Every access key id anywhere in the finding, and every value of a key
  // naming a remote IPv4/IPv6 address (ipAddressV4, SourceIpV4, ...).
  void Walk(const Json& j, std::string_view key) {
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      if (IsAccessKeyId(s)) Add("access_key_id", s);
      std::string k(key);
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool ip_key = k.ends_with("ipaddressv4") || k.ends_with("ipaddressv6") || k == "sourceipv4" ||
                    k == "sourceipv6";
      if (ip_key) Add("ip", s);
    } else if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) Walk(it.value(), it.key());
    } else if (j.is_array()) {
      for (const auto& v : j) Walk(v, key);
    }
  }

 private:
  std::vector<model::FindingEntity>* out_;
};

std::string GuardDutyLabel(double severity) {
  if (severity >= 9) return "CRITICAL";
  if (severity >= 7) return "HIGH";
  if (severity >= 4) return "MEDIUM";
  return "LOW";
}

void SetTime(model::Finding* f, const std::string& created) {
  auto t = model::ParseUtcTimestamp(!f->first_seen.empty() ? f->first_seen : created);
  f->time_us = t ? *t : 0;
}

model::Finding GuardDuty(const Json& j) {
  model::Finding f;
  f.source = model::FindingSource::kGuardDuty;
  f.id = Str(Get(j, "Id"));
  f.type = Str(Get(j, "Type"));
  f.title = Str(Get(j, "Title"));
  if (const Json* s = Get(j, "Severity"); s && s->is_number()) f.severity = s->get<double>();
  f.severity_label = GuardDutyLabel(f.severity);
  f.account_id = Str(Get(j, "AccountId"));
  f.region = Str(Get(j, "Region"));
  f.first_seen = Str(Path(j, {"Service", "EventFirstSeen"}));
  f.last_seen = Str(Path(j, {"Service", "EventLastSeen"}));
  SetTime(&f, Str(Get(j, "CreatedAt")));
  Entities e(&f.entities);
  if (const Json* r = Get(j, "Resource")) {
    if (const Json* k = Get(*r, "AccessKeyDetails")) {
      e.Add("access_key_id", Str(Get(*k, "AccessKeyId")));
      e.Add("principal_id", Str(Get(*k, "PrincipalId")));
      e.Add("user_name", Str(Get(*k, "UserName")));
    }
    if (const Json* i = Get(*r, "InstanceDetails")) {
      e.Add("instance_id", Str(Get(*i, "InstanceId")));
      e.Add("arn", Str(Path(*i, {"IamInstanceProfile", "Arn"})));
    }
    if (const Json* b = Get(*r, "S3BucketDetails"); b && b->is_array()) {
      for (const auto& x : *b) e.Add("bucket", Str(Get(x, "Name")));
    }
    e.Add("function_name", Str(Path(*r, {"LambdaDetails", "FunctionName"})));
  }
  if (const Json* a = Path(j, {"Service", "Action", "AwsApiCallAction", "AffectedResources"});
      a && a->is_object()) {
    for (const auto& v : *a) e.Add("arn", Str(&v));
  }
  e.Walk(j, "");
  return f;
}

model::Finding Asff(const Json& j) {
  model::Finding f;
  f.source = model::FindingSource::kSecurityHub;
  f.id = Str(Get(j, "Id"));
  if (const Json* t = Get(j, "Types"); t && t->is_array() && !t->empty()) f.type = Str(&(*t)[0]);
  f.title = Str(Get(j, "Title"));
  if (const Json* s = Get(j, "Severity")) {
    if (const Json* n = Get(*s, "Normalized"); n && n->is_number()) f.severity = n->get<double>();
    f.severity_label = Str(Get(*s, "Label"));
  }
  f.account_id = Str(Get(j, "AwsAccountId"));
  f.region = Str(Get(j, "Region"));
  f.first_seen = Str(Get(j, "FirstObservedAt"));
  f.last_seen = Str(Get(j, "LastObservedAt"));
  SetTime(&f, Str(Get(j, "CreatedAt")));
  if (f.region.empty()) {
    // Resources carry the region when the finding does not.
    if (const Json* r = Get(j, "Resources"); r && r->is_array() && !r->empty()) {
      f.region = Str(Get((*r)[0], "Region"));
    }
  }
  Entities e(&f.entities);
  if (const Json* r = Get(j, "Resources"); r && r->is_array()) {
    for (const auto& res : *r) {
      const std::string type = Str(Get(res, "Type"));
      const std::string id = Str(Get(res, "Id"));
      const size_t slash = id.rfind('/');
      const std::string tail = slash == std::string::npos ? id : id.substr(slash + 1);
      if (type == "AwsEc2Instance") {
        e.Add("instance_id", tail);
      } else if (type == "AwsS3Bucket") {
        e.Add("bucket", id.rfind("arn:", 0) == 0 ? id.substr(id.rfind(':') + 1) : id);
      } else if (type == "AwsLambdaFunction") {
        e.Add("function_name", id.rfind("arn:", 0) == 0 ? id.substr(id.rfind(':') + 1) : id);
      } else if (type == "AwsIamRole") {
        e.Add("role_arn", id);
      } else if (type == "AwsIamAccessKey") {
        const Json* d = Path(res, {"Details", "AwsIamAccessKey"});
        if (d) {
          e.Add("user_name", Str(Get(*d, "PrincipalName")));
          e.Add("user_name", Str(Get(*d, "UserName")));
          e.Add("principal_id", Str(Get(*d, "PrincipalId")));
        }
      } else if (type == "AwsIamUser") {
        e.Add("principal_arn", id);
      }
      if (id.rfind("arn:", 0) == 0) e.Add("arn", id);
      e.Add("resource", id);  // every resource, whatever its type (AWS::::Account:..., ARNs)
    }
  }
  e.Walk(j, "");
  return f;
}

bool IsAsff(const Json& j) { return Get(j, "ProductArn") != nullptr; }
bool IsGuardDuty(const Json& j) {
  return Get(j, "SchemaVersion") != nullptr && Get(j, "Type") != nullptr &&
         (Get(j, "Service") != nullptr || Get(j, "Resource") != nullptr);
}

// Collects the findings of one JSON value, whatever its envelope.
void Collect(const Json& j, std::string_view file, std::vector<model::Finding>* out,
             size_t* problems, Diagnostics* diagnostics, uint64_t index) {
  if (j.is_array()) {
    uint64_t i = 0;
    for (const auto& v : j) Collect(v, file, out, problems, diagnostics, i++);
    return;
  }
  if (j.is_object()) {
    if (const Json* fs = Get(j, "Findings"); fs && fs->is_array()) {
      Collect(*fs, file, out, problems, diagnostics, 0);
      return;
    }
    if (const Json* d = Get(j, "detail"); d && j.contains("detail-type")) {
      Collect(*d, file, out, problems, diagnostics, index);
      return;
    }
    if (IsAsff(j)) {
      out->push_back(Asff(j));
      out->back().raw = j.dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
    }
    if (IsGuardDuty(j)) {
      out->push_back(GuardDuty(j));
      out->back().raw = j.dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
    }
  }
  ++*problems;
  diagnostics->Warn(Status::Corrupt("not a GuardDuty or Security Hub finding",
                                    {.file = std::string(file), .record_index = index}));
}

}  // namespace

bool LooksLikeFindings(std::string_view head) {
  if (head.find("\"eventVersion\"") != std::string_view::npos) return false;
  return head.find("\"Findings\"") != std::string_view::npos ||
         head.find("\"findings\"") != std::string_view::npos ||
         head.find("\"GuardDuty Finding\"") != std::string_view::npos ||
         head.find("\"Security Hub Findings") != std::string_view::npos ||
         head.find("\"SchemaVersion\"") != std::string_view::npos ||
         head.find("\"schemaVersion\"") != std::string_view::npos;
}

size_t ReadFindings(std::string_view file, std::string_view json, std::vector<model::Finding>* out,
                    Diagnostics* diagnostics) {
  size_t problems = 0;
  Json doc = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded()) {
    Collect(doc, file, out, &problems, diagnostics, 0);
    return problems;
  }
  // Not one document: JSON Lines (EventBridge archives), one value a line.
  size_t start = 0;
  uint64_t line = 0;
  while (start < json.size()) {
    size_t end = json.find('\n', start);
    if (end == std::string_view::npos) end = json.size();
    std::string_view text = json.substr(start, end - start);
    ++line;
    if (text.find_first_not_of(" \t\r") != std::string_view::npos) {
      Json v = Json::parse(text.begin(), text.end(), nullptr, false);
      if (v.is_discarded()) {
        ++problems;
        diagnostics->Warn(Status::Corrupt(
            "invalid JSON", {.file = std::string(file), .offset = start, .line = line}));
      } else {
        Collect(v, file, out, &problems, diagnostics, line - 1);
      }
    }
    start = end + 1;
  }
  return problems;
}

}  // namespace cirt::ingest
