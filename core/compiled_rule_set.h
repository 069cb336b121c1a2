// The compiled rule set: every bound rule of a RuleSet turned into one shared
// matcher, so that the cost per record depends little on the number of rules.
//
//  - One-pass extraction: the union of the paths the rules read is a trie
//    (RecordView); a record is walked once, entering only those subtrees.
//  - Shared atomic predicates: identical conditions across rules exist once.
//    Per value source (a field, or lower/upper/hour/day_of_week of a field):
//    one hash lookup yields every equality / IN predicate a value satisfies;
//    one Hyperscan database matches every LIKE / ILIKE / REGEXP pattern (RE2
//    where Hyperscan rejects one); CIDR lists are sorted interval tables.
//  - Dispatch index: each rule is filed under its cheapest anchor set (a
//    required equality / IN, a required pattern, or one anchor per branch of
//    an OR); a record only evaluates the rules its values reach, plus the
//    rules without anchors.
//    When every rule has an anchor, the walk stops as soon as the anchor
//    fields show that a record reaches no rule (most records, typically).
//  - Rule programs: short-circuit trees over predicate ids in three-valued
//    logic; predicates are computed lazily and memoised per record.
//  - Conditions outside these shapes (field against field, json_extract_scalar,
//    …) are evaluated by the reference interpreter over a DOM parse of the
//    record, made at most once per record and only when such a condition is
//    reached.
//
// A CompiledRuleSet is immutable and shared by threads; each thread owns a
// Scratch. The reference interpreter stays the oracle: the differential test
// checks both give the same results.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/bound_rule.h"
#include "core/record_view.h"

namespace trailhound {

struct CompileLimits {
  size_t max_rules = 100000;
  size_t max_predicates = 1000000;
  size_t max_pattern_bytes = size_t{256} << 20;  // Hyperscan databases, all sources
  size_t max_json_depth = 128;
};

class CompiledRuleSet {
 public:
  class Scratch;  // per-thread working memory, opaque
  struct Impl;    // the compiled form, opaque
  struct ScratchDeleter {
    void operator()(Scratch* scratch) const;
  };
  using ScratchPtr = std::unique_ptr<Scratch, ScratchDeleter>;

  static absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> Compile(const RuleSet& rules,
                                                                          CompileLimits limits = {});
  ~CompiledRuleSet();

  // How far Match walks a record. By default the walk stops as soon as the
  // record's anchor values (see the dispatch index), eventName and eventTime
  // show that it reaches no rule: the rest is neither read nor validated,
  // EventId gives nullopt and AppendExtractedValueJson false for it.
  // kAllReadPaths walks every path the rules read (the reference engine's
  // pipeline, which needs eventID of every record).
  enum class Walk { kStopWhenNothingCanMatch, kAllReadPaths };
  ScratchPtr NewScratch(Walk walk = Walk::kStopWhenNothingCanMatch) const;
  // Whether the walk of the record last given to Match stopped early.
  bool StoppedEarly(const Scratch& scratch) const;

  // Extracts `record` into the scratch's view and appends the indexes (into
  // rules().rules) of the rules whose WHERE is TRUE, in rule order. An error
  // means the record could not be read; its message starts with the
  // dead-letter reason (see RecordView::Extract).
  absl::Status Match(std::string_view record, Scratch& scratch, std::vector<uint32_t>& matched) const;

  // The eventName / eventID / eventTime of the record last given to Match
  // with this scratch; nullopt unless the record has exactly one string there.
  std::optional<std::string_view> EventName(const Scratch& scratch) const;
  std::optional<std::string_view> EventId(const Scratch& scratch) const;
  std::optional<std::string_view> EventTime(const Scratch& scratch) const;

  // A value a rule of rules() reads (a first_seen argument, a GROUP BY or
  // suppress_by field, an aggregate's argument, a SELECT item; found by
  // address), as JSON text exactly as ReferenceInterpreter::ValueJson gives
  // it, from the record last given to Match, appended to `out` — when it is
  // a field the walk extracted and a single scalar there; false otherwise
  // (`out` untouched: ask the DOM). Saves parsing the whole record.
  bool AppendExtractedValueJson(const Scratch& scratch, const BoundExpr& value, std::string& out) const;
  // The SELECT list of rules().rules[rule] (not SELECT *) as the JSON object
  // ReferenceInterpreter::ProjectFields gives, appended to `out`, when the
  // walk extracted every item as a single scalar; false otherwise (`out`
  // untouched). Keys are rendered once, at compile time.
  bool AppendExtractedFieldsJson(const Scratch& scratch, uint32_t rule, std::string& out) const;

  const RuleSet& rules() const { return rules_; }
  size_t predicate_count() const;
  // The path trie, the shared predicates with the rules that use them, the
  // dispatch index, each rule's program and the pattern sets.
  std::string Explain() const;

 private:
  explicit CompiledRuleSet(RuleSet rules);
  const RuleSet rules_;  // a copy: generic predicates point into it
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailhound
