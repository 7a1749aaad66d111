#include "detect/anomaly.h"
#include "detect/repeats.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <unordered_map>

namespace cirt::detect {

namespace {

struct KindEntry {
  AnomalyKind kind;
  std::string_view name;
  std::string_view what;  // the Evidence group key of the new value
};
constexpr KindEntry kKinds[kAnomalyKindCount] = {
    {AnomalyKind::kFirstSeenNetwork, "first_seen_network", "network"},
    {AnomalyKind::kFirstSeenUserAgent, "first_seen_user_agent", "user_agent"},
    {AnomalyKind::kFirstSeenRegion, "first_seen_region", "region"},
    {AnomalyKind::kFirstSeenApi, "first_seen_api", "api"},
    {AnomalyKind::kLongTermKeyOutsideAws, "long_term_key_outside_aws", "access_key_id"},
    {AnomalyKind::kAccessDeniedBurst, "access_denied_burst", "denied_calls"},
};

// The error codes of a call refused for lack of permission (CloudTrail
// writes the service's own code: IAM/S3 "AccessDenied", JSON APIs
// "AccessDeniedException", EC2 "Client.UnauthorizedOperation").
constexpr std::string_view kDenials[] = {"AccessDenied", "AccessDeniedException",
                                         "UnauthorizedOperation", "Client.UnauthorizedOperation",
                                         "UnauthorizedAccess"};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The earliest event that showed a value.
struct Seen {
  int64_t time_us = 0;
  uint32_t file_index = 0;
  uint64_t record_index = 0;
  model::Detection detection;  // its fields (owned text); rule set in Finish
};

bool Earlier(int64_t t, uint32_t f, uint64_t r, const Seen& s) {
  if (t != s.time_us) return t < s.time_us;
  if (f != s.file_index) return f < s.file_index;
  return r < s.record_index;
}

using SeenMap = std::unordered_map<std::string, Seen, StringHash, std::equal_to<>>;

struct PrincipalState {
  int64_t first_time_us = INT64_MAX;
  std::array<SeenMap, 4> seen;  // network, user agent, region, API
};

struct Denial {
  std::string principal;
  Seen event;
};

// Sets `*out` to the network of `ip` ("203.0.113.0/24"), or clears it when
// `ip` is not an IP address (a service name such as "ec2.amazonaws.com",
// "AWS Internal").
void Network(std::string_view ip, int v4_prefix, int v6_prefix, std::string* out) {
  out->clear();
  char text[INET6_ADDRSTRLEN + 8];
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return;
  std::memcpy(text, ip.data(), ip.size());
  text[ip.size()] = '\0';
  unsigned char addr[16];
  int family, prefix, bytes;
  if (inet_pton(AF_INET, text, addr) == 1) {
    family = AF_INET;
    prefix = std::clamp(v4_prefix, 0, 32);
    bytes = 4;
  } else if (inet_pton(AF_INET6, text, addr) == 1) {
    family = AF_INET6;
    prefix = std::clamp(v6_prefix, 0, 128);
    bytes = 16;
  } else {
    return;
  }
  for (int i = 0; i < bytes; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    addr[i] &= static_cast<unsigned char>(keep == 0 ? 0 : (0xFF << (8 - keep)) & 0xFF);
  }
  char network[INET6_ADDRSTRLEN];
  if (inet_ntop(family, addr, network, sizeof network) == nullptr) return;
  out->append(network);
  out->push_back('/');
  out->append(std::to_string(prefix));
}

bool IsDenial(std::string_view code) {
  return std::find(std::begin(kDenials), std::end(kDenials), code) != std::end(kDenials);
}

}  // namespace

std::string_view AnomalyKindName(AnomalyKind kind) {
  return kKinds[static_cast<size_t>(kind)].name;
}

const model::RuleInfo& AnomalyRule(AnomalyKind kind) {
  static const std::array<model::RuleInfo, kAnomalyKindCount> kRules = {{
      {"86ce0f56-9bd8-42e0-a5df-2e5a070fed47",
       "First-seen source network for a principal",
       model::Level::kLow,
       {"attack.initial-access", "attack.t1078.004", "detection.threat-hunting"}},
      {"5f8a5d50-d898-414a-ad06-ccf3600ae5c9",
       "First-seen user agent for a principal",
       model::Level::kLow,
       {"attack.initial-access", "attack.t1078.004", "detection.threat-hunting"}},
      {"bc183bc8-c0cc-47f1-ad9d-c75118e2f92a",
       "First-seen region for a principal",
       model::Level::kMedium,
       {"attack.defense-evasion", "attack.t1535", "detection.threat-hunting"}},
      {"8fb93436-ea25-4f10-adab-5dc032696e4c",
       "First-seen API for a principal",
       model::Level::kLow,
       {"attack.discovery", "attack.t1526", "detection.threat-hunting"}},
      {"702b4efa-6478-4007-bc71-16ca8c93e7c9",
       "Long-term access key used from outside AWS for the first time",
       model::Level::kMedium,
       {"attack.initial-access", "attack.credential-access", "attack.t1078.004", "attack.t1552.001",
        "detection.threat-hunting"}},
      {"717f8962-7656-40fa-843c-0258174e2241",
       "Burst of denied API calls (enumeration)",
       model::Level::kMedium,
       {"attack.discovery", "attack.t1580", "attack.t1087.004", "detection.threat-hunting"}},
  }};
  return kRules[static_cast<size_t>(kind)];
}

std::string_view AnomalyPrincipal(const model::Event& e) {
  if (e.user_identity.type == "AssumedRole" && !e.user_identity.session_issuer_arn.empty()) {
    return e.user_identity.session_issuer_arn;
  }
  return e.user_identity.arn;
}

struct AnomalyDetector::Impl {
  AnomalyOptions options;
  int64_t first_time_us = INT64_MAX;
  std::unordered_map<std::string, PrincipalState, StringHash, std::equal_to<>> principals;
  SeenMap keys;  // AKIA key -> first use from an IP address
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> key_principal;
  std::vector<Denial> denials;
  std::string network, api;  // per-event scratch

