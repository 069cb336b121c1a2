// SQL three-valued logic: the operators over TriBool, ordered comparison,
// and the "any element" combination both evaluators use.
#pragma once

#include "core/bound_rule.h"

namespace trailhound {

inline TriBool FromBool(bool b) { return b ? TriBool::kTrue : TriBool::kFalse; }

inline TriBool Not(TriBool v) {
  if (v == TriBool::kNull) return v;
  return v == TriBool::kTrue ? TriBool::kFalse : TriBool::kTrue;
}

inline TriBool And(TriBool a, TriBool b) {
  if (a == TriBool::kFalse || b == TriBool::kFalse) return TriBool::kFalse;
  if (a == TriBool::kNull || b == TriBool::kNull) return TriBool::kNull;
  return TriBool::kTrue;
}

template <typename T>
TriBool Ordered(const T& a, const T& b, CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return FromBool(a == b);
    case CompareOp::kNe: return FromBool(!(a == b));
    case CompareOp::kLt: return FromBool(a < b);
    case CompareOp::kLe: return FromBool(!(b < a));
    case CompareOp::kGt: return FromBool(b < a);
    case CompareOp::kGe: return FromBool(!(a < b));
  }
  return TriBool::kNull;
}

// Combines per-candidate results (array elements, [*] paths): TRUE if one is
// TRUE, else NULL if one is NULL or there are none, else FALSE.
class AnyOf {
 public:
  void Add(TriBool result) {
    saw_true_ |= result == TriBool::kTrue;
    saw_null_ |= result == TriBool::kNull;
    saw_any_ = true;
  }
  TriBool result() const {
    if (saw_true_) return TriBool::kTrue;
    if (saw_null_ || !saw_any_) return TriBool::kNull;
    return TriBool::kFalse;
  }

 private:
  bool saw_true_ = false, saw_null_ = false, saw_any_ = false;
};

}  // namespace trailhound
