#include "investigate/scope.h"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "investigate/credentials.h"
#include "investigate/pivot.h"
#include "investigate/query_util.h"

namespace cirt::investigate {

namespace {

constexpr size_t kMaxNodes = 512;

// The playbook that contains each kind of event_resources value when a
// write call touched it.
struct ResourcePlaybook {
  std::string_view kind, playbook, param;
};
constexpr ResourcePlaybook kResourcePlaybooks[] = {
    {"userName", "iam-user", "user_name"},
    {"roleName", "iam-role", "role_name"},
    {"accessKeyId", "iam-access-key", "access_key_id"},
    {"instanceId", "ec2-instance", "instance_id"},
    {"functionName", "lambda-function", "function_name"},
    {"snapshotId", "ebs-snapshot", "snapshot_id"},
    {"bucketName", "s3-bucket", "bucket"},
};

// "arn:aws:iam::1:role/path/Name" -> "Name"; the same for users.
std::string LastPathPart(std::string_view arn) {
  size_t slash = arn.rfind('/');
  return std::string(slash == std::string_view::npos ? arn : arn.substr(slash + 1));
}

// arn:aws:sts::1:assumed-role/ROLE/SESSION -> ROLE
std::string AssumedRoleName(std::string_view arn) {
  size_t p = arn.find(":assumed-role/");
  if (p == std::string_view::npos) return {};
  std::string_view rest = arn.substr(p + 14);
  return std::string(rest.substr(0, rest.find('/')));
}

std::string Reason(std::string_view event_name) {
  if (event_name == "UpdateAssumeRolePolicy")
    return "UpdateAssumeRolePolicy (trust policy changed)";
  if (event_name == "RunInstances") return "RunInstances (launched)";
  if (event_name == "ModifySnapshotAttribute") return "ModifySnapshotAttribute (shared)";
  return std::string(event_name);
}

bool IsInstanceId(std::string_view s) {
  if (s.size() < 10 || s.substr(0, 2) != "i-") return false;
  for (char c : s.substr(2)) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

class Closure {
 public:
  explicit Closure(const store::Case& kase) : kase_(kase) {}

  // One entry per playbook input, from the first path found (the closest
  // to the seed); later paths add their reasons ("; "-separated), and one
  // that is not inferred clears the inferred mark.
  void Add(ScopeEntry e) {
    auto key = std::make_tuple(e.playbook, e.param, e.value);
    auto [it, added] = seen_.emplace(key, entries_.size());
    if (added) {
      entries_.push_back(std::move(e));
      return;
    }
    ScopeEntry& first = entries_[it->second];
    if (first.inferred && !e.inferred) first.inferred = false;
    const std::string& r = first.reason;
    bool known = false;
    for (size_t start = 0; start <= r.size();) {
      size_t end = r.find("; ", start);
      if (end == std::string::npos) end = r.size();
      if (std::string_view(r).substr(start, end - start) == e.reason) known = true;
      start = end + 2;
    }
    if (!known) first.reason += "; " + e.reason;
  }

  // A key or principal to follow.
  void Follow(SubjectKind kind, std::string value, std::string via, bool inferred) {
    if (value.empty() || nodes_.size() >= kMaxNodes) return;
    if (!visited_.insert({kind, value}).second) return;
    nodes_.push_back({kind, std::move(value), std::move(via), inferred});
  }

  Status Run() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node n = nodes_[i];  // a copy: nodes_ grows
      CIRT_RETURN_IF_ERROR(Visit(n));
    }
    return Status::Ok();
  }

  std::vector<ScopeEntry> entries() && { return std::move(entries_); }
  size_t nodes() const { return nodes_.size(); }

 private:
  struct Node {
    SubjectKind kind;
    std::string value, via;
    bool inferred;
  };

