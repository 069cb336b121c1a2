#include "cli/run_command.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/command_line.h"
#include "cli/stop_signals.h"
#include "connectors/follow_source.h"
#include "connectors/kafka_client.h"
#include "connectors/kafka_state_store.h"
#include "connectors/ndjson_sinks.h"
#include "connectors/record_source.h"
#include "connectors/webhook_sink.h"
#include "core/parallel_pipeline.h"
#include "core/pipeline.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

constexpr char kRunUsage[] = R"(usage: trailhound run --rules PATH [--rules PATH…] [options] [INPUT…]

Checks every CloudTrail record of the inputs against the rules and writes one
NDJSON alert per match, in input order.

  --rules PATH            a .sql file or a folder of them (recursive); repeatable
  --output DEST           where alerts go; repeatable (every alert goes to each):
                          - (stdout, the default), a FILE, kafka://BROKERS/TOPIC
                          (key = rule name, value = the alert's JSON), or an
                          http(s):// webhook (JSON array of up to 100 alerts per
                          POST; retried with backoff on 408/429/5xx and network
                          errors for about a minute, then the run stops)
  --webhook-header H      "Name: value" sent with every webhook POST (e.g. an
                          Authorization header); repeatable; never printed
  --dead-letter DEST      bad records go here (NDJSON with reason and position):
                          a FILE or kafka://BROKERS/TOPIC; without it they are
                          counted and the first few described on stderr
  --max-record-bytes N    larger records are dead letters (default 1048576)
  --threads N             matching threads for files (default: the number of
                          cores); the output is the same for every N. stdin and
                          Kafka are read on one thread, so that alerts go out as
                          records arrive
  --status-interval S     a status line on stderr every S seconds (default 10
                          for Kafka and --follow, else off; 0 = off)
  --engine E              compiled (default) or reference: every rule decided by
                          the reference interpreter (slow; the test oracle)
  INPUT                   a file (NDJSON, {"Records":[…]}, Firehose, CloudWatch
                          Logs or EventBridge framing; optionally gzip), a folder
                          (all files below it, sorted), or - for stdin; no INPUT
                          and no Kafka source reads stdin

Files delivered over time (Firehose, CloudTrail to a synced folder):
  --follow                keep watching the INPUT folders; a new file is read
                          once its size and mtime stood still for --settle-ms
                          (dot-files, *.tmp and *.partial are skipped)
  --settle-ms N           default 5000
  --checkpoint FILE       record each file whose alerts were delivered (written
                          atomically); a restart skips them and reads a file it
                          was in the middle of again. Also without --follow.
                          Output files are appended to, not replaced.

Kafka source (a consumer-group member; run several to share the partitions):
  --kafka-brokers LIST    bootstrap brokers, host:port[,host:port…]
  --kafka-topic TOPIC     topic to read; repeatable
  --kafka-group GROUP     consumer group id
  -X KEY=VALUE            a librdkafka setting for every Kafka client (source and
                          kafka:// sinks), e.g. -X security.protocol=SASL_SSL;
                          repeatable; secret values are never printed
  Offsets are committed only after the alerts and dead letters of the records
  before them were delivered (at-least-once: after a crash an alert may repeat
  with the same alert_id, never go missing). Each message is one record.

Stateful rules (GROUP BY … WINDOW, first_seen, suppression; README
"Stateful rules") run on one thread. A finite run without --state-dir closes
every open window at its end.
  --state-dir DIR         keep their state here across runs (one file per
                          partition, written before each commit); required with
                          Kafka, --follow and --checkpoint (or the next option)
  --state-changelog kafka://BROKERS/TOPIC
                          keep it in a compacted Kafka topic instead (created
                          when missing): a partition's state then follows it to
                          whichever member of the group gets it, on any host
  --state-max-keys N      keys per rule and partition before the least recently
                          used are evicted (default 1000000)

Signals (Kafka, --follow, --checkpoint): SIGINT/SIGTERM stop reading, deliver,
commit and exit 0 (a second one ends the run at once, committing nothing
more); SIGHUP reloads the rules from the same paths — a set with errors is
reported and the running rules are kept.

Exit status: 0 when the run completed, 1 when the rules have errors, 2 on bad
usage, unreadable inputs or undeliverable output.
)";

bool IsWebhookUrl(const std::string& text) {
  auto starts = [&](const char* scheme) { return text.compare(0, std::strlen(scheme), scheme) == 0; };
  return starts("http://") || starts("https://");
}

