#include "cli/replay_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "cli/command_line.h"
#include "cli/stop_signals.h"
#include "connectors/kafka_client.h"
#include "connectors/ndjson_sinks.h"
#include "connectors/record_source.h"
#include "core/json_text.h"
#include "core/timestamp.h"

namespace trailhound {
namespace {

constexpr char kReplayUsage[] = R"(usage: trailhound replay INPUT… [--to DEST] [--rate N | --speed X] [options]

Sends the CloudTrail records of the inputs again, in input order, for
load-testing a detection pipeline: each record as one Kafka message (no key,
the value is the record's bytes) or as one NDJSON line. The inputs are read as
`trailhound run` reads them: NDJSON, {"Records":[…]} documents, Firehose,
CloudWatch Logs and EventBridge framing, gzip, folders; records of documents
and envelopes come out as one line each.

  --to DEST               kafka://BROKERS/TOPIC, a FILE, or - for stdout (the
                          default)
  --rate N                N records per second (a fraction is fine); a replay
                          that falls behind catches up as fast as it can
  --speed X               the recorded pace: the gaps between the records'
                          eventTime, divided by X (2 = twice as fast); records
                          without a readable eventTime go out at once. Each
                          pass of --loop starts its clock again
  (neither)               as fast as possible
  --loop K                send the inputs K times (default 1; 0 = until SIGINT).
                          Not with stdin, which can be read only once
  --max-record-bytes N    larger records are skipped (default 1048576)
  -X KEY=VALUE            a librdkafka setting for the producer and the alert
                          consumer, e.g. -X linger.ms=20 or
                          -X message.timeout.ms=30000; repeatable; secret values
                          are never printed

End-to-end latency (Kafka only):
  --measure-alerts DEST   kafka://BROKERS/TOPIC, or TOPIC on the brokers of
                          --to: the alert topic of the pipeline under test.
                          Before sending, a consumer in a fresh group starts at
                          the end of that topic; every alert whose source
                          (topic, partition, offset) is a record sent by this
                          replay gives one latency sample: from handing the
                          record to the producer to receiving the alert (it
                          keeps about 50 bytes per record sent, so mind long
                          --loop 0 runs)
  --measure-timeout S     after the last record is acknowledged, wait up to S
                          seconds for late alerts (default 10); it ends sooner
                          once no alert came for 1 s and twice the slowest
                          latency seen so far (plus 1 s) has passed
  --measure-json FILE     the summary (and the latency figures) as one JSON
                          object, for scripts

Every second a status line goes to stderr (records/s and MB/s over that
second, records sent, acknowledged and failed, alerts seen), at the end a
summary line, and with --measure-alerts a latency line (p50, p95, p99, max).
SIGINT/SIGTERM stop sending; what was sent is still flushed (and measured).
MB are 10^6 bytes of record text.

Exit status: 0 when every record was sent (for Kafka: acknowledged by the
brokers), 1 when a record failed or an input could not be read to its end, 2
on bad usage, a missing input, or a Kafka client that could not start.
)";

using Clock = std::chrono::steady_clock;

constexpr auto kStatusInterval = std::chrono::seconds(1);
constexpr auto kMaxSleep = std::chrono::milliseconds(100);  // stay responsive while waiting
constexpr auto kBurstSlack = std::chrono::milliseconds(1);  // send at once when due this soon
constexpr auto kAssignTimeout = std::chrono::seconds(30);
constexpr auto kAssignGrace = std::chrono::milliseconds(500);  // for the "latest" offset lookup
constexpr uint64_t kMaxConsecutiveReadErrors = 100;

int UsageError(const std::string& message) { return trailhound::UsageError(message, kReplayUsage); }

// A finite decimal number > 0 (ParsePositive) or >= 0 (ParseSeconds).
bool ParseNumber(const std::string& text, double& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && errno == 0 && std::isfinite(out);
}
bool ParsePositive(const std::string& text, double& out) { return ParseNumber(text, out) && out > 0; }
bool ParseSeconds(const std::string& text, double& out) { return ParseNumber(text, out) && out >= 0; }

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
int64_t Nanos(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// --- record text -----------------------------------------------------------------

// The record as one line: records that span lines (pretty-printed Firehose
// objects) are minified; text that does not parse has its line breaks
// turned into spaces.
std::string_view AsOneLine(std::string_view bytes, std::string& scratch) {
  if (bytes.find_first_of("\r\n") == std::string_view::npos) return bytes;
  scratch.resize(bytes.size());
  size_t length = 0;
  if (simdjson::minify(bytes.data(), bytes.size(), scratch.data(), length) == simdjson::SUCCESS) {
    scratch.resize(length);
  } else {
    scratch.assign(bytes);
    std::replace_if(scratch.begin(), scratch.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  }
  return scratch;
}

// Reads a record's top-level eventTime.
class EventTimeReader {
 public:
  std::optional<absl::Time> Read(std::string_view bytes) {
    padded_.assign(bytes);
    padded_.reserve(bytes.size() + simdjson::SIMDJSON_PADDING);
    simdjson::padded_string_view input(padded_.data(), padded_.size(), padded_.capacity());
    simdjson::ondemand::document doc;
    if (parser_.iterate(input).get(doc) != simdjson::SUCCESS) return std::nullopt;
    simdjson::ondemand::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
    std::string_view text;
    if (object["eventTime"].get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
    return ParseTimestamp(text);
  }

 private:
  simdjson::ondemand::parser parser_;
  std::string padded_;
};

// --- outputs -----------------------------------------------------------------------

class Output {
 public:
  virtual ~Output() = default;
  // Hands one record over; an error counts it as failed.
  virtual absl::Status Send(std::string_view record, uint64_t tag) = 0;
  // Before the replay sleeps: push out what is buffered, serve reports.
  virtual void Idle() = 0;
  // Waits until everything is delivered; the first failure, if any.
  virtual absl::Status Finish() = 0;
  // Records known delivered (Kafka: acknowledged) and failed after sending.
  virtual uint64_t acknowledged() const = 0;
  virtual uint64_t failed() const = 0;
  virtual bool is_kafka() const { return false; }
};

class NdjsonOutput : public Output {
 public:
  explicit NdjsonOutput(std::unique_ptr<NdjsonWriter> writer) : writer_(std::move(writer)) {}
  absl::Status Send(std::string_view record, uint64_t) override {
    writer_->WriteLine(AsOneLine(record, scratch_));
    ++written_;
    return absl::OkStatus();
  }
  void Idle() override {
    absl::Status flushed = writer_->Flush();
    if (!flushed.ok() && error_.ok()) error_ = flushed;
  }
  absl::Status Finish() override {
    absl::Status flushed = writer_->Flush();
    if (!flushed.ok() && error_.ok()) error_ = flushed;
    return error_;
  }
  // Lines handed to stdio count as delivered unless a flush failed.
  uint64_t acknowledged() const override { return error_.ok() ? written_ : 0; }
  uint64_t failed() const override { return error_.ok() ? 0 : written_; }

 private:
  std::unique_ptr<NdjsonWriter> writer_;
  std::string scratch_;
  uint64_t written_ = 0;
  absl::Status error_;
};

class KafkaOutput : public Output {
 public:
  KafkaOutput(std::unique_ptr<KafkaProducer> producer, std::string topic)
      : producer_(std::move(producer)), topic_(std::move(topic)) {}
  absl::Status Send(std::string_view record, uint64_t tag) override {
    return producer_->Produce(topic_, std::string_view(), record, tag);
  }
  void Idle() override { producer_->Poll(); }
  absl::Status Finish() override { return producer_->Flush(); }
  uint64_t acknowledged() const override { return producer_->delivered(); }
  uint64_t failed() const override { return producer_->failed(); }
  bool is_kafka() const override { return true; }

 private:
  std::unique_ptr<KafkaProducer> producer_;
  std::string topic_;
};

// --- end-to-end latency ---------------------------------------------------------------

// Alerts are read on a thread of their own (so that pacing is undisturbed)
// and queued with the time they arrived; the replay thread, which also
// receives the delivery reports, matches them to the send times.
class AlertMeter {
 public:
  struct Figures {
    uint64_t seen = 0;       // alert messages received
    uint64_t matched = 0;    // … whose source is a record of this replay
    uint64_t unparsable = 0;
    std::vector<int64_t> latencies_ns;  // sorted
    int64_t last_matched_ns = 0;        // arrival of the last matched alert
    double Percentile(double q) const {
      if (latencies_ns.empty()) return 0;
      size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(latencies_ns.size())));
      return static_cast<double>(latencies_ns[std::clamp<size_t>(rank, 1, latencies_ns.size()) - 1]) / 1e6;
    }
  };

  AlertMeter(std::string alert_topic, std::string replay_topic)
      : alert_topic_(std::move(alert_topic)), replay_topic_(std::move(replay_topic)) {}
  ~AlertMeter() { Stop(); }

  // Joins a fresh consumer group at the end of the alert topic and waits
  // until it has partitions.
  absl::Status Start(const KafkaSettings& settings) {
    KafkaSourceOptions options;
    options.settings = settings;
    options.settings.extra.emplace_back("auto.offset.reset", "latest");
    options.topics = {alert_topic_};
    options.group = absl::StrCat("trailhound-replay-measure-", getpid(), "-",
                                 absl::ToUnixNanos(absl::Now()));
    options.max_record_bytes = 64 << 20;
    options.poll_interval = std::chrono::milliseconds(50);
    absl::StatusOr<std::unique_ptr<KafkaSource>> source = KafkaSource::Open(std::move(options), discarded_);
    if (!source.ok()) return source.status();
    source_ = std::move(*source);
    thread_ = std::thread([this] { Consume(); });
    Clock::time_point deadline = Clock::now() + kAssignTimeout;
    while (!assigned_.load() && Clock::now() < deadline && StopSignal() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!assigned_.load()) {
      Stop();
      return absl::DeadlineExceededError(absl::StrCat(
          "--measure-alerts: no partition of topic '", alert_topic_,
          "' was assigned within 30 s (does the topic exist? are the brokers reachable?)"));
    }
    std::this_thread::sleep_for(kAssignGrace);
    return absl::OkStatus();
  }

  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  // Replay thread: a record handed to the producer, then its delivery report.
  void Sent(uint64_t tag, Clock::time_point at) { pending_[tag] = Nanos(at); }
  void Delivered(uint64_t tag, int32_t partition, int64_t offset, bool ok) {
    auto it = pending_.find(tag);
    if (it == pending_.end()) return;
    if (ok) sent_at_[{partition, offset}] = it->second;
    pending_.erase(it);
  }

  // Replay thread: matches the alerts received so far to their records.
  // Alerts whose record's delivery report has not come yet wait for the next call.
  void Match() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      waiting_.insert(waiting_.end(), arrivals_.begin(), arrivals_.end());
      arrivals_.clear();
    }
    size_t kept = 0;
    for (const Arrival& arrival : waiting_) {
      auto it = sent_at_.find({arrival.partition, arrival.offset});
      if (it == sent_at_.end()) {
        waiting_[kept++] = arrival;
        continue;
      }
      figures_.latencies_ns.push_back(arrival.at_ns - it->second);
      max_latency_ns_ = std::max(max_latency_ns_, arrival.at_ns - it->second);
      figures_.last_matched_ns = std::max(figures_.last_matched_ns, arrival.at_ns);
      ++figures_.matched;
    }
    waiting_.resize(kept);
  }

