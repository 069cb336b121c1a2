#include "core/pipeline.h"

#include <utility>

#include "core/reference_interpreter.h"
#include "core/timestamp.h"

namespace trailhound {
namespace {

// "reason: detail" from the matcher -> the dead-letter reason code.
std::string_view ReasonOf(std::string_view message) {
  for (std::string_view reason : {kReasonInvalidUtf8, kReasonNotAnObject, kReasonTooDeep}) {
    if (message.substr(0, reason.size()) == reason) return reason;
  }
  return kReasonInvalidJson;
}

std::vector<AlertIdHasher> AlertIdHashers(const RuleSet& rules) {
  std::vector<AlertIdHasher> hashers;
  hashers.reserve(rules.rules.size());
  for (const BoundRule& rule : rules.rules) hashers.emplace_back(rule.name);
  return hashers;
}

}  // namespace

Pipeline::Pipeline(const CompiledRuleSet& rules, AlertSink& alerts, DeadLetterSink& dead_letters,
                   MatchEngine engine, RuleState* state)
    : rules_(rules), alerts_(alerts), dead_letters_(dead_letters), engine_(engine),
      owned_state_(state == nullptr ? std::make_unique<RuleState>(rules.rules(), RuleStateOptions{}) : nullptr),
      state_(state == nullptr ? (owned_state_->active() ? owned_state_.get() : nullptr)
                              : (state->active() ? state : nullptr)),
      emit_([this](Alert alert) { Emit(alert); }),
      scratch_(rules.NewScratch(engine == MatchEngine::kReference ? CompiledRuleSet::Walk::kAllReadPaths
                                                                  : CompiledRuleSet::Walk::kStopWhenNothingCanMatch)),
      alert_ids_(AlertIdHashers(rules.rules())) {}

void Pipeline::Emit(const Alert& alert) {
  alerts_.Write(alert);
  ++stats_.alerts;
}

void Pipeline::CloseState() {
  if (state_ != nullptr) state_->CloseAll(emit_);
}

std::string Pipeline::LateDetail(std::string_view event_time, const std::vector<uint32_t>& late_rules) const {
  std::string detail = "eventTime " + std::string(event_time) + " is before the watermark of";
  for (size_t i = 0; i < late_rules.size(); ++i) {
    const BoundRule& rule = rules_.rules().rules[late_rules[i]];
    std::optional<absl::Time> watermark = state_->Watermark(late_rules[i]);
    detail += (i ? ", rule " : " rule ") + rule.name + " (" +
              (watermark ? FormatEventTime(*watermark) : std::string("none")) + ", allowed_lateness " +
              absl::FormatDuration(rule.allowed_lateness) + ")";
  }
  return detail;
}

void Pipeline::Reject(std::string_view reason, std::string detail, std::string_view bytes,
                      const SourcePosition& position) {
  ++stats_.dead_letters;
  dead_letters_.Write(DeadLetter{reason, std::move(detail), position, bytes, false});
}

void Pipeline::Process(std::string_view bytes, const SourcePosition& position) {
  ++stats_.records;
  matched_.clear();
  absl::Status status = rules_.Match(bytes, *scratch_, matched_);
  if (!status.ok()) {
    std::string message(status.message());
    std::string_view reason = ReasonOf(message);
    Reject(reason, message.substr(std::min(message.size(), reason.size() + 2)), bytes, position);
    return;
  }
  if (!rules_.EventName(*scratch_)) {
    Reject(kReasonMissingEventName, "record has no string eventName", bytes, position);
    return;
  }
  std::string_view event_time = rules_.EventTime(*scratch_).value_or("");
  if (state_ != nullptr) state_->BeginRecord(position, ParseTimestamp(event_time));
  if (!matched_.empty() || engine_ == MatchEngine::kReference) EmitMatches(bytes, position, event_time);
  if (state_ != nullptr) state_->EndRecord(emit_);
}

namespace {

// The whole record as a DOM, parsed at most once and only when asked for:
// for SELECT lists, the reference engine, and the values of stateful rules
// the compiled walk did not extract.
class ParsedRecord {
 public:
  ParsedRecord(simdjson::dom::parser& parser, std::string_view bytes) : parser_(parser), bytes_(bytes) {}
  simdjson::error_code Get(simdjson::dom::element& record) {
    if (!parsed_) {
      error_ = parser_.parse(bytes_.data(), bytes_.size()).get(record_);
      parsed_ = true;
    }
    record = record_;
    return error_;
  }