  static void Observe(SeenMap* map, std::string_view value, const model::Event& e,
                      const model::RecordOrigin& origin, uint32_t file_index) {
    if (value.empty()) return;
    auto it = map->find(value);
    if (it != map->end() && !Earlier(e.time_us, file_index, origin.record_index, it->second)) {
      return;
    }
    Seen s{e.time_us, file_index, origin.record_index,
           model::Detection(&AnomalyRule(AnomalyKind::kFirstSeenApi), e, origin)};
    s.detection.file_index = file_index;
    if (it == map->end()) {
      map->emplace(std::string(value), std::move(s));
    } else {
      it->second = std::move(s);
    }
  }
};

AnomalyDetector::AnomalyDetector(AnomalyOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
AnomalyDetector::~AnomalyDetector() = default;
AnomalyDetector::AnomalyDetector(AnomalyDetector&&) noexcept = default;
AnomalyDetector& AnomalyDetector::operator=(AnomalyDetector&&) noexcept = default;

void AnomalyDetector::Add(const model::Event& e, const model::RecordOrigin& origin,
                          uint32_t file_index) {
  if (e.time_us == 0) return;  // no usable eventTime
  Impl& m = *impl_;
  m.first_time_us = std::min(m.first_time_us, e.time_us);
  const std::string_view principal = AnomalyPrincipal(e);
  std::string& network = m.network;
  Network(e.source_ip, m.options.ipv4_prefix, m.options.ipv6_prefix, &network);
  if (!principal.empty()) {
    auto it = m.principals.find(principal);
    if (it == m.principals.end())
      it = m.principals.emplace(std::string(principal), PrincipalState{}).first;
    PrincipalState& st = it->second;
    st.first_time_us = std::min(st.first_time_us, e.time_us);
    Impl::Observe(&st.seen[0], network, e, origin, file_index);
    Impl::Observe(&st.seen[1], e.user_agent, e, origin, file_index);
    Impl::Observe(&st.seen[2], e.aws_region, e, origin, file_index);
    if (!e.event_source.empty() && !e.event_name.empty()) {
      m.api.assign(e.event_source).append(":").append(e.event_name);
      Impl::Observe(&st.seen[3], m.api, e, origin, file_index);
    }
  }
  const std::string_view key = e.user_identity.access_key_id;
  if (key.size() > 4 && key.substr(0, 4) == "AKIA" && !network.empty()) {
    Impl::Observe(&m.keys, key, e, origin, file_index);
    if (!principal.empty() && m.key_principal.find(key) == m.key_principal.end()) {
      m.key_principal.emplace(std::string(key), std::string(principal));
    }
  }
  if (!e.error_code.empty() && IsDenial(e.error_code)) {
    std::string who(principal.empty() ? key : principal);
    if (!who.empty()) {
      Seen s{e.time_us, file_index, origin.record_index,
             model::Detection(&AnomalyRule(AnomalyKind::kAccessDeniedBurst), e, origin)};
      s.detection.file_index = file_index;
      m.denials.push_back({std::move(who), std::move(s)});
    }
  }
}

void AnomalyDetector::Merge(AnomalyDetector&& other) {
  Impl& m = *impl_;
  Impl& o = *other.impl_;
  m.first_time_us = std::min(m.first_time_us, o.first_time_us);
  auto merge_map = [](SeenMap* into, SeenMap* from) {
    for (auto& [value, seen] : *from) {
      auto it = into->find(value);
      if (it == into->end()) {
        into->emplace(value, std::move(seen));
      } else if (Earlier(seen.time_us, seen.file_index, seen.record_index, it->second)) {
        it->second = std::move(seen);
      }
    }
    from->clear();
  };
  for (auto& [principal, st] : o.principals) {
    auto it = m.principals.find(principal);
    if (it == m.principals.end()) {
      m.principals.emplace(principal, std::move(st));
      continue;
    }
    it->second.first_time_us = std::min(it->second.first_time_us, st.first_time_us);
    for (size_t k = 0; k < st.seen.size(); ++k) merge_map(&it->second.seen[k], &st.seen[k]);
  }
  o.principals.clear();
  merge_map(&m.keys, &o.keys);
  for (auto& [key, principal] : o.key_principal) m.key_principal.emplace(key, principal);
  o.key_principal.clear();
  for (auto& d : o.denials) m.denials.push_back(std::move(d));
  o.denials.clear();
}

std::optional<int64_t> AnomalyDetector::baseline_end_us() const {
  if (impl_->options.baseline_end_us) return impl_->options.baseline_end_us;
  if (impl_->first_time_us == INT64_MAX) return std::nullopt;
  return impl_->first_time_us + impl_->options.baseline_us;
}

std::vector<model::Detection> AnomalyDetector::Finish() const {
  const Impl& m = *impl_;
  std::vector<model::Detection> out;
  const std::optional<int64_t> end = baseline_end_us();
  if (!end) return out;
  auto emit = [&](AnomalyKind kind, const Seen& s, std::string_view principal,
                  std::string_view value) {
    model::Detection d = s.detection;
    d.set_rule(&AnomalyRule(kind));
    model::Evidence ev;
    ev.type = std::string(AnomalyKindName(kind));
    ev.count = 1;
    ev.group.emplace_back("principal", std::string(principal));
    ev.group.emplace_back(std::string(kKinds[static_cast<size_t>(kind)].what), std::string(value));
    ev.event_ids.emplace_back(s.detection.event_id());
    ev.first_time_us = ev.last_time_us = s.time_us;
    d.set_evidence(std::move(ev));
    out.push_back(std::move(d));
  };
  static constexpr AnomalyKind kPerPrincipal[4] = {
      AnomalyKind::kFirstSeenNetwork, AnomalyKind::kFirstSeenUserAgent,
      AnomalyKind::kFirstSeenRegion, AnomalyKind::kFirstSeenApi};
  for (const auto& [principal, st] : m.principals) {
    if (st.first_time_us >= *end) continue;  // no baseline for this principal
    for (size_t k = 0; k < 4; ++k) {
      for (const auto& [value, seen] : st.seen[k]) {
        if (seen.time_us >= *end) emit(kPerPrincipal[k], seen, principal, value);
      }
    }
  }
  for (const auto& [key, seen] : m.keys) {
    if (seen.time_us < *end) continue;
    auto p = m.key_principal.find(key);
    emit(AnomalyKind::kLongTermKeyOutsideAws, seen,
         p == m.key_principal.end() ? std::string_view() : std::string_view(p->second), key);
  }

  // Bursts: a window per principal sliding over its denied calls in time
  // order; a burst is reported once, then counting starts afresh.
  std::vector<const Denial*> denials;
  denials.reserve(m.denials.size());
  for (const Denial& d : m.denials) denials.push_back(&d);
  std::sort(denials.begin(), denials.end(), [](const Denial* a, const Denial* b) {
    if (a->principal != b->principal) return a->principal < b->principal;
    return Earlier(a->event.time_us, a->event.file_index, a->event.record_index, b->event);
  });
  EraseRepeatedEvents(&denials, [](const Denial* d) {
    return EventKey{0, d->event.detection.event_id()};
  });
  const uint32_t threshold = std::max<uint32_t>(1, m.options.denial_threshold);
  size_t begin = 0;
  for (size_t i = 0; i < denials.size(); ++i) {
    if (i > 0 && denials[i]->principal != denials[i - 1]->principal) begin = i;
    while (denials[i]->event.time_us - denials[begin]->event.time_us > m.options.denial_window_us) {
      ++begin;
    }
    if (i + 1 - begin < threshold) continue;
    model::Detection d = denials[i]->event.detection;
    d.set_rule(&AnomalyRule(AnomalyKind::kAccessDeniedBurst));
    model::Evidence ev;
    ev.type = std::string(AnomalyKindName(AnomalyKind::kAccessDeniedBurst));
    ev.count = static_cast<double>(i + 1 - begin);
    ev.group.emplace_back("principal", denials[i]->principal);
    for (size_t j = begin; j <= i; ++j) {
      ev.event_ids.emplace_back(denials[j]->event.detection.event_id());
    }
    ev.first_time_us = denials[begin]->event.time_us;
    ev.last_time_us = denials[i]->event.time_us;
    d.set_evidence(std::move(ev));
    out.push_back(std::move(d));
    begin = i + 1;
  }
  std::sort(out.begin(), out.end(), [](const model::Detection& a, const model::Detection& b) {
    if (a.time_us != b.time_us) return a.time_us < b.time_us;
    if (a.file_index != b.file_index) return a.file_index < b.file_index;
    if (a.record_index != b.record_index) return a.record_index < b.record_index;
    return a.rule().title < b.rule().title;
  });
  return out;
}

}  // namespace cirt::detect
