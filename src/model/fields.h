// src/model/fields.h
// FieldPlan: which JSON paths to read from every record and the slot each
// value lands in; FieldValues: the values read from one record. Readers walk
// each record once, guided by the plan, so every field any rule needs is read
// once per record for all rules (no per-rule lookups by string).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cirt::model {

enum class ValueKind : uint8_t { kString, kNumber, kBool, kNull, kObject, kArray };

// One value found at a path. `text` is the unescaped string for kString and
// the raw JSON text otherwise ("42", "true", "null", "{...}"). Views point into
// reader buffers (valid until the reader's next file).
struct FieldValue {
  ValueKind kind = ValueKind::kNull;
  std::string_view text;
  double number = 0;
  bool boolean = false;
};

using SlotId = uint32_t;

// The eventNames a field is read for (FieldPlan::GateSlot): exact names and
// name prefixes, in lower case (eventNames match case-insensitively).
struct EventNameGate {
  std::set<std::string> names;
  std::set<std::string> prefixes;
  // `lower_name`: an eventName in lower case.
  bool Matches(std::string_view lower_name) const;
  void Merge(const EventNameGate& other);
};

// A trie of dotted paths. A path that crosses an array continues into each
// element, so one path can yield several values for a record.
class FieldPlan {
 public:
  struct Node {
    std::string key;
    uint64_t head = 0, tail = 0;  // key bytes 0-7 and the last 8 (see KeyWords)
    int32_t slot = -1;            // >= 0: the values at this node go to this slot
    std::vector<uint32_t> children;  // indexes into nodes_
    // Open-addressed lookup of children by key (see FindChild).
    std::vector<int32_t> table;
  };

  FieldPlan();

  // The slot for dotted `path` ("userIdentity.sessionContext.sessionIssuer.arn"),
  // adding it if new. Paths are case-sensitive, as CloudTrail keys are.
  // A slot added with AddPath is read from every record.
  SlotId AddPath(std::string_view path);
  // The same for a field only rules read: a reader may leave such a slot
  // unread in a record whose eventName none of the slot's rules can match,
  // once the matcher has said which names those are (GateSlot). A slot
  // added this way and never gated is read from every record.
  SlotId AddRulePath(std::string_view path);
  // Adds the eventNames for which a rule slot is read; null: every record
  // (a rule that can match any eventName reads it).
  void GateSlot(SlotId slot, const EventNameGate* gate);
  // The eventNames for which some slot in the subtree of `node` (itself
  // included) must be read, added to `gate`; false when some slot there must
  // be read from every record. Readers decide once, before reading.
  bool SubtreeGate(const Node& node, EventNameGate* gate) const;
  // The slot for `path` if already added, or -1.
  int64_t FindPath(std::string_view path) const;

  size_t slot_count() const { return slot_paths_.size(); }
  const std::string& slot_path(SlotId slot) const { return slot_paths_[slot]; }

  // Set when some rule needs the whole record text (Sigma keywords).
  void set_needs_raw_record(bool v) { needs_raw_record_ = v; }
  bool needs_raw_record() const { return needs_raw_record_; }

  const Node& root() const { return nodes_[0]; }
  const Node& node(uint32_t index) const { return nodes_[index]; }
  // The child of `parent` named `key`, or nullptr. O(1) on average.
  const Node* FindChild(const Node& parent, std::string_view key) const;

 private:
  void Rehash(uint32_t parent);
  SlotId AddSlot(std::string_view path);
  struct Gate {
    bool always = false;  // read from every record
    bool gated = false;   // GateSlot gave names
    EventNameGate names;
  };
  std::vector<Node> nodes_;
  std::vector<std::string> slot_paths_;
  std::vector<Gate> gates_;  // by slot
  bool needs_raw_record_ = false;
};

// The values of one record, by slot, in one flat array (slots chain their
// values), so clearing and scanning a record touch little memory. Reused
// across records: Clear() resets only the slots the record used.
class FieldValues {
  struct Entry {
    FieldValue value;
    int32_t next;  // next value of the same slot, or -1
  };

 public:
  // The values of one slot, in the order found.
  class Range {
   public:
    class iterator {
     public:
      using iterator_category = std::forward_iterator_tag;
      using value_type = FieldValue;
      using difference_type = std::ptrdiff_t;
      using pointer = const FieldValue*;
      using reference = const FieldValue&;
      iterator(const Entry* entries, int32_t i) : entries_(entries), i_(i) {}
      const FieldValue& operator*() const { return entries_[i_].value; }
      const FieldValue* operator->() const { return &entries_[i_].value; }
      iterator& operator++() {
        i_ = entries_[i_].next;
        return *this;
      }
      bool operator!=(const iterator& o) const { return i_ != o.i_; }
      bool operator==(const iterator& o) const { return i_ == o.i_; }

     private:
      const Entry* entries_;
      int32_t i_;
    };
    Range(const Entry* entries, int32_t head) : entries_(entries), head_(head) {}
    iterator begin() const { return {entries_, head_}; }
    iterator end() const { return {entries_, -1}; }
    bool empty() const { return head_ < 0; }
    // REQUIRES: !empty().
    const FieldValue& front() const { return entries_[head_].value; }

   private:
    const Entry* entries_;
    int32_t head_;
  };

  explicit FieldValues(size_t slots = 0) { Resize(slots); }
  void Resize(size_t slots) {
    head_.assign(slots, -1);
    tail_.assign(slots, -1);
  }
  void Clear() {
    for (SlotId s : touched_) head_[s] = -1;
    touched_.clear();
    entries_.clear();
    raw_record_ = {};
  }
  void Add(SlotId slot, const FieldValue& v) {
    const int32_t i = static_cast<int32_t>(entries_.size());
    entries_.push_back({v, -1});
    if (head_[slot] < 0) {
      head_[slot] = i;
      touched_.push_back(slot);
    } else {
      entries_[static_cast<size_t>(tail_[slot])].next = i;
    }
    tail_[slot] = i;
  }
  Range at(SlotId slot) const { return Range(entries_.data(), head_[slot]); }
  size_t size() const { return head_.size(); }
  // True if the path was present (even with a null value).
  bool present(SlotId slot) const { return head_[slot] >= 0; }
  // The slots that have values in this record, in first-seen order.
  const std::vector<SlotId>& touched() const { return touched_; }

  std::string_view raw_record() const { return raw_record_; }
  void set_raw_record(std::string_view raw) { raw_record_ = raw; }

 private:
  std::vector<int32_t> head_, tail_;
  std::vector<Entry> entries_;
  std::vector<SlotId> touched_;
  std::string_view raw_record_;
};

}  // namespace cirt::model
