#include "core/reference_interpreter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "core/ip_address.h"
#include "core/json_text.h"
#include "core/like_pattern.h"
#include "core/sql_scalar.h"
#include "core/three_valued.h"
#include "core/timestamp.h"

namespace trailhound {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// One candidate value of an expression.
struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kObject, kArray };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;           // kString: the string; kNumber/kBool: as JSON text
  element json;               // kObject, kArray
  const Literal* literal = nullptr;  // set when the value is a rule literal
};

using Values = std::vector<Value>;

std::string NumberText(double number) {
  char buffer[kNumberTextBytes];
  return std::string(DoubleText(number, buffer));
}

Value FromJson(element json) {
  Value value;
  switch (json.type()) {
    case element_type::ARRAY:
      value.kind = Value::Kind::kArray;
      value.json = json;
      break;
    case element_type::OBJECT:
      value.kind = Value::Kind::kObject;
      value.json = json;
      break;
    case element_type::INT64: {
      int64_t n = json.get_int64().value_unsafe();
      value.kind = Value::Kind::kNumber;
      value.number = static_cast<double>(n);
      value.text = std::to_string(n);
      break;
    }
    case element_type::UINT64: {
      uint64_t n = json.get_uint64().value_unsafe();
      value.kind = Value::Kind::kNumber;
      value.number = static_cast<double>(n);
      value.text = std::to_string(n);
      break;
    }
    case element_type::DOUBLE:
      value.kind = Value::Kind::kNumber;
      value.number = json.get_double().value_unsafe();
      value.text = NumberText(value.number);
      break;
    case element_type::STRING:
      value.kind = Value::Kind::kString;
      value.text = std::string(json.get_string().value_unsafe());
      break;
    case element_type::BOOL:
      value.kind = Value::Kind::kBool;
      value.boolean = json.get_bool().value_unsafe();
      value.text = value.boolean ? "true" : "false";
      break;
    case element_type::NULL_VALUE:
      break;
  }
  return value;
}

Value FromLiteral(const Literal& literal) {
  Value value;
  value.literal = &literal;
  switch (literal.kind) {
    case Literal::Kind::kNull: break;
    case Literal::Kind::kString:
      value.kind = Value::Kind::kString;
      value.text = literal.text;
      break;
    case Literal::Kind::kNumber:
      value.kind = Value::Kind::kNumber;
      value.number = literal.number;
      value.text = literal.text;
      break;
    case Literal::Kind::kBool:
      value.kind = Value::Kind::kBool;
      value.boolean = literal.boolean;
      value.text = literal.boolean ? "true" : "false";
      break;
  }
  return value;
}

Value StringValue(std::string text) {
  Value value;
  value.kind = Value::Kind::kString;
  value.text = std::move(text);
  return value;
}

Value NumberValue(double number) {
  Value value;
  value.kind = Value::Kind::kNumber;
  value.number = number;
  value.text = NumberText(number);
  return value;
}

Value BoolValue(TriBool result) {
  Value value;
  if (result == TriBool::kNull) return value;
  value.kind = Value::Kind::kBool;
  value.boolean = result == TriBool::kTrue;
  value.text = value.boolean ? "true" : "false";
  return value;
}

bool IsNull(const Value& value) { return value.kind == Value::Kind::kNull; }

// The text a value compares as: strings as themselves, scalars as JSON text,
// objects and arrays as minified JSON.
std::string Text(const Value& value) {
  if (value.kind == Value::Kind::kObject || value.kind == Value::Kind::kArray) {
    return simdjson::to_string(value.json);
  }
  return value.text;
}

std::string Json(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kNull: return "null";
    case Value::Kind::kString: {
      std::string out;
      AppendJsonString(out, value.text);
      return out;
    }
    default: return Text(value);
  }
}

simdjson::dom::array AsArray(element json) {
  simdjson::dom::array array;
  if (json.get_array().get(array) != simdjson::SUCCESS) return {};
  return array;
}

simdjson::dom::object AsObject(element json) {
  simdjson::dom::object object;
  if (json.get_object().get(object) != simdjson::SUCCESS) return {};
  return object;
}

std::optional<double> ToNumber(const Value& value) {
  if (value.kind == Value::Kind::kNumber) return value.number;
  if (value.kind != Value::Kind::kString) return std::nullopt;
  return ParseNumberText(value.text);
}

std::optional<bool> ToBool(const Value& value) {
  if (value.kind == Value::Kind::kBool) return value.boolean;
  if (value.kind == Value::Kind::kString) return ParseBoolText(value.text);
  return std::nullopt;
}

