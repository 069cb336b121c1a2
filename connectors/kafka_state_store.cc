#include "connectors/kafka_state_store.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace trailhound {
namespace {

constexpr int kTimeoutMs = 30000;

std::string ChunkKey(const std::string& stream_id, uint64_t slot, size_t index) {
  return absl::StrCat(stream_id, "#", slot, "#", index);
}

// The compacted topic, unless it exists already.
absl::Status CreateTopic(const KafkaSettings& settings, const std::string& topic) {
  absl::StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(settings, {{"client.id", "trailhound-state"}});
  if (!conf.ok()) return conf.status();
  absl::StatusOr<rd_kafka_t*> client = NewKafkaClient(false, *conf);
  if (!client.ok()) return client.status();
  char error[512];
  rd_kafka_NewTopic_t* new_topic = rd_kafka_NewTopic_new(topic.c_str(), 1, -1, error, sizeof error);
  absl::Status status;
  if (new_topic == nullptr) {
    status = absl::InvalidArgumentError(absl::StrCat("state changelog topic ", topic, ": ", error));
  } else {
    rd_kafka_NewTopic_set_config(new_topic, "cleanup.policy", "compact");
    rd_kafka_queue_t* queue = rd_kafka_queue_new(*client);
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(*client, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(options, kTimeoutMs, error, sizeof error);
    rd_kafka_CreateTopics(*client, &new_topic, 1, options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, kTimeoutMs + 5000);
    if (event == nullptr) {
      status = absl::DeadlineExceededError("creating the state changelog topic " + topic + " timed out");
    } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = absl::UnavailableError(absl::StrCat("creating the state changelog topic ", topic, ": ",
                                                   rd_kafka_event_error_string(event)));
    } else {
      size_t count = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
      for (size_t i = 0; i < count; ++i) {
        rd_kafka_resp_err_t result = rd_kafka_topic_result_error(results[i]);
        if (result != RD_KAFKA_RESP_ERR_NO_ERROR && result != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          status = absl::UnavailableError(absl::StrCat("creating the state changelog topic ", topic, ": ",
                                                       rd_kafka_topic_result_error_string(results[i])));
        }
      }
    }
    if (event != nullptr) rd_kafka_event_destroy(event);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(new_topic);
  }
  rd_kafka_destroy(*client);
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaStateStore>> KafkaStateStore::Open(const KafkaSettings& settings,
                                                                       std::string topic) {
  absl::Status created = CreateTopic(settings, topic);
  if (!created.ok()) return created;
  KafkaSettings producer_settings = settings;
  // Snapshot chunks compress well; librdkafka does it per batch.
  producer_settings.extra.insert(producer_settings.extra.begin(), {"compression.codec", "lz4"});
  absl::StatusOr<std::unique_ptr<KafkaProducer>> producer = KafkaProducer::Create(producer_settings);
  if (!producer.ok()) return producer.status();
  return std::unique_ptr<KafkaStateStore>(new KafkaStateStore(settings, std::move(topic), std::move(*producer)));
}

std::string KafkaStateStore::Describe(const std::string& stream_id) const {
  return "the state of " + (stream_id.empty() ? std::string("the files") : stream_id) + " in changelog topic " +
         topic_;
}

absl::Status KafkaStateStore::Write(const std::string& stream_id, std::string_view bytes) {
  uint64_t generation = ++generation_[stream_id];
  uint64_t slot = generation % 2;
  size_t chunks = 0;
  std::string prefix = absl::StrCat(generation, ":");
  for (size_t offset = 0; offset < bytes.size() || chunks == 0; offset += kChunkBytes) {
    std::string value = prefix;
    value.append(bytes.substr(offset, kChunkBytes));
    absl::Status produced = producer_->Produce(topic_, ChunkKey(stream_id, slot, chunks++), value);
    if (!produced.ok()) return produced;
  }
  absl::Status flushed = producer_->Flush();
  if (!flushed.ok()) return flushed;
  absl::Status produced =
      producer_->Produce(topic_, stream_id, absl::StrCat(generation, " ", slot, " ", chunks, " ", bytes.size()));
  if (!produced.ok()) return produced;
  return producer_->Flush();
}

absl::StatusOr<std::optional<std::string>> KafkaStateStore::Read(const std::string& stream_id) {
  absl::StatusOr<rd_kafka_conf_t*> conf =
      NewKafkaConf(settings_, {{"client.id", "trailhound-state"},
                               {"group.id", "trailhound-state-reader"},
                               {"enable.auto.commit", "false"},
                               {"enable.partition.eof", "true"}});
  if (!conf.ok()) return conf.status();
  absl::StatusOr<rd_kafka_t*> client = NewKafkaClient(true, *conf);
  if (!client.ok()) return client.status();
  // A topic created a moment ago may not be known to every broker yet.
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int attempt = 0; attempt < 20; ++attempt) {
    error = rd_kafka_query_watermark_offsets(*client, topic_.c_str(), 0, &low, &high, kTimeoutMs);
    if (error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && error != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::map<std::string, std::string> latest;  // key -> last value, for this stream's keys
  absl::Status status;
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::UnavailableError(
        absl::StrCat("reading the state changelog topic ", topic_, ": ", rd_kafka_err2str(error)));
  } else if (high > low) {
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(assignment, topic_.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(*client, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    std::string manifest_key = stream_id, chunk_prefix = stream_id + "#";
    while (status.ok()) {
      if (std::chrono::steady_clock::now() > deadline) {
        status = absl::DeadlineExceededError("reading the state changelog topic " + topic_ + " timed out");
        break;
      }
      rd_kafka_message_t* message = rd_kafka_consumer_poll(*client, 500);
      if (message == nullptr) continue;
      bool done = false;
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        done = message->offset >= high;
      } else if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        status = absl::UnavailableError(absl::StrCat("reading the state changelog topic ", topic_, ": ",
                                                     rd_kafka_message_errstr(message)));
      } else {
        std::string key(static_cast<const char*>(message->key), message->key_len);
        if (key == manifest_key || key.compare(0, chunk_prefix.size(), chunk_prefix) == 0) {
          latest[key].assign(static_cast<const char*>(message->payload), message->len);
        }
        done = message->offset + 1 >= high;
      }
      rd_kafka_message_destroy(message);
      if (done) break;
    }
  }
  rd_kafka_consumer_close(*client);
  rd_kafka_destroy(*client);
  if (!status.ok()) return status;

  auto manifest = latest.find(stream_id);
  if (manifest == latest.end()) return std::optional<std::string>();
  std::vector<std::string> fields = absl::StrSplit(manifest->second, ' ');
  uint64_t generation = 0, slot = 0, chunks = 0, size = 0;
  if (fields.size() != 4 || !absl::SimpleAtoi(fields[0], &generation) || !absl::SimpleAtoi(fields[1], &slot) ||
      !absl::SimpleAtoi(fields[2], &chunks) || !absl::SimpleAtoi(fields[3], &size)) {
    return absl::DataLossError(Describe(stream_id) + ": unreadable manifest");
  }
  std::string prefix = absl::StrCat(generation, ":");
  std::string bytes;
  for (uint64_t i = 0; i < chunks; ++i) {
    auto chunk = latest.find(ChunkKey(stream_id, slot, i));
    if (chunk == latest.end() || chunk->second.compare(0, prefix.size(), prefix) != 0) {
      return absl::DataLossError(absl::StrCat(Describe(stream_id), ": chunk ", i, " of generation ", generation,
                                              " is missing"));
    }
    bytes.append(chunk->second, prefix.size());
  }
  if (bytes.size() != size) return absl::DataLossError(Describe(stream_id) + ": chunks do not add up");
  generation_[stream_id] = generation;
  return std::optional<std::string>(std::move(bytes));
}

}  // namespace trailhound