  Status Visit(const Node& n) {
    const std::string where(SubjectCondition(n.kind));
    // The identities behind the node.
    CIRT_ASSIGN_OR_RETURN(
        store::Statement q,
        kase_.db().Prepare(fmt::format(
            "SELECT e.access_key_id, e.principal_arn, e.identity_type, e.user_name, "
            "e.session_issuer_arn, e.session_name, min(e.event_time), min(e.event_id) FROM events "
            "e "
            "WHERE ({}) GROUP BY e.access_key_id, e.principal_arn ORDER BY min(e.time_us)",
            where)));
    q.BindText(1, n.value);
    while (true) {
      CIRT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      const std::string key(q.Text(0)), principal(q.Text(1)), type(q.Text(2)), user(q.Text(3)),
          issuer(q.Text(4)), session(q.Text(5)), first(q.Text(6));
      const std::string via = n.kind == SubjectKind::kAccessKey ? n.value : principal;
      if (type == "IAMUser") {
        if (!key.empty() && key.rfind("AKIA", 0) == 0) {
          Add({"iam-access-key", "access_key_id", key, "key", n.via, "used", "", first,
               n.inferred});
        }
        const std::string name = !user.empty() ? user : LastPathPart(principal);
        Add({"iam-user", "user_name", name, "identity", via, "used", "", first, n.inferred});
        // Every key of a compromised user is in scope.
        Follow(SubjectKind::kPrincipal, principal, via, n.inferred);
      } else if (type == "AssumedRole") {
        const std::string role =
            !issuer.empty() ? LastPathPart(issuer) : AssumedRoleName(principal);
        Add({"iam-role", "role_name", role, "session", key.empty() ? principal : key,
             fmt::format("session {}", principal), "", first, n.inferred});
        if (IsInstanceId(session)) {
          Add({"ec2-instance", "instance_id", session, "resource", principal,
               "its instance-profile credentials were used", "", first, n.inferred});
        }
      }
      if (!key.empty()) Follow(SubjectKind::kAccessKey, key, via, n.inferred);
    }

    // The credentials behind a key were in the attacker's hands too: walk up
    // to the key that issued it (stops at a service or a key the case lacks).
    if (n.kind == SubjectKind::kAccessKey) {
      CIRT_ASSIGN_OR_RETURN(std::optional<Issue> up, IssuerOf(kase_, n.value));
      if (up && !up->caller_key.empty()) {
        Follow(SubjectKind::kAccessKey, up->caller_key, n.value, n.inferred || up->inferred);
      }
    }

    // Credentials the node obtained: follow them.
    CIRT_ASSIGN_OR_RETURN(std::vector<Issue> issued, IssuedBy(kase_, where, n.value));
    for (const Issue& i : issued) {
      const bool inferred = n.inferred || i.inferred;
      if (i.event_name == "CreateAccessKey") {
        if (!i.issued_key.empty()) {
          Add({"iam-access-key", "access_key_id", i.issued_key, "key", n.value, "CreateAccessKey",
               i.event_id, i.event_time, inferred});
        }
        if (!i.user_name.empty()) {
          Add({"iam-user", "user_name", i.user_name, "identity", n.value,
               "CreateAccessKey (key created for the user)", i.event_id, i.event_time, inferred});
        }
      } else if (!i.role_arn.empty()) {
        Add({"iam-role", "role_name", LastPathPart(i.role_arn), "identity", n.value,
             fmt::format("{} {}", i.event_name, i.role_arn), i.event_id, i.event_time, inferred});
      }
      if (!i.issued_key.empty()) {
        Follow(SubjectKind::kAccessKey, i.issued_key, n.value, inferred);
      }
    }

    // Resources the node changed (successful write calls).
    CIRT_ASSIGN_OR_RETURN(
        store::Statement w,
        kase_.db().Prepare(
            fmt::format("SELECT e.resources, e.event_name, e.event_id, e.event_time FROM events e "
                        "WHERE ({}) AND e.error_code IS NULL AND e.resources IS NOT NULL AND {} "
                        "ORDER BY e.time_us, e.id",
                        where, kIsWrite)));
    w.BindText(1, n.value);
    while (true) {
      CIRT_ASSIGN_OR_RETURN(bool row, w.Step());
      if (!row) break;
      for (const std::string& entry : SplitUnit(w.Text(0))) {
        const size_t eq = entry.find('=');
        const std::string_view kind = std::string_view(entry).substr(0, eq);
        for (const ResourcePlaybook& p : kResourcePlaybooks) {
          if (p.kind != kind) continue;
          std::string value = entry.substr(eq + 1);
          // roleName/userName may be given as ARNs.
          if (value.rfind("arn:", 0) == 0 && (p.param == "role_name" || p.param == "user_name")) {
            value = LastPathPart(value);
          }
          Add({std::string(p.playbook), std::string(p.param), value, "resource", n.value,
               Reason(w.Text(1)), std::string(w.Text(2)), std::string(w.Text(3)), n.inferred});
          if (p.param == "access_key_id") {
            Follow(SubjectKind::kAccessKey, value, n.value, n.inferred);
          }
        }
      }
    }
    return Status::Ok();
  }

