#include "store/ingest.h"

#include <fmt/format.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unordered_map>

#include "detect/anomaly.h"
#include "detect/sigma/matcher.h"
#include "ingest/finding_reader.h"
#include "io/file.h"
#include "io/gzip.h"
#include "io/sha256.h"

namespace cirt::store {

namespace sigma = detect::sigma;

namespace {

using Clock = std::chrono::steady_clock;

// requestParameters / responseElements members that name a resource, with
// the kind stored in event_resources.kind (resources[].ARN is "arn").
struct ResourcePath {
  std::string_view path;
  std::string_view kind;
};
constexpr ResourcePath kResourcePaths[] = {
    {"resources.ARN", "arn"},
    {"requestParameters.bucketName", "bucketName"},
    {"requestParameters.userName", "userName"},
    {"requestParameters.roleName", "roleName"},
    {"requestParameters.roleArn", "roleArn"},
    {"requestParameters.instanceId", "instanceId"},
    {"requestParameters.instancesSet.items.instanceId", "instanceId"},
    {"requestParameters.functionName", "functionName"},
    {"requestParameters.accessKeyId", "accessKeyId"},
    {"requestParameters.policyArn", "policyArn"},
    {"requestParameters.snapshotId", "snapshotId"},
    {"requestParameters.groupId", "groupId"},
    {"requestParameters.groupName", "groupName"},
    {"requestParameters.dBSnapshotIdentifier", "dbSnapshotIdentifier"},
    {"requestParameters.secretId", "secretId"},
    {"requestParameters.keyId", "keyId"},
    {"requestParameters.imageId", "imageId"},
    {"requestParameters.volumeId", "volumeId"},
    {"requestParameters.instanceProfileName", "instanceProfileName"},
    {"requestParameters.detectorId", "detectorId"},
    {"requestParameters.trailName", "trailName"},
    {"responseElements.instancesSet.items.instanceId", "instanceId"},
    {"responseElements.accessKey.accessKeyId", "accessKeyId"},
};

// The fields that issue credentials (see the credentials table).
struct CredentialSlots {
  model::SlotId issued_key, issued_arn, federated_arn, role_arn, session_name, new_key,
      new_key_user, request_user;
  static CredentialSlots Register(model::FieldPlan* plan) {
    CredentialSlots s;
    s.issued_key = plan->AddPath("responseElements.credentials.accessKeyId");
    s.issued_arn = plan->AddPath("responseElements.assumedRoleUser.arn");
    s.federated_arn = plan->AddPath("responseElements.federatedUser.arn");
    s.role_arn = plan->AddPath("requestParameters.roleArn");
    s.session_name = plan->AddPath("requestParameters.roleSessionName");
    s.new_key = plan->AddPath("responseElements.accessKey.accessKeyId");
    s.new_key_user = plan->AddPath("responseElements.accessKey.userName");
    s.request_user = plan->AddPath("requestParameters.userName");
    return s;
  }
};

std::string_view FirstString(const model::FieldValues& values, model::SlotId slot) {
  for (const model::FieldValue& v : values.at(slot)) {
    if (v.kind == model::ValueKind::kString) return v.text;
  }
  return {};
}

// The session name of an assumed-role (or federated-user) ARN:
// arn:aws:sts::111122223333:assumed-role/ROLE/SESSION -> SESSION.
std::string_view SessionName(std::string_view arn) {
  size_t p = arn.find(":assumed-role/");
  if (p == std::string_view::npos) {
    p = arn.find(":federated-user/");
    if (p == std::string_view::npos) return {};
    return arn.substr(p + 16);
  }
  std::string_view rest = arn.substr(p + 14);
  size_t slash = rest.find('/');
  return slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
}

// True when `list` ("k=v" entries separated by kResourceSeparator) holds kind=value.
bool ContainsEntry(std::string_view list, std::string_view kind, std::string_view value) {
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(kResourceSeparator, start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view entry = list.substr(start, end - start);
    if (entry.size() == kind.size() + 1 + value.size() && entry.substr(0, kind.size()) == kind &&
        entry[kind.size()] == '=' && entry.substr(kind.size() + 1) == value) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

bool IssuesCredentials(std::string_view name) {
  return name == "AssumeRole" || name == "AssumeRoleWithSAML" ||
         name == "AssumeRoleWithWebIdentity" || name == "GetSessionToken" ||
         name == "GetFederationToken" || name == "CreateAccessKey";
}

std::string NowUtc() {
  auto now = std::chrono::system_clock::now();
  int64_t us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  return model::FormatUtcTimestamp(us - us % 1000000);
}

// Thread CPU time in seconds: the indexing figure must not depend on how
// busy the machine is.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Collects the rows of a CloudTrail file in a batch (the reader's views die
// with each record, so the text is copied into one arena) and writes a batch
// at a time with prepared statements inside the file's transaction.
// SQLite errors stop the writing; status() reports the first.
class EventIndexer : public ingest::RecordSink {
 public:
  EventIndexer(Db* db, const CredentialSlots& cred,
               const std::vector<std::pair<model::SlotId, std::string_view>>& resource_slots,
               const sigma::Matcher* matcher, const std::vector<int64_t>& rule_rows,
               const IngestOptions& options)
      : db_(db),
        cred_(cred),
        resource_slots_(resource_slots),
        matcher_(matcher),
        rule_rows_(rule_rows),
        options_(options),
        scratch_(matcher ? matcher->NewScratch() : sigma::Matcher::ScratchPtr()) {}

  Status Prepare() {
    CIRT_ASSIGN_OR_RETURN(
        insert_event_,
        db_->Prepare(
            "INSERT INTO events(time_us,event_time,event_id,event_source,event_name,"
            "aws_region,account_id,identity_type,principal_arn,principal_account,"
            "user_name,access_key_id,session_issuer_arn,session_name,session_creation_time,"
            "source_ip,user_agent,error_code,read_only,resources,file_id,record_index) "
            "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?"
            "22)"));
    CIRT_ASSIGN_OR_RETURN(
        insert_credential_,
        db_->Prepare(
            "INSERT INTO credentials(event,issued_key,role_arn,session_name,issued_arn,user_name) "
            "VALUES(?1,?2,?3,?4,?5,?6)"));
    CIRT_ASSIGN_OR_RETURN(insert_detection_,
                          db_->Prepare("INSERT INTO detections(event,rule) VALUES(?1,?2)"));
    CIRT_ASSIGN_OR_RETURN(event_id_of_, db_->Prepare("SELECT event_id FROM events WHERE id=?1"));
    // The events already in the case, for the eventID dedup (see Write).
    CIRT_ASSIGN_OR_RETURN(Statement known,
                          db_->Prepare("SELECT id, event_id FROM events WHERE event_id IS NOT NULL"));
    while (true) {
      CIRT_ASSIGN_OR_RETURN(bool row, known.Step());
      if (!row) break;
      seen_.emplace(IdHash(known.Text(1)), known.Int(0));
    }
    return Status::Ok();
  }

  void BeginFile(int64_t file_id) {
    file_id_ = file_id;
    file_events_ = 0;
    file_seen_.clear();
    Clear();
  }

  // The open file's transaction is being rolled back: forget its event ids.
  void AbandonFile() {
    for (uint64_t h : file_seen_) seen_.erase(h);
    file_seen_.clear();
    Clear();
  }

  void OnRecord(const model::Event& e, const model::FieldValues& values,
                const model::RecordOrigin& origin) override {
    if (!status_.ok()) return;
    if (matcher_) matcher_->Match(values, scratch_.get(), &matched_);
    Row row;
    row.time_us = e.time_us;
    row.read_only = e.read_only ? (*e.read_only ? 1 : 0) : -1;
    row.record_index = origin.record_index;
    const model::UserIdentity& ui = e.user_identity;
    const std::string_view texts[kTextFields] = {e.event_time,
                                                 e.event_id,
                                                 e.event_source,
                                                 e.event_name,
                                                 e.aws_region,
                                                 e.recipient_account_id,
                                                 ui.type,
                                                 ui.arn,
                                                 ui.account_id,
                                                 ui.user_name,
                                                 ui.access_key_id,
                                                 ui.session_issuer_arn,
                                                 SessionName(ui.arn),
                                                 ui.session_creation_date,
                                                 e.source_ip,
                                                 e.user_agent,
                                                 e.error_code};
    for (int i = 0; i < kTextFields; ++i) row.text[i] = Keep(texts[i]);
    // Resources: "kind=value" entries separated by US (0x1f), in one column
    // (one row per resource cost more than the event row itself).
    row.resources.offset = static_cast<uint32_t>(arena_.size());
    for (const auto& [slot, kind] : resource_slots_) {
      for (const model::FieldValue& v : values.at(slot)) {
        if (v.kind != model::ValueKind::kString || v.text.empty()) continue;
        const std::string_view so_far(arena_.data() + row.resources.offset,
                                      arena_.size() - row.resources.offset);
        if (ContainsEntry(so_far, kind, v.text)) continue;
        if (arena_.size() > row.resources.offset) arena_.push_back(kResourceSeparator);
        arena_.append(kind);
        arena_.push_back('=');
        for (char c : v.text) {
          if (c != kResourceSeparator) arena_.push_back(c);
        }
        ++row.resource_count;
      }
    }
    row.resources.size = static_cast<uint32_t>(arena_.size() - row.resources.offset);
    if (e.error_code.empty() && IssuesCredentials(e.event_name)) {
      const bool create_key = e.event_name == "CreateAccessKey";
      Credential c;
      c.issued_key = Keep(FirstString(values, create_key ? cred_.new_key : cred_.issued_key));
      c.role_arn = Keep(FirstString(values, cred_.role_arn));
      c.session_name = Keep(FirstString(values, cred_.session_name));
      std::string_view issued_arn = FirstString(values, cred_.issued_arn);
      if (issued_arn.empty()) issued_arn = FirstString(values, cred_.federated_arn);
      c.issued_arn = Keep(issued_arn);
      std::string_view user;
      if (create_key) {
        user = FirstString(values, cred_.new_key_user);
        if (user.empty()) user = FirstString(values, cred_.request_user);
        // CreateAccessKey without userName creates a key for the caller.
        if (user.empty()) user = ui.user_name;
      }
      c.user_name = Keep(user);
      credentials_.push_back(c);
      row.credential = static_cast<uint32_t>(credentials_.size());
    }
    row.detections_begin = static_cast<uint32_t>(detections_.size());
    for (uint32_t r : matched_) {
      if (matcher_->rule(r).aggregation) continue;  // legacy aggregations: `cirt hunt`
      detections_.push_back(r);
    }
    row.detections_end = static_cast<uint32_t>(detections_.size());
    rows_.push_back(row);
    ++file_events_;
    if (rows_.size() >= kBatch) Flush();
  }

  // Writes the buffered rows. REQUIRES: inside the file's transaction.
  void Flush() {
    if (!status_.ok() || rows_.empty()) return;
    const double start = ThreadCpuSeconds();
    for (const Row& r : rows_) {
      if (!Write(r)) break;
    }
    seconds_index += ThreadCpuSeconds() - start;
    Clear();
    if (options_.on_progress && status_.ok()) {
      progress.records = events;
      progress.file_committed = false;
      options_.on_progress(progress);
    }
  }

  const Status& status() const { return status_; }
  uint64_t file_events() const { return file_events_; }

  uint64_t events = 0, resources = 0, detections = 0;
  uint64_t duplicates = 0;   // records whose eventID the case already held
  double seconds_index = 0;  // thread CPU time spent writing rows (and the dedup)
  IngestProgress progress;

 private:
  static constexpr int kTextFields = 17;
  struct Text {
    uint32_t offset = 0, size = 0;
  };
  struct Row {
    int64_t time_us;
    int read_only;  // -1 when absent
    uint64_t record_index;
    Text text[kTextFields];
    Text resources;
    uint32_t resource_count = 0;  // entries in `resources`
    uint32_t detections_begin, detections_end;
    uint32_t credential = 0;  // 1-based index into credentials_, 0 for none
  };
  struct Credential {
    Text issued_key, role_arn, session_name, issued_arn, user_name;
  };

  Text Keep(std::string_view s) {
    Text t{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(s.size())};
    arena_.append(s);
    return t;
  }
  std::string_view View(Text t) const { return std::string_view(arena_).substr(t.offset, t.size); }

  void Clear() {
    rows_.clear();
    credentials_.clear();
    detections_.clear();
    arena_.clear();
  }

  static uint64_t IdHash(std::string_view id) { return std::hash<std::string_view>()(id); }

  // True if events row `row` has eventID `id` (rules out a hash collision).
  bool RowHasId(int64_t row, std::string_view id) {
    event_id_of_.BindInt(1, row);
    Result<bool> found = event_id_of_.Step();
    const bool same = found.ok() && *found && event_id_of_.Text(0) == id;
    event_id_of_.Reset();
    return same;
  }

  bool Write(const Row& r) {
    // CloudTrail may deliver an event more than once, and a case often holds
    // the same events from the trail bucket and from LookupEvents: an event
    // is stored once, by eventID (the first copy is kept). One hash lookup:
    // a new id takes a slot the row id goes into once written.
    const std::string_view event_id = View(r.text[1]);
    const uint64_t hash = IdHash(event_id);
    int64_t* remembered = nullptr;
    if (!event_id.empty()) {
      auto [it, inserted] = seen_.try_emplace(hash, 0);
      if (inserted) {
        remembered = &it->second;
        file_seen_.push_back(hash);
      } else if (RowHasId(it->second, event_id)) {
        ++duplicates;
        return true;
      }  // else a collision: stored, and the first id keeps the slot
    }
    Statement& s = insert_event_;
    s.BindInt(1, r.time_us);
    for (int i = 0; i < kTextFields; ++i) s.BindText(i + 2, View(r.text[i]));
    if (r.read_only >= 0) {
      s.BindInt(19, r.read_only);
    } else {
      s.BindNull(19);
    }
    s.BindText(20, View(r.resources));
    s.BindInt(21, file_id_);
    s.BindInt(22, static_cast<int64_t>(r.record_index));
    if (!Check(s.Run())) return false;  // the ingest stops; the file rolls back
    const int64_t row = db_->LastInsertRowId();
    ++events;
    if (remembered != nullptr) *remembered = row;
    resources += r.resource_count;
    if (r.credential) {
      const Credential& c = credentials_[r.credential - 1];
      Statement& q = insert_credential_;
      q.BindInt(1, row);
      q.BindText(2, View(c.issued_key));
      q.BindText(3, View(c.role_arn));
      q.BindText(4, View(c.session_name));
      q.BindText(5, View(c.issued_arn));
      q.BindText(6, View(c.user_name));
      if (!Check(q.Run())) return false;
    }
    for (uint32_t i = r.detections_begin; i < r.detections_end; ++i) {
      insert_detection_.BindInt(1, row);
      insert_detection_.BindInt(2, rule_rows_[detections_[i]]);
      if (!Check(insert_detection_.Run())) return false;
      ++detections;
    }
    return true;
  }

  bool Check(Status s) {
    if (s.ok()) return true;
    status_ = std::move(s);
    return false;
  }

  static constexpr size_t kBatch = 4096;
  Db* db_;
  const CredentialSlots& cred_;
  const std::vector<std::pair<model::SlotId, std::string_view>>& resource_slots_;
  const sigma::Matcher* matcher_;
  const std::vector<int64_t>& rule_rows_;
  const IngestOptions& options_;
  sigma::Matcher::ScratchPtr scratch_;
  std::vector<uint32_t> matched_;
  Statement insert_event_, insert_credential_, insert_detection_, event_id_of_;
  // eventID hash -> events.id, for every event in the case; a hash shared by
  // two ids keeps the first (the second is then never deduplicated).
  std::unordered_map<uint64_t, int64_t> seen_;
  std::vector<uint64_t> file_seen_;  // the hashes the open file added
  std::vector<Row> rows_;
  std::vector<Credential> credentials_;
  std::vector<uint32_t> detections_;
  std::string arena_;
  int64_t file_id_ = 0;
  uint64_t file_events_ = 0;
  Status status_;
};

Status InsertFindings(Db* db, int64_t file_id, const std::vector<model::Finding>& findings) {
  CIRT_ASSIGN_OR_RETURN(
      Statement alert,
      db->Prepare("INSERT INTO alerts(file_id,source,finding_id,type,title,severity,severity_label,"
                  "account_id,region,first_seen,last_seen,time_us,raw) "
                  "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"));
  CIRT_ASSIGN_OR_RETURN(
      Statement entity,
      db->Prepare("INSERT INTO alert_entities(alert,kind,value) VALUES(?1,?2,?3)"));
  for (const model::Finding& f : findings) {
    alert.BindInt(1, file_id);
    alert.BindText(2, model::FindingSourceName(f.source));
    alert.BindText(3, f.id);
    alert.BindText(4, f.type);
    alert.BindText(5, f.title);
    alert.BindDouble(6, f.severity);
    alert.BindText(7, f.severity_label);
    alert.BindText(8, f.account_id);
    alert.BindText(9, f.region);
    alert.BindText(10, f.first_seen);
    alert.BindText(11, f.last_seen);
    alert.BindInt(12, f.time_us);
    alert.BindText(13, f.raw);
    CIRT_RETURN_IF_ERROR(alert.Run());
    const int64_t row = db->LastInsertRowId();
    for (const model::FindingEntity& e : f.entities) {
      entity.BindInt(1, row);
      entity.BindText(2, e.kind);
      entity.BindText(3, e.value);
      CIRT_RETURN_IF_ERROR(entity.Run());
    }
  }
  return Status::Ok();
}

// Keeps the ingested bytes: gzip input as it is, anything else gzip'd. The
// copy is written beside its final name and renamed, so a crash leaves no
// half file under the final name.
Status KeepEvidence(const std::string& path, std::string_view bytes) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return Status::Ok();
  std::string compressed;
  if (!io::IsGzip(bytes)) {
    compressed = io::GzipCompress(bytes);
    bytes = compressed;
  }
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return Status::Io("cannot write evidence copy", {.file = tmp});
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Io(fmt::format("cannot rename: {}", ec.message()), {.file = tmp});
  return Status::Ok();
}

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string s;
  for (const auto& t : tags) s += (s.empty() ? "" : ",") + t;
  return s;
}


// The anomaly kinds' Evidence::type values, quoted for an SQL IN list.
std::string AnomalyTypeList() {
  std::string list;
  for (size_t k = 0; k < detect::kAnomalyKindCount; ++k) {
    list += fmt::format("{}'{}'", k ? "," : "",
                        detect::AnomalyKindName(static_cast<detect::AnomalyKind>(k)));
  }
  return list;
}

// Recomputes the detections made of several events (correlation rules,
// legacy aggregations and, with `options.anomalies`, anomalies) over the
// whole case: a hunt over the evidence copies of every CloudTrail file, so a
// correlation spanning files fires. In one transaction, the previous derived
// detections of the kinds recomputed are deleted and the new ones inserted
// with their evidence (events rows found by eventID). Returns how many were
// stored.
// Fills `rows` (eventID -> 0) with the events row of each id (the first, if
// an older case holds one twice), in one pass over `events`: there is no
// index on event_id, which would slow every ingest. Ids not found stay 0.
Status ResolveEventRows(const Db& db, std::unordered_map<std::string, int64_t>* rows) {
  if (rows->empty()) return Status::Ok();
  CIRT_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT id, event_id FROM events WHERE "
                                                "event_id IS NOT NULL ORDER BY id"));
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto it = rows->find(std::string(q.Text(1)));
    if (it != rows->end() && it->second == 0) it->second = q.Int(0);
  }
  return Status::Ok();
}

