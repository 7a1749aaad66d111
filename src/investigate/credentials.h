// src/investigate/credentials.h
// The credential graph of a case: which call issued an access key (STS
// AssumeRole*, GetSessionToken, GetFederationToken, IAM CreateAccessKey) and
// which keys a set of calls obtained. When CloudTrail leaves the issued key
// out (responseElements null), the link is inferred from the AssumeRole
// call's requestParameters (roleArn, roleSessionName) and time, matched with
// the session's userIdentity.sessionContext (sessionIssuer ARN, the session
// name in the assumed-role ARN, creationDate): such links say so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/case.h"

namespace cirt::investigate {

// How far creationDate may be from the AssumeRole eventTime for an inferred
// link (they are normally the same second).
inline constexpr int64_t kInferWindowUs = 300LL * 1000000;

// One issuing call and the credentials it gave.
struct Issue {
  int64_t event_rowid = 0;
  std::string event_id, event_time, event_name, event_source, account_id, source_ip;
  int64_t time_us = 0;
  std::string caller_key, caller_principal;  // who made the call
  std::string role_arn, session_name;        // AssumeRole* requestParameters
  std::string user_name;                     // CreateAccessKey: the key's user
  std::string issued_key;                    // empty when not found even by inference
  std::string issued_principal;              // the session's ARN
  bool inferred = false;
  std::string how;  // the evidence of the link
};

// The call that issued `access_key`, if the case holds it.
Result<std::optional<Issue>> IssuerOf(const store::Case& kase, std::string_view access_key);

// The credentials issued by the events matching `where` (an SQL condition on
// events aliased `e`, with ?1 bound to `value`), in time order.
Result<std::vector<Issue>> IssuedBy(const store::Case& kase, std::string_view where,
                                    std::string_view value);

// What a key did: its event count and the distinct API names called.
struct KeyUse {
  uint64_t events = 0;
  std::string principal;
  std::vector<std::string> apis;
};
Result<KeyUse> UseOf(const store::Case& kase, std::string_view access_key);

}  // namespace cirt::investigate
