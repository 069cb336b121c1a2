// Where a record came from: enough to find it again (file and byte offset,
// record index within the file, line for line-framed input).
#pragma once

#include <cstdint>
#include <string>

namespace trailhound {

struct SourcePosition {
  std::string file;          // path as given, or "-" for stdin
  uint64_t record_index = 0;  // 0-based index of the record within `file`
  uint64_t byte_offset = 0;   // offset of the record's first byte in the
                              // (decompressed) stream; for records inside a
                              // {"Records":[...]} document or a CloudWatch Logs
                              // envelope, that document's or envelope's offset
  uint64_t line = 0;          // 1-based line where the record starts (NDJSON,
                              // concatenated objects, EventBridge events); 0 for
                              // records inside documents and envelopes

  // {"file":…,"record":…,"offset":…[,"line":…]} as a JSON object.
  std::string ToJson() const;
};

}  // namespace trailhound
