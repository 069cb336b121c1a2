#include "core/parallel_pipeline.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
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
// batches are reused: their buffers keep their capacity, so the reading
// thread does not allocate per record.
struct Batch {
  uint64_t sequence = 0;
  std::string bytes;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length into bytes
  std::vector<SourcePosition> positions;  // the first spans.size() are this batch's
  std::vector<std::pair<size_t, Letter>> source_letters;  // written before record i
  std::vector<std::pair<size_t, Letter>> letters;         // record i's own
  std::vector<std::pair<size_t, Alert>> alerts;

  void Add(std::string_view record, const SourcePosition& position) {
    if (positions.size() == spans.size()) positions.emplace_back();
    positions[spans.size()] = position;  // a copy into a string that has room: no allocation
    spans.emplace_back(bytes.size(), record.size());
    bytes.append(record);
  }
  void Clear() {
    bytes.clear();
    spans.clear();
    source_letters.clear();
    letters.clear();
    alerts.clear();
  }
};

// Collects a worker's output into the batch it is matching.
class BatchSink : public AlertSink, public DeadLetterSink {
 public:
  void Write(const Alert& alert) override { batch->alerts.emplace_back(record, alert); }
  absl::Status Flush() override { return absl::OkStatus(); }
  void Write(const DeadLetter& letter) override {
    batch->letters.emplace_back(record, Letter{letter.reason, letter.detail, letter.position,
                                               std::string(letter.raw), letter.raw_truncated});
  }
  Batch* batch = nullptr;
  size_t record = 0;
};

class WorkQueue {
 public:
  void Push(std::unique_ptr<Batch> batch) {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(batch));
    work_ready_.notify_one();
  }
  std::unique_ptr<Batch> Take() {
    std::unique_lock lock(mutex_);
    work_ready_.wait(lock, [&] { return !pending_.empty() || closed_; });
    if (pending_.empty()) return nullptr;
    std::unique_ptr<Batch> batch = std::move(pending_.front());
    pending_.pop_front();
    return batch;
  }
  void Done(std::unique_ptr<Batch> batch) {
    std::lock_guard lock(mutex_);
    done_[batch->sequence] = std::move(batch);
    done_ready_.notify_all();
  }
  // The batch with `sequence` once done; nullptr when no batch will come.
  std::unique_ptr<Batch> TakeDone(uint64_t sequence, bool wait) {
    std::unique_lock lock(mutex_);
    if (wait) done_ready_.wait(lock, [&] { return done_.count(sequence) > 0; });
    auto it = done_.find(sequence);
    if (it == done_.end()) return nullptr;
    std::unique_ptr<Batch> batch = std::move(it->second);
    done_.erase(it);
    return batch;
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    work_ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable work_ready_, done_ready_;
  std::deque<std::unique_ptr<Batch>> pending_;
  std::map<uint64_t, std::unique_ptr<Batch>> done_;
  bool closed_ = false;
};

}  // namespace

PipelineStats RunParallel(const CompiledRuleSet& rules, const NextRecord& next, DeferredDeadLetters& source_letters,
                          AlertSink& alerts, DeadLetterSink& dead_letters, const ParallelOptions& options,
                          const std::function<void(const absl::Status&)>& on_input_error,
                          int max_input_errors) {
  // At most this many batches are read ahead of the writer (bounded memory).
  const uint64_t max_in_flight = std::max<size_t>(options.max_batches_in_flight, options.threads);
  WorkQueue queue;
  std::vector<PipelineStats> worker_stats(options.threads);
  std::vector<std::thread> workers;
  for (int w = 0; w < options.threads; ++w) {
    workers.emplace_back([&, w] {
      BatchSink sink;
      Pipeline pipeline(rules, sink, sink);
      while (std::unique_ptr<Batch> batch = queue.Take()) {
        sink.batch = batch.get();
        for (size_t i = 0; i < batch->spans.size(); ++i) {
          sink.record = i;
          auto [offset, length] = batch->spans[i];
          pipeline.Process(std::string_view(batch->bytes).substr(offset, length), batch->positions[i]);
        }
        queue.Done(std::move(batch));
      }
      worker_stats[w] = pipeline.stats();
    });
  }

  uint64_t next_sequence = 0, next_to_write = 0;
  std::vector<std::unique_ptr<Batch>> spare;  // written, cleared, to be filled again
  auto write_batch = [&](std::unique_ptr<Batch> written) {
    const Batch& batch = *written;
    size_t source_letter = 0, letter = 0, alert = 0;
    for (size_t record = 0; record <= batch.spans.size(); ++record) {
      for (; source_letter < batch.source_letters.size() && batch.source_letters[source_letter].first == record;
           ++source_letter) {
        dead_letters.Write(batch.source_letters[source_letter].second.View());
      }
      for (; letter < batch.letters.size() && batch.letters[letter].first == record; ++letter) {
        dead_letters.Write(batch.letters[letter].second.View());
      }
      for (; alert < batch.alerts.size() && batch.alerts[alert].first == record; ++alert) {
        alerts.Write(batch.alerts[alert].second);
      }
    }
    written->Clear();
    spare.push_back(std::move(written));
  };
  auto drain = [&](bool wait) {
    while (next_to_write < next_sequence) {
      std::unique_ptr<Batch> done = queue.TakeDone(next_to_write, wait);
      if (!done) return;
      write_batch(std::move(done));
      ++next_to_write;
    }
  };

  auto batch = std::make_unique<Batch>();
  auto push = [&] {
    batch->sequence = next_sequence++;
    queue.Push(std::move(batch));
    if (spare.empty()) {
      batch = std::make_unique<Batch>();
    } else {
      batch = std::move(spare.back());
      spare.pop_back();
    }
    drain(false);
    while (next_sequence - next_to_write >= max_in_flight) {  // wait for the oldest
      std::unique_ptr<Batch> done = queue.TakeDone(next_to_write, true);
      write_batch(std::move(done));
      ++next_to_write;
    }
  };
  int errors_in_a_row = 0;
  std::string_view bytes;
  SourcePosition position;  // reused, as `next` may assign into its strings
  while (true) {
    absl::StatusOr<bool> more = next(bytes, position);
    for (Letter& letter : source_letters.pending) {
      batch->source_letters.emplace_back(batch->spans.size(), std::move(letter));
    }
    source_letters.pending.clear();
    if (!more.ok()) {
      on_input_error(more.status());
      if (++errors_in_a_row > max_input_errors) break;
      continue;
    }
    errors_in_a_row = 0;
    if (!*more) break;
    batch->Add(bytes, position);
    if (batch->spans.size() >= options.batch_records) push();
  }
  if (!batch->spans.empty() || !batch->source_letters.empty()) push();
  queue.Close();
  drain(true);
  for (std::thread& worker : workers) worker.join();
  PipelineStats total;
  for (const PipelineStats& stats : worker_stats) total.Add(stats);
  return total;
}

}  // namespace trailhound
