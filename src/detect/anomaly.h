// src/detect/anomaly.h
// First-seen anomalies per principal against a baseline window, and bursts
// of denied calls. Events before the end of the baseline say what is
// usual for each principal (source networks, user agents, regions, APIs,
// long-term keys used from outside AWS); after it, the first event with
// something new becomes a model::Detection with model::Evidence. Used by
// `cirt hunt --anomalies` and usable by any consumer of model::Event (a case
// store feeding events one by one).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/detection.h"
#include "model/event.h"

namespace cirt::detect {

enum class AnomalyKind : uint8_t {
  kFirstSeenNetwork,       // a source network (/24 IPv4, /48 IPv6) new for the principal
  kFirstSeenUserAgent,     // a user agent new for the principal
  kFirstSeenRegion,        // a region new for the principal
  kFirstSeenApi,           // an API (eventSource:eventName) new for the principal
  kLongTermKeyOutsideAws,  // an AKIA key used from an IP address for the first time
  kAccessDeniedBurst,      // many denied calls by one principal in a short window
};
inline constexpr size_t kAnomalyKindCount = 6;

// "first_seen_network", "first_seen_user_agent", "first_seen_region",
// "first_seen_api", "long_term_key_outside_aws", "access_denied_burst":
// the Evidence::type of each kind's detections.
std::string_view AnomalyKindName(AnomalyKind kind);

// The fixed rule of each kind: id (a stable UUID), title, level and ATT&CK
// tags. Static storage: detections may point to it for the whole program.
const model::RuleInfo& AnomalyRule(AnomalyKind kind);

struct AnomalyOptions {
  // Events before this time form the baseline. Default: the time of the
  // first event plus `baseline_us`.
  std::optional<int64_t> baseline_end_us;
  // Default: 7 days.
  int64_t baseline_us = int64_t{7} * 86400 * 1000000;
  // Prefix lengths that make a source IP's network. Default: /24 and /48;
  // 32 and 128 make every new address count.
  int ipv4_prefix = 24;
  int ipv6_prefix = 48;
  // A burst: at least `denial_threshold` denied calls (AccessDenied,
  // AccessDeniedException, UnauthorizedOperation,
  // Client.UnauthorizedOperation, UnauthorizedAccess) by one principal
  // within `denial_window_us`, baseline or not. Defaults: 10 within 10 min.
  uint32_t denial_threshold = 10;
  int64_t denial_window_us = int64_t{10} * 60 * 1000000;
};

// Who an event's anomalies are about: the role for an assumed-role
// session (its sessionIssuer ARN: session names change with every
// session), else userIdentity.arn; empty for callers without an ARN (AWS
// services), which are not tracked.
std::string_view AnomalyPrincipal(const model::Event& event);

// Not thread-safe: use one detector per thread and Merge them.
class AnomalyDetector {
 public:
  explicit AnomalyDetector(AnomalyOptions options = {});
  ~AnomalyDetector();
  AnomalyDetector(AnomalyDetector&&) noexcept;
  AnomalyDetector& operator=(AnomalyDetector&&) noexcept;

  // Adds one event. Events may come in any order (a hunt's threads read
  // files in parallel) or in time order (a case store): the result is the
  // same, because only each value's earliest event matters (ties broken by
  // file_index, then record index). Copies what it keeps; memory grows with
  // the distinct (principal, value) pairs and the denied calls, not with
  // the events.
  void Add(const model::Event& event, const model::RecordOrigin& origin, uint32_t file_index = 0);

  // Moves `other`'s state into this detector; `other` is left empty.
  // REQUIRES: both were built with the same options.
  void Merge(AnomalyDetector&& other);

  // The end of the baseline used: the option, or the first event's time
  // plus the baseline length; std::nullopt before any event was added.
  std::optional<int64_t> baseline_end_us() const;

  // The anomalies, sorted by time: each detection's fields are those of the
  // event that showed the new value (or ended the burst), its rule is
  // AnomalyRule(kind), and its Evidence has type AnomalyKindName(kind),
  // group [("principal", ...), (<what is new>, value)] and the event ids.
  // A principal with no event in the baseline has nothing to compare with
  // and yields no first-seen anomalies (bursts still count). Can be called
  // again after more events were added.
  std::vector<model::Detection> Finish() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cirt::detect