  uint64_t seen() const { return seen_.load(); }
  int64_t last_arrival_ns() const { return last_arrival_ns_.load(); }
  int64_t max_latency_ns() const { return max_latency_ns_; }
  uint64_t matched() const { return figures_.matched; }

  // After Stop(): the final figures.
  Figures Finish() {
    Match();
    figures_.seen = seen_.load();
    figures_.unparsable = unparsable_;
    std::sort(figures_.latencies_ns.begin(), figures_.latencies_ns.end());
    return figures_;
  }

 private:
  struct Arrival {
    int32_t partition;
    int64_t offset;
    int64_t at_ns;
  };

  class Discarded : public DeadLetterSink {
   public:
    void Write(const DeadLetter&) override {}
  };

  void Consume() {
    simdjson::ondemand::parser parser;
    std::string padded;
    bool reported_error = false;
    while (!stop_.load()) {
      RawRecord record;
      absl::StatusOr<bool> next = source_->Next(record);
      int64_t now = Nanos(Clock::now());
      if (!assigned_.load() && source_->Assigned()) assigned_.store(true);
      if (!next.ok()) {
        if (!reported_error) {
          std::fprintf(stderr, "trailhound: replay: reading alerts: %s\n", std::string(next.status().message()).c_str());
          reported_error = true;
        }
        continue;
      }
      if (!*next) continue;
      seen_.fetch_add(1);
      last_arrival_ns_.store(now);
      std::optional<Arrival> arrival = ParseSource(record.bytes, parser, padded, now);
      if (!arrival) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      arrivals_.push_back(*arrival);
    }
    source_->Close();
    source_.reset();
  }

