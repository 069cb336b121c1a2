// One-pass extraction: the union of the field paths a rule set reads, as a
// trie, and the walk that fills a RecordView from a record's bytes with
// simdjson On-Demand, entering only referenced subtrees. Values are views into
// the input or the parser's buffers (valid until the next Extract with the
// same scratch); no heap allocation per record once the scratch is warm.
//
// A slot's candidates follow the reference interpreter's path semantics: a key
// on an array applies to each element, [n] picks one, [*] all; a path ending
// on an array yields its elements (one level) as candidates, marked
// from_array, and the slot still counts as present for IS NULL.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/field_path.h"

namespace trailhound {

using SlotId = int32_t;

// One candidate value of a slot.
struct ScalarRef {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kObject, kArray };
  Kind kind = Kind::kNull;
  bool from_array = false;  // an element of an array the path ended on
  bool boolean = false;
  simdjson::ondemand::number_type number_type = simdjson::ondemand::number_type::signed_integer;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double number = 0;        // the number as a double (all number types)
  std::string_view text;    // kString: unescaped; kObject/kArray: raw JSON
};

// The text a scalar compares as with a string literal, as the reference
// interpreter spells it (numbers re-printed, objects serialised by simdjson). Uses `buffer`
// for text that has to be made.
std::string_view ScalarText(const ScalarRef& value, std::string& buffer);

// A copy of some bytes with simdjson's padding after them, reused from call
// to call: grown, never shrunk, so that it allocates nothing once warm. The
// byte after the copy is a NUL, so that a number at the very end stops there
// and not in an older copy's bytes.
class PaddedCopy {
 public:
  simdjson::padded_string_view Assign(std::string_view bytes);

 private:
  std::unique_ptr<char[]> bytes_;
  size_t capacity_ = 0;
};

// A node's children by key, found in a few instructions per field name of
// every record: open addressing on the key's length and first 8 bytes; keys
// of up to 16 bytes are then told apart by their last 8 bytes, longer ones by
// one memcmp of the middle. Find is inline: the walk calls it for every key.
class KeyTable {
 public:
  KeyTable() : entries_(1) {}
  void Insert(const std::string& key, int32_t child);  // `key` must be new
  [[gnu::always_inline]] int32_t Find(std::string_view key) const {  // -1 when absent
    const uint64_t prefix = Prefix(key), suffix = Suffix(key);
    const size_t mask = entries_.size() - 1;
    for (size_t index = Home(prefix, key.size());; index = (index + 1) & mask) {
      const Entry& entry = entries_[index];
      if (entry.child < 0) return -1;
      if (entry.prefix == prefix && entry.suffix == suffix && entry.length == key.size() &&
          (key.size() <= 2 * sizeof(uint64_t) || MiddleEquals(entry, key))) {
        return entry.child;
      }
    }
  }
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  // Calls visit(key, child) for every key, in no particular order.
  template <typename Visit>
  void ForEach(Visit visit) const {
    for (const Entry& entry : entries_) {
      if (entry.child >= 0) visit(keys_[entry.key], entry.child);
    }
  }

 private:
  struct Entry {
    uint64_t prefix = 0;  // the first 8 bytes, zero-filled
    uint64_t suffix = 0;  // the last 8 bytes of a longer key, else 0
    uint32_t length = 0;
    int32_t child = -1;  // -1: empty
    uint32_t key = 0;    // index into keys_
  };
  // Little-endian loads, without a call to memcpy for short keys: the bytes
  // of [0, size) from two overlapping loads.
  static uint64_t Prefix(std::string_view key) {
    const char* p = key.data();
    const size_t n = key.size();
    if (n >= 8) return Load<uint64_t>(p);
    if (n >= 4) return Load<uint32_t>(p) | (uint64_t{Load<uint32_t>(p + n - 4)} << (8 * (n - 4)));
    if (n == 0) return 0;
    return uint64_t{static_cast<uint8_t>(p[0])} | (uint64_t{static_cast<uint8_t>(p[n / 2])} << (8 * (n / 2))) |
           (uint64_t{static_cast<uint8_t>(p[n - 1])} << (8 * (n - 1)));
  }
  static uint64_t Suffix(std::string_view key) {
    return key.size() > sizeof(uint64_t) ? Load<uint64_t>(key.data() + key.size() - sizeof(uint64_t)) : 0;
  }
  template <typename T>
  static T Load(const char* p) {
    T value;
    std::memcpy(&value, p, sizeof(value));
    return value;
  }
  size_t Home(uint64_t prefix, size_t length) const {
    uint64_t hash = (prefix ^ (length * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    return static_cast<size_t>(hash >> 32) & (entries_.size() - 1);
  }
  bool MiddleEquals(const Entry& entry, std::string_view key) const;
  void Place(Entry entry);

  std::vector<Entry> entries_;  // a power of two, at least twice keys_.size() (one empty entry at first)
  std::vector<std::string> keys_;
};

class PathTrie {
 public:
  struct Node {
    SlotId slot = -1;
    KeyTable keys;                                       // key -> node
    absl::flat_hash_map<int64_t, int32_t> indexes;       // [n] -> node
    int32_t any_element = -1;                            // [*] -> node
    bool HasChildren() const { return !keys.empty() || !indexes.empty() || any_element >= 0; }
  };

  PathTrie();
  // The slot for `path`, adding it if new.
  SlotId Add(const FieldPath& path);
  SlotId Find(const FieldPath& path) const;
  size_t slot_count() const { return paths_.size(); }
  size_t node_count() const { return nodes_.size(); }
  const FieldPath& path(SlotId slot) const { return paths_[slot]; }
  const Node& node(int32_t index) const { return nodes_[index]; }
  // The node of the record's key that `slot`'s path starts with; -1 when
  // the path does not start with a key.
  int32_t TopLevelNode(SlotId slot) const;
  // Indented tree, one line per node, for explain.
  std::string ToString() const;

 private:
  std::vector<Node> nodes_;  // nodes_[0] is the record itself
  std::vector<FieldPath> paths_;
};

struct RecordViewLimits {
  size_t max_depth = 128;  // deeper records are rejected
};

// Per-thread extraction state and the extracted values of one record.
class RecordView {
 public:
  explicit RecordView(const PathTrie& trie, RecordViewLimits limits = {});

  // Walks `bytes` (a JSON object) and fills every slot. An error status
  // means the view is unusable and the record is a dead letter; its message
  // starts with the reason ("invalid_json: …", "invalid_utf8: …",
  // "not_an_object: …", "too_deep: …"). Parts of the record no rule reads are
  // skipped, not validated.
  absl::Status Extract(std::string_view bytes);

  // Stopping early. Once every top-level key holding one of `decisive_slots`
  // has been walked (a repeated key counts once: the first wins), the walk
  // asks `check` whether the record needs anything more; if not, it ends
  // there: the rest of the record is neither read nor validated, and
  // cut_short() is true until the next Extract. The check is asked at most
  // once a record, and not at all when one of those keys is missing.
  class StopCheck {
   public:
    virtual ~StopCheck() = default;
    virtual bool NothingMoreNeeded() = 0;
  };
  void StopEarly(const std::vector<SlotId>& decisive_slots, StopCheck* check);
  bool cut_short() const { return cut_short_; }

  const std::vector<ScalarRef>& candidates(SlotId slot) const { return slots_[slot].values; }
  // True when the path reached something that is not null (an object, an
  // array — even an empty one — or a scalar).
  bool present(SlotId slot) const { return slots_[slot].present; }
  // How many arrays the path ended on (their elements are the from_array
  // candidates); contains() treats each as one value.
  uint32_t array_count(SlotId slot) const { return slots_[slot].arrays; }

 private:
  struct Slot {
    std::vector<ScalarRef> values;
    bool present = false;
    bool touched = false;  // in touched_
    uint32_t arrays = 0;
  };
  using OnDemandValue = simdjson::ondemand::value;

  simdjson::error_code VisitValue(OnDemandValue& value, int32_t node, size_t depth);
  simdjson::error_code VisitObject(simdjson::ondemand::object& object, int32_t node, size_t depth);
  simdjson::error_code VisitArrayOnDemand(simdjson::ondemand::array& array, int32_t node, size_t depth);
  simdjson::error_code VisitSubtree(std::string_view raw_json, int32_t node, size_t depth);
  void VisitDom(simdjson::dom::element element, int32_t node, bool emit, size_t depth, bool keys_only = false);
  void EmitDom(simdjson::dom::element element, SlotId slot, bool from_array);
  // The slot, listed in touched_ on its first use in a record.
  Slot& Touch(SlotId slot) {
    Slot& target = slots_[slot];
    if (!target.touched) {
      target.touched = true;
      touched_.push_back(slot);
    }
    return target;
  }
  void Emit(SlotId slot, const ScalarRef& value);
  simdjson::error_code EmitValue(SlotId slot, OnDemandValue& value, simdjson::ondemand::json_type type,
                                 bool from_array);
  // A candidate makes its path present unless it is null or an element of
  // an array the path ended on (the array itself did: CountArray).
  static void NotePresence(Slot& slot, const ScalarRef& value);
  // The path ended on an array: present, one more array for contains().
  void CountArray(SlotId slot);

  const PathTrie& trie_;
  RecordViewLimits limits_;
  std::vector<Slot> slots_;
  std::vector<SlotId> touched_;  // the slots this record wrote, cleared by the next Extract
  PaddedCopy padded_;  // the record being walked
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document document_;
  // Subtrees the On-Demand walk cannot serve in one pass (an array read both
  // as a value and through its elements) are parsed with DOM parsers; one per
  // subtree in a record, reused across records.
  std::vector<std::unique_ptr<simdjson::dom::parser>> dom_parsers_;
  size_t dom_parsers_used_ = 0;
  std::deque<std::string> dom_texts_;  // minified objects/arrays inside DOM subtrees
  bool too_deep_ = false;
  // Duplicate keys: the first occurrence wins, as in a DOM lookup. A trie
  // node is entered once per object visit (stamped with the visit number).
  std::vector<uint32_t> node_visit_;
  uint32_t object_visit_ = 0;
  // StopEarly: which nodes are decisive top-level keys, how many there are
  // and how many this record has yet to show.
  StopCheck* stop_check_ = nullptr;
  std::vector<uint8_t> decisive_;
  uint32_t decisive_count_ = 0, decisive_pending_ = 0;
  bool cut_short_ = false;
};

}  // namespace trailhound