int UsageError(const std::string& message) { return trailhound::UsageError(message, kRunUsage); }

void PrintError(const absl::Status& status) {
  std::fprintf(stderr, "trailhound: %s\n", std::string(status.message()).c_str());
}

// --- signals -------------------------------------------------------------------

// SIGINT/SIGTERM: cli/stop_signals.h (what a killed run did not commit is
// read again after a restart). SIGHUP asks for the rules to be reloaded.
volatile sig_atomic_t g_reload_requested = 0;

void OnReloadSignal(int) { g_reload_requested = 1; }

void InstallSignalHandlers() {
  InstallStopSignalHandlers();
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  action.sa_handler = OnReloadSignal;
  sigaction(SIGHUP, &action, nullptr);
}

// --- sinks ---------------------------------------------------------------------

// Every alert to each destination; Flush reports the first failure.
class AlertFanOut : public AlertSink {
 public:
  void Add(AlertSink* sink) { sinks_.push_back(sink); }
  void Write(const Alert& alert) override {
    for (AlertSink* sink : sinks_) sink->Write(alert);
  }
  absl::Status Flush() override {
    absl::Status first;
    for (AlertSink* sink : sinks_) first.Update(sink->Flush());
    return first;
  }

 private:
  std::vector<AlertSink*> sinks_;
};

// Counts the letters on their way to the destination (a file, a topic, or
// only a summary on stderr).
class CountedDeadLetters : public DeadLetterSink {
 public:
  explicit CountedDeadLetters(DeadLetterSink& destination) : destination_(destination) {}
  void Write(const DeadLetter& letter) override {
    ++count_;
    destination_.Write(letter);
  }
  absl::Status Flush() override { return destination_.Flush(); }
  uint64_t count() const { return count_; }

 private:
  DeadLetterSink& destination_;
  uint64_t count_ = 0;
};

// The destinations of one run, opened from the command line.
class Outputs {
 public:
  absl::Status Open(const CommandLine& args, const KafkaSettings& kafka_settings, bool append) {
    std::vector<std::string> destinations = args.GetAll("output");
    if (destinations.empty()) destinations.push_back("-");
    for (const std::string& destination : destinations) {
      if (IsWebhookUrl(destination)) {
        WebhookSinkOptions options;
        options.url = destination;
        options.headers = args.GetAll("webhook-header");
        absl::StatusOr<std::unique_ptr<WebhookAlertSink>> webhook = WebhookAlertSink::Create(std::move(options));
        if (!webhook.ok()) return webhook.status();
        webhooks_.push_back(webhook->get());
        owned_alert_sinks_.push_back(std::move(*webhook));
      } else if (IsKafkaUrl(destination)) {
        absl::StatusOr<KafkaTarget> target = KafkaTargetOf(destination, kafka_settings);
        if (!target.ok()) return target.status();
        owned_alert_sinks_.push_back(std::make_unique<KafkaAlertSink>(*target->producer, target->topic));
      } else {
        absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer = NdjsonWriter::Open(destination, append);
        if (!writer.ok()) return writer.status();
        owned_alert_sinks_.push_back(std::make_unique<NdjsonAlertSink>(std::move(*writer)));
      }
      alerts_.Add(owned_alert_sinks_.back().get());
    }
    std::string letters = args.Get("dead-letter");
    if (IsKafkaUrl(letters)) {
      absl::StatusOr<KafkaTarget> target = KafkaTargetOf(letters, kafka_settings);
      if (!target.ok()) return target.status();
      letter_destination_ = std::make_unique<KafkaDeadLetterSink>(*target->producer, target->topic);
    } else {
      std::unique_ptr<NdjsonWriter> writer;
      if (!letters.empty()) {
        absl::StatusOr<std::unique_ptr<NdjsonWriter>> opened = NdjsonWriter::Open(letters, append);
        if (!opened.ok()) return opened.status();
        writer = std::move(*opened);
      }
      letter_destination_ = std::make_unique<NdjsonDeadLetterSink>(std::move(writer));
    }
    dead_letters_ = std::make_unique<CountedDeadLetters>(*letter_destination_);
    return absl::OkStatus();
  }

  AlertSink& alerts() { return alerts_; }
  CountedDeadLetters& dead_letters() { return *dead_letters_; }

