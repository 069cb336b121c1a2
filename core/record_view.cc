#include "core/record_view.h"

#include <immintrin.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/sql_scalar.h"

namespace trailhound {

using simdjson::SUCCESS;
namespace ondemand = simdjson::ondemand;

std::string_view ScalarText(const ScalarRef& value, std::string& buffer) {
  switch (value.kind) {
    case ScalarRef::Kind::kString:
      return value.text;
    case ScalarRef::Kind::kBool:
      return value.boolean ? "true" : "false";
    case ScalarRef::Kind::kNumber: {
      char digits[32];
      char* end = digits;
      switch (value.number_type) {
        case ondemand::number_type::signed_integer:
          end = std::to_chars(digits, digits + sizeof(digits), value.int_value).ptr;
          break;
        case ondemand::number_type::unsigned_integer:
          end = std::to_chars(digits, digits + sizeof(digits), value.uint_value).ptr;
          break;
        default: {
          static_assert(sizeof(digits) >= kNumberTextBytes);
          std::string_view text = DoubleText(value.number, digits);
          end = digits + text.size();
        }
      }
      buffer.assign(digits, end);
      return buffer;
    }
    case ScalarRef::Kind::kObject:
    case ScalarRef::Kind::kArray: {
      // Serialised as the reference interpreter does (simdjson::to_string:
      // numbers re-printed, e.g. 1e3 as 1000.0), not just minified. Rare:
      // objects compared as text. The padded copy, the parser and the
      // serialiser are kept per thread, so that this allocates nothing once
      // warm (to_string would make a new string, and parsing unpadded text a
      // padded copy, every time).
      thread_local simdjson::dom::parser parser;
      thread_local PaddedCopy padded;
      thread_local simdjson::internal::string_builder<> serialised;
      simdjson::padded_string_view input = padded.Assign(value.text);
      simdjson::dom::element element;
      if (parser.parse(input.data(), input.size(), false).get(element) != SUCCESS) return value.text;
      serialised.clear();
      serialised.append(element);
      buffer.assign(serialised.str());
      return buffer;
    }
    case ScalarRef::Kind::kNull:
      break;
  }
  return {};
}

namespace {

ScalarRef Scalar(ScalarRef::Kind kind, std::string_view text) {
  ScalarRef scalar;
  scalar.kind = kind;
  scalar.text = text;
  return scalar;
}

// A string's text as written, without copying, when it holds no escape
// (almost always); a null view when it does. `body` is the byte after the
// opening quote. Stage 1 validated the string, so a quote ends it; the input
// is padded (SIMDJSON_PADDING), so reading 16 bytes at a time past that quote
// stays inside the buffer.
std::string_view UnescapedAsWritten(const char* body) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (size_t offset = 0;; offset += 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(body + offset));
    unsigned quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, quote)));
    unsigned backslashes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, backslash)));
    if ((quotes | backslashes) == 0) continue;
    unsigned first = static_cast<unsigned>(__builtin_ctz(quotes | backslashes));
    if (backslashes & (1u << first)) return {};
    return {body, offset + first};
  }
}

// One value as a candidate: scalars as themselves, objects and arrays as
// their raw JSON text.
[[gnu::always_inline]] inline simdjson::error_code ReadValue(ondemand::value& value, ondemand::json_type type,
                                                             ScalarRef& scalar) {
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      SIMDJSON_TRY(value.get_object().get(object));
      scalar.kind = ScalarRef::Kind::kObject;
      return object.raw_json().get(scalar.text);
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      SIMDJSON_TRY(value.get_array().get(array));
      scalar.kind = ScalarRef::Kind::kArray;
      return array.raw_json().get(scalar.text);
    }
    case ondemand::json_type::string:
      scalar.kind = ScalarRef::Kind::kString;
      // Left unconsumed when it needs no unescaping: the iteration steps over it.
      scalar.text = UnescapedAsWritten(value.raw_json_token().data() + 1);
      if (scalar.text.data() != nullptr) return SUCCESS;
      return value.get_string().get(scalar.text);
    case ondemand::json_type::number: {
      std::string_view token = value.raw_json_token();
      ondemand::number number;
      SIMDJSON_TRY(value.get_number().get(number));
      scalar.kind = ScalarRef::Kind::kNumber;
      scalar.number_type = number.get_number_type();
      if (number.is_int64()) {
        scalar.int_value = number.get_int64();
        scalar.number = static_cast<double>(scalar.int_value);
      } else if (number.is_uint64()) {
        scalar.uint_value = number.get_uint64();
        scalar.number = static_cast<double>(scalar.uint_value);
      } else {
        // simdjson 3.0.1's get_number() returns 0 for decimals with more than
        // 19 significant digits (6.0000000000000000000); parse the token
        // itself, correctly rounded as the DOM parser does.
        while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                                  token.back() == '\t')) {
          token.remove_suffix(1);
        }
        std::errc parsed = std::from_chars(token.data(), token.data() + token.size(), scalar.number).ec;
        if (parsed == std::errc::result_out_of_range) {
          // Underflow reads as (signed) zero, as the DOM parser has it;
          // overflow (1e400) is not a number simdjson accepts.
          scalar.number = std::strtod(std::string(token).c_str(), nullptr);
          if (std::isinf(scalar.number)) return simdjson::NUMBER_ERROR;
        } else if (parsed != std::errc()) {
          return simdjson::NUMBER_ERROR;
        }
      }
      return SUCCESS;
    }
    case ondemand::json_type::boolean:
      scalar.kind = ScalarRef::Kind::kBool;
      return value.get_bool().get(scalar.boolean);
    case ondemand::json_type::null:
      scalar.kind = ScalarRef::Kind::kNull;
      return SUCCESS;
  }
  return SUCCESS;
}

}  // namespace

