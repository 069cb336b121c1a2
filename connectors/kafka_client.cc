#include "connectors/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "connectors/ndjson_sinks.h"

namespace trailhound {
namespace {

constexpr size_t kDeadLetterRawBytes = 4096;  // of a too-large message, the prefix kept

using Setting = KafkaSetting;

}  // namespace

absl::StatusOr<rd_kafka_conf_t*> NewKafkaConf(const KafkaSettings& settings, std::initializer_list<Setting> defaults) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value, bool user) -> absl::Status {
    char error[512];
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) == RD_KAFKA_CONF_OK) {
      return absl::OkStatus();
    }
    std::string where = user ? absl::StrCat("-X ", key) : key;
    if (IsSecretSetting(key) || (!value.empty() && std::strstr(error, value.c_str()) != nullptr)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": invalid setting (value not shown)"));
    }
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", error));
  };
  absl::Status status;
  for (const Setting& setting : defaults) {
    if (status.ok()) status = set(setting.first, setting.second, false);
  }
  if (status.ok() && !settings.brokers.empty()) status = set("bootstrap.servers", settings.brokers, false);
  for (const Setting& setting : settings.extra) {
    if (status.ok()) status = set(setting.first, setting.second, true);
  }
  if (!status.ok()) {
    rd_kafka_conf_destroy(conf);
    return status;
  }
  return conf;
}

absl::StatusOr<rd_kafka_t*> NewKafkaClient(bool consumer, rd_kafka_conf_t* conf) {
  char error[512];
  rd_kafka_t* client = rd_kafka_new(consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (client == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("cannot create the Kafka client: ", error));
  }
  return client;
}

namespace {

std::string TopicPartition(std::string_view topic, int32_t partition) {
  return absl::StrCat(std::string(topic), "/", partition);
}

void OnCommitted(rd_kafka_t*, rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t*, void*) {
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    std::fprintf(stderr, "trailhound: kafka: committing offsets failed: %s (the records will be read again)\n",
                 rd_kafka_err2str(error));
  }
}

void OnRebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions,
                         void* opaque) {
  static_cast<KafkaSource*>(opaque)->Rebalance(error, partitions);
}

std::string DescribePartitions(const rd_kafka_topic_partition_list_t* partitions) {
  std::string out;
  for (int i = 0; i < partitions->cnt; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : " ", TopicPartition(partitions->elems[i].topic, partitions->elems[i].partition));
  }
  return out.empty() ? "none" : out;
}

}  // namespace

absl::Status KafkaSettings::Add(std::string_view key_value) {
  size_t equals = key_value.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return absl::InvalidArgumentError("-X needs key=value (e.g. -X security.protocol=SASL_SSL)");
  }
  extra.emplace_back(std::string(key_value.substr(0, equals)), std::string(key_value.substr(equals + 1)));
  return absl::OkStatus();
}

bool IsSecretSetting(std::string_view key) {
  for (std::string_view marker : {"password", "secret", "ssl.key.pem", "ssl_key", "ssl.keystore", "sasl.jaas",
                                  "oauthbearer.config", "token"}) {
    if (key.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

bool IsKafkaUrl(std::string_view text) { return text.starts_with("kafka://"); }

absl::StatusOr<KafkaAddress> ParseKafkaUrl(std::string_view url) {
  std::string_view rest = url.substr(std::min(url.size(), std::strlen("kafka://")));
  size_t slash = rest.find('/');
  if (!IsKafkaUrl(url) || slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size() ||
      rest.find('/', slash + 1) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(url), "' is not kafka://BROKERS/TOPIC (e.g. kafka://127.0.0.1:9092/alerts)"));
  }
  return KafkaAddress{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

// --- producer ----------------------------------------------------------------

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaSettings& settings,
                                                                     DeliveryListener listener) {
  absl::StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(
      settings, {{"client.id", "trailhound"}, {"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"}});
  if (!conf.ok()) return conf.status();
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer());
  producer->listener_ = std::move(listener);
  rd_kafka_conf_set_dr_msg_cb(*conf, &KafkaProducer::OnDelivery);
  rd_kafka_conf_set_opaque(*conf, producer.get());
  absl::StatusOr<rd_kafka_t*> client = NewKafkaClient(false, *conf);
  if (!client.ok()) return client.status();
  producer->client_ = *client;
  return producer;
}

KafkaProducer::~KafkaProducer() {
  if (client_ != nullptr) rd_kafka_destroy(client_);
}

void KafkaProducer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* producer = static_cast<KafkaProducer*>(opaque);
  bool ok = message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (ok) {
    ++producer->delivered_;
  } else {
    if (producer->failed_++ == 0) {
      producer->first_failure_ = absl::StrCat(
          "delivering to ", rd_kafka_topic_name(message->rkt), " failed: ", rd_kafka_err2str(message->err));
    }
  }
  if (producer->listener_) {
    producer->listener_(reinterpret_cast<uint64_t>(message->_private), message->partition, message->offset, ok);
  }
}

