// Where a record came from: enough to find it again (file and byte offset,
// record index within the file, line for line-framed input; or Kafka topic,
// partition and offset).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

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
  // Kafka records: `topic` is set (and `file` empty); `byte_offset` is unused.
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;       // the message's offset in its partition

  static SourcePosition InFile(std::string file, uint64_t record_index, uint64_t byte_offset, uint64_t line) {
    SourcePosition position;
    position.file = std::move(file);
    position.record_index = record_index;
    position.byte_offset = byte_offset;
    position.line = line;
    return position;
  }
  static SourcePosition InKafka(std::string topic, int32_t partition, int64_t offset) {
    SourcePosition position;
    position.topic = std::move(topic);
    position.partition = partition;
    position.offset = offset;
    return position;
  }

  // The stream this record is ordered within, for stateful rules: "" for
  // files and stdin (all of a run's files are one stream), "topic/partition"
  // for Kafka.
  std::string StreamId() const { return topic.empty() ? "" : StreamIdOf(topic, partition); }
  static std::string StreamIdOf(const std::string& topic, int32_t partition) {
    return topic + "/" + std::to_string(partition);
  }

  // {"file":…,"record":…,"offset":…[,"line":…]} as a JSON object, or
  // {"topic":…,"partition":…,"offset":…} for a Kafka record.
  std::string ToJson() const;
  void AppendJson(std::string& out) const;  // the same, appended to `out`
};

}  // namespace trailhound