  // The alert's "source":{"topic","partition","offset"} when it names the
  // replayed topic.
  std::optional<Arrival> ParseSource(std::string_view alert, simdjson::ondemand::parser& parser,
                                     std::string& padded, int64_t now) {
    padded.assign(alert);
    padded.reserve(alert.size() + simdjson::SIMDJSON_PADDING);
    simdjson::padded_string_view input(padded.data(), padded.size(), padded.capacity());
    simdjson::ondemand::document doc;
    simdjson::ondemand::object source;
    std::string_view topic;
    int64_t partition = 0, offset = 0;
    if (parser.iterate(input).get(doc) != simdjson::SUCCESS || doc["source"].get_object().get(source) ||
        source["topic"].get_string().get(topic) || source["partition"].get_int64().get(partition) ||
        source["offset"].get_int64().get(offset)) {
      ++unparsable_;
      return std::nullopt;
    }
    if (topic != replay_topic_) return std::nullopt;
    return Arrival{static_cast<int32_t>(partition), offset, now};
  }

  std::string alert_topic_;
  std::string replay_topic_;
  Discarded discarded_;
  std::unique_ptr<KafkaSource> source_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> assigned_{false};
  std::atomic<uint64_t> seen_{0};
  std::atomic<int64_t> last_arrival_ns_{0};
  uint64_t unparsable_ = 0;  // consumer thread; read after Stop()

