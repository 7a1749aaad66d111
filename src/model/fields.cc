#include "model/fields.h"

#include <cstring>

namespace cirt::model {

namespace {

uint32_t KeyHash(std::string_view key) {
  // Keys are short ASCII identifiers that differ in length and first, middle
  // and last characters; mixing just those is enough and costs a few cycles
  // (this runs for every key of every record).
  const size_t n = key.size();
  if (n == 0) return 0;
  uint32_t h = static_cast<uint32_t>(n) * 0x9E3779B1u;
  h ^= static_cast<unsigned char>(key[0]) * 0x85EBCA77u;
  h ^= static_cast<unsigned char>(key[n - 1]) * 0xC2B2AE3Du;
  h ^= static_cast<unsigned char>(key[n / 2]) * 0x27D4EB2Fu;
  return h ^ (h >> 15);
}

// The first 8 and the last 8 bytes of a key (zero-padded when shorter), so
// keys of up to 16 bytes compare with two integer comparisons.
void KeyWords(std::string_view key, uint64_t* head, uint64_t* tail) {
  *head = 0;
  *tail = 0;
  if (key.size() >= 8) {
    std::memcpy(head, key.data(), 8);
    std::memcpy(tail, key.data() + key.size() - 8, 8);
  } else {
    std::memcpy(head, key.data(), key.size());
  }
}

}  // namespace

FieldPlan::FieldPlan() { nodes_.push_back(Node{}); }

const FieldPlan::Node* FieldPlan::FindChild(const Node& parent, std::string_view key) const {
  if (parent.table.empty()) return nullptr;
  const uint32_t mask = static_cast<uint32_t>(parent.table.size() - 1);
  for (uint32_t i = KeyHash(key) & mask;; i = (i + 1) & mask) {
    int32_t idx = parent.table[i];
    if (idx < 0) return nullptr;
    const Node& n = nodes_[static_cast<size_t>(idx)];
    if (n.key.size() != key.size()) continue;
    uint64_t head, tail;
    KeyWords(key, &head, &tail);
    if (n.head != head || n.tail != tail) continue;
    if (key.size() <= 16 || std::memcmp(n.key.data() + 8, key.data() + 8, key.size() - 16) == 0) {
      return &n;
    }
  }
}

void FieldPlan::Rehash(uint32_t parent) {
  Node& p = nodes_[parent];
  size_t cap = 4;
  while (cap < p.children.size() * 2) cap *= 2;
  p.table.assign(cap, -1);
  const uint32_t mask = static_cast<uint32_t>(cap - 1);
  for (uint32_t child : p.children) {
    uint32_t i = KeyHash(nodes_[child].key) & mask;
    while (p.table[i] >= 0) i = (i + 1) & mask;
    p.table[i] = static_cast<int32_t>(child);
  }
}

SlotId FieldPlan::AddPath(std::string_view path) {
  const SlotId slot = AddSlot(path);
  gates_[slot].always = true;
  return slot;
}

SlotId FieldPlan::AddRulePath(std::string_view path) { return AddSlot(path); }

bool EventNameGate::Matches(std::string_view lower_name) const {
  if (names.count(std::string(lower_name))) return true;
  for (const std::string& p : prefixes) {
    if (lower_name.substr(0, p.size()) == p) return true;
  }
  return false;
}

void EventNameGate::Merge(const EventNameGate& other) {
  names.insert(other.names.begin(), other.names.end());
  prefixes.insert(other.prefixes.begin(), other.prefixes.end());
}

void FieldPlan::GateSlot(SlotId slot, const EventNameGate* gate) {
  Gate& g = gates_[slot];
  if (gate == nullptr) {
    g.always = true;
    return;
  }
  g.gated = true;
  g.names.Merge(*gate);
}

bool FieldPlan::SubtreeGate(const Node& node, EventNameGate* gate) const {
  if (node.slot >= 0) {
    const Gate& g = gates_[static_cast<size_t>(node.slot)];
    if (g.always || !g.gated) return false;
    gate->Merge(g.names);
  }
  for (uint32_t child : node.children) {
    if (!SubtreeGate(nodes_[child], gate)) return false;
  }
  return true;
}

SlotId FieldPlan::AddSlot(std::string_view path) {
  uint32_t cur = 0;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view key = path.substr(start, dot == std::string_view::npos ? path.npos : dot - start);
    const Node* found = FindChild(nodes_[cur], key);
    if (found != nullptr) {
      cur = static_cast<uint32_t>(found - nodes_.data());
    } else {
      Node n;
      n.key = std::string(key);
      KeyWords(n.key, &n.head, &n.tail);
      nodes_.push_back(std::move(n));
      uint32_t idx = static_cast<uint32_t>(nodes_.size() - 1);
      nodes_[cur].children.push_back(idx);
      Rehash(cur);
      cur = idx;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (nodes_[cur].slot < 0) {
    nodes_[cur].slot = static_cast<int32_t>(slot_paths_.size());
    slot_paths_.emplace_back(path);
    gates_.emplace_back();
  }
  return static_cast<SlotId>(nodes_[cur].slot);
}

int64_t FieldPlan::FindPath(std::string_view path) const {
  const Node* cur = &nodes_[0];
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view key = path.substr(start, dot == std::string_view::npos ? path.npos : dot - start);
    cur = FindChild(*cur, key);
    if (cur == nullptr) return -1;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return cur->slot;
}

}  // namespace cirt::model