simdjson::padded_string_view PaddedCopy::Assign(std::string_view bytes) {
  size_t needed = bytes.size() + simdjson::SIMDJSON_PADDING;
  if (needed > capacity_) {
    capacity_ = std::max(needed, capacity_ * 2);
    bytes_.reset(new char[capacity_]);
  }
  std::memcpy(bytes_.get(), bytes.data(), bytes.size());
  bytes_[bytes.size()] = '\0';
  return simdjson::padded_string_view(bytes_.get(), bytes.size(), capacity_);
}

bool KeyTable::MiddleEquals(const Entry& entry, std::string_view key) const {
  return std::memcmp(keys_[entry.key].data() + sizeof(uint64_t), key.data() + sizeof(uint64_t),
                     key.size() - 2 * sizeof(uint64_t)) == 0;
}

void KeyTable::Place(Entry entry) {
  size_t index = Home(entry.prefix, entry.length);
  while (entries_[index].child >= 0) index = (index + 1) & (entries_.size() - 1);
  entries_[index] = entry;
}

void KeyTable::Insert(const std::string& key, int32_t child) {
  if ((keys_.size() + 1) * 2 > entries_.size()) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(std::max<size_t>(8, old.size() * 2), Entry{});
    for (const Entry& entry : old) {
      if (entry.child >= 0) Place(entry);
    }
  }
  keys_.push_back(key);
  Place(Entry{Prefix(key), Suffix(key), static_cast<uint32_t>(key.size()), child,
              static_cast<uint32_t>(keys_.size() - 1)});
}

PathTrie::PathTrie() { nodes_.emplace_back(); }

SlotId PathTrie::Add(const FieldPath& path) {
  int32_t node = 0;
  for (const PathStep& step : path.steps) {
    int32_t next = -1;
    switch (step.kind) {
      case PathStep::Kind::kKey: {
        next = nodes_[node].keys.Find(step.key);
        break;
      }
      case PathStep::Kind::kIndex: {
        auto it = nodes_[node].indexes.find(step.index);
        if (it != nodes_[node].indexes.end()) next = it->second;
        break;
      }
      case PathStep::Kind::kAnyElement:
        next = nodes_[node].any_element;
        break;
    }
    if (next < 0) {
      next = static_cast<int32_t>(nodes_.size());
      nodes_.emplace_back();
      switch (step.kind) {
        case PathStep::Kind::kKey:
          nodes_[node].keys.Insert(step.key, next);
          break;
        case PathStep::Kind::kIndex: nodes_[node].indexes[step.index] = next; break;
        case PathStep::Kind::kAnyElement: nodes_[node].any_element = next; break;
      }
    }
    node = next;
  }
  if (nodes_[node].slot < 0) {
    nodes_[node].slot = static_cast<SlotId>(paths_.size());
    paths_.push_back(path);
  }
  return nodes_[node].slot;
}

int32_t PathTrie::TopLevelNode(SlotId slot) const {
  const std::vector<PathStep>& steps = paths_[slot].steps;
  if (steps.empty() || steps[0].kind != PathStep::Kind::kKey) return -1;
  return nodes_[0].keys.Find(steps[0].key);
}

