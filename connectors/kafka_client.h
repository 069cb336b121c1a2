// Kafka through librdkafka: client settings (-X key=value, as kcat takes them),
// an idempotent acks=all producer that knows whether everything it was given
// was acknowledged, and the consumer-group record source.
//
// Secrets never reach an error message or the status line: values of settings
// that hold credentials (sasl.password, ssl.key.password, …secret…, PEM keys)
// are shown as "[redacted]", and librdkafka's own messages about a setting are
// replaced when they would quote its value.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/record_source.h"
#include "core/alert.h"
#include "core/dead_letter.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;

namespace trailhound {

struct KafkaSettings {
  std::string brokers;                                     // bootstrap.servers
  std::vector<std::pair<std::string, std::string>> extra;  // -X settings, in order

  // Adds one -X "key=value"; an error (without the value) when there is no '='.
  absl::Status Add(std::string_view key_value);
};

// For the Kafka clients of connectors/: a librdkafka configuration with
// `defaults`, then bootstrap.servers, then the -X settings (which may override
// the defaults), with errors that never quote a secret; and a client made
// from it (which takes `conf` in all cases).
using KafkaSetting = std::pair<std::string, std::string>;
absl::StatusOr<rd_kafka_conf_s*> NewKafkaConf(const KafkaSettings& settings,
                                             std::initializer_list<KafkaSetting> defaults);
absl::StatusOr<rd_kafka_s*> NewKafkaClient(bool consumer, rd_kafka_conf_s* conf);

// True for settings whose values are credentials.
bool IsSecretSetting(std::string_view key);

// "kafka://host:port[,host:port…]/topic" → brokers and topic.
struct KafkaAddress {
  std::string brokers;
  std::string topic;
};
bool IsKafkaUrl(std::string_view text);
absl::StatusOr<KafkaAddress> ParseKafkaUrl(std::string_view url);

// One producer, shared by everything writing to the same cluster. Produce
// copies the message and returns at once (it waits only while librdkafka's
// queue is full); Flush waits until every message is acknowledged by the
// brokers (acks=all, idempotent: no duplicates from retries) or has failed.
class KafkaProducer {
 public:
  // Called from Produce/Flush/Poll (the producing thread) for every message
  // acknowledged or failed: the tag given to Produce, partition, offset.
  using DeliveryListener = std::function<void(uint64_t tag, int32_t partition, int64_t offset, bool ok)>;

  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(const KafkaSettings& settings,
                                                               DeliveryListener listener = nullptr);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  absl::Status Produce(std::string_view topic, std::string_view key, std::string_view value, uint64_t tag = 0);
  // Waits for every message produced so far. An error when any message
  // failed since the last successful Flush (its text names the first failure);
  // the producer stays failed afterwards: what failed is not retried here.
  absl::Status Flush();
  // Serves delivery reports without waiting.
  void Poll();

  uint64_t delivered() const { return delivered_; }
  uint64_t failed() const { return failed_; }

 private:
  KafkaProducer() = default;
  static void OnDelivery(rd_kafka_s* client, const rd_kafka_message_s* message, void* opaque);

  rd_kafka_s* client_ = nullptr;
  DeliveryListener listener_;
  uint64_t delivered_ = 0;
  uint64_t failed_ = 0;
  std::string first_failure_;
};

// Messages to one topic for a sink. After a produce error it sends nothing
// more (the run stops at its next delivery without committing, and a restart
// reads those records again); Flush reports that error, else the producer's.
class KafkaTopicWriter {
 public:
  KafkaTopicWriter(KafkaProducer& producer, std::string topic) : producer_(producer), topic_(std::move(topic)) {}
  void Send(std::string_view key, std::string_view value) {
    if (error_.ok()) error_ = producer_.Produce(topic_, key, value);
  }
  absl::Status Flush() {
    absl::Status flushed = producer_.Flush();
    return error_.ok() ? flushed : error_;
  }

 private:
  KafkaProducer& producer_;
  std::string topic_;
  absl::Status error_;  // the first produce error
};

// Alerts as messages on a topic: key = rule name, value = the alert's JSON.
class KafkaAlertSink : public AlertSink {
 public:
  KafkaAlertSink(KafkaProducer& producer, std::string topic) : topic_(producer, std::move(topic)) {}
  void Write(const Alert& alert) override {
    line_.clear();
    alert.AppendJson(line_);
    topic_.Send(alert.rule, line_);  // librdkafka copies it
  }
  absl::Status Flush() override { return topic_.Flush(); }

 private:
  KafkaTopicWriter topic_;
  std::string line_;  // reused: no allocation per alert
};

// Dead letters as messages on a topic: key = reason, value = the letter's
// JSON (as the dead-letter file holds it).
class KafkaDeadLetterSink : public DeadLetterSink {
 public:
  KafkaDeadLetterSink(KafkaProducer& producer, std::string topic) : topic_(producer, std::move(topic)) {}
  void Write(const DeadLetter& letter) override;
  absl::Status Flush() override { return topic_.Flush(); }

 private:
  KafkaTopicWriter topic_;
};

struct KafkaSourceOptions {
  KafkaSettings settings;
  std::vector<std::string> topics;
  std::string group;
  uint64_t max_record_bytes = 1 << 20;
  std::chrono::milliseconds poll_interval{100};
  // Called before partitions are taken away in a rebalance: the caller
  // flushes its sinks, so that the source can commit every record it
  // returned before another consumer resumes from the committed offsets.
  std::function<absl::Status()> flush_before_revoke;
  // Called after partitions were taken away (flushed and committed, or lost),
  // with their SourcePosition::StreamId()s: the caller forgets their state.
  std::function<void(const std::vector<std::string>& stream_ids)> after_revoke;
};

// A consumer-group member: each message is one record (a trailing newline is
// ignored). Live: Next() returns false after poll_interval without a message.
// Commit() commits, per partition, the offset after the last record Next()
// returned — the caller calls it only once the output of those records is
// flushed, so the commit never runs ahead of the alerts (at-least-once).
// Auto-commit is off; auto.offset.reset defaults to earliest (a new group
// reads the topic from its start); both can be overridden with -X.
class KafkaSource : public RecordSource {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaSource>> Open(KafkaSourceOptions options, DeadLetterSink& dead_letters);
  ~KafkaSource() override;

  absl::StatusOr<bool> Next(RawRecord& record) override;
  bool Live() const override { return true; }
  absl::Status Commit(bool final) override;
  // "lag topic/partition=N …" for the assigned partitions.
  std::string StatusText() override;
  // True once the group has given this member at least one partition.
  bool Assigned();

  // Leaves the group (after a final Commit): the partitions go to the others
  // at once instead of after the session timeout.
  void Close();

  // librdkafka's rebalance callback (runs inside Next()): on revoke, flush
  // the caller's sinks and commit synchronously before letting go.
  void Rebalance(int error, rd_kafka_topic_partition_list_s* partitions);

 private:
  KafkaSource(KafkaSourceOptions options, DeadLetterSink& dead_letters)
      : options_(std::move(options)), dead_letters_(dead_letters) {}
  absl::Status CommitOffsets(bool synchronous, const rd_kafka_topic_partition_list_s* only);
  void ReleaseMessage();

  KafkaSourceOptions options_;
  DeadLetterSink& dead_letters_;
  rd_kafka_s* client_ = nullptr;
  rd_kafka_message_s* message_ = nullptr;  // the record last returned
  // Per (topic, partition): the offset after the last record returned, and
  // whether it changed since the last commit.
  struct Progress {
    int64_t next_offset = 0;
    bool uncommitted = false;
  };
  std::map<std::pair<std::string, int32_t>, Progress> progress_;
  bool closed_ = false;
  absl::Status rebalance_error_;
};

}  // namespace trailhound
