#include "core/parallel_pipeline.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace trailhound {
namespace {

using Letter = DeferredDeadLetters::Letter;

// A batch of records with owned bytes, and what matching them produced,
// each output tagged with the index of the record it belongs to. Written
// batches are reused: their buffers and alerts keep their capacity, so
// neither reading nor alerting allocates per record once warm.
struct Batch {
  uint64_t sequence = 0;
  std::string bytes;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length into bytes
  std::vector<SourcePosition> positions;  // the first spans.size() are this batch's
  std::vector<std::pair<size_t, Letter>> source_letters;  // written before record i
  std::vector<std::pair<size_t, Letter>> letters;         // record i's own
  std::vector<std::pair<size_t, Alert>> alerts;  // the first alert_count are this batch's
  size_t alert_count = 0;

  void Add(std::string_view record, const SourcePosition& position) {
    if (positions.size() == spans.size()) positions.emplace_back();
    positions[spans.size()] = position;  // a copy into a string that has room: no allocation
    spans.emplace_back(bytes.size(), record.size());
    bytes.append(record);
  }
  void AddAlert(size_t record, const Alert& alert) {
    if (alert_count == alerts.size()) alerts.emplace_back();
    alerts[alert_count].first = record;
    alerts[alert_count].second = alert;  // assigned into strings that have room
    ++alert_count;
  }
  void Clear() {
    bytes.clear();
    spans.clear();
    source_letters.clear();
    letters.clear();
    alert_count = 0;
  }
};

// Collects a worker's output into the batch it is matching.
class BatchSink : public AlertSink, public DeadLetterSink {
 public:
  void Write(const Alert& alert) override { batch->AddAlert(record, alert); }
  absl::Status Flush() override { return absl::OkStatus(); }
  void Write(const DeadLetter& letter) override {
    batch->letters.emplace_back(record, Letter{letter.reason, letter.detail, letter.position,
                                               std::string(letter.raw), letter.raw_truncated});
  }
  Batch* batch = nullptr;
  size_t record = 0;
};

// The state the workers share: the input, read by one worker at a time, and
// the output, where finished batches wait until every earlier one is
// written.
class SharedRun {
 public:
  SharedRun(const NextRecord& next, DeferredDeadLetters& source_letters, AlertSink& alerts,
            DeadLetterSink& dead_letters, const ParallelOptions& options,
            const std::function<void(const absl::Status&)>& on_input_error, int max_input_errors)
      : next_(next),
        source_letters_(source_letters),
        alerts_(alerts),
        dead_letters_(dead_letters),
        options_(options),
        max_in_flight_(std::max<size_t>(options.max_batches_in_flight, options.threads)),
        on_input_error_(on_input_error),
        max_input_errors_(max_input_errors) {}

  // The next batch of records, numbered; nullptr once the input is done.
  // Waits while too many batches are read but not yet written (bounded
  // memory).
  std::unique_ptr<Batch> Read() {
    std::lock_guard input(input_mutex_);
    if (input_done_) return nullptr;
    std::unique_ptr<Batch> batch = TakeSpare();
    {
      std::unique_lock output(output_mutex_);
      written_.wait(output, [&] { return next_sequence_ - next_to_write_ < max_in_flight_; });
    }
    std::string_view bytes;
    while (batch->spans.size() < options_.batch_records) {
      absl::StatusOr<bool> more = next_(bytes, position_);
      for (Letter& letter : source_letters_.pending) {
        batch->source_letters.emplace_back(batch->spans.size(), std::move(letter));
      }
      source_letters_.pending.clear();
      if (!more.ok()) {
        on_input_error_(more.status());
        if (++errors_in_a_row_ > max_input_errors_) {
          input_done_ = true;
          break;
        }
        continue;
      }
      errors_in_a_row_ = 0;
      if (!*more) {
        input_done_ = true;
        break;
      }
      batch->Add(bytes, position_);
    }
    if (batch->spans.empty() && batch->source_letters.empty()) return nullptr;
    batch->sequence = next_sequence_++;
    return batch;
  }