SlotId PathTrie::Find(const FieldPath& path) const {
  for (SlotId slot = 0; slot < static_cast<SlotId>(paths_.size()); ++slot) {
    if (paths_[slot] == path) return slot;
  }
  return -1;
}

std::string PathTrie::ToString() const {
  std::string out;
  struct Frame {
    int32_t node;
    std::string label;
    int depth;
  };
  std::vector<Frame> stack = {{0, "(record)", 0}};
  while (!stack.empty()) {
    Frame frame = stack.back();
    stack.pop_back();
    const Node& node = nodes_[frame.node];
    absl::StrAppend(&out, std::string(frame.depth * 2, ' '), frame.label);
    if (node.slot >= 0) absl::StrAppend(&out, "  -> slot ", node.slot);
    out += "\n";
    std::vector<Frame> children;
    node.keys.ForEach([&](const std::string& key, int32_t child) {
      children.push_back({child, key, frame.depth + 1});
    });
    for (const auto& [index, child] : node.indexes) {
      children.push_back({child, absl::StrCat("[", index, "]"), frame.depth + 1});
    }
    if (node.any_element >= 0) children.push_back({node.any_element, "[*]", frame.depth + 1});
    std::sort(children.begin(), children.end(),
              [](const Frame& a, const Frame& b) { return a.label > b.label; });
    stack.insert(stack.end(), children.begin(), children.end());
  }
  return out;
}

RecordView::RecordView(const PathTrie& trie, RecordViewLimits limits)
    : trie_(trie), limits_(limits), slots_(trie.slot_count()), node_visit_(trie.node_count(), 0) {}

void RecordView::StopEarly(const std::vector<SlotId>& decisive_slots, StopCheck* check) {
  decisive_.assign(trie_.node_count(), 0);
  stop_check_ = nullptr;
  decisive_count_ = 0;
  for (SlotId slot : decisive_slots) {
    int32_t node = trie_.TopLevelNode(slot);
    if (node < 0) return;  // not under a key of the record: never stop early
    decisive_[node] = 1;
  }
  decisive_count_ = static_cast<uint32_t>(std::count(decisive_.begin(), decisive_.end(), 1));
  if (decisive_count_ > 0) stop_check_ = check;
}

// Read straight into the slot's new candidate: a ScalarRef filled on the
// stack and then copied costs a store-forwarding stall.
simdjson::error_code RecordView::EmitValue(SlotId slot, OnDemandValue& value, simdjson::ondemand::json_type type,
                                           bool from_array) {
  Slot& target = Touch(slot);
  ScalarRef& scalar = target.values.emplace_back();
  scalar.from_array = from_array;
  SIMDJSON_TRY(ReadValue(value, type, scalar));
  NotePresence(target, scalar);
  return SUCCESS;
}

void RecordView::Emit(SlotId slot, const ScalarRef& value) {
  Slot& target = Touch(slot);
  target.values.push_back(value);
  NotePresence(target, value);
}

void RecordView::NotePresence(Slot& slot, const ScalarRef& value) {
  if (value.kind != ScalarRef::Kind::kNull && !value.from_array) slot.present = true;
}

void RecordView::CountArray(SlotId slot) {
  Slot& target = Touch(slot);
  target.present = true;
  ++target.arrays;
}

absl::Status RecordView::Extract(std::string_view bytes) {
  for (SlotId slot : touched_) {
    Slot& target = slots_[slot];
    target.values.clear();
    target.present = false;
    target.arrays = 0;
    target.touched = false;
  }
  touched_.clear();
  dom_parsers_used_ = 0;
  dom_texts_.clear();
  too_deep_ = false;
  cut_short_ = false;
  decisive_pending_ = decisive_count_;
  simdjson::padded_string_view input = padded_.Assign(bytes);
  simdjson::error_code error = parser_.iterate(input).get(document_);
  ondemand::object root;
  if (!error) error = document_.get_object().get(root);
  if (error == simdjson::INCORRECT_TYPE) {
    // Not an object: say whether it is JSON at all (rare, so a full parse).
    simdjson::dom::element whole;
    if (dom_parsers_.empty()) dom_parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::error_code parse_error = dom_parsers_[0]->parse(bytes.data(), bytes.size()).get(whole);
    if (parse_error == simdjson::UTF8_ERROR) return absl::InvalidArgumentError("invalid_utf8: record is not valid UTF-8");
    if (parse_error) return absl::InvalidArgumentError(absl::StrCat("invalid_json: ", simdjson::error_message(parse_error)));
    return absl::InvalidArgumentError("not_an_object: a CloudTrail record must be a JSON object");
  }
  if (!error) error = VisitObject(root, 0, 1);
  if (too_deep_) {
    return absl::InvalidArgumentError(absl::StrCat("too_deep: nested deeper than ", limits_.max_depth, " levels"));
  }
  if (error == simdjson::UTF8_ERROR) return absl::InvalidArgumentError("invalid_utf8: record is not valid UTF-8");
  if (error) return absl::InvalidArgumentError(absl::StrCat("invalid_json: ", simdjson::error_message(error)));
  return absl::OkStatus();
}