// The evidence copies of every CloudTrail file in the case, in ingest order.
Result<std::vector<std::string>> EvidenceCopies(Case* kase) {
  std::vector<std::string> inputs;
  CIRT_ASSIGN_OR_RETURN(Statement q, kase->db().Prepare(
                                         "SELECT evidence FROM files WHERE kind='cloudtrail' "
                                         "ORDER BY id"));
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    inputs.push_back((std::filesystem::path(kase->dir()) / std::string(q.Text(0))).string());
  }
  return inputs;
}

// The rules row of `rule`, added if new.
class RuleRows {
 public:
  static Result<RuleRows> Prepare(Db* db) {
    RuleRows r;
    CIRT_ASSIGN_OR_RETURN(r.insert_, db->Prepare("INSERT OR IGNORE INTO rules(rule_id,title,level,"
                                                 "tags) VALUES(coalesce(?1,''),?2,?3,?4)"));
    CIRT_ASSIGN_OR_RETURN(r.find_, db->Prepare("SELECT id FROM rules WHERE "
                                               "rule_id=coalesce(?1,'') AND title=?2"));
    return r;
  }
  // Remembered per RuleInfo.
  Result<int64_t> Row(const model::RuleInfo& rule) {
    auto it = rows_.find(&rule);
    if (it != rows_.end()) return it->second;
    CIRT_ASSIGN_OR_RETURN(int64_t row, Row(rule.id, rule.title, rule.level, rule.tags));
    rows_.emplace(&rule, row);
    return row;
  }
  Result<int64_t> Row(std::string_view id, std::string_view title, model::Level level,
                      const std::vector<std::string>& tags) {
    insert_.BindText(1, id);
    insert_.BindText(2, title);
    insert_.BindText(3, model::LevelName(level));
    insert_.BindText(4, JoinTags(tags));
    CIRT_RETURN_IF_ERROR(insert_.Run());
    find_.BindText(1, id);
    find_.BindText(2, title);
    CIRT_ASSIGN_OR_RETURN(bool found, find_.Step());
    const int64_t row = found ? find_.Int(0) : 0;
    find_.Reset();
    return row;
  }

