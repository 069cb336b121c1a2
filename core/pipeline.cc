#include "core/pipeline.h"

#include "core/reference_interpreter.h"

namespace trailhound {

void Pipeline::Reject(std::string_view reason, std::string detail, std::string_view bytes,
                      const SourcePosition& position) {
  ++stats_.dead_letters;
  dead_letters_.Write(DeadLetter{reason, std::move(detail), position, bytes, false});
}

void Pipeline::Process(std::string_view bytes, const SourcePosition& position) {
  ++stats_.records;
  simdjson::dom::element record;
  simdjson::error_code error = parser_.parse(bytes.data(), bytes.size()).get(record);
  if (error == simdjson::UTF8_ERROR) {
    Reject(kReasonInvalidUtf8, "record is not valid UTF-8", bytes, position);
    return;
  }
  if (error != simdjson::SUCCESS) {
    Reject(kReasonInvalidJson, simdjson::error_message(error), bytes, position);
    return;
  }
  if (record.type() != simdjson::dom::element_type::OBJECT) {
    Reject(kReasonNotAnObject, "a CloudTrail record must be a JSON object", bytes, position);
    return;
  }
  std::string_view event_name;
  if (record["eventName"].get_string().get(event_name) != simdjson::SUCCESS) {
    Reject(kReasonMissingEventName, "record has no string eventName", bytes, position);
    return;
  }
  std::string_view event_id, event_time;
  bool has_event_id = record["eventID"].get_string().get(event_id) == simdjson::SUCCESS;
  if (record["eventTime"].get_string().get(event_time) != simdjson::SUCCESS) event_time = {};

  for (const BoundRule& rule : rules_.rules) {
    if (ReferenceInterpreter::EvaluateWhere(rule, record) != TriBool::kTrue) continue;
    Alert alert;
    alert.rule = rule.name;
    alert.alert_id = MakeAlertId(rule.name, has_event_id ? event_id : bytes);
    alert.severity = rule.severity;
    alert.tags = rule.tags;
    alert.event_id = has_event_id ? std::string(event_id) : "";
    alert.event_time = std::string(event_time);
    alert.fields_json = ReferenceInterpreter::ProjectFields(rule, record);
    alert.position = position;
    alerts_.Write(alert);
    ++stats_.alerts;
  }
}

}  // namespace trailhound
