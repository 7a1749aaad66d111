#include "store/ingest.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

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

// Writes the rows of one CloudTrail file. SQLite errors stop the writing;
// status() reports the first.
class EventIndexer : public ingest::RecordSink {
 public:
  EventIndexer(Db* db, const ingest::ModelSlots& slots, const CredentialSlots& cred,
               const std::vector<std::pair<model::SlotId, std::string_view>>& resource_slots,
               const sigma::Matcher* matcher, const std::vector<int64_t>& rule_rows,
               const IngestOptions& options)
      : db_(db),
        slots_(slots),
        cred_(cred),
        resource_slots_(resource_slots),
        matcher_(matcher),
        rule_rows_(rule_rows),
        options_(options),
        scratch_(matcher ? matcher->NewScratch() : sigma::Matcher::ScratchPtr()) {}

  Status Prepare() {
    CIRT_ASSIGN_OR_RETURN(insert_event_, db_->Prepare(
        "INSERT INTO events(time_us,event_time,event_id,event_source,event_name,event_type,"
        "aws_region,account_id,identity_type,principal_arn,principal_account,principal_id,"
        "user_name,access_key_id,session_issuer_arn,session_name,session_creation_time,"
        "source_ip,user_agent,error_code,read_only,request_id,file_id,record_index) VALUES"
        "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24)"));
    CIRT_ASSIGN_OR_RETURN(insert_resource_,
                          db_->Prepare("INSERT INTO event_resources(event,kind,value) VALUES(?1,?2,?3)"));
    CIRT_ASSIGN_OR_RETURN(insert_credential_, db_->Prepare(
        "INSERT INTO credentials(event,issued_key,role_arn,session_name,issued_arn,user_name) "
        "VALUES(?1,?2,?3,?4,?5,?6)"));
    CIRT_ASSIGN_OR_RETURN(insert_detection_,
                          db_->Prepare("INSERT INTO detections(event,rule) VALUES(?1,?2)"));
    return Status::Ok();
  }

  void BeginFile(int64_t file_id) {
    file_id_ = file_id;
    file_events_ = 0;
  }

  void OnRecord(const model::Event& e, const model::FieldValues& values,
                const model::RecordOrigin& origin) override {
    if (!status_.ok()) return;
    if (matcher_) matcher_->Match(values, scratch_.get(), &matched_);
    const auto start = Clock::now();
    Statement& s = insert_event_;
    const model::UserIdentity& ui = e.user_identity;
    s.BindInt(1, e.time_us);
    s.BindText(2, e.event_time);
    s.BindText(3, e.event_id);
    s.BindText(4, e.event_source);
    s.BindText(5, e.event_name);
    s.BindText(6, e.event_type);
    s.BindText(7, e.aws_region);
    s.BindText(8, e.recipient_account_id);
    s.BindText(9, ui.type);
    s.BindText(10, ui.arn);
    s.BindText(11, ui.account_id);
    s.BindText(12, ui.principal_id);
    s.BindText(13, ui.user_name);
    s.BindText(14, ui.access_key_id);
    s.BindText(15, ui.session_issuer_arn);
    s.BindText(16, SessionName(ui.arn));
    s.BindText(17, ui.session_creation_date);
    s.BindText(18, e.source_ip);
    s.BindText(19, e.user_agent);
    s.BindText(20, e.error_code);
    if (e.read_only) {
      s.BindInt(21, *e.read_only ? 1 : 0);
    } else {
      s.BindNull(21);
    }
    s.BindText(22, e.request_id);
    s.BindInt(23, file_id_);
    s.BindInt(24, static_cast<int64_t>(origin.record_index));
    if (!Check(s.Run())) return;
    const int64_t row = db_->LastInsertRowId();

    for (const auto& [slot, kind] : resource_slots_) {
      for (const model::FieldValue& v : values.at(slot)) {
        if (v.kind != model::ValueKind::kString || v.text.empty()) continue;
        insert_resource_.BindInt(1, row);
        insert_resource_.BindText(2, kind);
        insert_resource_.BindText(3, v.text);
        if (!Check(insert_resource_.Run())) return;
        ++resources;
      }
    }

    if (e.error_code.empty() && IssuesCredentials(e.event_name)) {
      Statement& c = insert_credential_;
      c.BindInt(1, row);
      const bool create_key = e.event_name == "CreateAccessKey";
      c.BindText(2, FirstString(values, create_key ? cred_.new_key : cred_.issued_key));
      c.BindText(3, FirstString(values, cred_.role_arn));
      c.BindText(4, FirstString(values, cred_.session_name));
      std::string_view issued_arn = FirstString(values, cred_.issued_arn);
      if (issued_arn.empty()) issued_arn = FirstString(values, cred_.federated_arn);
      c.BindText(5, issued_arn);
      std::string_view user;
      if (create_key) {
        user = FirstString(values, cred_.new_key_user);
        if (user.empty()) user = FirstString(values, cred_.request_user);
        // CreateAccessKey without userName creates a key for the caller.
        if (user.empty()) user = ui.user_name;
      }
      c.BindText(6, user);
      if (!Check(c.Run())) return;
    }

    for (uint32_t r : matched_) {
      if (matcher_->rule(r).aggregation) continue;  // legacy aggregations: `cirt hunt`
      insert_detection_.BindInt(1, row);
      insert_detection_.BindInt(2, rule_rows_[r]);
      if (!Check(insert_detection_.Run())) return;
      ++detections;
    }
    seconds_index += std::chrono::duration<double>(Clock::now() - start).count();
    ++events;
    ++file_events_;
    if (options_.on_progress && options_.progress_every &&
        file_events_ % options_.progress_every == 0) {
      progress.records = events;
      progress.file_committed = false;
      options_.on_progress(progress);
    }
  }