absl::Status KafkaProducer::Produce(std::string_view topic, std::string_view key, std::string_view value,
                                    uint64_t tag) {
  std::string topic_name(topic);
  while (true) {
    rd_kafka_resp_err_t error = rd_kafka_producev(
        client_, RD_KAFKA_V_TOPIC(topic_name.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(tag)), RD_KAFKA_V_END);
    if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(client_, 50);  // wait for acknowledgements to make room
      continue;
    }
    rd_kafka_poll(client_, 0);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(absl::StrCat("producing to ", std::string(topic), " failed: ", rd_kafka_err2str(error)));
    }
    return absl::OkStatus();
  }
}

absl::Status KafkaProducer::Flush() {
  // Waits as long as librdkafka retries (message.timeout.ms, default 5 min):
  // a message is then either acknowledged or reported failed.
  rd_kafka_resp_err_t error = rd_kafka_flush(client_, -1);
  if (failed_ > 0) return absl::UnavailableError(first_failure_);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("flushing the Kafka producer failed: ", rd_kafka_err2str(error)));
  }
  return absl::OkStatus();
}

void KafkaProducer::Poll() { rd_kafka_poll(client_, 0); }

void KafkaDeadLetterSink::Write(const DeadLetter& letter) {
  topic_.Send(letter.reason, NdjsonDeadLetterSink::ToJson(letter));
}

// --- consumer ----------------------------------------------------------------

absl::StatusOr<std::unique_ptr<KafkaSource>> KafkaSource::Open(KafkaSourceOptions options,
                                                              DeadLetterSink& dead_letters) {
  if (options.topics.empty()) return absl::InvalidArgumentError("--kafka-topic is missing");
  if (options.group.empty()) return absl::InvalidArgumentError("--kafka-group is missing");
  absl::StatusOr<rd_kafka_conf_t*> conf =
      NewKafkaConf(options.settings, {{"client.id", "trailhound"},
                                 {"group.id", options.group},
                                 {"enable.auto.commit", "false"},
                                 {"auto.offset.reset", "earliest"},
                                 {"enable.partition.eof", "false"}});
  if (!conf.ok()) return conf.status();
  std::unique_ptr<KafkaSource> source(new KafkaSource(std::move(options), dead_letters));
  rd_kafka_conf_set_rebalance_cb(*conf, OnRebalanceCallback);
  rd_kafka_conf_set_offset_commit_cb(*conf, OnCommitted);
  rd_kafka_conf_set_opaque(*conf, source.get());
  absl::StatusOr<rd_kafka_t*> client = NewKafkaClient(true, *conf);
  if (!client.ok()) return client.status();
  source->client_ = *client;
  rd_kafka_poll_set_consumer(source->client_);
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(static_cast<int>(source->options_.topics.size()));
  for (const std::string& topic : source->options_.topics) {
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t error = rd_kafka_subscribe(source->client_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat("cannot subscribe: ", rd_kafka_err2str(error)));
  }
  return source;
}

