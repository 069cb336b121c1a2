// The per-record pipeline: validate a record's bytes, evaluate every rule,
// hand alerts (in rule order) and dead letters to their sinks. One Pipeline
// per thread; the RuleSet is shared and immutable.
#pragma once

#include <cstdint>
#include <string_view>

#include <simdjson.h>

#include "core/alert.h"
#include "core/bound_rule.h"
#include "core/dead_letter.h"
#include "core/source_position.h"

namespace trailhound {

struct PipelineStats {
  uint64_t records = 0;       // records handed to Process
  uint64_t alerts = 0;
  uint64_t dead_letters = 0;  // records Process itself rejected
};

class Pipeline {
 public:
  Pipeline(const RuleSet& rules, AlertSink& alerts, DeadLetterSink& dead_letters)
      : rules_(rules), alerts_(alerts), dead_letters_(dead_letters) {}

  void Process(std::string_view bytes, const SourcePosition& position);
  const PipelineStats& stats() const { return stats_; }

 private:
  void Reject(std::string_view reason, std::string detail, std::string_view bytes,
              const SourcePosition& position);

  const RuleSet& rules_;
  AlertSink& alerts_;
  DeadLetterSink& dead_letters_;
  simdjson::dom::parser parser_;
  PipelineStats stats_;
};

}  // namespace trailhound
