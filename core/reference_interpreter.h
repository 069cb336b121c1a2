// The reference interpreter: a plain walk of a bound rule over a fully parsed
// record (simdjson DOM), in SQL three-valued logic. Deliberately simple: it is
// the oracle the compiled engine is checked against, not the fast path.
//
// Semantics (README "The rule language"): missing and JSON null are NULL; a
// comparison with NULL is NULL; arrays on the left (and [*] paths) match when
// any element does; string literals compare with a value's text, number
// literals numerically, date/timestamp literals as instants.
#pragma once

#include <string>

#include <simdjson.h>

#include "core/bound_rule.h"

namespace trailhound {

// Values of one record (stateful rules' keys, SELECT items), as JSON text
// exactly as ReferenceInterpreter::ValueJson spells them ("null" for NULL),
// from wherever the caller has them.
class RecordValues {
 public:
  virtual ~RecordValues() = default;
  // The value as JSON text, appended to `out`.
  virtual void AppendJson(const BoundExpr& value, std::string& out) = 0;
  std::string Json(const BoundExpr& value) {
    std::string out;
    AppendJson(value, out);
    return out;
  }
};

class ReferenceInterpreter {
 public:
  // The rule's WHERE over `record` (TRUE when the rule has no WHERE).
  static TriBool EvaluateWhere(const BoundRule& rule, simdjson::dom::element record);
  static TriBool EvaluateCondition(const BoundExpr& condition, simdjson::dom::element record);
  // One value as JSON text ("null" for NULL; an array for a [*] path).
  static std::string ValueJson(const BoundExpr& value, simdjson::dom::element record);
  // The rule's SELECT list as one JSON object (the whole record for SELECT *),
  // each item's value read through `values` when given; assigned to `out`,
  // which keeps its room.
  static void ProjectFields(const BoundRule& rule, simdjson::dom::element record, RecordValues* values,
                            std::string& out);
};

}  // namespace trailhound