bool IsLiteralOf(const Value& value, Literal::Kind kind) {
  return value.literal != nullptr && value.literal->kind == kind;
}

TriBool Compare(const Value& a, const Value& b, CompareOp op) {
  if (IsNull(a) || IsNull(b)) return TriBool::kNull;
  bool numeric = (a.kind == Value::Kind::kNumber && b.kind == Value::Kind::kNumber) ||
                 IsLiteralOf(a, Literal::Kind::kNumber) || IsLiteralOf(b, Literal::Kind::kNumber);
  if (numeric) {
    std::optional<double> x = ToNumber(a), y = ToNumber(b);
    if (!x || !y) return TriBool::kNull;
    return Ordered(*x, *y, op);
  }
  bool boolean = (a.kind == Value::Kind::kBool && b.kind == Value::Kind::kBool) ||
                 IsLiteralOf(a, Literal::Kind::kBool) || IsLiteralOf(b, Literal::Kind::kBool);
  if (boolean) {
    std::optional<bool> x = ToBool(a), y = ToBool(b);
    if (!x || !y) return TriBool::kNull;
    return Ordered(*x, *y, op);
  }
  const Literal* time_literal = nullptr;
  if (a.literal != nullptr && a.literal->instant) time_literal = a.literal;
  if (b.literal != nullptr && b.literal->instant) time_literal = b.literal;
  if (time_literal != nullptr) {
    std::optional<absl::Time> x = a.literal && a.literal->instant ? a.literal->instant
                                                                 : ParseTimestamp(Text(a));
    std::optional<absl::Time> y = b.literal && b.literal->instant ? b.literal->instant
                                                                 : ParseTimestamp(Text(b));
    if (x && y) return Ordered(*x, *y, op);
  }
  return Ordered(Text(a), Text(b), op);
}

class Evaluator {
 public:
  explicit Evaluator(element record) : record_(record) {}

  Values EvalValues(const BoundExpr& expr) {
    switch (expr.kind) {
      case BoundExpr::Kind::kLiteral:
        return {FromLiteral(expr.literal)};
      case BoundExpr::Kind::kField: {
        Values out;
        Walk(record_, expr.path.steps, 0, out);
        if (out.empty()) out.push_back(Value{});
        return out;
      }
      case BoundExpr::Kind::kCall:
        return EvalCall(expr);
      default:
        return {BoolValue(EvalBool(expr))};
    }
  }

  TriBool EvalBool(const BoundExpr& expr) {
    switch (expr.kind) {
      case BoundExpr::Kind::kAnd: {
        TriBool result = TriBool::kTrue;
        for (const BoundExpr& child : expr.children) {
          result = And(result, EvalBool(child));
          if (result == TriBool::kFalse) break;
        }
        return result;
      }
      case BoundExpr::Kind::kOr: {
        TriBool result = TriBool::kFalse;
        for (const BoundExpr& child : expr.children) {
          result = Not(And(Not(result), Not(EvalBool(child))));
          if (result == TriBool::kTrue) break;
        }
        return result;
      }
      case BoundExpr::Kind::kNot:
        return Not(EvalBool(expr.children[0]));
      case BoundExpr::Kind::kCompare: {
        Values left = Expand(EvalValues(expr.children[0]));
        Values right = Expand(EvalValues(expr.children[1]));
        AnyOf any;
        for (const Value& a : left) {
          for (const Value& b : right) any.Add(Compare(a, b, expr.op));
        }
        return any.result();
      }
      case BoundExpr::Kind::kBetween: {
        Values values = Expand(EvalValues(expr.children[0]));
        Values lows = Expand(EvalValues(expr.children[1]));
        Values highs = Expand(EvalValues(expr.children[2]));
        AnyOf any;
        for (const Value& v : values) {
          for (const Value& low : lows) {
            for (const Value& high : highs) {
              TriBool inside = And(Compare(v, low, CompareOp::kGe), Compare(v, high, CompareOp::kLe));
              any.Add(expr.negated ? Not(inside) : inside);
            }
          }
        }
        return any.result();
      }
      case BoundExpr::Kind::kIn:
        return PerCandidate(expr, [&](const Value& v) { return InList(v, *expr.list); });
      case BoundExpr::Kind::kLike:
        return PerCandidate(expr, [&](const Value& v) {
          return FromBool(LikeMatch(Text(v), expr.like_pattern, expr.like_escape,
                                    expr.case_insensitive));
        });
      case BoundExpr::Kind::kRegexp:
        return PerCandidate(expr, [&](const Value& v) {
          return FromBool(RE2::PartialMatch(Text(v), *expr.regex));
        });
      case BoundExpr::Kind::kIsNull: {
        Values values = EvalValues(expr.children[0]);
        bool all_null = std::all_of(values.begin(), values.end(), IsNull);
        return FromBool(all_null != expr.negated);
      }
      default: {
        AnyOf any;
        for (const Value& v : Expand(EvalValues(expr))) {
          std::optional<bool> b = IsNull(v) ? std::nullopt : ToBool(v);
          any.Add(b ? FromBool(*b) : TriBool::kNull);
        }
        return any.result();
      }
    }
  }

