// The state of stateful rules in a compacted Kafka topic (run
// --state-changelog kafka://BROKERS/TOPIC), so that a partition's windows and
// memories follow it to whichever member of the group gets it, on any host —
// as Kafka Streams keeps a changelog topic.
//
// Each stream's state (core/state_store.h) is one blob, written in chunks of
// at most kChunkBytes under keys "<stream>#<slot>#<i>", then a manifest under
// "<stream>" naming the generation, slot and chunk count. The slot alternates
// between 0 and 1 from one write to the next and the manifest goes last, so a
// crash in the middle of a write leaves the previous manifest pointing at the
// previous slot's chunks, intact. Writes wait for the brokers' acknowledgement
// (acks=all). A read scans the topic (one partition, compacted: one value per
// key) from its start to its end. The topic is created when missing.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "connectors/kafka_client.h"
#include "core/state_store.h"

namespace trailhound {

class KafkaStateStore : public StateStore {
 public:
  static constexpr size_t kChunkBytes = 512 * 1024;

  static absl::StatusOr<std::unique_ptr<KafkaStateStore>> Open(const KafkaSettings& settings, std::string topic);

  absl::StatusOr<std::optional<std::string>> Read(const std::string& stream_id) override;
  absl::Status Write(const std::string& stream_id, std::string_view bytes) override;
  std::string Describe(const std::string& stream_id) const override;

 private:
  KafkaStateStore(KafkaSettings settings, std::string topic, std::unique_ptr<KafkaProducer> producer)
      : settings_(std::move(settings)), topic_(std::move(topic)), producer_(std::move(producer)) {}

  KafkaSettings settings_;
  std::string topic_;
  std::unique_ptr<KafkaProducer> producer_;
  std::map<std::string, uint64_t> generation_;  // per stream: the last one read or written
};

}  // namespace trailhound