  std::mutex mutex_;
  std::vector<Arrival> arrivals_;  // guarded by mutex_

  // Replay thread only.
  std::vector<Arrival> waiting_;
  absl::flat_hash_map<uint64_t, int64_t> pending_;  // tag → send time
  absl::flat_hash_map<std::pair<int32_t, int64_t>, int64_t> sent_at_;  // (partition, offset) → send time
  int64_t max_latency_ns_ = 0;
  Figures figures_;
};

// --- the replay -------------------------------------------------------------------

struct Counters {
  uint64_t sent = 0;          // handed to the output
  uint64_t send_errors = 0;   // refused at once
  uint64_t bytes = 0;
  uint64_t read_errors = 0;
};

class StatusLine {
 public:
  explicit StatusLine(Clock::time_point start) : last_(start) {}
  void MaybePrint(const Counters& counters, const Output& output, const AlertMeter* meter, Clock::time_point now) {
    if (now - last_ < kStatusInterval) return;
    double seconds = Seconds(now - last_);
    std::string line = absl::StrFormat(
        "trailhound: replay: %.0f records/s, %.2f MB/s, sent %d", static_cast<double>(counters.sent - sent_) / seconds,
        static_cast<double>(counters.bytes - bytes_) / seconds / 1e6, counters.sent);
    if (output.is_kafka()) absl::StrAppend(&line, ", acked ", output.acknowledged());
    absl::StrAppend(&line, ", failed ", counters.send_errors + output.failed());
    if (meter != nullptr) absl::StrAppend(&line, ", alerts ", meter->seen());
    std::fprintf(stderr, "%s\n", line.c_str());
    last_ = now;
    sent_ = counters.sent;
    bytes_ = counters.bytes;
  }

