// A record that could not be evaluated, with the reason and where it was, and
// the sink every stage hands such records to. Nothing bad is dropped silently:
// whoever rejects a record reports it here.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/source_position.h"

namespace trailhound {

// Stable reason codes written to the dead-letter output.
inline constexpr std::string_view kReasonInvalidJson = "invalid_json";
inline constexpr std::string_view kReasonInvalidUtf8 = "invalid_utf8";
inline constexpr std::string_view kReasonTooLarge = "too_large";
inline constexpr std::string_view kReasonNotAnObject = "not_an_object";
inline constexpr std::string_view kReasonMissingEventName = "missing_eventName";
inline constexpr std::string_view kReasonTooDeep = "too_deep";
inline constexpr std::string_view kReasonNotCloudTrail = "not_cloudtrail";  // an EventBridge event of another kind
inline constexpr std::string_view kReasonInvalidDocument = "invalid_document";
inline constexpr std::string_view kReasonUnreadableInput = "unreadable_input";
inline constexpr std::string_view kReasonLate = "late";  // older than a windowed rule's watermark
inline constexpr std::string_view kReasonMissingEventTime = "missing_eventTime";  // a windowed rule needs it

struct DeadLetter {
  std::string_view reason;  // one of the kReason* codes
  std::string detail;       // human-readable specifics (parser message, sizes)
  SourcePosition position;
  std::string_view raw;     // the record's bytes (may be a truncated prefix)
  bool raw_truncated = false;
};

class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;
  virtual void Write(const DeadLetter& letter) = 0;
  // As AlertSink::Flush: an error means some letters may not have arrived.
  virtual absl::Status Flush() { return absl::OkStatus(); }
};

}  // namespace trailhound