  // ", webhook URL: N sent, M retried, …" for the status line.
  std::string StatusText() const {
    std::string out;
    for (const WebhookAlertSink* webhook : webhooks_) {
      WebhookSinkStats stats = webhook->stats();
      out += ", webhook " + webhook->display_url() + ": " + std::to_string(stats.sent) + " sent, " +
             std::to_string(stats.queued) + " queued, " + std::to_string(stats.retried) + " retried, " +
             std::to_string(stats.failed) + " failed";
    }
    return out;
  }

  // Everything written so far has arrived (or the error says what did not).
  absl::Status Deliver() {
    absl::Status status = alerts_.Flush();
    status.Update(dead_letters_->Flush());
    return status;
  }

 private:
  struct KafkaTarget {
    KafkaProducer* producer;
    std::string topic;
  };
  // The topic of a kafka://BROKERS/TOPIC destination and the producer for
  // its cluster: one per cluster, shared by the alert and dead-letter topics.
  absl::StatusOr<KafkaTarget> KafkaTargetOf(const std::string& url, const KafkaSettings& base) {
    absl::StatusOr<KafkaAddress> address = ParseKafkaUrl(url);
    if (!address.ok()) return address.status();
    for (auto& [brokers, producer] : producers_) {
      if (brokers == address->brokers) return KafkaTarget{producer.get(), address->topic};
    }
    KafkaSettings settings = base;
    settings.brokers = address->brokers;
    absl::StatusOr<std::unique_ptr<KafkaProducer>> producer = KafkaProducer::Create(settings);
    if (!producer.ok()) return producer.status();
    producers_.emplace_back(address->brokers, std::move(*producer));
    return KafkaTarget{producers_.back().second.get(), address->topic};
  }

  std::vector<std::pair<std::string, std::unique_ptr<KafkaProducer>>> producers_;
  std::vector<std::unique_ptr<AlertSink>> owned_alert_sinks_;
  std::vector<const WebhookAlertSink*> webhooks_;
  AlertFanOut alerts_;
  std::unique_ptr<DeadLetterSink> letter_destination_;
  std::unique_ptr<CountedDeadLetters> dead_letters_;
};

// --- the rules -------------------------------------------------------------------

// Loads, reports and compiles; null when the rules cannot run.
std::unique_ptr<const CompiledRuleSet> LoadAndCompile(const std::vector<std::string>& paths) {
  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSet(paths);
  for (const Diagnostic& d : loaded->diagnostics.Sorted()) std::fputs(FormatDiagnostic(d).c_str(), stderr);
  if (loaded->diagnostics.has_errors()) return nullptr;
  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
  if (!compiled.ok()) {
    PrintError(compiled.status());
    return nullptr;
  }
  return std::move(*compiled);
}

// The line every run ends with, on stderr.
void PrintSummary(const PipelineStats& stats, uint64_t dead_letters, std::chrono::steady_clock::time_point started) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "trailhound: %llu records, %llu alerts, %llu dead letters, %.2f s, %.0f records/s\n",
               static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.alerts),
               static_cast<unsigned long long>(dead_letters), seconds,
               seconds > 0 ? stats.records / seconds : 0.0);
}

// --- the serial loop -------------------------------------------------------------

struct RunSettings {
  std::vector<std::string> rule_paths;
  RuleStateOptions state_options;
  MatchEngine engine = MatchEngine::kCompiled;
  bool flush_every_output = false;  // stdin: alerts leave as their records arrive
  std::chrono::seconds status_interval{0};
};

// steady_clock's time at a few ms resolution (CLOCK_MONOTONIC_COARSE, the
// same clock): read once per record, the full-resolution clock cost 2% of a
// run of three rules.
std::chrono::steady_clock::time_point CoarseNow() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return std::chrono::steady_clock::time_point(std::chrono::seconds(now.tv_sec) +
                                               std::chrono::nanoseconds(now.tv_nsec));
}

constexpr int kMaxInputErrorsInARow = 1000;  // a finite source that only fails: stop rather than spin
constexpr uint64_t kRecordsPerDelivery = 20000;
constexpr auto kDeliveryInterval = std::chrono::milliseconds(100);
constexpr auto kStateSaveInterval = std::chrono::seconds(1);

