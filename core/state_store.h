// Where the state of stateful rules lives between runs, and between the
// members of a Kafka group when a partition moves: one blob per stream
// (SourcePosition::StreamId(): "" for files, "topic/partition" for Kafka),
// replaced whole each time. A directory (below) or a compacted Kafka topic
// (connectors/kafka_state_store.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace trailhound {

class StateStore {
 public:
  virtual ~StateStore() = default;
  // The bytes last written for `stream_id`; nullopt when none were.
  virtual absl::StatusOr<std::optional<std::string>> Read(const std::string& stream_id) = 0;
  // Replaces them; once this returns OK they survive a crash of this process.
  virtual absl::Status Write(const std::string& stream_id, std::string_view bytes) = 0;
  // Where `stream_id`'s state is, for messages ("state file …").
  virtual std::string Describe(const std::string& stream_id) const = 0;
};

// One file per stream in a directory (created when first written):
// files.state, kafka-<topic>%2F<partition>.state; replaced atomically.
class DirectoryStateStore : public StateStore {
 public:
  explicit DirectoryStateStore(std::string dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::optional<std::string>> Read(const std::string& stream_id) override;
  absl::Status Write(const std::string& stream_id, std::string_view bytes) override;
  std::string Describe(const std::string& stream_id) const override;

 private:
  std::string PathOf(const std::string& stream_id) const;
  std::string dir_;
};

}  // namespace trailhound
