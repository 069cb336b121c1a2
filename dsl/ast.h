// The parsed form of a rule file: statements and expressions as written, with
// source locations, before any name is resolved (that is the binder's job).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/bound_rule.h"
#include "core/field_path.h"
#include "dsl/diagnostics.h"

namespace trailhound {

struct Expr {
  enum class Kind {
    kLiteral, kName, kCall, kCompare, kIn, kLike, kRegexp, kBetween, kIsNull, kAnd, kOr, kNot,
    kInterval,  // LEARN INTERVAL 'n' unit (an argument of first_seen)
  };
  Kind kind = Kind::kLiteral;
  SourceLocation location;  // start of the expression (length: its first token)

  Literal literal;                 // kLiteral
  FieldPath path;                  // kName
  std::vector<bool> quoted_steps;  // kName: which key steps were "quoted"
  SourceLocation path_location;    // kName: the whole path
  std::string function_name;       // kCall
  bool star_argument = false;      // kCall: count(*)
  bool distinct = false;           // kCall: count(DISTINCT x), array_agg(DISTINCT x)
  std::optional<int64_t> limit;    // kCall: array_agg(…) LIMIT n
  absl::Duration interval;         // kInterval
  CompareOp op = CompareOp::kEq;   // kCompare
  bool negated = false;            // NOT IN / NOT LIKE / NOT REGEXP / NOT BETWEEN / IS NOT NULL
  bool case_insensitive = false;   // ILIKE
  std::string list_name;           // kIn with a named list
  SourceLocation list_location;
  std::optional<std::string> escape;  // kLike … ESCAPE 'c'
  SourceLocation escape_location;
  // kCall: arguments; kCompare: two operands; kIn: value then inline items;
  // kLike/kRegexp: value, pattern; kBetween: value, low, high; kIsNull: value;
  // kAnd/kOr: operands; kNot: operand.
  std::vector<Expr> children;
};

struct SelectItemSyntax {
  Expr value;
  std::string alias;  // empty when none
};

// WINDOW TUMBLING (SIZE …) | HOPPING (SIZE …, ADVANCE BY …) | SLIDING ([SIZE] …)
struct WindowSyntax {
  WindowSpec::Kind kind = WindowSpec::Kind::kTumbling;
  SourceLocation location;  // the WINDOW keyword
  absl::Duration size, advance;
  SourceLocation size_location, advance_location;
};

struct SelectSyntax {
  SourceLocation location;  // the SELECT keyword
  bool star = false;
  SourceLocation star_location;
  std::vector<SelectItemSyntax> items;
  std::string from;  // last part of the table name
  SourceLocation from_location;
  std::string from_alias;  // FROM t AS c: c.eventName means eventName
  std::optional<Expr> where;
  std::vector<Expr> group_by;
  SourceLocation group_by_location;  // the GROUP keyword
  std::optional<WindowSyntax> window;
  std::optional<Expr> having;
  SourceLocation having_location;
};

struct MetadataEntry {
  std::string key;
  SourceLocation key_location;
  Expr value;  // a literal
};

struct Statement {
  enum class Kind { kSelect, kCreateRule, kCreateView, kCreateList };
  Kind kind = Kind::kSelect;
  SourceLocation location;
  std::string name;  // plain SELECT: from a `-- name:` comment or <file stem>_<n>
  SourceLocation name_location;
  std::vector<MetadataEntry> metadata;  // CREATE RULE … WITH (…)
  SelectSyntax select;                  // SELECT, CREATE RULE, CREATE VIEW
  std::vector<Expr> list_items;         // CREATE LIST name (…)
  std::optional<std::string> list_file; // CREATE LIST name FROM FILE '…'
  SourceLocation list_file_location;
};

struct ParsedFile {
  const SourceFile* file = nullptr;
  std::vector<Statement> statements;
};

}  // namespace trailhound
