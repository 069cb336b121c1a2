#include "core/rule_state.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <iterator>
#include <list>
#include <set>
#include <tuple>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "core/json_text.h"
#include "core/reference_interpreter.h"

namespace trailhound {
namespace {

using element = simdjson::dom::element;
using ValueCounts = std::map<std::string, int64_t>;  // value (JSON text) -> records holding it

constexpr char kNullJson[] = "null";

// FNV-1a 64 over `a`, a NUL, `b`: stable across runs (first_seen memories
// are saved), unlike absl::Hash.
uint64_t PairHash(std::string_view a, std::string_view b) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix = [&hash](unsigned char c) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  };
  for (unsigned char c : a) mix(c);
  mix(0);
  for (unsigned char c : b) mix(c);
  return hash;
}

// A map that drops its least recently used entries past a capacity. String
// keys are held once, in the list: the index holds views of them (list nodes
// never move).
template <typename Key, typename Value>
class LruMap {
 public:
  using Entry = std::pair<Key, Value>;

  // Finds and marks as most recently used.
  Value* Touch(const Key& key) {
    auto it = index_.find(IndexKey(key));
    if (it == index_.end()) return nullptr;
    order_.splice(order_.end(), order_, it->second);
    return &it->second->second;
  }
  // Finds without changing the order.
  Value* Peek(const Key& key) {
    auto it = index_.find(IndexKey(key));
    return it == index_.end() ? nullptr : &it->second->second;
  }
  // Adds as most recently used; past `capacity` the oldest entries go.
  Value& Insert(const Key& key, Value value, size_t capacity, uint64_t& evicted) {
    order_.emplace_back(key, std::move(value));
    index_[IndexKey(order_.back().first)] = std::prev(order_.end());
    while (order_.size() > std::max<size_t>(capacity, 1)) {
      index_.erase(IndexKey(order_.front().first));
      order_.pop_front();
      ++evicted;
    }
    return order_.back().second;
  }
  void Erase(const Key& key) {
    auto it = index_.find(IndexKey(key));
    if (it == index_.end()) return;
    auto entry = it->second;
    index_.erase(it);  // before the entry its key views goes
    order_.erase(entry);
  }
  size_t size() const { return order_.size(); }
  const std::list<Entry>& entries() const { return order_; }  // oldest first

 private:
  using IndexKey = std::conditional_t<std::is_same_v<Key, std::string>, std::string_view, Key>;
  std::list<Entry> order_;
  absl::flat_hash_map<IndexKey, typename std::list<Entry>::iterator> index_;
};

// When something in a slot's queue is due: windows close, sliding windows
// are decided, suppression periods end, idle sliding groups expire.
struct DueEvent {
  absl::Time due;
  std::string group;
  absl::Time start;  // the window's or period's start; InfinitePast: expiry
  bool operator<(const DueEvent& other) const {
    return std::tie(due, group, start) < std::tie(other.due, other.group, other.start);
  }
};

struct TimedWindow {  // one TUMBLING/HOPPING window of one group
  int64_t count = 0;
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  std::vector<ValueCounts> values;  // per value-collecting aggregate
  SourcePosition last_position;
};

struct TimedGroup {
  std::vector<std::string> key_values;
  std::map<absl::Time, TimedWindow> windows;  // by start
};

struct SlidingEntry {
  absl::Time time;
  std::vector<std::string> values;  // per value-collecting aggregate; "null" when NULL
  SourcePosition position;
};

struct SlidingGroup {
  std::vector<std::string> key_values;
  std::deque<SlidingEntry> entries;  // by time; [0, in_window) form the window decided last
  size_t in_window = 0;
  std::optional<absl::Time> last_end;
  bool last_true = false;
  std::vector<ValueCounts> counts;  // of entries [0, in_window)
};

struct Period {  // a suppression period of one key
  std::vector<std::string> key_values;
  absl::Time start;
  uint64_t count = 0;  // matches suppressed
  SourcePosition last_position;
};

struct FirstSeenMemory {
  std::optional<absl::Time> learn_start;
  LruMap<uint64_t, char> seen;
};

// ---- Serialization (Save/Load): varints, length-prefixed strings. ----

