// The per-record pipeline: match a record's bytes against the compiled rule
// set, hand alerts (in rule order) and dead letters to their sinks. One
// Pipeline per thread; the CompiledRuleSet is shared and immutable.
//
// Stateful rules (windows, first_seen, suppression) go through a RuleState:
// the caller's (kept across pipelines on reloads, saved with the source's
// commits), or without one a state of the pipeline's own. Their alerts come after the record alerts of the record
// that closed them; CloseState closes every open window (a finite run's end).
//
// MatchEngine::kReference decides each rule with the reference interpreter
// instead (slow; the oracle for end-to-end tests). Records are validated the
// same way in both, so dead letters do not differ; a record the DOM cannot
// parse whole (integers beyond 64 bits) keeps the compiled result.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/alert.h"
#include "core/compiled_rule_set.h"
#include "core/dead_letter.h"
#include "core/rule_state.h"
#include "core/source_position.h"

namespace trailhound {

struct PipelineStats {
  uint64_t records = 0;       // records handed to Process
  uint64_t alerts = 0;
  uint64_t dead_letters = 0;  // records Process itself rejected

  void Add(const PipelineStats& other) {
    records += other.records;
    alerts += other.alerts;
    dead_letters += other.dead_letters;
  }
};

enum class MatchEngine { kCompiled, kReference };

class Pipeline {
 public:
  Pipeline(const CompiledRuleSet& rules, AlertSink& alerts, DeadLetterSink& dead_letters,
           MatchEngine engine = MatchEngine::kCompiled, RuleState* state = nullptr);

  void Process(std::string_view bytes, const SourcePosition& position);
  void CloseState();
  const PipelineStats& stats() const { return stats_; }

 private:
  void Reject(std::string_view reason, std::string detail, std::string_view bytes,
              const SourcePosition& position);
  void EmitMatches(std::string_view bytes, const SourcePosition& position, std::string_view event_time);
  void Emit(const Alert& alert);
  std::string LateDetail(std::string_view event_time, const std::vector<uint32_t>& late_rules) const;

  const CompiledRuleSet& rules_;
  AlertSink& alerts_;
  DeadLetterSink& dead_letters_;
  const MatchEngine engine_;
  std::unique_ptr<RuleState> owned_state_;  // when the caller gave none
  RuleState* const state_;                  // null: no stateful rules
  const RuleState::Emit emit_;
  CompiledRuleSet::ScratchPtr scratch_;
  const std::vector<AlertIdHasher> alert_ids_;  // per rule
  std::vector<uint32_t> matched_;
  std::vector<uint32_t> late_rules_, missing_time_rules_;  // of the current record
  Alert alert_;  // reused for each record's alerts: its strings keep their room
  simdjson::dom::parser projection_parser_;  // alerts only: SELECT needs the whole record
  PipelineStats stats_;
};

}  // namespace trailhound