 private:
  simdjson::dom::parser& parser_;
  std::string_view bytes_;
  bool parsed_ = false;
  simdjson::error_code error_ = simdjson::SUCCESS;
  simdjson::dom::element record_;
};

// What stateful rules and SELECT lists read: from the compiled walk when it
// extracted the value, else from the DOM (always from the DOM for the
// reference engine: it is the oracle). A record that does not parse whole
// gives NULL there.
class WalkOrDomValues : public RecordValues {
 public:
  WalkOrDomValues(const CompiledRuleSet& rules, const CompiledRuleSet::Scratch* scratch, ParsedRecord& parsed)
      : rules_(rules), scratch_(scratch), parsed_(parsed) {}
  void AppendJson(const BoundExpr& value, std::string& out) override {
    if (scratch_ != nullptr && rules_.AppendExtractedValueJson(*scratch_, value, out)) return;
    simdjson::dom::element record;
    parse_error_ = parsed_.Get(record);
    out += parse_error_ ? "null" : ReferenceInterpreter::ValueJson(value, record);
  }
  // The parse error behind a value given (as null) since the last call.
  simdjson::error_code TakeParseError() { return std::exchange(parse_error_, simdjson::SUCCESS); }

 private:
  const CompiledRuleSet& rules_;
  const CompiledRuleSet::Scratch* scratch_;
  ParsedRecord& parsed_;
  simdjson::error_code parse_error_ = simdjson::SUCCESS;
};

}  // namespace

void Pipeline::EmitMatches(std::string_view bytes, const SourcePosition& position, std::string_view event_time) {
  // SELECT may need the whole record; the rules only read parts of it. A
  // record that matched but does not parse whole (simdjson rejects integers
  // beyond 64 bits) still alerts: with its fields when the walk extracted
  // them all, else with its fields null and the reason.
  ParsedRecord parsed(projection_parser_, bytes);
  simdjson::dom::element record;
  if (engine_ == MatchEngine::kReference && !parsed.Get(record)) {
    matched_.clear();
    const std::vector<BoundRule>& all = rules_.rules().rules;
    for (uint32_t index = 0; index < all.size(); ++index) {
      if (ReferenceInterpreter::EvaluateWhere(all[index], record) == TriBool::kTrue) matched_.push_back(index);
    }
  }
  WalkOrDomValues values(rules_, engine_ == MatchEngine::kCompiled ? scratch_.get() : nullptr, parsed);
  std::optional<std::string_view> event_id = rules_.EventId(*scratch_);
  late_rules_.clear();
  missing_time_rules_.clear();
  for (uint32_t index : matched_) {
    const BoundRule& rule = rules_.rules().rules[index];
    if (state_ != nullptr && state_->IsStateful(index)) {
      RuleState::Verdict verdict = state_->Decide(index, values, emit_);
      if (verdict == RuleState::Verdict::kLate) late_rules_.push_back(index);
      if (verdict == RuleState::Verdict::kMissingEventTime) missing_time_rules_.push_back(index);
      if (verdict != RuleState::Verdict::kAlert) continue;
    }
    Alert& alert = alert_;  // a record alert: the window fields stay empty
    alert.rule = rule.name;
    alert_ids_[index].Make(event_id ? *event_id : bytes, alert.alert_id);
    alert.severity = rule.severity;
    alert.tags = rule.tags;
    alert.event_id = event_id.value_or("");
    alert.event_time = event_time;
    alert.fields_error.clear();
    alert.fields_json.clear();
    // SELECT * needs the whole record; a list whose items the walk all
    // extracted needs no parse of it.
    values.TakeParseError();  // a stateful rule's reads are not this list's
    simdjson::error_code projection_error = simdjson::SUCCESS;
    if (engine_ != MatchEngine::kCompiled || !rules_.AppendExtractedFieldsJson(*scratch_, index, alert.fields_json)) {
      projection_error = rule.select_star ? parsed.Get(record) : simdjson::SUCCESS;
      if (!projection_error) {
        ReferenceInterpreter::ProjectFields(rule, record, &values, alert.fields_json);
        projection_error = values.TakeParseError();
      }
    }
    if (projection_error) {
      alert.fields_json.clear();
      alert.fields_error = simdjson::error_message(projection_error);
    }
    alert.position = position;
    Emit(alert);
  }
  if (!late_rules_.empty()) Reject(kReasonLate, LateDetail(event_time, late_rules_), bytes, position);
  if (!missing_time_rules_.empty()) {
    std::string names;
    for (uint32_t index : missing_time_rules_) names += (names.empty() ? "" : ", ") + rules_.rules().rules[index].name;
    Reject(kReasonMissingEventTime, "no valid eventTime for the windowed rule(s) " + names, bytes, position);
  }
}

}  // namespace trailhound
