// src/detect/repeats.h
// The same CloudTrail event can reach a hunt more than once: CloudTrail may
// deliver an event twice, and evidence often holds the same events from the
// trail bucket and from LookupEvents. A rule that matches such an event
// counts it once. These keep the first of the items naming the same rule and
// eventID (items without an eventID are never merged).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace cirt::detect {

struct EventKey {
  uintptr_t rule = 0;  // whatever identifies the rule (an index, or a pointer's value)
  std::string_view event_id;
  bool operator==(const EventKey&) const = default;
};

struct EventKeyHash {
  size_t operator()(const EventKey& k) const noexcept {
    return std::hash<std::string_view>()(k.event_id) ^
           (static_cast<size_t>(k.rule) * 0x9E3779B97F4A7C15ULL);
  }
};

// Empties a set reused for each group of equal time. clear() costs the whole
// bucket array, so a set one large group made large is replaced instead.
template <typename Set>
void ResetGroupSet(Set* set) {
  if (set->bucket_count() > 1024) {
    *set = Set();
  } else {
    set->clear();
  }
}

// Removes every item whose key an earlier item has, keeping the order of the
// rest; returns how many were removed. All keys are taken before any item
// moves, so `key` may return views into the items.
template <typename T, typename KeyFn>
size_t EraseRepeatedEvents(std::vector<T>* items, KeyFn key) {
  std::unordered_set<EventKey, EventKeyHash> seen;
  std::vector<char> drop(items->size(), 0);
  size_t dropped = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    const EventKey k = key((*items)[i]);
    if (!k.event_id.empty() && !seen.insert(k).second) {
      drop[i] = 1;
      ++dropped;
    }
  }
  if (dropped == 0) return 0;
  size_t out = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    if (drop[i]) continue;
    if (out != i) (*items)[out] = std::move((*items)[i]);
    ++out;
  }
  items->erase(items->begin() + static_cast<std::ptrdiff_t>(out), items->end());
  return dropped;
}

// The same for items sorted by time, where `time(item)` is the event time
// (copies of one event share it): only items of the same time are compared,
// so a long sorted list costs one pass.
template <typename T, typename KeyFn, typename TimeFn>
size_t EraseRepeatedEventsSorted(std::vector<T>* items, KeyFn key, TimeFn time) {
  constexpr size_t kLinear = 16;  // larger groups of equal time use a hash set
  std::unordered_set<EventKey, EventKeyHash> seen;
  size_t out = 0, group = 0, dropped = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    if (i == 0 || time((*items)[i]) != time((*items)[out - 1])) {
      group = out;
      ResetGroupSet(&seen);
    }
    const EventKey k = key((*items)[i]);
    bool repeat = false;
    if (!k.event_id.empty()) {
      const size_t size = out - group;
      if (size < kLinear) {
        for (size_t j = group; j < out && !repeat; ++j) repeat = key((*items)[j]) == k;
      } else {
        if (size == kLinear && seen.empty()) {
          for (size_t j = group; j < out; ++j) seen.insert(key((*items)[j]));
        }
        repeat = !seen.insert(k).second;
      }
    }
    if (repeat) {
      ++dropped;
      continue;
    }
    if (out != i) (*items)[out] = std::move((*items)[i]);
    ++out;
  }
  items->erase(items->begin() + static_cast<std::ptrdiff_t>(out), items->end());
  return dropped;
}

}  // namespace cirt::detect