 private:
  Statement insert_, find_;
  std::unordered_map<const model::RuleInfo*, int64_t> rows_;
};

// `cirt case ingest --rehunt`: the rules over every CloudTrail file already
// in the case (its evidence copies); the rule detections not stored yet are
// added. Returns how many.
Result<uint64_t> Rehunt(Case* kase, const IngestOptions& options) {
  CIRT_ASSIGN_OR_RETURN(std::vector<std::string> inputs, EvidenceCopies(kase));
  if (inputs.empty()) return uint64_t{0};
  detect::HuntOptions h;
  h.inputs = inputs;
  h.rule_paths = options.rule_paths;
  h.builtin_rules = options.builtin_rules;
  h.load = options.load;
  Diagnostics quiet(nullptr);  // the files' problems were reported as they were ingested
  CIRT_ASSIGN_OR_RETURN(detect::HuntResult hunt, detect::Hunt(h, &quiet));
  // Rule matches only: correlations, aggregations and anomalies are derived
  // over the whole case by DeriveDetections.
  std::vector<std::pair<std::string, const model::RuleInfo*>> matches;
  CIRT_RETURN_IF_ERROR(hunt.ForEach([&](const model::Detection& d) {
    if (!d.evidence() && !d.event_id().empty()) matches.emplace_back(d.event_id(), &d.rule());
  }));
  std::unordered_map<std::string, int64_t> rows;
  for (const auto& m : matches) rows.emplace(m.first, 0);
  Db& db = kase->db();
  CIRT_RETURN_IF_ERROR(ResolveEventRows(db, &rows));
  CIRT_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(&db));
  CIRT_ASSIGN_OR_RETURN(RuleRows rules, RuleRows::Prepare(&db));
  CIRT_ASSIGN_OR_RETURN(Statement insert,
                        db.Prepare("INSERT INTO detections(event, rule) SELECT ?1, ?2 WHERE NOT "
                                   "EXISTS (SELECT 1 FROM detections WHERE event=?1 AND rule=?2)"));
  uint64_t added = 0;
  for (const auto& [event_id, rule] : matches) {
    const int64_t event = rows[event_id];
    if (event == 0) continue;
    CIRT_ASSIGN_OR_RETURN(int64_t rule_row, rules.Row(*rule));
    insert.BindInt(1, event);
    insert.BindInt(2, rule_row);
    CIRT_RETURN_IF_ERROR(insert.Run());
    added += static_cast<uint64_t>(db.Changes());
  }
  CIRT_RETURN_IF_ERROR(tx.Commit());
  return added;
}