KafkaSource::~KafkaSource() {
  // Whoever did not Close() is not shutting down cleanly: the sinks may not
  // be flushed (or alive), so leave without committing anything more.
  options_.flush_before_revoke = nullptr;
  options_.after_revoke = nullptr;
  Close();
  if (client_ != nullptr) rd_kafka_destroy(client_);
}

void KafkaSource::ReleaseMessage() {
  if (message_ != nullptr) rd_kafka_message_destroy(message_);
  message_ = nullptr;
}

absl::StatusOr<bool> KafkaSource::Next(RawRecord& record) {
  ReleaseMessage();
  auto deadline = std::chrono::steady_clock::now() + options_.poll_interval;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    rd_kafka_message_t* message = rd_kafka_consumer_poll(client_, static_cast<int>(left.count()));
    if (!rebalance_error_.ok()) {
      if (message != nullptr) rd_kafka_message_destroy(message);
      absl::Status error = rebalance_error_;
      rebalance_error_ = absl::OkStatus();
      return error;
    }
    if (message == nullptr) return false;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string text = rd_kafka_message_errstr(message);
      rd_kafka_message_destroy(message);
      char fatal[512];
      if (rd_kafka_fatal_error(client_, fatal, sizeof(fatal)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return absl::InternalError(absl::StrCat("kafka: fatal consumer error: ", fatal));
      }
      std::fprintf(stderr, "trailhound: kafka: %s\n", text.c_str());  // librdkafka retries by itself
      continue;
    }
    std::string topic = rd_kafka_topic_name(message->rkt);
    Progress& progress = progress_[{topic, message->partition}];
    progress.next_offset = message->offset + 1;
    progress.uncommitted = true;
    SourcePosition position = SourcePosition::InKafka(topic, message->partition, message->offset);
    std::string_view bytes(static_cast<const char*>(message->payload), message->payload ? message->len : 0);
    if (!bytes.empty() && bytes.back() == '\n') bytes.remove_suffix(1);
    if (bytes.size() > options_.max_record_bytes) {
      dead_letters_.Write(DeadLetter{kReasonTooLarge,
                                     absl::StrCat("message of ", bytes.size(), " bytes; the limit is ",
                                                  options_.max_record_bytes, " (--max-record-bytes)"),
                                     position, bytes.substr(0, kDeadLetterRawBytes), true});
      rd_kafka_message_destroy(message);
      continue;
    }
    message_ = message;
    record.bytes = bytes;
    record.position = std::move(position);
    return true;
  }
}

absl::Status KafkaSource::CommitOffsets(bool synchronous, const rd_kafka_topic_partition_list_t* only) {
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(static_cast<int>(progress_.size()));
  std::vector<Progress*> included;
  for (auto& [key, progress] : progress_) {
    if (!progress.uncommitted) continue;
    if (only != nullptr &&
        rd_kafka_topic_partition_list_find(only, key.first.c_str(), key.second) == nullptr) {
      continue;
    }
    rd_kafka_topic_partition_list_add(offsets, key.first.c_str(), key.second)->offset = progress.next_offset;
    included.push_back(&progress);
  }
  absl::Status status;
  if (offsets->cnt > 0) {
    rd_kafka_resp_err_t error = rd_kafka_commit(client_, offsets, synchronous ? 0 : 1);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = absl::UnavailableError(absl::StrCat("kafka: committing offsets failed: ", rd_kafka_err2str(error)));
    } else {
      for (Progress* progress : included) progress->uncommitted = false;
    }
  }
  rd_kafka_topic_partition_list_destroy(offsets);
  return status;
}

absl::Status KafkaSource::Commit(bool final) {
  // The run loop delivers (and so commits) at most every 100 ms under load:
  // asynchronous commits that often cost the broker little.
  if (closed_) return absl::OkStatus();
  return CommitOffsets(final, nullptr);
}

