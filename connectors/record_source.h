// Record sources: files, directories (recursive, sorted), gzip, stdin, with the
// framing of each stream auto-detected from its first JSON value: NDJSON,
// CloudTrail S3 delivery documents {"Records":[…]} (one or more), Kinesis Data
// Firehose output (concatenated objects), CloudWatch Logs subscription
// envelopes, EventBridge events. A source yields one record's bytes at a time
// with its position; what it cannot frame (over the size limit, an unparsable
// document or envelope, a non-CloudTrail event) goes to the dead-letter sink
// and the stream goes on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/dead_letter.h"
#include "core/source_position.h"

namespace trailhound {

struct RawRecord {
  std::string_view bytes;    // valid until the next call to Next()
  SourcePosition position;
};

struct SourceOptions {
  uint64_t max_record_bytes = 1 << 20;  // larger records are dead-lettered
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Fills `record` and returns true, or returns false at the end of input.
  // Blank lines are skipped. An error status means the input itself could
  // not be read (e.g. a file vanished); callers report it and go on.
  virtual absl::StatusOr<bool> Next(RawRecord& record) = 0;
};

// Opens the inputs in order: each is a file (plain or gzip, detected by magic
// bytes), a directory (all regular files below it, recursively, in sorted path
// order) or "-" for stdin. An empty list means stdin. Fails up front when an
// input does not exist.
absl::StatusOr<std::unique_ptr<RecordSource>> OpenInputs(
    const std::vector<std::string>& inputs, const SourceOptions& options,
    DeadLetterSink& dead_letters);

}  // namespace trailhound