Result<uint64_t> DeriveDetections(Case* kase, const IngestOptions& options, bool rules_derive) {
  Db& db = kase->db();
  uint64_t stored = 0;
  CIRT_ASSIGN_OR_RETURN(std::vector<std::string> inputs, EvidenceCopies(kase));
  std::optional<detect::HuntResult> hunt;
  if ((rules_derive || options.anomalies) && !inputs.empty()) {
    detect::HuntOptions h;
    h.inputs = inputs;
    // Without correlations or aggregations only the anomalies are wanted:
    // the base rules would be matched for nothing.
    if (rules_derive) {
      h.rule_paths = options.rule_paths;
      h.builtin_rules = options.builtin_rules;
      h.load = options.load;
    } else {
      h.builtin_rules = false;
    }
    h.anomalies = options.anomalies;
    Diagnostics quiet(nullptr);  // the files' problems were reported as they were ingested
    CIRT_ASSIGN_OR_RETURN(detect::HuntResult r, detect::Hunt(h, &quiet));
    hunt = std::move(r);
  }

  // The events rows of every event id the derived detections name.
  std::vector<const model::Detection*> derived;
  std::unordered_map<std::string, int64_t> rows;
  if (hunt) {
    for (const model::Detection* d : hunt->detections) {
      if (!d->evidence()) continue;
      derived.push_back(d);
      rows.emplace(std::string(d->event_id()), 0);
      for (const std::string& id : d->evidence()->event_ids) rows.emplace(id, 0);
    }
  }
  CIRT_RETURN_IF_ERROR(ResolveEventRows(db, &rows));

  CIRT_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(&db));
  const std::string anomaly_types = AnomalyTypeList();
  std::vector<std::string> conditions = {fmt::format("type NOT IN ({})", anomaly_types)};
  if (options.anomalies) conditions.push_back(fmt::format("type IN ({})", anomaly_types));
  for (const std::string& cond : conditions) {
    CIRT_RETURN_IF_ERROR(db.Exec(fmt::format(
        "DELETE FROM detection_evidence WHERE detection IN (SELECT detection FROM derived WHERE "
        "{0}); DELETE FROM detections WHERE id IN (SELECT detection FROM derived WHERE {0}); "
        "DELETE FROM derived WHERE {0};",
        cond)));
  }
  CIRT_ASSIGN_OR_RETURN(RuleRows rules, RuleRows::Prepare(&db));
  CIRT_ASSIGN_OR_RETURN(Statement insert_detection,
                        db.Prepare("INSERT INTO detections(event, rule) VALUES(?1, ?2)"));
  CIRT_ASSIGN_OR_RETURN(
      Statement insert_derived,
      db.Prepare("INSERT INTO derived(detection,type,count,grp,first_time_us,last_time_us) "
                 "VALUES(?1,?2,?3,?4,?5,?6)"));
  CIRT_ASSIGN_OR_RETURN(
      Statement insert_evidence,
      db.Prepare("INSERT OR IGNORE INTO detection_evidence(detection, event) VALUES(?1, ?2)"));
  for (const model::Detection* d : derived) {
    const model::Evidence& ev = *d->evidence();
    std::vector<int64_t> evidence_rows;
    for (const std::string& id : ev.event_ids) {
      auto it = rows.find(id);
      if (it != rows.end() && it->second != 0) evidence_rows.push_back(it->second);
    }
    auto own = rows.find(std::string(d->event_id()));
    const int64_t event = own != rows.end() && own->second != 0
                              ? own->second
                              : (evidence_rows.empty() ? 0 : evidence_rows.back());
    if (event == 0) continue;  // no event of the case to hang it on (records without eventID)
    CIRT_ASSIGN_OR_RETURN(const int64_t rule_row, rules.Row(d->rule()));
    insert_detection.BindInt(1, event);
    insert_detection.BindInt(2, rule_row);
    CIRT_RETURN_IF_ERROR(insert_detection.Run());
    const int64_t detection = db.LastInsertRowId();
    std::string group;
    for (const auto& [field, value] : ev.group) {
      group += (group.empty() ? "" : "\x1f") + field + "=" + value;
    }
    insert_derived.BindInt(1, detection);
    insert_derived.BindText(2, ev.type);
    insert_derived.BindDouble(3, ev.count);
    insert_derived.BindText(4, group);
    insert_derived.BindInt(5, ev.first_time_us);
    insert_derived.BindInt(6, ev.last_time_us);
    CIRT_RETURN_IF_ERROR(insert_derived.Run());
    for (int64_t e : evidence_rows) {
      insert_evidence.BindInt(1, detection);
      insert_evidence.BindInt(2, e);
      CIRT_RETURN_IF_ERROR(insert_evidence.Run());
    }
    ++stored;
  }
  CIRT_RETURN_IF_ERROR(tx.Commit());
  return stored;
}
}  // namespace