class Writer {
 public:
  void U64(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>(value | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void I64(int64_t value) { U64((static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63)); }
  void Str(std::string_view text) {
    U64(text.size());
    out_.append(text);
  }
  void Time(absl::Time time) { I64(absl::ToUnixNanos(time)); }
  void OptTime(const std::optional<absl::Time>& time) {
    U64(time.has_value());
    if (time) Time(*time);
  }
  void Strs(const std::vector<std::string>& texts) {
    U64(texts.size());
    for (const std::string& text : texts) Str(text);
  }
  void Position(const SourcePosition& p) {
    Str(p.file);
    U64(p.record_index);
    U64(p.byte_offset);
    U64(p.line);
    Str(p.topic);
    I64(p.partition);
    I64(p.offset);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ >= in_.size(); }

  uint64_t U64() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      unsigned char byte = static_cast<unsigned char>(in_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    return Fail();
  }
  int64_t I64() {
    uint64_t raw = U64();
    return static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
  }
  // A count of items that each take at least one byte: more than the bytes
  // left means a corrupt file (and must not size an allocation).
  uint64_t Count() {
    uint64_t count = U64();
    if (count > in_.size() - std::min(pos_, in_.size())) return Fail();
    return count;
  }
  std::string Str() {
    uint64_t size = Count();
    if (!ok_) return "";
    std::string text(in_.substr(pos_, size));
    pos_ += size;
    return text;
  }
  std::string_view Bytes(uint64_t size) {
    if (size > in_.size() - std::min(pos_, in_.size())) {
      Fail();
      return {};
    }
    std::string_view bytes = in_.substr(pos_, size);
    pos_ += size;
    return bytes;
  }
  absl::Time Time() { return absl::FromUnixNanos(I64()); }
  std::optional<absl::Time> OptTime() {
    if (U64() == 0) return std::nullopt;
    return Time();
  }
  std::vector<std::string> Strs() {
    std::vector<std::string> texts(Count());
    for (std::string& text : texts) text = Str();
    return texts;
  }
  SourcePosition Position() {
    SourcePosition p;
    p.file = Str();
    p.record_index = U64();
    p.byte_offset = U64();
    p.line = U64();
    p.topic = Str();
    p.partition = static_cast<int32_t>(I64());
    p.offset = I64();
    return p;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

constexpr char kMagic[] = "trailhound-state-1";

// Floor division of a time's distance from the epoch by `unit`.
int64_t FloorUnits(absl::Time time, absl::Duration unit) {
  absl::Duration remainder;
  int64_t quotient = absl::IDivDuration(time - absl::UnixEpoch(), unit, &remainder);
  if (remainder < absl::ZeroDuration()) --quotient;
  return quotient;
}

std::string GroupObject(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, names[i]);
    out.push_back(':');
    out += values[i];
  }
  return out + "}";
}

std::vector<std::string> ValuesOf(const std::vector<BoundExpr>& exprs, RecordValues& record) {
  std::vector<std::string> values;
  values.reserve(exprs.size());
  for (const BoundExpr& expr : exprs) values.push_back(record.Json(expr));
  return values;
}

}  // namespace

// What a stateful rule needs that does not change per partition.
struct RuleState::Slot {
  uint32_t rule_index = 0;
  const BoundRule* rule = nullptr;
  std::string signature;  // state saved under another signature is dropped
  std::vector<size_t> value_aggregates;  // indexes of aggregates that collect values
  std::vector<std::string> aggregate_keys;  // each aggregate's field in the group record
  bool windows() const { return rule->aggregation && rule->aggregation->window.kind != WindowSpec::Kind::kSliding; }
  bool sliding() const { return rule->aggregation && rule->aggregation->window.kind == WindowSpec::Kind::kSliding; }
  // Due events fire when the watermark reaches (true) or passes (false) them.
  bool due_inclusive() const { return !sliding(); }
};

struct RuleState::SlotState {
  std::vector<FirstSeenMemory> first_seen;
  LruMap<std::string, TimedGroup> timed;
  LruMap<std::string, SlidingGroup> sliding;
  LruMap<std::string, Period> periods;
  std::set<DueEvent> queue;
};

struct RuleState::Partition {
  std::string id;  // SourcePosition::StreamId()
  std::optional<absl::Time> stream_time;
  std::map<std::string, int64_t> applied;  // input -> last record index/offset applied
  std::vector<std::unique_ptr<SlotState>> slots;
  bool dirty = false;
};

// An alert from closing a window or period, with the order it goes out in.
struct RuleState::ClosedAlert {
  absl::Time end, start;
  uint32_t rule;
  std::string group;
  Alert alert;
  bool operator<(const ClosedAlert& other) const {
    return std::tie(end, start, rule, group) < std::tie(other.end, other.start, other.rule, other.group);
  }
};

namespace {

std::string Signature(const BoundRule& rule) {
  std::string out;
  if (rule.aggregation) {
    const Aggregation& aggregation = *rule.aggregation;
    absl::StrAppend(&out, "window ", std::string(WindowKindName(aggregation.window.kind)), " ",
                    absl::FormatDuration(aggregation.window.size), " ",
                    absl::FormatDuration(aggregation.window.advance), "; group by");
    for (const BoundExpr& key : aggregation.group_by) absl::StrAppend(&out, " ", key.ToSql());
    out += "; aggregates";
    for (const Aggregate& aggregate : aggregation.aggregates) absl::StrAppend(&out, " ", aggregate.ToSql());
  }
  for (const FirstSeen& first : rule.first_seen) absl::StrAppend(&out, "; ", first.ToSql());
  if (rule.suppression) {
    out += "; suppress by";
    for (const BoundExpr& key : rule.suppression->by) absl::StrAppend(&out, " ", key.ToSql());
    absl::StrAppend(&out, " for ", absl::FormatDuration(rule.suppression->period));
  }
  return out;
}

// What the alert_id of a window or suppression alert hashes: its kind, the
// stream (a group split over Kafka partitions has a window in each), the
// group and the bounds. Stable across restarts and replays.
std::string StateAlertKey(std::string_view kind, const std::string& stream, const std::string& group,
                          const std::string& start, const std::string& end) {
  std::string key(kind);
  for (std::string_view part : {std::string_view(stream), std::string_view(group), std::string_view(start),
                                std::string_view(end)}) {
    key.push_back('\0');
    key.append(part);
  }
  return key;
}

// The alert that closes a suppression period which held matches back.
Alert SuppressionSummary(const BoundRule& rule, const std::string& stream, const std::string& key,
                         const Period& period) {
  Alert summary;
  summary.kind = Alert::Kind::kSuppressed;
  summary.rule = rule.name;
  summary.severity = rule.severity;
  summary.tags = rule.tags;
  summary.window_start = FormatEventTime(period.start);
  summary.window_end = FormatEventTime(period.start + rule.suppression->period);
  summary.event_time = summary.window_end;
  summary.group_json = key;
  summary.suppressed_count = period.count;
  summary.fields_json = "{}";
  MakeAlertId(rule.name, StateAlertKey("suppressed", stream, key, summary.window_start, ""), summary.alert_id);
  summary.position = period.last_position;
  return summary;
}

// The aggregates of one window, whichever kind of window holds them.
struct WindowFacts {
  int64_t count = 0;
  absl::Time first, last;
  std::vector<const ValueCounts*> values;  // per value-collecting aggregate
};

// HAVING over counts compared with numbers (count(*) >= 5, combined with
// AND/OR/NOT), decided without building the group record: most windows fail
// it, and building and parsing their record was most of closing them.
// nullopt: some other shape, left to the reference interpreter.
std::optional<bool> QuickHaving(const BoundExpr& having, const Aggregation& aggregation,
                                const std::vector<std::string>& aggregate_keys, const WindowFacts& facts) {
  switch (having.kind) {
    case BoundExpr::Kind::kAnd:
    case BoundExpr::Kind::kOr: {
      bool is_and = having.kind == BoundExpr::Kind::kAnd;
      bool result = is_and;
      for (const BoundExpr& child : having.children) {
        std::optional<bool> value = QuickHaving(child, aggregation, aggregate_keys, facts);
        if (!value) return std::nullopt;
        result = is_and ? result && *value : result || *value;
      }
      return result;
    }
    case BoundExpr::Kind::kNot: {
      std::optional<bool> value = QuickHaving(having.children[0], aggregation, aggregate_keys, facts);
      if (!value) return std::nullopt;
      return !*value;
    }
    case BoundExpr::Kind::kCompare: {
      const BoundExpr& left = having.children[0];
      const BoundExpr& right = having.children[1];
      if (left.kind != BoundExpr::Kind::kField || left.path.steps.size() != 1 ||
          right.kind != BoundExpr::Kind::kLiteral || right.literal.kind != Literal::Kind::kNumber) {
        return std::nullopt;
      }
      std::optional<double> count;
      size_t value_ordinal = 0;
      for (size_t i = 0; i < aggregate_keys.size(); ++i) {
        Aggregate::Kind kind = aggregation.aggregates[i].kind;
        bool collects = kind == Aggregate::Kind::kCountDistinct || kind == Aggregate::Kind::kArrayAggDistinct;
        if (aggregate_keys[i] == left.path.steps[0].key) {
          if (kind == Aggregate::Kind::kCountStar) count = static_cast<double>(facts.count);
          if (kind == Aggregate::Kind::kCountDistinct) count = static_cast<double>(facts.values[value_ordinal]->size());
          break;
        }
        value_ordinal += collects;
      }
      if (!count) return std::nullopt;
      double n = right.literal.number;
      switch (having.op) {
        case CompareOp::kEq: return *count == n;
        case CompareOp::kNe: return *count != n;
        case CompareOp::kLt: return *count < n;
        case CompareOp::kLe: return *count <= n;
        case CompareOp::kGt: return *count > n;
        case CompareOp::kGe: return *count >= n;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

RuleState::RuleState(const RuleSet& rules, RuleStateOptions options) : rules_(rules), options_(options) {
  slot_of_rule_.assign(rules.rules.size(), -1);
  for (uint32_t index = 0; index < rules.rules.size(); ++index) {
    const BoundRule& rule = rules.rules[index];
    if (!rule.stateful()) continue;
    auto slot = std::make_unique<Slot>();
    slot->rule_index = index;
    slot->rule = &rule;
    slot->signature = Signature(rule);
    if (rule.aggregation) {
      for (size_t i = 0; i < rule.aggregation->aggregates.size(); ++i) {
        slot->aggregate_keys.push_back(rule.aggregation->aggregates[i].ToSql());
        Aggregate::Kind kind = rule.aggregation->aggregates[i].kind;
        if (kind == Aggregate::Kind::kCountDistinct || kind == Aggregate::Kind::kArrayAggDistinct) {
          slot->value_aggregates.push_back(i);
        }
      }
    }
    slot_of_rule_[index] = static_cast<int>(slots_.size());
    slots_.push_back(std::move(slot));
  }
}

RuleState::~RuleState() = default;

RuleState::Partition& RuleState::PartitionFor(const std::string& id) {
  auto found = partitions_.find(id);
  if (found != partitions_.end()) return *found->second;
  // First record of this partition in this process: its saved state, if
  // any (from an earlier run, or from the group member that had it before
  // a rebalance), comes first.
  if (options_.store != nullptr) {
    absl::StatusOr<std::optional<std::string>> saved = options_.store->Read(id);
    absl::Status restored = saved.ok() ? absl::OkStatus() : saved.status();
    if (restored.ok() && saved->has_value()) restored = Restore(**saved, options_.store->Describe(id));
    if (!restored.ok() && error_.ok()) error_ = restored;
  }
  std::unique_ptr<Partition>& partition = partitions_[id];
  if (partition == nullptr) {
    partition = std::make_unique<Partition>();
    partition->id = id;
    partition->slots.resize(slots_.size());
  }
  return *partition;
}

RuleState::SlotState& RuleState::StateOf(Partition& partition, int slot) {
  std::unique_ptr<SlotState>& state = partition.slots[slot];
  if (state == nullptr) {
    state = std::make_unique<SlotState>();
    state->first_seen.resize(slots_[slot]->rule->first_seen.size());
  }
  return *state;
}

void RuleState::BeginRecord(const SourcePosition& position, std::optional<absl::Time> event_time) {
  bool kafka = !position.topic.empty();
  std::string partition_id = position.StreamId();
  current_ = &PartitionFor(partition_id);
  current_time_ = event_time;
  current_position_ = position;
  current_replayed_ = false;
  // stdin has no identity across runs; everything else does.
  if (!kafka && position.file == "-") return;
  // A file is known by its absolute path, however the command line spelled
  // it (as the --checkpoint knows it).
  if (!kafka && position.file != file_spelled_) {
    file_spelled_ = position.file;
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(position.file, error);
    file_identity_ = error ? position.file : absolute.lexically_normal().string();
  }
  const std::string& input = kafka ? partition_id : file_identity_;
  int64_t index = kafka ? position.offset : static_cast<int64_t>(position.record_index);
  auto it = current_->applied.find(input);  // not emplace: that would build a node per record
  if (it == current_->applied.end()) {
    current_->applied.emplace(input, index);
  } else if (index <= it->second) {
    current_replayed_ = true;
    return;
  } else {
    it->second = index;
  }
  current_->dirty = true;
}

std::optional<absl::Time> RuleState::Watermark(uint32_t rule) const {
  if (current_ == nullptr || !current_->stream_time) return std::nullopt;
  return *current_->stream_time - rules_.rules[rule].allowed_lateness;
}

RuleState::Verdict RuleState::Decide(uint32_t rule_index, RecordValues& record, const Emit& emit) {
  if (current_replayed_) return Verdict::kQuiet;
  const Slot& slot = *slots_[slot_of_rule_[rule_index]];
  const BoundRule& rule = *slot.rule;
  SlotState& state = StateOf(*current_, slot_of_rule_[rule_index]);
  std::optional<absl::Time> now = current_time_ ? current_time_ : current_->stream_time;

  if (rule.aggregation) {
    if (!current_time_) return Verdict::kMissingEventTime;
    std::optional<absl::Time> watermark = Watermark(rule_index);
    if (watermark && *current_time_ < *watermark) return Verdict::kLate;
  }

  bool all_first_seen = true;
  for (size_t i = 0; i < rule.first_seen.size(); ++i) {
    const FirstSeen& first = rule.first_seen[i];
    std::string key = record.Json(first.key);
    std::string value = record.Json(first.value);
    if (key == kNullJson || value == kNullJson) {
      all_first_seen = false;
      continue;
    }
    FirstSeenMemory& memory = state.first_seen[i];
    uint64_t hash = PairHash(key, value);
    bool seen = memory.seen.Touch(hash) != nullptr;
    if (!seen) memory.seen.Insert(hash, 0, options_.max_keys_per_rule, evicted_);
    if (!memory.learn_start && now) memory.learn_start = now;
    bool learning = first.learn > absl::ZeroDuration() &&
                    (!now || !memory.learn_start || *now < *memory.learn_start + first.learn);
    if (seen || learning) all_first_seen = false;
  }
  current_->dirty = true;
  if (!all_first_seen) return Verdict::kQuiet;

  if (rule.aggregation) {
    const Aggregation& aggregation = *rule.aggregation;
    std::vector<std::string> key_values = ValuesOf(aggregation.group_by, record);
    std::string key = GroupObject(aggregation.group_names, key_values);
    std::vector<std::string> values;
    for (size_t index : slot.value_aggregates) {
      values.push_back(record.Json(aggregation.aggregates[index].argument));
    }
    absl::Time time = *current_time_;
    if (slot.sliding()) {
      SlidingGroup* group = state.sliding.Touch(key);
      if (group == nullptr) {
        SlidingGroup fresh;
        fresh.key_values = key_values;
        fresh.counts.resize(slot.value_aggregates.size());
        group = &state.sliding.Insert(key, std::move(fresh), options_.max_keys_per_rule, evicted_);
      }
      auto after = std::upper_bound(group->entries.begin() + group->in_window, group->entries.end(), time,
                                    [](absl::Time t, const SlidingEntry& entry) { return t < entry.time; });
      group->entries.insert(after, SlidingEntry{time, std::move(values), current_position_});
      state.queue.insert(DueEvent{time, key, time});
      return Verdict::kQuiet;
    }
    TimedGroup* group = state.timed.Touch(key);
    if (group == nullptr) {
      TimedGroup fresh;
      fresh.key_values = key_values;
      group = &state.timed.Insert(key, std::move(fresh), options_.max_keys_per_rule, evicted_);
    }
    const WindowSpec& window = aggregation.window;
    int64_t last = FloorUnits(time, window.advance);
    int64_t first = FloorUnits(time - window.size, window.advance) + 1;
    for (int64_t k = first; k <= last; ++k) {
      absl::Time start = absl::UnixEpoch() + k * window.advance;
      auto [it, created] = group->windows.try_emplace(start);
      TimedWindow& open = it->second;
      if (created) {
        open.values.resize(slot.value_aggregates.size());
        state.queue.insert(DueEvent{start + window.size, key, start});
      }
      ++open.count;
      open.first = std::min(open.first, time);
      open.last = std::max(open.last, time);
      open.last_position = current_position_;
      for (size_t v = 0; v < values.size(); ++v) {
        if (values[v] == kNullJson) continue;
        ValueCounts& counts = open.values[v];
        ++counts[values[v]];
        const Aggregate& aggregate = aggregation.aggregates[slot.value_aggregates[v]];
        // array_agg keeps only the smallest `limit` values; count(DISTINCT) all.
        if (aggregate.kind == Aggregate::Kind::kArrayAggDistinct &&
            counts.size() > static_cast<size_t>(aggregate.limit)) {
          counts.erase(std::prev(counts.end()));
        }
      }
    }
    return Verdict::kQuiet;
  }

  if (rule.suppression) {
    const Suppression& suppression = *rule.suppression;
    std::vector<std::string> key_values = ValuesOf(suppression.by, record);
    std::string key = GroupObject(suppression.names, key_values);
    absl::Time time = now.value_or(absl::UnixEpoch());
    if (Period* period = state.periods.Touch(key)) {
      if (time < period->start + suppression.period) {
        ++period->count;
        period->last_position = current_position_;
        return Verdict::kQuiet;
      }
      if (period->count > 0) {  // the old period ends here; its summary follows the record's alerts
        ended_periods_.push_back(ClosedAlert{period->start + suppression.period, period->start, rule_index, key,
                                          SuppressionSummary(rule, current_->id, key, *period)});
      }
      state.periods.Erase(key);
    }
    Period fresh;
    fresh.key_values = key_values;
    fresh.start = time;
    state.periods.Insert(key, std::move(fresh), options_.max_keys_per_rule, evicted_);
    state.queue.insert(DueEvent{time + suppression.period, key, time});
  }
  return Verdict::kAlert;
}

void RuleState::EndRecord(const Emit& emit) {
  if (current_ == nullptr) return;
  bool advances = !current_replayed_ && current_time_ &&
                  (!current_->stream_time || *current_time_ > *current_->stream_time);
  if (advances) {
    current_->stream_time = current_time_;
    current_->dirty = true;
  }
  if (advances || !ended_periods_.empty()) Close(*current_, /*everything=*/false, emit);
}

void RuleState::CloseAll(const Emit& emit) {
  for (auto& [id, partition] : partitions_) {
    partition->dirty = true;
    Close(*partition, /*everything=*/true, emit);
  }
}

void RuleState::Close(Partition& partition, bool everything, const Emit& emit) {
  std::vector<ClosedAlert> closing;
  closing.swap(ended_periods_);
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (partition.slots[s] == nullptr) continue;
    const Slot& slot = *slots_[s];
    const BoundRule& rule = *slot.rule;
    SlotState& state = *partition.slots[s];
    if (state.queue.empty()) continue;
    std::optional<absl::Time> watermark;
    if (partition.stream_time) watermark = *partition.stream_time - rule.allowed_lateness;
    if (!everything && !watermark) continue;

    // One window's alert, when HAVING holds for it.
    auto decide = [&](const std::string& key, const std::vector<std::string>& key_values, absl::Time start,
                      absl::Time end, const WindowFacts& facts, const SourcePosition& position) {
      const Aggregation& aggregation = *rule.aggregation;
      if (aggregation.having) {
        std::optional<bool> quick =
            QuickHaving(*aggregation.having, aggregation, slot.aggregate_keys, facts);
        if (quick && !*quick) return false;
      }
      std::string record = "{";
      auto field = [&record](const std::string& name, const std::string& json) {
        if (record.size() > 1) record.push_back(',');
        AppendJsonString(record, name);
        record.push_back(':');
        record += json;
      };
      for (size_t i = 0; i < aggregation.group_by.size(); ++i) field(aggregation.group_by[i].ToSql(), key_values[i]);
      size_t value_ordinal = 0;
      for (const Aggregate& aggregate : aggregation.aggregates) {
        std::string json;
        switch (aggregate.kind) {
          case Aggregate::Kind::kCountStar: json = std::to_string(facts.count); break;
          case Aggregate::Kind::kMinTime: AppendJsonString(json, FormatEventTime(facts.first)); break;
          case Aggregate::Kind::kMaxTime: AppendJsonString(json, FormatEventTime(facts.last)); break;
          case Aggregate::Kind::kCountDistinct: json = std::to_string(facts.values[value_ordinal++]->size()); break;
          case Aggregate::Kind::kArrayAggDistinct: {
            json = "[";
            int64_t taken = 0;
            for (const auto& [value, count] : *facts.values[value_ordinal]) {
              if (taken == aggregate.limit) break;
              if (taken++) json.push_back(',');
              json += value;
            }
            json += "]";
            ++value_ordinal;
            break;
          }
        }
        field(aggregate.ToSql(), json);
      }
      std::string start_text = FormatEventTime(start), end_text = FormatEventTime(end);
      std::string start_json, end_json;
      AppendJsonString(start_json, start_text);
      AppendJsonString(end_json, end_text);
      field("window_start", start_json);
      field("window_end", end_json);
      record.push_back('}');
      element group_record;
      if (group_parser_.parse(record).get(group_record)) return false;  // not reached: the text is built above
      if (aggregation.having &&
          ReferenceInterpreter::EvaluateCondition(*aggregation.having, group_record) != TriBool::kTrue) {
        return false;
      }
      Alert alert;
      alert.kind = Alert::Kind::kWindow;
      alert.rule = rule.name;
      alert.severity = rule.severity;
      alert.tags = rule.tags;
      alert.event_time = end_text;
      alert.window_type = std::string(WindowKindName(aggregation.window.kind));
      alert.window_start = start_text;
      alert.window_end = end_text;
      alert.group_json = key;
      ReferenceInterpreter::ProjectFields(rule, group_record, nullptr, alert.fields_json);
      MakeAlertId(rule.name, StateAlertKey("window", partition.id, key, start_text, end_text), alert.alert_id);
      alert.position = position;
      closing.push_back(ClosedAlert{end, start, slot.rule_index, key, std::move(alert)});
      return true;
    };

    while (!state.queue.empty()) {
      DueEvent event = *state.queue.begin();
      bool due = everything || (slot.due_inclusive() ? *watermark >= event.due : *watermark > event.due);
      if (!due) break;
      state.queue.erase(state.queue.begin());

      if (slot.windows()) {
        TimedGroup* group = state.timed.Peek(event.group);
        if (group == nullptr) continue;  // evicted
        auto it = group->windows.find(event.start);
        if (it == group->windows.end()) continue;
        const TimedWindow& window = it->second;
        WindowFacts facts{window.count, window.first, window.last, {}};
        for (const ValueCounts& counts : window.values) facts.values.push_back(&counts);
        decide(event.group, group->key_values, event.start, event.due, facts, window.last_position);
        group->windows.erase(it);
        if (group->windows.empty()) state.timed.Erase(event.group);
      } else if (slot.sliding()) {
        SlidingGroup* group = state.sliding.Peek(event.group);
        if (group == nullptr) continue;  // evicted
        absl::Duration length = rule.aggregation->window.size;
        if (event.start == absl::InfinitePast()) {  // expiry of an idle group
          if (group->in_window == group->entries.size() && group->last_end && *group->last_end + length == event.due) {
            state.sliding.Erase(event.group);
          }
          continue;
        }
        absl::Time end = event.due;
        if (group->last_end && *group->last_end >= end) continue;  // decided already
        while (group->in_window < group->entries.size() && group->entries[group->in_window].time <= end) {
          const SlidingEntry& entry = group->entries[group->in_window++];
          for (size_t v = 0; v < entry.values.size(); ++v) {
            if (entry.values[v] != kNullJson) ++group->counts[v][entry.values[v]];
          }
        }
        while (!group->entries.empty() && group->entries.front().time < end - length) {
          const SlidingEntry& entry = group->entries.front();
          for (size_t v = 0; v < entry.values.size(); ++v) {
            if (entry.values[v] == kNullJson) continue;
            auto counted = group->counts[v].find(entry.values[v]);
            if (--counted->second == 0) group->counts[v].erase(counted);
          }
          group->entries.pop_front();
          --group->in_window;
        }
        if (group->in_window == 0) continue;  // not reached: the entry at `end` is in
        WindowFacts facts{static_cast<int64_t>(group->in_window), group->entries.front().time, end, {}};
        for (const ValueCounts& counts : group->counts) facts.values.push_back(&counts);
        bool previous_true = group->last_end && *group->last_end >= end - length && group->last_true;
        bool having = decide(event.group, group->key_values, end - length, end, facts,
                             group->entries[group->in_window - 1].position);
        if (having && previous_true) closing.pop_back();  // same burst: one alert
        group->last_end = end;
        group->last_true = having;
        if (group->in_window == group->entries.size()) {
          state.queue.insert(DueEvent{end + length, event.group, absl::InfinitePast()});
        }
      } else if (rule.suppression) {
        Period* period = state.periods.Peek(event.group);
        if (period == nullptr || period->start != event.start) continue;  // replaced or evicted
        if (period->count > 0) {
          closing.push_back(ClosedAlert{event.due, period->start, slot.rule_index, event.group,
                                    SuppressionSummary(rule, partition.id, event.group, *period)});
        }
        state.periods.Erase(event.group);
      }
    }
  }
  std::sort(closing.begin(), closing.end());
  for (ClosedAlert& done : closing) emit(std::move(done.alert));
}

RuleStateStats RuleState::Stats() const {
  // Bytes per entry as measured with bench/stateful_bench.py (peak RSS over
  // 100,000 and 1,000,000 keys, valgrind massif for the parts): the key is
  // held three times (LRU list, close queue, values), every node pays
  // malloc's overhead, a window keeps the path of its last record's file.
  RuleStateStats stats;
  stats.evicted = evicted_;
  for (const auto& [id, partition] : partitions_) {
    stats.bytes += 64 + id.size() + partition->applied.size() * 96;
    for (const auto& slot : partition->slots) {
      if (slot == nullptr) continue;
      for (const FirstSeenMemory& memory : slot->first_seen) {
        stats.keys += memory.seen.size();
        stats.bytes += memory.seen.size() * 96;  // list node, index slot at the table's load, malloc
      }
      for (const auto& [key, group] : slot->timed.entries()) {
        ++stats.keys;
        stats.bytes += 352 + 3 * key.size();
        for (const auto& [start, window] : group.windows) {
          stats.bytes += 320 + window.last_position.file.size();
          for (const ValueCounts& counts : window.values) {
            for (const auto& [value, count] : counts) stats.bytes += 96 + value.size();
          }
        }
      }
      for (const auto& [key, group] : slot->sliding.entries()) {
        ++stats.keys;
        stats.bytes += 352 + 3 * key.size();
        for (const SlidingEntry& entry : group.entries) {
          stats.bytes += 160 + entry.position.file.size();
          for (const std::string& value : entry.values) stats.bytes += 48 + value.size();
        }
        for (const ValueCounts& counts : group.counts) {
          for (const auto& [value, count] : counts) stats.bytes += 96 + value.size();
        }
      }
      for (const auto& [key, period] : slot->periods.entries()) {
        ++stats.keys;
        stats.bytes += 288 + 3 * key.size() + period.last_position.file.size();
      }
    }
  }
  return stats;
}

std::string RuleState::Serialize(const std::string& id, const Partition& partition) const {
  Writer w;
  w.Str(kMagic);
  w.Str(id);
  w.OptTime(partition.stream_time);
  w.U64(partition.applied.size());
  for (const auto& [input, index] : partition.applied) {
    w.Str(input);
    w.I64(index);
  }
  size_t present = 0;
  for (const auto& slot : partition.slots) present += slot != nullptr;
  w.U64(present);
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (partition.slots[s] == nullptr) continue;
    const SlotState& state = *partition.slots[s];
    Writer p;
    p.U64(state.first_seen.size());
    for (const FirstSeenMemory& memory : state.first_seen) {
      p.OptTime(memory.learn_start);
      p.U64(memory.seen.size());
      for (const auto& [hash, unused] : memory.seen.entries()) p.U64(hash);
    }
    p.U64(state.timed.size());
    for (const auto& [key, group] : state.timed.entries()) {
      p.Str(key);
      p.Strs(group.key_values);
      p.U64(group.windows.size());
      for (const auto& [start, window] : group.windows) {
        p.Time(start);
        p.I64(window.count);
        p.Time(window.first);
        p.Time(window.last);
        p.U64(window.values.size());
        for (const ValueCounts& counts : window.values) {
          p.U64(counts.size());
          for (const auto& [value, count] : counts) {
            p.Str(value);
            p.I64(count);
          }
        }
        p.Position(window.last_position);
      }
    }
    p.U64(state.sliding.size());
    for (const auto& [key, group] : state.sliding.entries()) {
      p.Str(key);
      p.Strs(group.key_values);
      p.OptTime(group.last_end);
      p.U64(group.last_true);
      p.U64(group.in_window);
      p.U64(group.entries.size());
      for (const SlidingEntry& entry : group.entries) {
        p.Time(entry.time);
        p.Strs(entry.values);
        p.Position(entry.position);
      }
    }
    p.U64(state.periods.size());
    for (const auto& [key, period] : state.periods.entries()) {
      p.Str(key);
      p.Strs(period.key_values);
      p.Time(period.start);
      p.U64(period.count);
      p.Position(period.last_position);
    }
    p.U64(state.queue.size());
    for (const DueEvent& event : state.queue) {
      p.Time(event.due);
      p.Str(event.group);
      p.U64(event.start == absl::InfinitePast());
      if (event.start != absl::InfinitePast()) p.Time(event.start);
    }
    w.Str(slots_[s]->rule->name);
    w.Str(slots_[s]->signature);
    w.Str(p.out());
  }
  return std::move(w.out());
}

absl::Status RuleState::Restore(std::string_view bytes, const std::string& origin) {
  auto corrupt = [&origin]() {
    return absl::DataLossError(origin + " is corrupt; move it away to start that partition's state afresh");
  };
  Reader r(bytes);
  if (r.Str() != kMagic || !r.ok()) return corrupt();
  std::string id = r.Str();
  std::unique_ptr<Partition>& fresh = partitions_[id];
  fresh = std::make_unique<Partition>();
  fresh->id = id;
  fresh->slots.resize(slots_.size());
  Partition& partition = *fresh;
  std::map<std::string, int> slot_by_name;
  for (size_t s = 0; s < slots_.size(); ++s) slot_by_name[slots_[s]->rule->name] = static_cast<int>(s);
  partition.stream_time = r.OptTime();
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string input = r.Str();
    partition.applied[input] = r.I64();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string name = r.Str();
    std::string signature = r.Str();
    std::string payload = r.Str();
    auto known = slot_by_name.find(name);
    if (known == slot_by_name.end() || slots_[known->second]->signature != signature) {
      notes_.push_back("dropped the saved state of rule " + name +
                      (known == slot_by_name.end() ? " (no such stateful rule now)" : " (its stateful parts changed)"));
      continue;
    }
    SlotState& state = StateOf(partition, known->second);
    Reader p(payload);
    uint64_t memories = p.Count();
    for (uint64_t m = 0; m < memories && p.ok(); ++m) {
      FirstSeenMemory scratch;
      FirstSeenMemory& memory = m < state.first_seen.size() ? state.first_seen[m] : scratch;
      memory.learn_start = p.OptTime();
      for (uint64_t k = p.Count(); k > 0 && p.ok(); --k) memory.seen.Insert(p.U64(), 0, options_.max_keys_per_rule, evicted_);
    }
    for (uint64_t g = p.Count(); g > 0 && p.ok(); --g) {
      std::string key = p.Str();
      TimedGroup group;
      group.key_values = p.Strs();
      for (uint64_t w = p.Count(); w > 0 && p.ok(); --w) {
        absl::Time start = p.Time();
        TimedWindow& window = group.windows[start];
        window.count = p.I64();
        window.first = p.Time();
        window.last = p.Time();
        window.values.resize(p.Count());
        if (window.values.size() != slots_[known->second]->value_aggregates.size()) return corrupt();
        for (ValueCounts& counts : window.values) {
          for (uint64_t v = p.Count(); v > 0 && p.ok(); --v) {
            std::string value = p.Str();
            counts[value] = p.I64();
          }
        }
        window.last_position = p.Position();
      }
      state.timed.Insert(key, std::move(group), options_.max_keys_per_rule, evicted_);
    }
    for (uint64_t g = p.Count(); g > 0 && p.ok(); --g) {
      std::string key = p.Str();
      SlidingGroup group;
      group.key_values = p.Strs();
      group.last_end = p.OptTime();
      group.last_true = p.U64() != 0;
      group.in_window = p.U64();
      for (uint64_t e = p.Count(); e > 0 && p.ok(); --e) {
        SlidingEntry entry;
        entry.time = p.Time();
        entry.values = p.Strs();
        entry.position = p.Position();
        group.entries.push_back(std::move(entry));
      }
      if (group.in_window > group.entries.size()) return corrupt();
      group.counts.resize(slots_[known->second]->value_aggregates.size());
      for (size_t e = 0; e < group.in_window; ++e) {
        const SlidingEntry& entry = group.entries[e];
        if (entry.values.size() != group.counts.size()) return corrupt();
        for (size_t v = 0; v < entry.values.size(); ++v) {
          if (entry.values[v] != kNullJson) ++group.counts[v][entry.values[v]];
        }
      }
      state.sliding.Insert(key, std::move(group), options_.max_keys_per_rule, evicted_);
    }
    for (uint64_t g = p.Count(); g > 0 && p.ok(); --g) {
      std::string key = p.Str();
      Period period;
      period.key_values = p.Strs();
      period.start = p.Time();
      period.count = p.U64();
      period.last_position = p.Position();
      state.periods.Insert(key, std::move(period), options_.max_keys_per_rule, evicted_);
    }
    for (uint64_t e = p.Count(); e > 0 && p.ok(); --e) {
      DueEvent event;
      event.due = p.Time();
      event.group = p.Str();
      event.start = p.U64() != 0 ? absl::InfinitePast() : p.Time();
      state.queue.insert(std::move(event));
    }
    if (!p.ok() || !p.AtEnd()) return corrupt();
  }
  if (!r.ok() || !r.AtEnd()) return corrupt();
  return absl::OkStatus();
}

absl::Status RuleState::Save() {
  if (options_.store == nullptr) return absl::OkStatus();
  for (auto& [id, partition] : partitions_) {
    if (!partition->dirty) continue;
    absl::Status written = options_.store->Write(id, Serialize(id, *partition));
    if (!written.ok()) return written;
    partition->dirty = false;
  }
  return absl::OkStatus();
}

void RuleState::Drop(const std::vector<std::string>& partition_ids) {
  for (const std::string& id : partition_ids) {
    if (current_ != nullptr && partitions_.count(id) && partitions_[id].get() == current_) current_ = nullptr;
    partitions_.erase(id);
  }
}

void RuleState::AdoptFrom(const RuleState& earlier) {
  for (const auto& [id, partition] : earlier.partitions_) {
    absl::Status restored = Restore(earlier.Serialize(id, *partition), "the state before the reload");
    if (!restored.ok() && error_.ok()) error_ = restored;
    partitions_[id]->dirty = true;
  }
}

std::vector<std::string> RuleState::TakeNotes() {
  std::vector<std::string> notes;
  notes.swap(notes_);
  return notes;
}

}  // namespace trailhound
