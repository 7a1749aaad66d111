// src/investigate/pivot.h
// `cirt pivot`: everything a case knows about one access key, principal or
// role ARN, source IP or role session name: who it is, when and from where
// it acted, what it called and touched, its detections and alerts, and the
// credential chain in both directions (see credentials.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "investigate/credentials.h"
#include "store/case.h"

namespace cirt::investigate {

enum class SubjectKind : uint8_t { kAccessKey, kPrincipal, kRole, kIp, kSession };
std::string_view SubjectKindName(SubjectKind kind);  // "access_key", "principal", ...

struct Subject {
  SubjectKind kind = SubjectKind::kSession;
  std::string value;
};
// AKIA/ASIA... -> access key; an ARN with ":role/" -> role; other ARNs ->
// principal; an IPv4/IPv6 address -> ip; anything else -> a session name.
Subject ClassifySubject(std::string_view text);

// A value seen in the subject's events, with its count and time span.
struct Seen {
  std::string value;
  std::string detail;  // identity type, resource kind, "read"/"write", ...
  uint64_t count = 0;
  std::string first_seen, last_seen;
};

// One link of the credential chain.
struct ChainLink {
  std::string direction;  // "up": how the subject got its keys; "down": keys it obtained
  int depth = 1;          // hops from the subject
  Issue issue;
  KeyUse use;  // what the issued key did
};

struct PivotResult {
  Subject subject;
  uint64_t events = 0;
  std::string first_seen, last_seen;
  std::vector<Seen> identities, access_keys, source_ips, user_agents, regions, accounts, apis,
      resources, detections, alerts;
  std::vector<ChainLink> chain;
};

// Errors: kNotFound when the case has no event and no alert for the subject.
Result<PivotResult> Pivot(const store::Case& kase, std::string_view subject);

// The SQL condition (on events `e`, ?1 = the subject's value) selecting a
// subject's events.
std::string_view SubjectCondition(SubjectKind kind);

}  // namespace cirt::investigate