void KafkaSource::Rebalance(int error, rd_kafka_topic_partition_list_t* partitions) {
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(client_), "COOPERATIVE") == 0;
  if (error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    std::fprintf(stderr, "trailhound: kafka: assigned %s\n", DescribePartitions(partitions).c_str());
    if (cooperative) {
      rd_kafka_error_t* failed = rd_kafka_incremental_assign(client_, partitions);
      if (failed != nullptr) rd_kafka_error_destroy(failed);
    } else {
      rd_kafka_assign(client_, partitions);
    }
    return;
  }
  // Revoked (or an error): the records returned so far have been processed
  // (Next runs this callback, between records); flush their output, then
  // commit, so that the next owner starts after them. When the flush fails
  // nothing is committed: the next owner reads them again.
  std::fprintf(stderr, "trailhound: kafka: revoked %s\n", DescribePartitions(partitions).c_str());
  if (!rd_kafka_assignment_lost(client_) && options_.flush_before_revoke) {
    absl::Status flushed = options_.flush_before_revoke();
    if (flushed.ok()) {
      absl::Status committed = CommitOffsets(true, partitions);
      if (!committed.ok()) {
        std::fprintf(stderr, "trailhound: %s (the records will be read again)\n",
                     std::string(committed.message()).c_str());
      }
    } else if (rebalance_error_.ok()) {
      rebalance_error_ = flushed;
    }
  }
  std::vector<std::string> stream_ids;
  for (int i = 0; i < partitions->cnt; ++i) {
    progress_.erase({partitions->elems[i].topic, partitions->elems[i].partition});
    stream_ids.push_back(SourcePosition::StreamIdOf(partitions->elems[i].topic, partitions->elems[i].partition));
  }
  if (options_.after_revoke) options_.after_revoke(stream_ids);
  if (cooperative) {
    rd_kafka_error_t* failed = rd_kafka_incremental_unassign(client_, partitions);
    if (failed != nullptr) rd_kafka_error_destroy(failed);
  } else {
    rd_kafka_assign(client_, nullptr);
  }
}

std::string KafkaSource::StatusText() {
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(client_, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  std::string out = "lag";
  if (assigned->cnt == 0) out += " (waiting for partitions)";
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& partition = assigned->elems[i];
    int64_t low = 0, high = -1;
    rd_kafka_get_watermark_offsets(client_, partition.topic, partition.partition, &low, &high);
    auto progress = progress_.find({partition.topic, partition.partition});
    // Before the first record of a partition: where fetching starts (the
    // committed offset), once librdkafka knows it.
    int64_t next = progress != progress_.end() ? progress->second.next_offset : -1;
    if (next < 0) {
      rd_kafka_topic_partition_list_t* position = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(position, partition.topic, partition.partition);
      if (rd_kafka_position(client_, position) == RD_KAFKA_RESP_ERR_NO_ERROR) next = position->elems[0].offset;
      // Nothing consumed yet (e.g. everything was committed before a
      // restart): the group's committed offset, and the broker's end.
      if (next < 0 && rd_kafka_committed(client_, position, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        next = position->elems[0].offset;
      }
      rd_kafka_topic_partition_list_destroy(position);
      if (high < 0) {
        rd_kafka_query_watermark_offsets(client_, partition.topic, partition.partition, &low, &high, 1000);
      }
      if (next < 0 && high >= 0 && high == low) next = high;  // an empty partition: nothing to read
    }
    absl::StrAppend(&out, " ", TopicPartition(partition.topic, partition.partition), "=",
                    high < 0 || next < 0 ? "?" : std::to_string(std::max<int64_t>(0, high - next)));
  }
  rd_kafka_topic_partition_list_destroy(assigned);
  return out;
}

bool KafkaSource::Assigned() {
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(client_, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  bool any = assigned->cnt > 0;
  rd_kafka_topic_partition_list_destroy(assigned);
  return any;
}

void KafkaSource::Close() {
  if (closed_ || client_ == nullptr) return;
  ReleaseMessage();
  closed_ = true;
  rd_kafka_consumer_close(client_);  // revokes (and so flushes and commits) through Rebalance
}

}  // namespace trailhound