// Reads one record at a time on this thread; delivers (flushes the sinks) at
// least every kDeliveryInterval and whenever the source is idle, and commits
// the source after each delivery. Returns the exit status.
//
// Stateful rules: the state is saved (--state-dir) after each delivery and
// before the source commits, at most every kStateSaveInterval (commits wait
// for it), so a restart never resumes past what the saved state holds.
class SerialRun {
 public:
  SerialRun(RunSettings settings, std::unique_ptr<const CompiledRuleSet> rules, RecordSource& source,
            Outputs& outputs, std::unique_ptr<RuleState>& state)
      : settings_(std::move(settings)), rules_(std::move(rules)), source_(source), outputs_(outputs), state_(state) {
    pipeline_ = NewPipeline();
  }

  int Run() {
    auto started = std::chrono::steady_clock::now();
    last_delivery_ = last_status_ = started;
    int errors_in_a_row = 0;
    int exit_status = 0;
    RawRecord record;
    while (StopSignal() == 0) {
      if (g_reload_requested != 0) Reload();
      absl::StatusOr<bool> more = source_.Next(record);
      if (!more.ok()) {
        PrintError(more.status());
        exit_status = 2;
        if (source_.Live() || ++errors_in_a_row > kMaxInputErrorsInARow) break;
        continue;
      }
      errors_in_a_row = 0;
      uint64_t output_before = Output();
      if (*more) {
        pipeline_->Process(record.bytes, record.position);
        ++undelivered_;
        if (state_ != nullptr && !StateHealthy()) return 2;
      }
      auto now = CoarseNow();
      // A commit the state save held back (it runs at most every
      // kStateSaveInterval) is pending too: it must not wait for more input.
      bool pending = undelivered_ > 0 || outputs_.dead_letters().count() != delivered_letters_ ||
                     (commit_held_back_ && now - last_state_save_ >= kStateSaveInterval);
      bool due = undelivered_ >= kRecordsPerDelivery ||
                 (pending && (!*more || now - last_delivery_ >= kDeliveryInterval)) ||
                 (settings_.flush_every_output && Output() != output_before);
      if (due && !DeliverAndCommit(false)) return 2;
      if (settings_.status_interval.count() > 0 && now - last_status_ >= settings_.status_interval) {
        PrintStatus(now);
      }
      if (!*more && !source_.Live()) break;
    }
    // A finite run that keeps no state closes its windows: nothing would
    // ever close them otherwise.
    if (!source_.Live() && StopSignal() == 0 && settings_.state_options.store == nullptr) {
      pipeline_->CloseState();
    }
    if (!DeliverAndCommit(true)) return 2;
    if (StopSignal() != 0) {
      std::fprintf(stderr, "trailhound: %s: stopped after delivering and committing\n", strsignal(StopSignal()));
    }
    PrintSummary(Totals(), outputs_.dead_letters().count(), started);
    return exit_status;
  }

 private:
  std::unique_ptr<Pipeline> NewPipeline() {
    return std::make_unique<Pipeline>(*rules_, outputs_.alerts(), outputs_.dead_letters(), settings_.engine,
                                      state_.get());
  }

  // Notes about saved state (printed), or an unreadable saved state (false:
  // the run stops rather than start that partition from nothing).
  bool StateHealthy() {
    for (const std::string& note : state_->TakeNotes()) std::fprintf(stderr, "trailhound: state: %s\n", note.c_str());
    if (state_->error().ok()) return true;
    PrintError(state_->error());
    std::fprintf(stderr, "trailhound: stopping without committing\n");
    return false;
  }

  PipelineStats Totals() const {
    PipelineStats totals = earlier_;
    totals.Add(pipeline_->stats());
    return totals;
  }

  uint64_t Output() const { return pipeline_->stats().alerts + outputs_.dead_letters().count(); }

  // False when the output could not be delivered: nothing more is
  // committed, and the run stops (a restart reads the records again).
  bool DeliverAndCommit(bool final) {
    absl::Status delivered = outputs_.Deliver();
    if (!delivered.ok()) {
      PrintError(delivered);
      std::fprintf(stderr, "trailhound: stopping without committing: the records since the last commit "
                           "will be read again\n");
      return false;
    }
    undelivered_ = 0;
    delivered_letters_ = outputs_.dead_letters().count();
    last_delivery_ = std::chrono::steady_clock::now();
    if (state_ != nullptr && settings_.state_options.store != nullptr) {
      commit_held_back_ = !final && last_delivery_ - last_state_save_ < kStateSaveInterval;
      if (commit_held_back_) return true;
      absl::Status saved = state_->Save();
      if (!saved.ok()) {
        PrintError(saved);
        std::fprintf(stderr, "trailhound: stopping without committing\n");
        return false;
      }
      last_state_save_ = last_delivery_;
    }
    absl::Status committed = source_.Commit(final);
    if (!committed.ok()) PrintError(committed);
    return true;
  }

