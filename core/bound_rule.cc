#include "core/bound_rule.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace trailhound {

std::string Literal::ToSql() const {
  switch (kind) {
    case Kind::kNull: return "NULL";
    case Kind::kString: return "'" + absl::StrReplaceAll(text, {{"'", "''"}}) + "'";
    case Kind::kNumber: return text;
    case Kind::kBool: return boolean ? "TRUE" : "FALSE";
  }
  return "NULL";
}

std::string_view CompareOpSql(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "?";
}

std::string_view FunctionName(Function function) {
  switch (function) {
    case Function::kLower: return "lower";
    case Function::kUpper: return "upper";
    case Function::kStartsWith: return "starts_with";
    case Function::kEndsWith: return "ends_with";
    case Function::kContains: return "contains";
    case Function::kCidrMatch: return "cidr_match";
    case Function::kHour: return "hour";
    case Function::kDayOfWeek: return "day_of_week";
    case Function::kJsonExtractScalar: return "json_extract_scalar";
  }
  return "?";
}

namespace {

std::string ListSql(const ValueList& list) {
  if (!list.name.empty()) return list.name;
  std::vector<std::string> items;
  for (const Literal& item : list.items) items.push_back(item.ToSql());
  return "(" + absl::StrJoin(items, ", ") + ")";
}

}  // namespace

std::string BoundExpr::ToSql() const {
  const char* not_kw = negated ? "NOT " : "";
  switch (kind) {
    case Kind::kLiteral:
      return literal.ToSql();
    case Kind::kField:
      return path.ToString();
    case Kind::kCall: {
      std::vector<std::string> args;
      for (const BoundExpr& child : children) args.push_back(child.ToSql());
      if (function == Function::kCidrMatch) args.push_back(ListSql(*list));
      if (function == Function::kHour || function == Function::kDayOfWeek) {
        args.push_back("'" + time_zone.name() + "'");
      }
      if (function == Function::kJsonExtractScalar) {
        args.push_back("'$." + json_path.ToString() + "'");
      }
      return absl::StrCat(std::string(FunctionName(function)), "(", absl::StrJoin(args, ", "), ")");
    }
    case Kind::kCompare:
      return absl::StrCat(children[0].ToSql(), " ", std::string(CompareOpSql(op)), " ", children[1].ToSql());
    case Kind::kIn:
      return absl::StrCat(children[0].ToSql(), " ", not_kw, "IN ", ListSql(*list));
    case Kind::kLike: {
      std::string out = absl::StrCat(children[0].ToSql(), " ", not_kw,
                                     case_insensitive ? "ILIKE " : "LIKE ",
                                     Literal{Literal::Kind::kString, like_pattern}.ToSql());
      if (like_escape) absl::StrAppend(&out, " ESCAPE '", std::string(1, *like_escape), "'");
      return out;
    }
    case Kind::kRegexp:
      return absl::StrCat(children[0].ToSql(), " ", not_kw, "REGEXP ",
                          Literal{Literal::Kind::kString, regex->pattern()}.ToSql());
    case Kind::kBetween:
      return absl::StrCat(children[0].ToSql(), " ", not_kw, "BETWEEN ", children[1].ToSql(),
                          " AND ", children[2].ToSql());
    case Kind::kIsNull:
      return absl::StrCat(children[0].ToSql(), negated ? " IS NOT NULL" : " IS NULL");
    case Kind::kAnd:
    case Kind::kOr: {
      std::vector<std::string> parts;
      for (const BoundExpr& child : children) {
        bool wrap = child.kind == Kind::kAnd || child.kind == Kind::kOr;
        parts.push_back(wrap ? "(" + child.ToSql() + ")" : child.ToSql());
      }
      return absl::StrJoin(parts, kind == Kind::kAnd ? " AND " : " OR ");
    }
    case Kind::kNot: {
      const BoundExpr& child = children[0];
      bool wrap = child.kind == Kind::kAnd || child.kind == Kind::kOr;
      return "NOT " + (wrap ? "(" + child.ToSql() + ")" : child.ToSql());
    }
  }
  return "?";
}

std::string_view WindowKindName(WindowSpec::Kind kind) {
  switch (kind) {
    case WindowSpec::Kind::kTumbling: return "tumbling";
    case WindowSpec::Kind::kHopping: return "hopping";
    case WindowSpec::Kind::kSliding: return "sliding";
  }
  return "?";
}

std::string Aggregate::ToSql() const {
  switch (kind) {
    case Kind::kCountStar: return "count(*)";
    case Kind::kCountDistinct: return "count(DISTINCT " + argument.ToSql() + ")";
    case Kind::kMinTime: return "min(" + argument.ToSql() + ")";
    case Kind::kMaxTime: return "max(" + argument.ToSql() + ")";
    case Kind::kArrayAggDistinct:
      return absl::StrCat("array_agg(DISTINCT ", argument.ToSql(), ") LIMIT ", limit);
  }
  return "?";
}

std::string FirstSeen::ToSql() const {
  std::string out = "first_seen(" + key.ToSql() + ", " + value.ToSql();
  if (learn > absl::ZeroDuration()) out += ", LEARN INTERVAL '" + absl::FormatDuration(learn) + "'";
  return out + ")";
}

}  // namespace trailhound