simdjson::error_code RecordView::VisitObject(ondemand::object& object, int32_t node_index, size_t depth) {
  const PathTrie::Node& node = trie_.node(node_index);
  if (depth > limits_.max_depth) {
    too_deep_ = true;
    return simdjson::DEPTH_ERROR;
  }
  if (node.slot >= 0) {
    std::string_view raw;
    SIMDJSON_TRY(object.raw_json().get(raw));
    Emit(node.slot, Scalar(ScalarRef::Kind::kObject, raw));
    if (node.keys.empty()) return SUCCESS;
    bool ignored;
    SIMDJSON_TRY(object.reset().get(ignored));
  }
  if (node.keys.empty()) return SUCCESS;
  if (++object_visit_ == 0) {  // wrapped: forget all stamps
    std::fill(node_visit_.begin(), node_visit_.end(), 0);
    object_visit_ = 1;
  }
  uint32_t visit = object_visit_;
  size_t found = 0;
  for (auto field_result : object) {
    // The field is used where the iterator made it: copying it (get) costs
    // a store-forwarding stall per field.
    SIMDJSON_TRY(field_result.error());
    ondemand::field& field = field_result.value_unsafe();
    std::string_view key = UnescapedAsWritten(field.key().raw());
    if (key.data() == nullptr) SIMDJSON_TRY(field.unescaped_key().get(key));  // has escapes
    int32_t child = node.keys.Find(key);
    if (child < 0 || node_visit_[child] == visit) continue;
    node_visit_[child] = visit;
    SIMDJSON_TRY(VisitValue(field.value(), child, depth + 1));
    if (node_index == 0 && stop_check_ != nullptr && decisive_[child] && --decisive_pending_ == 0 &&
        stop_check_->NothingMoreNeeded()) {
      cut_short_ = true;
      break;
    }
    // Every wanted key seen: the rest of this object is of no interest.
    if (++found == node.keys.size()) break;
  }
  return SUCCESS;
}

simdjson::error_code RecordView::VisitValue(OnDemandValue& value, int32_t node_index, size_t depth) {
  const PathTrie::Node& node = trie_.node(node_index);
  ondemand::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      SIMDJSON_TRY(value.get_object().get(object));
      return VisitObject(object, node_index, depth);
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      SIMDJSON_TRY(value.get_array().get(array));
      int consumers = (node.slot >= 0) + !node.keys.empty() + !node.indexes.empty() + (node.any_element >= 0);
      if (consumers <= 1) return VisitArrayOnDemand(array, node_index, depth);
      std::string_view raw;
      SIMDJSON_TRY(array.raw_json().get(raw));
      return VisitSubtree(raw, node_index, depth);
    }
    default: {
      if (node.slot < 0) return SUCCESS;
      return EmitValue(node.slot, value, type, /*from_array=*/false);
    }
  }
}

// An array whose elements serve exactly one purpose: the slot's candidates,
// a key applied to each element, [*], or [n].
simdjson::error_code RecordView::VisitArrayOnDemand(ondemand::array& array, int32_t node_index, size_t depth) {
  const PathTrie::Node& node = trie_.node(node_index);
  if (depth > limits_.max_depth) {
    too_deep_ = true;
    return simdjson::DEPTH_ERROR;
  }
  if (node.slot >= 0) CountArray(node.slot);
  int64_t index = 0;
  for (auto item_result : array) {
    ondemand::value item;
    SIMDJSON_TRY(std::move(item_result).get(item));
    if (node.slot >= 0) {
      ondemand::json_type type;
      SIMDJSON_TRY(item.type().get(type));
      SIMDJSON_TRY(EmitValue(node.slot, item, type, /*from_array=*/true));
    } else if (!node.keys.empty()) {
      SIMDJSON_TRY(VisitValue(item, node_index, depth + 1));
    } else if (node.any_element >= 0) {
      SIMDJSON_TRY(VisitValue(item, node.any_element, depth + 1));
    } else {
      auto child = node.indexes.find(index);
      if (child != node.indexes.end()) SIMDJSON_TRY(VisitValue(item, child->second, depth + 1));
    }
    ++index;
  }
  return SUCCESS;
}

simdjson::error_code RecordView::VisitSubtree(std::string_view raw_json, int32_t node_index, size_t depth) {
  if (dom_parsers_used_ == dom_parsers_.size()) {
    dom_parsers_.push_back(std::make_unique<simdjson::dom::parser>());
  }
  simdjson::dom::parser& parser = *dom_parsers_[dom_parsers_used_++];
  simdjson::dom::element element;
  SIMDJSON_TRY(parser.parse(raw_json.data(), raw_json.size()).get(element));
  VisitDom(element, node_index, true, depth);
  return too_deep_ ? simdjson::DEPTH_ERROR : SUCCESS;
}

void RecordView::EmitDom(simdjson::dom::element element, SlotId slot, bool from_array) {
  ScalarRef scalar;
  scalar.from_array = from_array;
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT:
    case simdjson::dom::element_type::ARRAY: {
      // Raw JSON of a DOM subtree: minify into the parser-owned string pool.
      scalar.kind = element.type() == simdjson::dom::element_type::OBJECT ? ScalarRef::Kind::kObject
                                                                           : ScalarRef::Kind::kArray;
      dom_texts_.push_back(simdjson::to_string(element));
      scalar.text = dom_texts_.back();
      break;
    }
    case simdjson::dom::element_type::STRING:
      scalar.kind = ScalarRef::Kind::kString;
      scalar.text = element.get_string().value_unsafe();
      break;
    case simdjson::dom::element_type::INT64:
      scalar.kind = ScalarRef::Kind::kNumber;
      scalar.number_type = ondemand::number_type::signed_integer;
      scalar.int_value = element.get_int64().value_unsafe();
      scalar.number = static_cast<double>(scalar.int_value);
      break;
    case simdjson::dom::element_type::UINT64:
      scalar.kind = ScalarRef::Kind::kNumber;
      scalar.number_type = ondemand::number_type::unsigned_integer;
      scalar.uint_value = element.get_uint64().value_unsafe();
      scalar.number = static_cast<double>(scalar.uint_value);
      break;
    case simdjson::dom::element_type::DOUBLE:
      scalar.kind = ScalarRef::Kind::kNumber;
      scalar.number_type = ondemand::number_type::floating_point_number;
      scalar.number = element.get_double().value_unsafe();
      break;
    case simdjson::dom::element_type::BOOL:
      scalar.kind = ScalarRef::Kind::kBool;
      scalar.boolean = element.get_bool().value_unsafe();
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      break;
  }
  Emit(slot, scalar);
}

// The same walk as the On-Demand one, over a DOM subtree, where an element
// may be read more than once.
void RecordView::VisitDom(simdjson::dom::element element, int32_t node_index, bool emit, size_t depth,
                          bool keys_only) {
  const PathTrie::Node& node = trie_.node(node_index);
  if (depth > limits_.max_depth) {
    too_deep_ = true;
    return;
  }
  if (element.type() == simdjson::dom::element_type::ARRAY) {
    simdjson::dom::array array;
    if (element.get_array().get(array) != SUCCESS) return;
    if (emit && node.slot >= 0) {
      CountArray(node.slot);
      for (simdjson::dom::element item : array) EmitDom(item, node.slot, true);
    }
    int64_t index = 0;
    for (simdjson::dom::element item : array) {
      // A key applies to each element (and to elements of nested arrays);
      // [n] and [*] apply to this array only.
      if (!node.keys.empty()) VisitDom(item, node_index, false, depth + 1, /*keys_only=*/true);
      if (keys_only) continue;
      if (node.any_element >= 0) VisitDom(item, node.any_element, true, depth + 1);
      auto child = node.indexes.find(index++);
      if (child != node.indexes.end()) VisitDom(item, child->second, true, depth + 1);
    }
    return;
  }
  if (emit && node.slot >= 0) EmitDom(element, node.slot, false);
  if (element.type() != simdjson::dom::element_type::OBJECT || node.keys.empty()) return;
  simdjson::dom::object object;
  if (element.get_object().get(object) != SUCCESS) return;
  node.keys.ForEach([&](const std::string& key, int32_t child) {
    simdjson::dom::element value;
    if (object.at_key(key).get(value) == SUCCESS) VisitDom(value, child, true, depth + 1);
  });
}

}  // namespace trailhound