 private:
  // Evaluates `test` on each non-null candidate of children[0] (NULL for a
  // null one), applies NOT per candidate, and combines with AnyOf.
  template <typename Test>
  TriBool PerCandidate(const BoundExpr& expr, Test test) {
    AnyOf any;
    for (const Value& v : Expand(EvalValues(expr.children[0]))) {
      TriBool result = IsNull(v) ? TriBool::kNull : test(v);
      any.Add(expr.negated ? Not(result) : result);
    }
    return any.result();
  }

  static TriBool InList(const Value& value, const ValueList& list) {
    bool saw_null = false;
    for (const Literal& item : list.items) {
      TriBool equal = Compare(value, FromLiteral(item), CompareOp::kEq);
      if (equal == TriBool::kTrue) return TriBool::kTrue;
      if (equal == TriBool::kNull) saw_null = true;
    }
    if (!list.cidrs.empty()) {
      if (std::optional<IpAddress> ip = ParseIpAddress(Text(value))) {
        for (const CidrRange& range : list.cidrs) {
          if (range.Contains(*ip)) return TriBool::kTrue;
        }
      }
    }
    return saw_null ? TriBool::kNull : TriBool::kFalse;
  }

  // Arrays become their elements (one level), for comparisons.
  static Values Expand(Values values) {
    Values out;
    for (Value& v : values) {
      if (v.kind == Value::Kind::kArray) {
        for (element item : AsArray(v.json)) out.push_back(FromJson(item));
      } else {
        out.push_back(std::move(v));
      }
    }
    return out;
  }

  static void Walk(element json, const std::vector<PathStep>& steps, size_t i, Values& out) {
    if (i == steps.size()) {
      out.push_back(FromJson(json));
      return;
    }
    const PathStep& step = steps[i];
    switch (step.kind) {
      case PathStep::Kind::kKey:
        if (json.type() == element_type::OBJECT) {
          element child;
          if (AsObject(json).at_key(step.key).get(child) == simdjson::SUCCESS) {
            Walk(child, steps, i + 1, out);
          }
        } else if (json.type() == element_type::ARRAY) {
          // A key on an array applies to each element, as any-element does.
          for (element item : AsArray(json)) Walk(item, steps, i, out);
        }
        break;
      case PathStep::Kind::kIndex:
        if (json.type() == element_type::ARRAY && step.index >= 0) {
          element child;
          if (AsArray(json).at(step.index).get(child) == simdjson::SUCCESS) {
            Walk(child, steps, i + 1, out);
          }
        }
        break;
      case PathStep::Kind::kAnyElement:
        if (json.type() == element_type::ARRAY) {
          for (element item : AsArray(json)) Walk(item, steps, i + 1, out);
        }
        break;
    }
  }