  // Files a matched batch; whoever files the oldest unwritten one writes it
  // and every later one already filed.
  void Finished(std::unique_ptr<Batch> batch) {
    std::lock_guard output(output_mutex_);
    finished_[batch->sequence] = std::move(batch);
    for (auto it = finished_.find(next_to_write_); it != finished_.end(); it = finished_.find(next_to_write_)) {
      Write(*it->second);
      it->second->Clear();
      spare_.push_back(std::move(it->second));
      finished_.erase(it);
      ++next_to_write_;
    }
    written_.notify_all();
  }

 private:
  std::unique_ptr<Batch> TakeSpare() {
    std::lock_guard output(output_mutex_);
    if (spare_.empty()) return std::make_unique<Batch>();
    std::unique_ptr<Batch> batch = std::move(spare_.back());
    spare_.pop_back();
    return batch;
  }

  void Write(const Batch& batch) {
    size_t source_letter = 0, letter = 0, alert = 0;
    for (size_t record = 0; record <= batch.spans.size(); ++record) {
      for (; source_letter < batch.source_letters.size() && batch.source_letters[source_letter].first == record;
           ++source_letter) {
        dead_letters_.Write(batch.source_letters[source_letter].second.View());
      }
      for (; letter < batch.letters.size() && batch.letters[letter].first == record; ++letter) {
        dead_letters_.Write(batch.letters[letter].second.View());
      }
      for (; alert < batch.alert_count && batch.alerts[alert].first == record; ++alert) {
        alerts_.Write(batch.alerts[alert].second);
      }
    }
  }

  const NextRecord& next_;
  DeferredDeadLetters& source_letters_;
  AlertSink& alerts_;
  DeadLetterSink& dead_letters_;
  const ParallelOptions& options_;
  const uint64_t max_in_flight_;
  const std::function<void(const absl::Status&)>& on_input_error_;
  const int max_input_errors_;

  std::mutex input_mutex_;  // guards the input, next_sequence_ and what follows; taken before output_mutex_
  bool input_done_ = false;
  int errors_in_a_row_ = 0;
  SourcePosition position_;  // reused, as `next` may assign into its strings
  uint64_t next_sequence_ = 0;  // the next batch's number

  std::mutex output_mutex_;  // guards the sinks and what follows
  std::condition_variable written_;
  uint64_t next_to_write_ = 0;
  std::map<uint64_t, std::unique_ptr<Batch>> finished_;
  std::vector<std::unique_ptr<Batch>> spare_;  // written, cleared, to be filled again
};

}  // namespace

PipelineStats RunParallel(const CompiledRuleSet& rules, const NextRecord& next, DeferredDeadLetters& source_letters,
                          AlertSink& alerts, DeadLetterSink& dead_letters, const ParallelOptions& options,
                          const std::function<void(const absl::Status&)>& on_input_error,
                          int max_input_errors) {
  SharedRun run(next, source_letters, alerts, dead_letters, options, on_input_error, max_input_errors);
  std::vector<PipelineStats> worker_stats(options.threads);
  std::vector<std::thread> workers;
  for (int w = 0; w < options.threads; ++w) {
    workers.emplace_back([&, w] {
      BatchSink sink;
      Pipeline pipeline(rules, sink, sink, options.engine);
      while (std::unique_ptr<Batch> batch = run.Read()) {
        sink.batch = batch.get();
        for (size_t i = 0; i < batch->spans.size(); ++i) {
          sink.record = i;
          auto [offset, length] = batch->spans[i];
          pipeline.Process(std::string_view(batch->bytes).substr(offset, length), batch->positions[i]);
        }
        run.Finished(std::move(batch));
      }
      worker_stats[w] = pipeline.stats();
    });
  }
  for (std::thread& worker : workers) worker.join();
  PipelineStats total;
  for (const PipelineStats& stats : worker_stats) total.Add(stats);
  return total;
}

}  // namespace trailhound
