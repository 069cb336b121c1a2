// Helpers for JSON input that is not one record per line (private to
// connectors/): finding where concatenated objects end (Kinesis Data Firehose
// output), telling the framings apart by the keys of the first object, and
// unwrapping EventBridge events.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace trailhound {

// Finds where a JSON object ends when its bytes arrive in pieces. Tracks
// strings, escapes and brace/bracket depth only: it does not validate (the
// parser downstream does), so `{"a":[}` ends at its `}`.
class JsonObjectScanner {
 public:
  // Starts a new object; the first byte scanned must be its `{`.
  void Reset() {
    depth_ = 0;
    in_string_ = false;
    escape_ = false;
  }

  // Scans the next piece of the object. Returns the offset in `piece` just
  // past the byte that closes the object, or npos when it needs more.
  size_t Scan(std::string_view piece);

 private:
  uint64_t depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

// Which of the keys that select a framing a JSON object has at its top level
// (keys are compared as written, escapes not decoded). Stops at the end of the
// object; does not validate.
struct TopLevelKeys {
  bool records = false;       // "Records": a CloudTrail S3 delivery document
  bool detail_type = false;   // "detail-type" and
  bool detail = false;        // "detail": an EventBridge event
  bool message_type = false;  // "messageType" and
  bool log_events = false;    // "logEvents": a CloudWatch Logs subscription envelope
};
TopLevelKeys FindTopLevelKeys(std::string_view object);

// True for the EventBridge detail-types that carry a CloudTrail record: those
// ending in "via CloudTrail" ("AWS API Call via CloudTrail", "AWS Console Sign
// In via CloudTrail", "AWS Service Event via CloudTrail", …).
bool IsCloudTrailDetailType(std::string_view detail_type);

// Why an envelope gave no record: a dead-letter reason and its detail.
struct Rejection {
  std::string_view reason;
  std::string detail;
};

// Unwraps one EventBridge event (a JSON object). On success `record` holds
// its "detail" object as minified JSON text (numbers and strings exactly as
// written) and returns true; otherwise fills `why` and returns false.
// `scratch` is a reusable buffer. The first of repeated keys counts.
bool UnwrapEventBridgeEvent(std::string_view event, simdjson::ondemand::parser& parser,
                            std::string& scratch, std::string& record, Rejection& why);

}  // namespace trailhound