  Values EvalCall(const BoundExpr& expr) {
    Values out;
    switch (expr.function) {
      case Function::kLower:
      case Function::kUpper:
        for (const Value& v : Expand(EvalValues(expr.children[0]))) {
          if (IsNull(v)) {
            out.push_back(v);
          } else {
            std::string text = Text(v);
            out.push_back(StringValue(expr.function == Function::kLower ? absl::AsciiStrToLower(text)
                                                                        : absl::AsciiStrToUpper(text)));
          }
        }
        return out;
      case Function::kStartsWith:
      case Function::kEndsWith: {
        Values needles = Expand(EvalValues(expr.children[1]));
        for (const Value& v : Expand(EvalValues(expr.children[0]))) {
          for (const Value& needle : needles) {
            if (IsNull(v) || IsNull(needle)) {
              out.push_back(Value{});
              continue;
            }
            bool hit = expr.function == Function::kStartsWith
                           ? absl::StartsWith(Text(v), Text(needle))
                           : absl::EndsWith(Text(v), Text(needle));
            out.push_back(BoolValue(FromBool(hit)));
          }
        }
        return out;
      }
      case Function::kContains: {
        Values needles = Expand(EvalValues(expr.children[1]));
        for (const Value& v : EvalValues(expr.children[0])) {
          for (const Value& needle : needles) {
            if (IsNull(v) || IsNull(needle)) {
              out.push_back(Value{});
            } else if (v.kind == Value::Kind::kArray) {
              AnyOf any;
              for (const Value& item : Expand({v})) any.Add(Compare(item, needle, CompareOp::kEq));
              out.push_back(BoolValue(any.result() == TriBool::kNull ? TriBool::kFalse : any.result()));
            } else {
              out.push_back(BoolValue(FromBool(absl::StrContains(Text(v), Text(needle)))));
            }
          }
        }
        return out;
      }
      case Function::kCidrMatch:
        for (const Value& v : Expand(EvalValues(expr.children[0]))) {
          std::optional<IpAddress> ip = IsNull(v) ? std::nullopt : ParseIpAddress(Text(v));
          if (!ip) {
            out.push_back(Value{});
            continue;
          }
          bool hit = std::any_of(expr.list->cidrs.begin(), expr.list->cidrs.end(),
                                 [&](const CidrRange& range) { return range.Contains(*ip); });
          out.push_back(BoolValue(FromBool(hit)));
        }
        return out;
      case Function::kHour:
      case Function::kDayOfWeek:
        for (const Value& v : Expand(EvalValues(expr.children[0]))) {
          std::optional<absl::Time> time = IsNull(v) ? std::nullopt : ParseTimestamp(Text(v));
          if (!time) {
            out.push_back(Value{});
            continue;
          }
          absl::CivilSecond civil = absl::ToCivilSecond(*time, expr.time_zone);
          if (expr.function == Function::kHour) {
            out.push_back(NumberValue(civil.hour()));
          } else {
            absl::Weekday day = absl::GetWeekday(civil);  // kMonday == 0
            out.push_back(NumberValue(static_cast<int>(day) + 1));
          }
        }
        return out;
      case Function::kJsonExtractScalar:
        for (const Value& v : EvalValues(expr.children[0])) out.push_back(ExtractScalar(v, expr.json_path));
        return out;
    }
    return out;
  }

  Value ExtractScalar(const Value& v, const FieldPath& path) {
    element root;
    if (v.kind == Value::Kind::kObject || v.kind == Value::Kind::kArray) {
      root = v.json;
    } else if (v.kind == Value::Kind::kString) {
      if (json_parser_.parse(v.text).get(root) != simdjson::SUCCESS) return Value{};
    } else {
      return Value{};
    }
    Values found;
    Walk(root, path.steps, 0, found);
    if (found.size() != 1) return Value{};
    const Value& scalar = found[0];
    if (scalar.kind == Value::Kind::kNull || scalar.kind == Value::Kind::kObject ||
        scalar.kind == Value::Kind::kArray) {
      return Value{};
    }
    return StringValue(scalar.text);
  }

  element record_;
  simdjson::dom::parser json_parser_;
};

}  // namespace

TriBool ReferenceInterpreter::EvaluateWhere(const BoundRule& rule, element record) {
  if (!rule.where) return TriBool::kTrue;
  return EvaluateCondition(*rule.where, record);
}

TriBool ReferenceInterpreter::EvaluateCondition(const BoundExpr& condition, element record) {
  return Evaluator(record).EvalBool(condition);
}

std::string ReferenceInterpreter::ValueJson(const BoundExpr& value, element record) {
  Evaluator evaluator(record);
  Values values = evaluator.EvalValues(value);
  if (values.size() == 1) return Json(values[0]);
  std::string out = "[";
  for (size_t j = 0; j < values.size(); ++j) {
    if (j) out.push_back(',');
    out += Json(values[j]);
  }
  out.push_back(']');
  return out;
}

void ReferenceInterpreter::ProjectFields(const BoundRule& rule, element record, RecordValues* values,
                                         std::string& out) {
  if (rule.select_star) {
    out = simdjson::to_string(record);
    return;
  }
  out = "{";
  for (size_t i = 0; i < rule.select.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, rule.select[i].output_name);
    out.push_back(':');
    if (values != nullptr) {
      values->AppendJson(rule.select[i].value, out);
    } else {
      out += ValueJson(rule.select[i].value, record);
    }
  }
  out.push_back('}');
}

}  // namespace trailhound
