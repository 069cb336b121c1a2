// Internal to th_connectors: one input stream framed as records (gzip and
// framing auto-detected, see record_source.h), and the recursive directory
// listing. Shared by OpenInputs and the followed-directory source
// (follow_source.h) so that both read files the same way. Not a public API.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/record_source.h"
#include "core/dead_letter.h"

namespace trailhound {

// One input's records, in order.
class RecordStream {
 public:
  virtual ~RecordStream() = default;
  // Fills `record` and returns true, or returns false at the end of the
  // stream. What cannot be framed, and a read error (which ends the stream),
  // goes to the dead-letter sink.
  virtual bool Next(RawRecord& record) = 0;
};

// Parsers reused by the streams a source reads one after another (they keep
// their buffers). One stream at a time per FramingParsers.
struct FramingParsers {
  simdjson::dom::parser document;    // Records documents, CloudWatch Logs envelopes
  simdjson::ondemand::parser event;  // EventBridge events
};

// Frames the bytes read from `fd` (inflated when they start with the gzip
// magic); `name` is the file of every position. Closes `fd` when `owns_fd`.
// `dead_letters` and `parsers` must outlive the stream.
std::unique_ptr<RecordStream> OpenRecordStream(std::string name, int fd, bool owns_fd,
                                               const SourceOptions& options,
                                               DeadLetterSink& dead_letters,
                                               FramingParsers& parsers);

// What `input` (a path given on the command line) is; NotFound ("input not
// found: …") when it does not exist, another error when it cannot be examined.
absl::StatusOr<std::filesystem::file_status> StatInput(const std::string& input);

// Appends the regular files below `dir` (recursively, not following symlinked
// directories), sorted by path.
absl::Status ListRegularFiles(const std::string& dir, std::vector<std::string>& paths);

}  // namespace trailhound