Result<IngestStats> Ingest(Case* kase, const IngestOptions& options, Diagnostics* diagnostics) {
  const auto start = Clock::now();
  IngestStats stats;
  Db& db = kase->db();

  // Rules: the built-in pack and --rules, as `cirt hunt` loads them.
  std::vector<sigma::Rule> rules;
  std::vector<sigma::Correlation> correlations;  // run over the whole case at the end
  CIRT_RETURN_IF_ERROR(detect::LoadAllRules(options.builtin_rules, options.rule_paths,
                                            options.load, &rules, &correlations, &stats.rules));
  model::FieldPlan plan;
  const ingest::ModelSlots slots = ingest::ModelSlots::Register(&plan);
  const CredentialSlots cred = CredentialSlots::Register(&plan);
  std::vector<std::pair<model::SlotId, std::string_view>> resource_slots;
  for (const ResourcePath& p : kResourcePaths) {
    resource_slots.emplace_back(plan.AddPath(p.path), p.kind);
  }
  std::vector<sigma::LoadOutcome> compile_errors;
  std::unique_ptr<sigma::Matcher> matcher;
  if (!rules.empty()) {
    matcher = sigma::Matcher::Compile(std::move(rules), &plan, &compile_errors);
  }
  stats.rules.outcomes.insert(stats.rules.outcomes.end(), compile_errors.begin(),
                              compile_errors.end());
  for (const auto& o : stats.rules.outcomes) {
    switch (o.kind) {
      case sigma::LoadOutcome::Kind::kLoaded:
        ++stats.rules.loaded;
        break;
      case sigma::LoadOutcome::Kind::kOtherLogsource:
        ++stats.rules.other_logsource;
        break;
      case sigma::LoadOutcome::Kind::kCorrelation:
        ++stats.rules.correlation;
        break;
      case sigma::LoadOutcome::Kind::kError:
        ++stats.rules.errors;
        diagnostics->Warn(Status::InvalidArgument(o.message, {.file = o.file}));
        break;
    }
  }
  std::vector<int64_t> rule_rows;
  if (matcher) {
    stats.rules.loaded = matcher->rule_count();
    CIRT_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(&db));
    CIRT_ASSIGN_OR_RETURN(RuleRows rules, RuleRows::Prepare(&db));
    for (uint32_t r = 0; r < matcher->rule_count(); ++r) {
      const sigma::Rule& rule = matcher->rule(r);
      if (rule.aggregation) ++stats.rules_aggregating;
      CIRT_ASSIGN_OR_RETURN(int64_t row, rules.Row(rule.id, rule.title, rule.level, rule.tags));
      rule_rows.push_back(row);
    }
    CIRT_RETURN_IF_ERROR(tx.Commit());
  }

  std::vector<Status> input_errors;
  std::vector<io::InputFile> files = io::ExpandInputs(options.inputs, &input_errors);
  // Never ingest the case itself (an input folder that contains it).
  std::error_code ec;
  const std::string case_dir = std::filesystem::weakly_canonical(kase->dir(), ec).string() + "/";
  std::erase_if(files, [&](const io::InputFile& f) {
    std::error_code e;
    return std::filesystem::weakly_canonical(f.path, e).string().rfind(case_dir, 0) == 0;
  });
  for (const Status& e : input_errors) diagnostics->Warn(e);
  stats.input_errors = input_errors.size();
  stats.files = files.size();

  ingest::CloudTrailReader reader(plan, slots, diagnostics);
  EventIndexer indexer(&db, cred, resource_slots, matcher.get(), rule_rows, options);
  CIRT_RETURN_IF_ERROR(indexer.Prepare());
  indexer.progress.files_total = files.size();
  CIRT_ASSIGN_OR_RETURN(Statement known, db.Prepare("SELECT id FROM files WHERE sha256=?1"));
  CIRT_ASSIGN_OR_RETURN(
      Statement insert_file,
      db.Prepare("INSERT INTO files(sha256,path,size,kind,records,records_skipped,partial,evidence,"
                 "ingested_at) VALUES(?1,?2,?3,?4,0,0,0,?5,?6)"));
  CIRT_ASSIGN_OR_RETURN(
      Statement finish_file,
      db.Prepare("UPDATE files SET records=?2, records_skipped=?3, partial=?4 WHERE id=?1"));

  io::Buffer bytes, plain;
  auto file_done = [&] {
    ++indexer.progress.files_done;
    if (options.on_progress) {
      indexer.progress.records = indexer.events;
      indexer.progress.file_committed = true;
      options.on_progress(indexer.progress);
    }
  };
  for (const io::InputFile& f : files) {
    Status read = io::ReadFile(f.path, &bytes);
    if (!read.ok()) {
      diagnostics->Warn(read);
      ++stats.files_skipped;
      continue;
    }
    const std::string sha256 = io::Sha256Hex(bytes.view());
    known.BindText(1, sha256);
    CIRT_ASSIGN_OR_RETURN(bool seen, known.Step());
    known.Reset();
    if (seen) {
      ++stats.files_already;
      file_done();
      continue;
    }
    // Decompress once here to see what the file holds; a damaged gzip goes
    // to the reader as it is, which keeps what precedes the damage and says
    // where it is.
    std::string_view text = bytes.view();
    bool gzip_ok = true;
    if (io::IsGzip(text)) {
      gzip_ok = io::Gunzip(text, &plain).ok();
      if (gzip_ok) text = plain.view();
    }
    const bool findings = gzip_ok && ingest::LooksLikeFindings(text.substr(0, 1 << 16));

    CIRT_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(&db));
    const std::string evidence = "evidence/" + sha256 + ".gz";
    const std::string now = NowUtc();
    insert_file.BindText(1, sha256);
    insert_file.BindText(2, f.path);
    insert_file.BindInt(3, static_cast<int64_t>(bytes.size()));
    insert_file.BindText(4, findings ? "findings" : "cloudtrail");
    insert_file.BindText(5, evidence);
    insert_file.BindText(6, now);
    CIRT_RETURN_IF_ERROR(insert_file.Run());
    const int64_t file_id = db.LastInsertRowId();
    uint64_t records = 0, skipped = 0;
    bool partial = false, usable = true, digest = false;
    if (findings) {
      std::vector<model::Finding> found;
      skipped = ingest::ReadFindings(f.path, text, &found, diagnostics);
      CIRT_RETURN_IF_ERROR(InsertFindings(&db, file_id, found));
      records = found.size();
      stats.alerts += found.size();
      usable = records > 0 || skipped == 0;
    } else {
      indexer.BeginFile(file_id);
      ingest::ReadStats rs = reader.ReadBytes(f.path, gzip_ok ? text : bytes.view(), &indexer);
      indexer.Flush();
      rs.bytes_read = bytes.size();
      stats.read.Add(rs);
      CIRT_RETURN_IF_ERROR(indexer.status());
      records = indexer.file_events();
      skipped = rs.records_skipped;
      partial = rs.files_partial > 0;
      digest = rs.digest_files > 0;
      usable = rs.files_skipped == 0 && !digest;
    }
    if (!usable) {
      // Nothing usable (not CloudTrail, unreadable JSON) or a CloudTrail
      // digest file: not recorded, so a later run looks at it again. A valid
      // file with no records ({"Records":[]}) is recorded.
      if (!digest) ++stats.files_skipped;
      indexer.AbandonFile();
      continue;  // `tx` rolls back
    }
    finish_file.BindInt(1, file_id);
    finish_file.BindInt(2, static_cast<int64_t>(records));
    finish_file.BindInt(3, static_cast<int64_t>(skipped));
    finish_file.BindInt(4, partial ? 1 : 0);
    CIRT_RETURN_IF_ERROR(finish_file.Run());
    CIRT_RETURN_IF_ERROR(KeepEvidence(kase->EvidencePath(sha256), bytes.view()));
    CIRT_RETURN_IF_ERROR(tx.Commit());
    ++stats.files_ingested;
    file_done();
  }
  stats.events = indexer.events;
  stats.duplicates = indexer.duplicates;
  stats.resources = indexer.resources;
  stats.detections = indexer.detections;
  stats.seconds_index = indexer.seconds_index;
  const auto index_start = Clock::now();
  CIRT_RETURN_IF_ERROR(kase->CreateIndexes());
  stats.seconds_indexes = std::chrono::duration<double>(Clock::now() - index_start).count();
  if (options.rehunt) {
    CIRT_ASSIGN_OR_RETURN(stats.rehunt_added, Rehunt(kase, options));
    stats.detections += stats.rehunt_added;
  }
  const auto derive_start = Clock::now();
  CIRT_ASSIGN_OR_RETURN(
      stats.derived,
      DeriveDetections(kase, options, !correlations.empty() || stats.rules_aggregating > 0));
  stats.seconds_derive = std::chrono::duration<double>(Clock::now() - derive_start).count();
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return stats;
}

