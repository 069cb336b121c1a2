// Runs the per-record pipeline on several threads while keeping the output
// exactly as one thread would write it. Worker threads, each with its own
// Pipeline (and so its own scratch), take turns reading a batch of records
// and match it; so a record's bytes are read and matched on the same core,
// and no thread does nothing but read. A finished batch waits until every
// earlier one is written; the worker that finishes the oldest writes the
// alerts and dead letters of it and of those waiting behind it, in input
// order, to the sinks (one worker at a time). Order within a file (and across
// files) therefore holds, and --threads never changes the output. Stateless
// rules only: stateful ones need every record on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/alert.h"
#include "core/compiled_rule_set.h"
#include "core/dead_letter.h"
#include "core/pipeline.h"
#include "core/source_position.h"

namespace trailhound {

// Fills `bytes` (valid until the next call) and `position`; false at the end.
using NextRecord = std::function<absl::StatusOr<bool>(std::string_view& bytes, SourcePosition& position)>;

struct ParallelOptions {
  int threads = 2;            // worker threads (>= 1)
  MatchEngine engine = MatchEngine::kCompiled;
  size_t batch_records = 512;  // records per batch handed to a worker
  size_t max_batches_in_flight = 16;
};

// A dead-letter sink that keeps copies until RunParallel places them in the
// output stream where one thread would have written them. Give it to the
// record source when reading in parallel.
class DeferredDeadLetters : public DeadLetterSink {
 public:
  struct Letter {
    std::string_view reason;
    std::string detail;
    SourcePosition position;
    std::string raw;
    bool raw_truncated = false;
    DeadLetter View() const { return DeadLetter{reason, detail, position, raw, raw_truncated}; }
  };
  void Write(const DeadLetter& letter) override {
    pending.push_back(Letter{letter.reason, letter.detail, letter.position, std::string(letter.raw),
                             letter.raw_truncated});
  }
  std::vector<Letter> pending;
};

// Reads until `next` returns false. Letters the source reported go out in
// order through `source_letters`. Errors from `next` go to `on_input_error`
// and reading goes on (as the single-threaded loop does); it stops after
// `max_input_errors` in a row. Returns the summed stats of all workers.
PipelineStats RunParallel(const CompiledRuleSet& rules, const NextRecord& next, DeferredDeadLetters& source_letters,
                          AlertSink& alerts, DeadLetterSink& dead_letters, const ParallelOptions& options,
                          const std::function<void(const absl::Status&)>& on_input_error,
                          int max_input_errors);

}  // namespace trailhound