  void Reload() {
    g_reload_requested = 0;
    std::fprintf(stderr, "trailhound: SIGHUP: reloading the rules\n");
    std::unique_ptr<const CompiledRuleSet> fresh = LoadAndCompile(settings_.rule_paths);
    if (fresh == nullptr) {
      std::fprintf(stderr, "trailhound: reload failed: still running the %zu rules loaded before\n",
                   rules_->rules().rules.size());
      return;
    }
    earlier_.Add(pipeline_->stats());
    pipeline_.reset();  // it refers to the old rules
    std::unique_ptr<RuleState> fresh_state;
    if (state_ != nullptr) {  // it refers to the old rules too: move its contents over
      fresh_state = std::make_unique<RuleState>(fresh->rules(), settings_.state_options);
      fresh_state->AdoptFrom(*state_);
    }
    state_ = std::move(fresh_state);
    rules_ = std::move(fresh);
    pipeline_ = NewPipeline();
    std::fprintf(stderr, "trailhound: reloaded: %zu rules\n", rules_->rules().rules.size());
  }

  void PrintStatus(std::chrono::steady_clock::time_point now) {
    PipelineStats totals = Totals();
    double seconds = std::chrono::duration<double>(now - last_status_).count();
    std::string extra = source_.StatusText();
    if (state_ != nullptr) {
      RuleStateStats state = state_->Stats();
      char text[160];
      std::snprintf(text, sizeof text, "%sstate %llu keys, %.1f MB, %llu evicted", extra.empty() ? "" : ", ",
                    static_cast<unsigned long long>(state.keys), state.bytes / 1e6,
                    static_cast<unsigned long long>(state.evicted));
      extra += text;
    }
    std::fprintf(stderr, "trailhound: status: %llu records (%.0f/s), %llu alerts, %llu dead letters%s%s%s\n",
                 static_cast<unsigned long long>(totals.records),
                 seconds > 0 ? (totals.records - records_at_last_status_) / seconds : 0.0,
                 static_cast<unsigned long long>(totals.alerts),
                 static_cast<unsigned long long>(outputs_.dead_letters().count()), extra.empty() ? "" : ", ",
                 extra.c_str(), outputs_.StatusText().c_str());
    records_at_last_status_ = totals.records;
    last_status_ = now;
  }

  const RunSettings settings_;
  std::unique_ptr<const CompiledRuleSet> rules_;
  RecordSource& source_;
  Outputs& outputs_;
  std::unique_ptr<RuleState>& state_;  // null without stateful rules; replaced by reloads
  std::unique_ptr<Pipeline> pipeline_;
  PipelineStats earlier_;  // of the pipelines replaced by reloads
  std::chrono::steady_clock::time_point last_state_save_;
  bool commit_held_back_ = false;  // delivered, but neither saved nor committed yet
  uint64_t undelivered_ = 0;
  uint64_t delivered_letters_ = 0;
  uint64_t records_at_last_status_ = 0;
  std::chrono::steady_clock::time_point last_delivery_, last_status_;
};

// Files on several threads (core/parallel_pipeline.h): same output as one.
int RunFilesInParallel(const CompiledRuleSet& rules, const std::vector<std::string>& inputs,
                       const SourceOptions& source_options, Outputs& outputs, int threads, MatchEngine engine) {
  DeferredDeadLetters deferred_letters;
  absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs(inputs, source_options, deferred_letters);
  if (!source.ok()) {
    PrintError(source.status());
    return 2;
  }
  auto started = std::chrono::steady_clock::now();
  int io_errors = 0;
  auto report_input_error = [&](const absl::Status& status) {
    PrintError(status);
    ++io_errors;
  };
  RawRecord record;
  NextRecord next = [&](std::string_view& bytes, SourcePosition& position) -> absl::StatusOr<bool> {
    absl::StatusOr<bool> more = (*source)->Next(record);
    if (more.ok() && *more) {
      bytes = record.bytes;
      position = record.position;  // a copy: both keep their strings' room
    }
    return more;
  };
  ParallelOptions parallel_options;
  parallel_options.threads = threads;
  parallel_options.engine = engine;
  PipelineStats stats = RunParallel(rules, next, deferred_letters, outputs.alerts(), outputs.dead_letters(),
                                    parallel_options, report_input_error, kMaxInputErrorsInARow);
  absl::Status delivered = outputs.Deliver();
  if (!delivered.ok()) {
    PrintError(delivered);
    ++io_errors;
  }
  PrintSummary(stats, outputs.dead_letters().count(), started);
  return io_errors > 0 ? 2 : 0;
}

}  // namespace

int RunCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::fputs(kRunUsage, stdout);
    return 0;
  }
  CommandLine args(argc, argv,
                   {"rules", "output", "dead-letter", "max-record-bytes", "threads", "status-interval", "engine",
                    "kafka-brokers", "kafka-topic", "kafka-group", "X", "webhook-header", "checkpoint", "settle-ms",
                    "state-dir", "state-changelog", "state-max-keys"},
                   {"follow"});
  if (!args.ok()) return UsageError(args.error());
  RunSettings settings;
  settings.rule_paths = args.GetAll("rules");
  if (settings.rule_paths.empty()) return UsageError("run needs --rules PATH");
  SourceOptions source_options;
  if (args.Has("max-record-bytes") && !ParseCount(args.Get("max-record-bytes"), source_options.max_record_bytes)) {
    return UsageError("--max-record-bytes needs a number of bytes");
  }
  uint64_t threads = std::max(1u, std::thread::hardware_concurrency());
  if (args.Has("threads") && (!ParseCount(args.Get("threads"), threads) || threads < 1 || threads > 256)) {
    return UsageError("--threads needs a number from 1 to 256");
  }
  std::string engine = args.Get("engine", "compiled");
  if (engine != "compiled" && engine != "reference") return UsageError("--engine is compiled or reference");
  settings.engine = engine == "reference" ? MatchEngine::kReference : MatchEngine::kCompiled;

  KafkaSettings kafka_settings;
  for (const std::string& setting : args.GetAll("X")) {
    absl::Status added = kafka_settings.Add(setting);
    if (!added.ok()) return UsageError(std::string(added.message()));
  }
  bool from_kafka = args.Has("kafka-topic") || args.Has("kafka-brokers") || args.Has("kafka-group");
  if (from_kafka) {
    if (!args.Has("kafka-topic") || !args.Has("kafka-brokers") || !args.Has("kafka-group")) {
      return UsageError("a Kafka source needs --kafka-brokers, --kafka-topic and --kafka-group");
    }
    if (!args.positional().empty()) return UsageError("INPUT files and a Kafka source do not mix");
  }
  FollowOptions follow;
  follow.watch = args.Has("follow");
  follow.checkpoint_path = args.Get("checkpoint");
  bool from_followed_files = follow.watch || !follow.checkpoint_path.empty();
  if (from_followed_files && from_kafka) {
    return UsageError("--follow and --checkpoint are for INPUT folders; a Kafka source resumes from its "
                      "committed offsets");
  }
  if (from_followed_files && args.positional().empty()) {
    return UsageError("--follow and --checkpoint need INPUT folders or files");
  }
  uint64_t settle_ms = 5000;
  if (args.Has("settle-ms") && !ParseCount(args.Get("settle-ms"), settle_ms)) {
    return UsageError("--settle-ms needs a number of milliseconds");
  }
  follow.settle = std::chrono::milliseconds(settle_ms);
  uint64_t status_seconds = from_kafka || follow.watch ? 10 : 0;
  if (args.Has("status-interval") && !ParseCount(args.Get("status-interval"), status_seconds)) {
    return UsageError("--status-interval needs a number of seconds");
  }
  settings.status_interval = std::chrono::seconds(status_seconds);
  // Before the rules load: a SIGTERM that arrives while they compile must
  // still end the run cleanly (it stops before the first record).
  if (from_kafka || from_followed_files) InstallSignalHandlers();

  std::unique_ptr<StateStore> state_store;
  if (args.Has("state-dir") && args.Has("state-changelog")) {
    return UsageError("--state-dir and --state-changelog are two places for the same state: give one");
  }
  if (args.Has("state-dir")) state_store = std::make_unique<DirectoryStateStore>(args.Get("state-dir"));
  if (args.Has("state-changelog")) {
    absl::StatusOr<KafkaAddress> address = ParseKafkaUrl(args.Get("state-changelog"));
    if (!address.ok()) return UsageError("--state-changelog: " + std::string(address.status().message()));
    KafkaSettings changelog_settings = kafka_settings;
    changelog_settings.brokers = address->brokers;
    absl::StatusOr<std::unique_ptr<KafkaStateStore>> changelog =
        KafkaStateStore::Open(changelog_settings, address->topic);
    if (!changelog.ok()) {
      PrintError(changelog.status());
      return 2;
    }
    state_store = std::move(*changelog);
  }
  settings.state_options.store = state_store.get();
  uint64_t max_keys = settings.state_options.max_keys_per_rule;
  if (args.Has("state-max-keys") && (!ParseCount(args.Get("state-max-keys"), max_keys) || max_keys < 1)) {
    return UsageError("--state-max-keys needs a number above zero");
  }
  settings.state_options.max_keys_per_rule = max_keys;

  std::unique_ptr<const CompiledRuleSet> rules = LoadAndCompile(settings.rule_paths);
  if (rules == nullptr) {
    std::fprintf(stderr, "trailhound: not running: the rules have errors\n");
    return 1;
  }
  std::unique_ptr<RuleState> state = std::make_unique<RuleState>(rules->rules(), settings.state_options);
  if (!state->active()) state.reset();
  if (state != nullptr && (from_kafka || from_followed_files) && state_store == nullptr) {
    return UsageError("stateful rules with Kafka, --follow or --checkpoint need --state-dir or --state-changelog: "
                      "a restart resumes the input, and must resume their windows and memories with it");
  }
  // A run that resumes (from Kafka offsets or a checkpoint) adds to its files
  // rather than erasing what the run before it delivered.
  Outputs outputs;
  absl::Status opened = outputs.Open(args, kafka_settings, /*append=*/from_kafka || from_followed_files);
  if (!opened.ok()) return UsageError(std::string(opened.message()));

  std::unique_ptr<RecordSource> source;
  KafkaSource* consumer = nullptr;
  if (from_kafka) {
    KafkaSourceOptions kafka;
    kafka.settings = kafka_settings;
    kafka.settings.brokers = args.Get("kafka-brokers");
    kafka.topics = args.GetAll("kafka-topic");
    kafka.group = args.Get("kafka-group");
    kafka.max_record_bytes = source_options.max_record_bytes;
    // Before another member takes a partition: its alerts delivered and its
    // state saved; afterwards this process forgets that state.
    kafka.flush_before_revoke = [&outputs, &state]() {
      absl::Status status = outputs.Deliver();
      if (status.ok() && state != nullptr) status = state->Save();
      return status;
    };
    kafka.after_revoke = [&state](const std::vector<std::string>& stream_ids) {
      if (state != nullptr) state->Drop(stream_ids);
    };
    absl::StatusOr<std::unique_ptr<KafkaSource>> opened_consumer =
        KafkaSource::Open(std::move(kafka), outputs.dead_letters());
    if (!opened_consumer.ok()) return UsageError(std::string(opened_consumer.status().message()));
    consumer = opened_consumer->get();
    source = std::move(*opened_consumer);
  } else if (from_followed_files) {
    absl::StatusOr<std::unique_ptr<RecordSource>> files =
        OpenFollowedInputs(args.positional(), source_options, follow, outputs.dead_letters());
    if (!files.ok()) return UsageError(std::string(files.status().message()));
    source = std::move(*files);
  } else {
    bool stdin_input = args.positional().empty() ||
                       std::find(args.positional().begin(), args.positional().end(), "-") != args.positional().end();
    if (state != nullptr && args.Has("threads") && threads > 1) {
      std::fprintf(stderr, "trailhound: note: stateful rules match on one thread (--threads %llu ignored)\n",
                   static_cast<unsigned long long>(threads));
    }
    if (threads > 1 && !stdin_input && state == nullptr) {
      return RunFilesInParallel(*rules, args.positional(), source_options, outputs, static_cast<int>(threads),
                                settings.engine);
    }
    settings.flush_every_output = stdin_input;
    absl::StatusOr<std::unique_ptr<RecordSource>> files =
        OpenInputs(args.positional(), source_options, outputs.dead_letters());
    if (!files.ok()) {
      PrintError(files.status());
      return 2;
    }
    source = std::move(*files);
  }
  int status = SerialRun(std::move(settings), std::move(rules), *source, outputs, state).Run();
  if (consumer != nullptr) consumer->Close();  // leave the group now, not after the session timeout
  return status;
}

}  // namespace trailhound
