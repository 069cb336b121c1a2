// A tiny librdkafka client for tests/kafka_tooling/smoke_test.sh: proves that
// the broker started by scripts/kafka/broker.sh talks to the librdkafka this
// project links (topic metadata, idempotent acks=all produce, consumer-group
// consume with commits). Not part of trailhound; every wait is bounded.
//
//   rdkafka_smoke version
//   rdkafka_smoke partitions BROKERS TOPIC
//   rdkafka_smoke produce    BROKERS TOPIC COUNT PREFIX
//   rdkafka_smoke consume    BROKERS TOPIC COUNT GROUP [TIMEOUT_S]
//
// produce sends COUNT records, key "k<i>", value "<PREFIX>-<i>", and exits 0
// only if every one was acknowledged. consume reads from the earliest offset
// in group GROUP until COUNT records arrived (or the timeout passed), prints
// one "partition<TAB>offset<TAB>key<TAB>value" line per record, commits, and
// exits 0 only if COUNT records arrived.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr int kErrorExit = 1;
constexpr int kUsageExit = 2;

void Fail(const char* what, const char* detail) {
  std::fprintf(stderr, "rdkafka_smoke: %s: %s\n", what, detail);
}

bool Set(rd_kafka_conf_t* conf, const char* key, const char* value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof(err)) !=
      RD_KAFKA_CONF_OK) {
    Fail(key, err);
    return false;
  }
  return true;
}

rd_kafka_t* NewClient(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    Fail("rd_kafka_new", err);
    rd_kafka_conf_destroy(conf);
  }
  return rk;
}

rd_kafka_conf_t* BaseConf(const char* brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!Set(conf, "bootstrap.servers", brokers) ||
      !Set(conf, "client.id", "trailhound-rdkafka-smoke") ||
      // A hint, not a requirement: librdkafka asks the broker anyway.
      !Set(conf, "api.version.request", "true")) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  return conf;
}

int Partitions(const char* brokers, const char* topic) {
  rd_kafka_conf_t* conf = BaseConf(brokers);
  if (conf == nullptr) return kErrorExit;
  rd_kafka_t* rk = NewClient(RD_KAFKA_PRODUCER, conf);
  if (rk == nullptr) return kErrorExit;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic, nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int result = kErrorExit;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Fail("metadata", rd_kafka_err2str(err));
  } else if (md->topic_cnt != 1 || md->topics[0].err) {
    Fail("metadata", md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err)
                                        : "topic missing");
  } else {
    std::printf("%d\n", md->topics[0].partition_cnt);
    result = 0;
  }
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return result;
}

struct DeliveryCount {
  int ok = 0;
  int failed = 0;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* count = static_cast<DeliveryCount*>(opaque);
  if (msg->err) {
    ++count->failed;
    Fail("delivery", rd_kafka_err2str(msg->err));
  } else {
    ++count->ok;
  }
}

int Produce(const char* brokers, const char* topic, int n,
            const char* prefix) {
  rd_kafka_conf_t* conf = BaseConf(brokers);
  if (conf == nullptr) return kErrorExit;
  DeliveryCount count;
  if (!Set(conf, "enable.idempotence", "true") || !Set(conf, "acks", "all") ||
      !Set(conf, "message.timeout.ms", "30000") ||
      !Set(conf, "linger.ms", "5")) {
    rd_kafka_conf_destroy(conf);
    return kErrorExit;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &count);
  rd_kafka_t* rk = NewClient(RD_KAFKA_PRODUCER, conf);
  if (rk == nullptr) return kErrorExit;
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i);
    std::string value = std::string(prefix) + "-" + std::to_string(i);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(value.data(), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 100);
      --i;
      continue;
    }
    if (err) {
      Fail("produce", rd_kafka_err2str(err));
      ++count.failed;
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_resp_err_t err = rd_kafka_flush(rk, 40000);
  if (err) Fail("flush", rd_kafka_err2str(err));
  rd_kafka_destroy(rk);
  std::printf("produced %d of %d\n", count.ok, n);
  return count.ok == n && count.failed == 0 ? 0 : kErrorExit;
}

int Consume(const char* brokers, const char* topic, int n, const char* group,
            int timeout_s) {
  rd_kafka_conf_t* conf = BaseConf(brokers);
  if (conf == nullptr) return kErrorExit;
  if (!Set(conf, "group.id", group) ||
      !Set(conf, "auto.offset.reset", "earliest") ||
      !Set(conf, "enable.auto.commit", "false")) {
    rd_kafka_conf_destroy(conf);
    return kErrorExit;
  }
  rd_kafka_t* rk = NewClient(RD_KAFKA_CONSUMER, conf);
  if (rk == nullptr) return kErrorExit;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    Fail("subscribe", rd_kafka_err2str(err));
    rd_kafka_destroy(rk);
    return kErrorExit;
  }
  int got = 0;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (got < n && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk, 200);
    if (msg == nullptr) continue;
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Only reported when enable.partition.eof is set; harmless otherwise.
    } else if (msg->err) {
      Fail("consume", rd_kafka_message_errstr(msg));
    } else {
      std::printf("%d\t%lld\t%.*s\t%.*s\n", msg->partition,
                  static_cast<long long>(msg->offset),
                  static_cast<int>(msg->key_len),
                  static_cast<const char*>(msg->key),
                  static_cast<int>(msg->len),
                  static_cast<const char*>(msg->payload));
      ++got;
    }
    rd_kafka_message_destroy(msg);
  }
  std::fflush(stdout);
  if (got > 0) {
    err = rd_kafka_commit(rk, nullptr, /*async=*/0);
    if (err) Fail("commit", rd_kafka_err2str(err));
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::fprintf(stderr, "rdkafka_smoke: consumed %d of %d\n", got, n);
  return got == n ? 0 : kErrorExit;
}

int Usage() {
  std::fprintf(stderr,
               "usage: rdkafka_smoke version\n"
               "       rdkafka_smoke partitions BROKERS TOPIC\n"
               "       rdkafka_smoke produce BROKERS TOPIC COUNT PREFIX\n"
               "       rdkafka_smoke consume BROKERS TOPIC COUNT GROUP "
               "[TIMEOUT_S]\n");
  return kUsageExit;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string cmd = argv[1];
  if (cmd == "version") {
    std::printf("%s\n", rd_kafka_version_str());
    return 0;
  }
  if (cmd == "partitions" && argc == 4) return Partitions(argv[2], argv[3]);
  if (cmd == "produce" && argc == 6) {
    return Produce(argv[2], argv[3], std::atoi(argv[4]), argv[5]);
  }
  if (cmd == "consume" && (argc == 6 || argc == 7)) {
    return Consume(argv[2], argv[3], std::atoi(argv[4]), argv[5],
                   argc == 7 ? std::atoi(argv[6]) : 60);
  }
  return Usage();
}
