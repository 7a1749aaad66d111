// src/model/event.h
// THE record model: one CloudTrail event with typed common fields. Every
// reader produces it; detectors, pivots, the store and writers consume it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cirt::model {

// The parts of `userIdentity` responders pivot on.
struct UserIdentity {
  std::string_view type;            // IAMUser, AssumedRole, Root, AWSService, ...
  std::string_view principal_id;
  std::string_view arn;
  std::string_view account_id;
  std::string_view access_key_id;   // AKIA... long-term, ASIA... temporary
  std::string_view user_name;
  std::string_view invoked_by;      // set for AWSService callers
  std::string_view session_issuer_arn;
  std::string_view session_creation_date;
};

// A view of one CloudTrail record. The string_views point into the reader's
// buffers: they stay valid until the reader moves to the next file, so copy
// (see OwnedEvent) what must outlive it. Absent fields are empty views.
struct Event {
  std::string_view event_version;
  std::string_view event_time;       // as written, "YYYY-MM-DDTHH:MM:SSZ"
  int64_t time_us = 0;               // event_time as Unix microseconds; 0 if unparsable
  std::string_view event_id;
  std::string_view event_source;     // "iam.amazonaws.com"
  std::string_view event_name;
  std::string_view event_type;       // AwsApiCall, AwsConsoleSignIn, ...
  std::string_view aws_region;
  std::string_view source_ip;        // an IP, a service DNS name or "AWS Internal"
  std::string_view user_agent;
  std::string_view error_code;
  std::string_view error_message;
  std::string_view request_id;
  std::string_view recipient_account_id;
  std::optional<bool> read_only;
  UserIdentity user_identity;
};

// Where a record came from.
struct RecordOrigin {
  std::string_view file;    // path as given on the command line (or found under it)
  uint64_t record_index = 0;  // 0-based index in the file
};

// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (also "+00:00") into Unix microseconds.
// Returns std::nullopt when `text` is not such a UTC timestamp.
std::optional<int64_t> ParseUtcTimestamp(std::string_view text);

// Formats Unix microseconds as "YYYY-MM-DDTHH:MM:SSZ" (with ".ffffff" when
// the sub-second part is not zero).
std::string FormatUtcTimestamp(int64_t time_us);

}  // namespace cirt::model