namespace {

class PickRecord : public ingest::RecordSink {
 public:
  explicit PickRecord(uint64_t index) : index_(index) {}
  void OnRecord(const model::Event&, const model::FieldValues& values,
                const model::RecordOrigin& origin) override {
    if (origin.record_index == index_) {
      raw = std::string(values.raw_record());
      found = true;
    }
  }
  std::string raw;
  bool found = false;

 private:
  uint64_t index_;
};

}  // namespace

Result<std::string> RawEvent(Case* kase, int64_t event_rowid) {
  CIRT_ASSIGN_OR_RETURN(Statement q,
                        kase->db().Prepare("SELECT e.record_index, f.evidence, f.path FROM events "
                                           "e JOIN files f ON f.id = e.file_id "
                                           "WHERE e.id = ?1"));
  q.BindInt(1, event_rowid);
  CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound(fmt::format("no event {} in the case", event_rowid));
  const uint64_t index = static_cast<uint64_t>(q.Int(0));
  const std::string evidence =
      (std::filesystem::path(kase->dir()) / std::string(q.Text(1))).string();
  const std::string original(q.Text(2));
  io::Buffer bytes;
  CIRT_RETURN_IF_ERROR(io::ReadFile(evidence, &bytes));
  model::FieldPlan plan;
  const ingest::ModelSlots slots = ingest::ModelSlots::Register(&plan);
  plan.set_needs_raw_record(true);
  Diagnostics quiet(nullptr);
  ingest::CloudTrailReader reader(plan, slots, &quiet);
  PickRecord pick(index);
  (void)reader.ReadBytes(original, bytes.view(), &pick);
  if (!pick.found) {
    return Status::NotFound(fmt::format("record {} not found in the evidence copy", index),
                            {.file = evidence});
  }
  return pick.raw;
}

}  // namespace cirt::store
