// The per-record pipeline: match a record's bytes against the compiled rule
// set, hand alerts (in rule order) and dead letters to their sinks. One
// Pipeline per thread; the CompiledRuleSet is shared and immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/alert.h"
#include "core/compiled_rule_set.h"
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
  Pipeline(const CompiledRuleSet& rules, AlertSink& alerts, DeadLetterSink& dead_letters);

  void Process(std::string_view bytes, const SourcePosition& position);
  const PipelineStats& stats() const { return stats_; }

 private:
  void Reject(std::string_view reason, std::string detail, std::string_view bytes,
              const SourcePosition& position);

  const CompiledRuleSet& rules_;
  AlertSink& alerts_;
  DeadLetterSink& dead_letters_;
  CompiledRuleSet::ScratchPtr scratch_;
  std::vector<uint32_t> matched_;
  simdjson::dom::parser projection_parser_;  // alerts only: SELECT needs the whole record
  PipelineStats stats_;
};

}  // namespace trailhound
