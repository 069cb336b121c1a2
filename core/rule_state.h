// The state of stateful rules (README "Stateful rules"): the windows of
// aggregation rules, the memories of first_seen, the periods of suppression.
//
// Everything runs in event time, per input partition (a Kafka partition, or
// all files of a run together): stream time is the largest eventTime seen in
// the partition, and a rule's watermark is stream time minus its
// allowed_lateness. Given the same records in the same order, RuleState
// emits the same alerts with the same ids.
//
// Per record the pipeline calls BeginRecord, then Decide for every stateful
// rule the record matched, then EndRecord, which closes what the watermark
// passed. CloseAll closes everything (the end of a finite run).
//
// State is bounded per rule and partition (least recently used keys are
// evicted and counted). Save keeps it in a StateStore (a directory, a Kafka
// topic), one blob per partition. The state remembers, per input (a file by
// its absolute path, or a Kafka partition), the last record it applied, so
// records read again after a restart change nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/alert.h"
#include "core/bound_rule.h"
#include "core/reference_interpreter.h"
#include "core/source_position.h"
#include "core/state_store.h"

namespace trailhound {

struct RuleStateOptions {
  size_t max_keys_per_rule = 1000000;  // per rule and partition
  StateStore* store = nullptr;  // where partitions are saved; null: nowhere
};

struct RuleStateStats {
  uint64_t keys = 0;     // groups, first_seen pairs and suppression keys held
  uint64_t bytes = 0;    // an estimate of the memory they take
  uint64_t evicted = 0;  // keys dropped to stay within max_keys_per_rule
};

class RuleState {
 public:
  using Emit = std::function<void(Alert)>;

  // What a matched stateful rule makes of a record.
  enum class Verdict {
    kAlert,             // alert on this record now (first_seen, suppression)
    kQuiet,             // counted, remembered or suppressed: no alert now
    kLate,              // older than the rule's watermark: dead-letter it
    kMissingEventTime,  // a windowed rule needs the record's eventTime
  };

  RuleState(const RuleSet& rules, RuleStateOptions options);
  ~RuleState();

  // True when some rule of the set is stateful.
  bool active() const { return !slots_.empty(); }
  bool IsStateful(uint32_t rule) const { return slot_of_rule_[rule] >= 0; }

  void BeginRecord(const SourcePosition& position, std::optional<absl::Time> event_time);
  Verdict Decide(uint32_t rule, RecordValues& record, const Emit& emit);
  void EndRecord(const Emit& emit);
  void CloseAll(const Emit& emit);

  // The watermark `rule` had before the current record (for messages).
  std::optional<absl::Time> Watermark(uint32_t rule) const;

  RuleStateStats Stats() const;

  // Writes the partitions changed since the last Save to options.store. A
  // partition's saved state is read back when its first record arrives (in
  // this run, or after a rebalance brought the partition here).
  absl::Status Save();
  // Forgets partitions this process no longer owns (Kafka revoked them), so
  // that it never writes over their next owner's state.
  void Drop(const std::vector<std::string>& partition_ids);
  // Takes over the state of `earlier` (built from the rules before a reload);
  // rules whose stateful parts changed start afresh.
  void AdoptFrom(const RuleState& earlier);

  // A saved state that cannot be read (the run should stop), and notes about
  // state dropped because its rule changed.
  const absl::Status& error() const { return error_; }
  std::vector<std::string> TakeNotes();

 private:
  struct Slot;
  struct SlotState;
  struct Partition;
  struct ClosedAlert;

  Partition& PartitionFor(const std::string& id);
  std::string Serialize(const std::string& id, const Partition& partition) const;
  absl::Status Restore(std::string_view bytes, const std::string& origin);
  SlotState& StateOf(Partition& partition, int slot);
  void Close(Partition& partition, bool everything, const Emit& emit);

  const RuleSet& rules_;
  const RuleStateOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;  // one per stateful rule, in rule order
  std::vector<int> slot_of_rule_;             // rule index -> slot, or -1
  std::map<std::string, std::unique_ptr<Partition>> partitions_;
  simdjson::dom::parser group_parser_;  // group records, for HAVING and SELECT
  uint64_t evicted_ = 0;
  std::vector<ClosedAlert> ended_periods_;  // by the current record's matches
  absl::Status error_;
  std::vector<std::string> notes_;

  // The record between BeginRecord and EndRecord.
  Partition* current_ = nullptr;
  std::optional<absl::Time> current_time_;
  SourcePosition current_position_;
  bool current_replayed_ = false;
  std::string file_spelled_, file_identity_;  // the last input file, as given and as known
};

}  // namespace trailhound
