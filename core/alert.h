// The alert model: what a rule match turns into, and the sink alerts go to.
// `alert_id` is stable: the same rule and eventID give the same id on every
// replay, so downstream can drop duplicates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/source_position.h"

namespace trailhound {

struct Alert {
  // What the alert is about: one record, one window of an aggregation rule,
  // or the matches a suppression period held back.
  enum class Kind { kRecord, kWindow, kSuppressed };
  Kind kind = Kind::kRecord;
  std::string alert_id;
  std::string rule;
  std::string severity;
  std::vector<std::string> tags;
  std::string event_id;    // empty when the record has none
  std::string event_time;  // empty when the record has none
  std::string fields_json; // the SELECTed fields as one JSON object
  std::string fields_error;  // why fields are null (the record matched but
                             // does not parse whole, e.g. a 100-digit integer)
  SourcePosition position;
  // kWindow: the window; kSuppressed: the period ("from" … "to").
  std::string window_type;  // kWindow: tumbling, hopping, sliding
  std::string window_start, window_end;
  std::string group_json;   // kWindow, kSuppressed: {"name": value, …}
  uint64_t suppressed_count = 0;

  // One NDJSON line, without the trailing newline.
  std::string ToJson() const;
  void AppendJson(std::string& out) const;  // the same line, appended to `out`
};

// Event time as alerts write it: 2023-10-01T08:15:02Z (a fraction only when
// there is one).
std::string FormatEventTime(absl::Time time);

// 32 hex digits: FNV-1a 128 over rule name, a NUL, and `event_key` (the
// record's eventID, or its raw bytes when it has none). Assigned to `out`,
// which keeps its room (no allocation once it has held an id).
void MakeAlertId(std::string_view rule, std::string_view event_key, std::string& out);

// The same ids for one rule, its name and the NUL hashed once: FNV-1a is a
// running state, so only the event key is hashed per alert.
class AlertIdHasher {
 public:
  explicit AlertIdHasher(std::string_view rule);
  void Make(std::string_view event_key, std::string& out) const;

 private:
  __extension__ typedef unsigned __int128 State;
  State after_rule_;
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void Write(const Alert& alert) = 0;
  // Everything written so far has reached its destination (file written,
  // broker acknowledged, webhook accepted). An error means some of it may
  // not have: callers must not commit the records it came from.
  virtual absl::Status Flush() = 0;
};

}  // namespace trailhound
