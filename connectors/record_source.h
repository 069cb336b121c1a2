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
  // Fills `record` and returns true, or returns false when there is no record:
  // at the end of input for a finite source; for a live one (Kafka, --follow)
  // when none arrived within its poll interval (then the caller flushes,
  // reports status, checks for signals and calls again).
  // Blank lines are skipped. An error status means the input itself could
  // not be read (e.g. a file vanished); callers report it and go on.
  virtual absl::StatusOr<bool> Next(RawRecord& record) = 0;

  // A live source never ends by itself; the caller stops it (SIGINT/SIGTERM).
  virtual bool Live() const { return false; }

  // The output of every record Next() returned so far is flushed to its
  // sinks: make that durable (commit Kafka offsets, write the checkpoint of
  // the files completed). `final` is the last call before shutdown: commit
  // synchronously. A failure means nothing was recorded: the records will be
  // read again after a restart (at-least-once), so callers report it and go on.
  virtual absl::Status Commit(bool final) { (void)final; return absl::OkStatus(); }

  // A short status for the periodic status line (e.g. consumer lag per
  // partition); empty when there is nothing to add.
  virtual std::string StatusText() { return ""; }
};

// Opens the inputs in order: each is a file (plain or gzip, detected by magic
// bytes), a directory (all regular files below it, recursively, in sorted path
// order) or "-" for stdin. An empty list means stdin. Fails up front when an
// input does not exist.
absl::StatusOr<std::unique_ptr<RecordSource>> OpenInputs(
    const std::vector<std::string>& inputs, const SourceOptions& options,
    DeadLetterSink& dead_letters);

}  // namespace trailhound
