// A bound rule: the output of the binder and the input of every evaluator.
// Names are resolved to canonical field paths, views are inlined, lists,
// regexes, CIDRs and time zones are resolved; nothing here refers back to the
// rule text except source positions for messages. A RuleSet is immutable once
// built and shared by all threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/field_path.h"
#include "core/ip_address.h"
#include "re2/re2.h"

namespace trailhound {

enum class TriBool : uint8_t { kFalse, kTrue, kNull };

struct Literal {
  enum class Kind { kNull, kString, kNumber, kBool };
  Kind kind = Kind::kNull;
  std::string text;     // string value, or the number/bool as written
  double number = 0;    // kNumber
  bool boolean = false; // kBool
  std::optional<absl::Time> instant;  // kString that is a date or timestamp

  std::string ToSql() const;
};

// A named list (CREATE LIST) or the items of an inline IN (…).
struct ValueList {
  std::string name;  // empty for an inline list
  std::vector<Literal> items;
  std::vector<CidrRange> cidrs;  // items that are CIDRs or IP addresses
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };
std::string_view CompareOpSql(CompareOp op);

enum class Function {
  kLower, kUpper, kStartsWith, kEndsWith, kContains, kCidrMatch, kHour, kDayOfWeek,
  kJsonExtractScalar,
};
std::string_view FunctionName(Function function);

struct BoundExpr {
  enum class Kind {
    kLiteral,   // literal
    kField,     // path
    kCall,      // function(children…)
    kCompare,   // children[0] op children[1]
    kIn,        // children[0] [NOT] IN list
    kLike,      // children[0] [NOT] LIKE/ILIKE like_pattern
    kRegexp,    // children[0] [NOT] REGEXP regex
    kBetween,   // children[0] [NOT] BETWEEN children[1] AND children[2]
    kIsNull,    // children[0] IS [NOT] NULL
    kAnd,       // children…
    kOr,        // children…
    kNot,       // children[0]
  };
  Kind kind = Kind::kLiteral;
  int line = 0;  // where it starts in the rule text (1-based)
  int column = 0;

  Literal literal;
  FieldPath path;
  std::string written_as;  // kField: the name as the rule wrote it
  Function function = Function::kLower;
  CompareOp op = CompareOp::kEq;
  bool negated = false;
  bool case_insensitive = false;  // ILIKE
  std::string like_pattern;
  std::optional<char> like_escape;
  std::shared_ptr<const RE2> regex;
  std::shared_ptr<const ValueList> list;  // kIn; kCall cidr_match
  absl::TimeZone time_zone;               // kCall hour / day_of_week
  FieldPath json_path;                    // kCall json_extract_scalar
  std::vector<BoundExpr> children;

  // SQL-like text with resolved names, for explain and messages.
  std::string ToSql() const;
};

// Stateful rules (README "Stateful rules").
struct WindowSpec {
  enum class Kind { kTumbling, kHopping, kSliding };
  Kind kind = Kind::kTumbling;
  absl::Duration size;
  absl::Duration advance;  // kHopping; equals size for kTumbling
};
std::string_view WindowKindName(WindowSpec::Kind kind);  // "tumbling", …

struct Aggregate {
  enum class Kind { kCountStar, kCountDistinct, kMinTime, kMaxTime, kArrayAggDistinct };
  Kind kind = Kind::kCountStar;
  BoundExpr argument;  // all but kCountStar (kMinTime/kMaxTime: eventTime)
  int64_t limit = 0;   // kArrayAggDistinct
  std::string ToSql() const;
};

// GROUP BY … WINDOW … HAVING: the rule's WHERE picks records, which are
// grouped and windowed; HAVING and SELECT are bound over the group record, a
// JSON object {"g0":…, "a0":…, "window_start":…, "window_end":…} with the
// GROUP BY values (gN) and aggregate values (aN) of one window.
struct Aggregation {
  WindowSpec window;
  std::vector<BoundExpr> group_by;
  std::vector<std::string> group_names;  // output names, as SELECT would name them
  std::vector<Aggregate> aggregates;
  std::optional<BoundExpr> having;
};

// first_seen(key, value [, LEARN INTERVAL …]): a top-level conjunct of WHERE,
// decided after the rest of it.
struct FirstSeen {
  BoundExpr key;
  BoundExpr value;
  absl::Duration learn;  // zero: no learning period
  std::string ToSql() const;
};

// WITH (suppress_by = '…', suppress_for = '…').
struct Suppression {
  std::vector<BoundExpr> by;
  std::vector<std::string> names;
  absl::Duration period;
};

struct SelectItem {
  std::string output_name;
  BoundExpr value;
};

struct BoundRule {
  std::string name;
  std::string severity = "medium";
  std::vector<std::string> tags;
  std::string description;
  std::vector<std::pair<std::string, std::string>> metadata;  // every WITH key, in order
  std::string file;
  int line = 0;
  bool select_star = false;
  std::vector<SelectItem> select;
  std::optional<BoundExpr> where;  // nullopt: matches every record
  std::vector<std::string> views;  // views inlined, outermost first

  // Stateful parts; a rule without them alerts on each matching record.
  std::optional<Aggregation> aggregation;  // SELECT is then over the group record
  std::vector<FirstSeen> first_seen;
  std::optional<Suppression> suppression;
  absl::Duration allowed_lateness = absl::Minutes(5);

  bool stateful() const { return aggregation || !first_seen.empty() || suppression; }
};

struct RuleSet {
  std::vector<BoundRule> rules;
  std::vector<std::shared_ptr<const ValueList>> lists;
};

}  // namespace trailhound