  const store::Case& kase_;
  std::vector<ScopeEntry> entries_;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> seen_;
  std::vector<Node> nodes_;
  std::set<std::pair<SubjectKind, std::string>> visited_;
};

}  // namespace

Result<std::vector<ScopeEntry>> Scope(const store::Case& kase, std::string_view seed) {
  Closure closure(kase);
  // A finding id (GuardDuty Id or ASFF Id): its entities are the seeds.
  CIRT_ASSIGN_OR_RETURN(
      store::Statement fq,
      kase.db().Prepare(
          "SELECT x.kind, x.value, a.finding_id, a.first_seen FROM alerts a JOIN alert_entities x "
          "ON x.alert = a.id WHERE a.finding_id = ?1 ORDER BY x.rowid"));
  fq.BindText(1, seed);
  bool finding = false;
  while (true) {
    CIRT_ASSIGN_OR_RETURN(bool row, fq.Step());
    if (!row) break;
    finding = true;
    const std::string kind(fq.Text(0)), value(fq.Text(1)), via(seed), when(fq.Text(3));
    if (kind == "access_key_id") {
      closure.Follow(SubjectKind::kAccessKey, value, via, false);
      if (value.rfind("AKIA", 0) == 0) {
        closure.Add({"iam-access-key", "access_key_id", value, "key", via, "named by the finding",
                     "", when, false});
      }
    } else if (kind == "principal_arn" || kind == "role_arn") {
      closure.Follow(ClassifySubject(value).kind, value, via, false);
    } else if (kind == "user_name") {
      closure.Add({"iam-user", "user_name", value, "identity", via, "named by the finding", "",
                   when, false});
    } else if (kind == "instance_id") {
      closure.Add({"ec2-instance", "instance_id", value, "resource", via, "named by the finding",
                   "", when, false});
      // The instance's role sessions (session name = instance id).
      closure.Follow(SubjectKind::kSession, value, via, false);
    } else if (kind == "bucket") {
      closure.Add(
          {"s3-bucket", "bucket", value, "resource", via, "named by the finding", "", when, false});
    } else if (kind == "function_name") {
      closure.Add({"lambda-function", "function_name", value, "resource", via,
                   "named by the finding", "", when, false});
    }
  }
  if (!finding) {
    Subject s = ClassifySubject(seed);
    if (s.kind == SubjectKind::kAccessKey && s.value.rfind("AKIA", 0) == 0) {
      closure.Add(
          {"iam-access-key", "access_key_id", s.value, "key", s.value, "seed", "", "", false});
    } else if (s.kind == SubjectKind::kRole) {
      closure.Add({"iam-role", "role_name", LastPathPart(s.value), "identity", s.value, "seed", "",
                   "", false});
    }
    closure.Follow(s.kind, s.value, s.value, false);
  }
  CIRT_RETURN_IF_ERROR(closure.Run());
  std::vector<ScopeEntry> entries = std::move(closure).entries();
  if (entries.empty()) {
    return Status::NotFound(fmt::format("nothing in the case for '{}'", seed));
  }
  return entries;
}

}  // namespace cirt::investigate