 private:
  Clock::time_point last_;
  uint64_t sent_ = 0;
  uint64_t bytes_ = 0;
};

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return absl::StrFormat("%.6g", value);
}

}  // namespace

int ReplayCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::fputs(kReplayUsage, stdout);
    return 0;
  }
  CommandLine args(argc, argv,
                   {"to", "rate", "speed", "loop", "max-record-bytes", "measure-alerts", "measure-timeout",
                    "measure-json", "X"},
                   {});
  if (!args.ok()) return UsageError(args.error());

  // --- options
  if (args.Has("rate") && args.Has("speed")) return UsageError("--rate and --speed exclude each other");
  double rate = 0, speed = 0;
  if (args.Has("rate") && !ParsePositive(args.Get("rate"), rate)) {
    return UsageError("--rate needs a positive number of records per second");
  }
  if (args.Has("speed") && !ParsePositive(args.Get("speed"), speed)) {
    return UsageError("--speed needs a positive factor (1 = the recorded pace)");
  }
  uint64_t loops = 1;
  if (args.Has("loop") && !ParseCount(args.Get("loop"), loops)) {
    return UsageError("--loop needs a count (0 = until SIGINT)");
  }
  SourceOptions source_options;
  if (args.Has("max-record-bytes") && !ParseCount(args.Get("max-record-bytes"), source_options.max_record_bytes)) {
    return UsageError("--max-record-bytes needs a number of bytes");
  }
  double measure_timeout = 10;
  if (args.Has("measure-timeout") && !ParseSeconds(args.Get("measure-timeout"), measure_timeout)) {
    return UsageError("--measure-timeout needs a number of seconds");
  }
  std::vector<std::string> inputs = args.positional();
  if (inputs.empty()) inputs.push_back("-");
  bool reads_stdin = std::find(inputs.begin(), inputs.end(), "-") != inputs.end();
  if (reads_stdin && loops != 1) return UsageError("--loop needs files: stdin can be read only once");

  KafkaSettings settings;
  for (const std::string& setting : args.GetAll("X")) {
    absl::Status added = settings.Add(setting);
    if (!added.ok()) return UsageError(std::string(added.message()));
  }

  std::string to = args.Get("to", "-");
  if (to.empty()) return UsageError("--to needs kafka://BROKERS/TOPIC, a FILE or -");
  std::optional<KafkaAddress> kafka_to;
  if (IsKafkaUrl(to) || to.find("://") != std::string::npos) {
    absl::StatusOr<KafkaAddress> address = ParseKafkaUrl(to);
    if (!address.ok()) return UsageError(absl::StrCat("--to: ", std::string(address.status().message())));
    kafka_to = *address;
    settings.brokers = kafka_to->brokers;
  }

  std::optional<KafkaAddress> measure;
  if (args.Has("measure-alerts")) {
    if (!kafka_to) return UsageError("--measure-alerts needs --to kafka://BROKERS/TOPIC");
    std::string alerts = args.Get("measure-alerts");
    if (IsKafkaUrl(alerts)) {
      absl::StatusOr<KafkaAddress> address = ParseKafkaUrl(alerts);
      if (!address.ok()) {
        return UsageError(absl::StrCat("--measure-alerts: ", std::string(address.status().message())));
      }
      measure = *address;
    } else if (!alerts.empty() && alerts.find('/') == std::string::npos && alerts.find(':') == std::string::npos) {
      measure = KafkaAddress{kafka_to->brokers, alerts};
    } else {
      return UsageError("--measure-alerts needs kafka://BROKERS/TOPIC or a TOPIC name");
    }
    if (measure->topic == kafka_to->topic) {
      return UsageError("--measure-alerts names the topic the records go to; it needs the alert topic");
    }
  }

  // --- inputs (checked before anything connects) and outputs
  NdjsonDeadLetterSink skipped(nullptr);  // what cannot be framed: counted, the first few described
  absl::StatusOr<std::unique_ptr<RecordSource>> first_source = OpenInputs(inputs, source_options, skipped);
  if (!first_source.ok()) {
    std::fprintf(stderr, "trailhound: %s\n", std::string(first_source.status().message()).c_str());
    return 2;
  }

  std::unique_ptr<AlertMeter> meter;
  std::unique_ptr<Output> output;
  if (kafka_to) {
    AlertMeter* meter_ptr = nullptr;
    if (measure) {
      meter = std::make_unique<AlertMeter>(measure->topic, kafka_to->topic);
      meter_ptr = meter.get();
    }
    absl::StatusOr<std::unique_ptr<KafkaProducer>> producer = KafkaProducer::Create(
        settings, [meter_ptr](uint64_t tag, int32_t partition, int64_t offset, bool ok) {
          if (meter_ptr != nullptr) meter_ptr->Delivered(tag, partition, offset, ok);
        });
    if (!producer.ok()) {
      std::fprintf(stderr, "trailhound: %s\n", std::string(producer.status().message()).c_str());
      return 2;
    }
    output = std::make_unique<KafkaOutput>(std::move(*producer), kafka_to->topic);
  } else {
    absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer = NdjsonWriter::Open(to);
    if (!writer.ok()) {
      std::fprintf(stderr, "trailhound: %s\n", std::string(writer.status().message()).c_str());
      return 2;
    }
    output = std::make_unique<NdjsonOutput>(std::move(*writer));
  }

  InstallStopSignalHandlers();
  if (meter) {
    KafkaSettings measure_settings = settings;
    measure_settings.brokers = measure->brokers;
    absl::Status started = meter->Start(measure_settings);
    if (!started.ok()) {
      std::fprintf(stderr, "trailhound: %s\n", std::string(started.message()).c_str());
      return 2;
    }
    if (StopSignal() != 0) return 1;
  }

  // --- send
  Counters counters;
  EventTimeReader event_times;
  Clock::time_point start = Clock::now();
  StatusLine status(start);
  std::unique_ptr<RecordSource> source = std::move(*first_source);
  // Waits until `due`, flushing and reporting meanwhile; false when stopped.
  auto wait_until = [&](Clock::time_point due) {
    while (StopSignal() == 0) {
      Clock::time_point now = Clock::now();
      status.MaybePrint(counters, *output, meter.get(), now);
      if (due - now <= kBurstSlack) return true;
      output->Idle();
      if (meter) meter->Match();
      std::this_thread::sleep_until(std::min<Clock::time_point>(due, Clock::now() + kMaxSleep));
    }
    return false;
  };

  bool stopped = false;
  for (uint64_t pass = 0; !stopped && (loops == 0 || pass < loops); ++pass) {
    if (pass > 0) {
      absl::StatusOr<std::unique_ptr<RecordSource>> reopened = OpenInputs(inputs, source_options, skipped);
      if (!reopened.ok()) {
        std::fprintf(stderr, "trailhound: %s\n", std::string(reopened.status().message()).c_str());
        ++counters.read_errors;
        break;
      }
      source = std::move(*reopened);
    }
    std::optional<absl::Time> base_event;  // --speed: eventTime of the pass's first timed record
    Clock::time_point base_wall;
    uint64_t sent_in_pass = 0, consecutive_errors = 0;
    while (true) {
      if (StopSignal() != 0) {
        stopped = true;
        break;
      }
      RawRecord record;
      absl::StatusOr<bool> next = source->Next(record);
      if (!next.ok()) {
        std::fprintf(stderr, "trailhound: %s\n", std::string(next.status().message()).c_str());
        ++counters.read_errors;
        if (++consecutive_errors >= kMaxConsecutiveReadErrors) break;
        continue;
      }
      consecutive_errors = 0;
      if (!*next) break;

      Clock::time_point now = Clock::now();
      Clock::time_point due = now;
      if (rate > 0) {
        due = start + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(static_cast<double>(counters.sent) / rate));
      } else if (speed > 0) {
        if (std::optional<absl::Time> at = event_times.Read(record.bytes)) {
          if (!base_event) {
            base_event = *at;
            base_wall = now;
          } else {
            int64_t gap_ns = absl::ToInt64Nanoseconds((*at - *base_event) / speed);
            due = base_wall + std::chrono::nanoseconds(std::clamp<int64_t>(gap_ns, 0, int64_t{1} << 60));
          }
        }
      }
      if (due > now && !wait_until(due)) {
        stopped = true;
        break;
      }

      uint64_t tag = counters.sent + 1;
      if (meter) meter->Sent(tag, Clock::now());
      absl::Status sent = output->Send(record.bytes, tag);
      if (!sent.ok()) {
        if (meter) meter->Delivered(tag, -1, -1, false);
        if (counters.send_errors++ == 0) {
          std::fprintf(stderr, "trailhound: %s\n", std::string(sent.message()).c_str());
        }
      }
      ++counters.sent;
      ++sent_in_pass;
      counters.bytes += record.bytes.size();
      if (counters.sent == 1 && output->is_kafka()) {
        // Warm-up: the producer connects to the partition leader and gets
        // its producer id with the first message. Waiting for its
        // acknowledgement before the pacing clock starts keeps that one-off
        // set-up (hundreds of ms on a busy broker) out of the rate and the
        // latency figures of everything after it.
        absl::Status warmed = output->Finish();
        if (!warmed.ok()) std::fprintf(stderr, "trailhound: %s\n", std::string(warmed.message()).c_str());
        start = Clock::now();
        base_wall = start;
      }
      status.MaybePrint(counters, *output, meter.get(), Clock::now());
    }
    if (sent_in_pass == 0 && loops != 1) {
      std::fprintf(stderr, "trailhound: replay: the inputs hold no record; not looping\n");
      break;
    }
  }
  source.reset();
  const Clock::time_point sending_done = Clock::now();

  // --- deliver, then wait for late alerts
  absl::Status finished = output->Finish();
  const Clock::time_point end = Clock::now();
  if (!finished.ok()) std::fprintf(stderr, "trailhound: %s\n", std::string(finished.message()).c_str());

  std::optional<AlertMeter::Figures> figures;
  if (meter) {
    const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(measure_timeout));
    // A signal while sending still lets the alerts of what was sent come
    // in; one while waiting (or a second one, which kills) ends the wait.
    const bool signalled_before = StopSignal() != 0;
    while (signalled_before || StopSignal() == 0) {
      Clock::time_point now = Clock::now();
      meter->Match();
      if (now - end >= timeout) break;
      // Sooner when alerts came and have stopped coming: none for 1 s, and
      // the slowest one seen, twice over, has had time to arrive.
      auto quiet = now.time_since_epoch() - std::chrono::nanoseconds(meter->last_arrival_ns());
      auto enough = std::chrono::seconds(1) + 2 * std::chrono::nanoseconds(meter->max_latency_ns());
      if (meter->matched() > 0 && quiet >= std::chrono::seconds(1) && now - end >= enough) break;
      status.MaybePrint(counters, *output, meter.get(), now);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    meter->Stop();
    figures = meter->Finish();
  }

  // --- report
  uint64_t failed = counters.send_errors + output->failed();
  uint64_t acknowledged = output->acknowledged();
  double seconds = std::max(1e-9, Seconds(end - start));
  double records_per_s = static_cast<double>(counters.sent) / seconds;
  double mb_per_s = static_cast<double>(counters.bytes) / seconds / 1e6;
  std::string summary = absl::StrFormat(
      "trailhound: replay: %d records (%.1f MB) in %.2f s: %.0f records/s, %.2f MB/s; ", counters.sent,
      static_cast<double>(counters.bytes) / 1e6, seconds, records_per_s, mb_per_s);
  if (output->is_kafka()) absl::StrAppend(&summary, acknowledged, " acknowledged, ");
  absl::StrAppend(&summary, failed, " failed");
  if (skipped.count() > 0) absl::StrAppend(&summary, ", ", skipped.count(), " skipped (could not be framed)");
  if (counters.read_errors > 0) absl::StrAppend(&summary, ", ", counters.read_errors, " read errors");
  if (stopped) absl::StrAppend(&summary, " (stopped by signal)");
  std::fprintf(stderr, "%s\n", summary.c_str());
  if (figures) {
    std::fprintf(stderr,
                 "trailhound: replay: alerts on %s: %llu seen, %llu from these records; end-to-end latency "
                 "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                 measure->topic.c_str(), static_cast<unsigned long long>(figures->seen),
                 static_cast<unsigned long long>(figures->matched), figures->Percentile(0.50),
                 figures->Percentile(0.95), figures->Percentile(0.99), figures->Percentile(1.0));
  }

  bool json_failed = false;
  if (args.Has("measure-json")) {
    std::string json = "{\"to\":";
    AppendJsonString(json, to);
    absl::StrAppend(&json, ",\"rate\":", rate > 0 ? JsonNumber(rate) : "null",
                    ",\"speed\":", speed > 0 ? JsonNumber(speed) : "null", ",\"loop\":", loops,
                    ",\"records\":", counters.sent, ",\"bytes\":", counters.bytes, ",\"seconds\":", JsonNumber(seconds),
                    ",\"send_seconds\":", JsonNumber(Seconds(sending_done - start)),
                    ",\"records_per_s\":", JsonNumber(records_per_s), ",\"mb_per_s\":", JsonNumber(mb_per_s),
                    ",\"acknowledged\":", acknowledged, ",\"failed\":", failed, ",\"skipped\":", skipped.count(),
                    ",\"read_errors\":", counters.read_errors, ",\"stopped\":", stopped ? "true" : "false");
    if (figures) {
      json += ",\"alerts\":{\"topic\":";
      AppendJsonString(json, measure->topic);
      absl::StrAppend(&json, ",\"seen\":", figures->seen, ",\"matched\":", figures->matched,
                      ",\"unparsable\":", figures->unparsable);
      if (figures->matched > 0) {
        absl::StrAppend(&json, ",\"latency_ms\":{\"p50\":", JsonNumber(figures->Percentile(0.50)),
                        ",\"p95\":", JsonNumber(figures->Percentile(0.95)),
                        ",\"p99\":", JsonNumber(figures->Percentile(0.99)),
                        ",\"max\":", JsonNumber(figures->Percentile(1.0)), "}",
                        ",\"last_alert_s\":", JsonNumber(static_cast<double>(figures->last_matched_ns - Nanos(start)) / 1e9));
      } else {
        json += ",\"latency_ms\":null,\"last_alert_s\":null";
      }
      json += "}";
    }
    json += "}\n";
    FILE* file = std::fopen(args.Get("measure-json").c_str(), "w");
    if (file == nullptr || std::fputs(json.c_str(), file) < 0 || std::fclose(file) != 0) {
      std::fprintf(stderr, "trailhound: cannot write %s: %s\n", args.Get("measure-json").c_str(), std::strerror(errno));
      json_failed = true;
    }
  }

  bool complete = failed == 0 && counters.read_errors == 0 && finished.ok() &&
                  (!output->is_kafka() || acknowledged == counters.sent);
  if (!complete) return 1;
  return json_failed ? 2 : 0;
}

}  // namespace trailhound