  const Status& status() const { return status_; }
  uint64_t file_events() const { return file_events_; }

  uint64_t events = 0, resources = 0, detections = 0;
  double seconds_index = 0;
  IngestProgress progress;

 private:
  bool Check(Status s) {
    if (s.ok()) return true;
    status_ = std::move(s);
    return false;
  }

  Db* db_;
  const ingest::ModelSlots& slots_;
  const CredentialSlots& cred_;
  const std::vector<std::pair<model::SlotId, std::string_view>>& resource_slots_;
  const sigma::Matcher* matcher_;
  const std::vector<int64_t>& rule_rows_;
  const IngestOptions& options_;
  sigma::Matcher::ScratchPtr scratch_;
  std::vector<uint32_t> matched_;
  Statement insert_event_, insert_resource_, insert_credential_, insert_detection_;
  int64_t file_id_ = 0;
  uint64_t file_events_ = 0;
  Status status_;
};

Status InsertFindings(Db* db, int64_t file_id, const std::vector<model::Finding>& findings) {
  CIRT_ASSIGN_OR_RETURN(Statement alert, db->Prepare(
      "INSERT INTO alerts(file_id,source,finding_id,type,title,severity,severity_label,"
      "account_id,region,first_seen,last_seen,time_us,raw) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"));
  CIRT_ASSIGN_OR_RETURN(Statement entity,
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

}  // namespace

Result<IngestStats> Ingest(Case* kase, const IngestOptions& options, Diagnostics* diagnostics) {
  const auto start = Clock::now();
  IngestStats stats;
  Db& db = kase->db();

  // Rules: the built-in pack and --rules, as `cirt hunt` loads them.
  std::vector<sigma::Rule> rules;
  CIRT_RETURN_IF_ERROR(detect::LoadAllRules(options.builtin_rules, options.rule_paths,
                                            options.load, &rules, &stats.rules));
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
      case sigma::LoadOutcome::Kind::kLoaded: ++stats.rules.loaded; break;
      case sigma::LoadOutcome::Kind::kOtherLogsource: ++stats.rules.other_logsource; break;
      case sigma::LoadOutcome::Kind::kCorrelation: ++stats.rules.correlation; break;
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
    CIRT_ASSIGN_OR_RETURN(Statement insert, db.Prepare(
        "INSERT OR IGNORE INTO rules(rule_id,title,level,tags) VALUES(coalesce(?1,''),?2,?3,?4)"));
    CIRT_ASSIGN_OR_RETURN(Statement find,
                          db.Prepare("SELECT id FROM rules WHERE rule_id=coalesce(?1,'') AND title=?2"));
    for (uint32_t r = 0; r < matcher->rule_count(); ++r) {
      const sigma::Rule& rule = matcher->rule(r);
      if (rule.aggregation) ++stats.rules_aggregating;
      const std::string tags = JoinTags(rule.tags);
      insert.BindText(1, rule.id);
      insert.BindText(2, rule.title);
      insert.BindText(3, model::LevelName(rule.level));
      insert.BindText(4, tags);
      CIRT_RETURN_IF_ERROR(insert.Run());
      find.BindText(1, rule.id);
      find.BindText(2, rule.title);
      CIRT_ASSIGN_OR_RETURN(bool row, find.Step());
      rule_rows.push_back(row ? find.Int(0) : 0);
      find.Reset();
    }
    CIRT_RETURN_IF_ERROR(tx.Commit());
  }

  std::vector<Status> input_errors;
  const std::vector<io::InputFile> files = io::ExpandInputs(options.inputs, &input_errors);
  for (const Status& e : input_errors) diagnostics->Warn(e);
  stats.input_errors = input_errors.size();
  stats.files = files.size();

  ingest::CloudTrailReader reader(plan, slots, diagnostics);
  EventIndexer indexer(&db, slots, cred, resource_slots, matcher.get(), rule_rows, options);
  CIRT_RETURN_IF_ERROR(indexer.Prepare());
  indexer.progress.files_total = files.size();
  CIRT_ASSIGN_OR_RETURN(Statement known, db.Prepare("SELECT id FROM files WHERE sha256=?1"));
  CIRT_ASSIGN_OR_RETURN(Statement insert_file, db.Prepare(
      "INSERT INTO files(sha256,path,size,kind,records,records_skipped,partial,evidence,"
      "ingested_at) VALUES(?1,?2,?3,?4,0,0,0,?5,?6)"));
  CIRT_ASSIGN_OR_RETURN(Statement finish_file, db.Prepare(
      "UPDATE files SET records=?2, records_skipped=?3, partial=?4 WHERE id=?1"));

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
    bool partial = false;
    if (findings) {
      std::vector<model::Finding> found;
      skipped = ingest::ReadFindings(f.path, text, &found, diagnostics);
      CIRT_RETURN_IF_ERROR(InsertFindings(&db, file_id, found));
      records = found.size();
      stats.alerts += found.size();
    } else {
      indexer.BeginFile(file_id);
      ingest::ReadStats rs = reader.ReadBytes(f.path, gzip_ok ? text : bytes.view(), &indexer);
      rs.bytes_read = bytes.size();
      stats.read.Add(rs);
      CIRT_RETURN_IF_ERROR(indexer.status());
      records = indexer.file_events();
      skipped = rs.records_skipped;
      partial = rs.files_partial > 0;
    }
    if (records == 0) {
      // Nothing usable (not CloudTrail, a digest file, empty): not recorded,
      // so a later run reports it again.
      ++stats.files_skipped;
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
  stats.resources = indexer.resources;
  stats.detections = indexer.detections;
  stats.seconds_index = indexer.seconds_index;
  const auto index_start = Clock::now();
  CIRT_RETURN_IF_ERROR(kase->CreateIndexes());
  stats.seconds_indexes = std::chrono::duration<double>(Clock::now() - index_start).count();
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
  CIRT_ASSIGN_OR_RETURN(Statement q, kase->db().Prepare(
      "SELECT e.record_index, f.evidence, f.path FROM events e JOIN files f ON f.id = e.file_id "
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
