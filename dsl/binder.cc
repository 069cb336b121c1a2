#include "dsl/binder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/cloudtrail_schema.h"
#include "core/ip_address.h"

namespace trailhound {
namespace {

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

std::string Quote(const std::string& s) { return "'" + s + "'"; }

const SchemaNode* FindChild(const SchemaNode& node, const std::string& name, bool exact) {
  for (const SchemaNode& child : node.children) {
    if (exact ? child.name == name : absl::EqualsIgnoreCase(child.name, name)) return &child;
  }
  return nullptr;
}

std::vector<std::string> DidYouMeanCandidates() {
  std::vector<std::string> candidates = KnownFieldPaths();
  for (const FieldAlias& alias : CloudTrailAliases()) candidates.emplace_back(alias.name);
  return candidates;
}

// True for text shaped like "address/length" (hex digits, dots and colons,
// then '/' and one to three digits): a CIDR, or a mistyped one that deserves
// TH1010. Other strings with a slash (ARNs, URLs, object keys) stay strings.
bool LooksLikeCidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::string_view address = text.substr(0, slash), length = text.substr(slash + 1);
  if (length.empty() || length.size() > 3) return false;
  for (unsigned char c : length) {
    if (!std::isdigit(c)) return false;
  }
  bool separator = false;
  for (unsigned char c : address) {
    if (c == '.' || c == ':') {
      separator = true;
    } else if (!std::isxdigit(c)) {
      return false;
    }
  }
  return separator;
}

// Items of a list, checked: duplicates warn, CIDRs parse.
class ListBuilder {
 public:
  ListBuilder(std::string name, Diagnostics& diagnostics)
      : list_(std::make_shared<ValueList>()), diagnostics_(diagnostics) {
    list_->name = std::move(name);
  }

  void Add(const Literal& item, const SourceLocation& at, const std::string& where = "") {
    std::string key = item.kind == Literal::Kind::kString ? "s:" + item.text : "o:" + item.text;
    if (!seen_.insert(key).second) {
      diagnostics_.Warning("TH2003", at, "duplicate item " + item.ToSql() + " in " +
                                             (list_->name.empty() ? "the IN list" : "list " + list_->name) + where,
                           "remove the repeated item");
    }
    if (item.kind == Literal::Kind::kString) {
      if (LooksLikeCidr(item.text)) {
        std::optional<CidrRange> range = ParseCidr(item.text);
        if (!range) {
          diagnostics_.Error("TH1010", at, "invalid CIDR " + Quote(item.text) + where,
                             "write a network like '10.0.0.0/8' or '2001:db8::/32'");
        } else {
          list_->cidrs.push_back(*range);
        }
      } else if (std::optional<CidrRange> single = ParseCidr(item.text)) {
        list_->cidrs.push_back(*single);  // an address matches its other spellings too
      }
    }
    list_->items.push_back(item);
  }

  std::shared_ptr<const ValueList> Build() { return list_; }

 private:
  std::shared_ptr<ValueList> list_;
  std::set<std::string> seen_;
  Diagnostics& diagnostics_;
};

class Binder {
 public:
  Binder(const std::vector<ParsedFile>& files, Diagnostics& diagnostics)
      : files_(files), diagnostics_(diagnostics) {}

  RuleSet Run() {
    CollectDefinitions();
    RuleSet out;
    for (auto& [name, list] : lists_) out.lists.push_back(list);
    for (const auto& [name, entry] : views_) BindView(name);
    for (const Statement* statement : rules_) {
      std::optional<BoundRule> rule = BindRule(*statement);
      if (rule) out.rules.push_back(std::move(*rule));
    }
    return out;
  }

 private:
  struct ViewEntry {
    const Statement* statement = nullptr;
    bool bound = false;
    bool in_progress = false;
    std::optional<BoundExpr> condition;
    std::vector<std::string> chain;  // this view and the views it reads from
  };

  void CollectDefinitions() {
    std::map<std::string, SourceLocation> rule_names;
    for (const ParsedFile& file : files_) {
      for (const Statement& statement : file.statements) {
        switch (statement.kind) {
          case Statement::Kind::kCreateList:
            if (lists_.count(Lower(statement.name))) {
              Duplicate("list", statement);
            } else {
              lists_[Lower(statement.name)] = BindList(statement);
            }
            break;
          case Statement::Kind::kCreateView:
            if (views_.count(Lower(statement.name))) {
              Duplicate("view", statement);
            } else {
              views_[Lower(statement.name)].statement = &statement;
            }
            break;
          case Statement::Kind::kSelect:
          case Statement::Kind::kCreateRule:
            if (rule_names.count(statement.name)) {
              Duplicate("rule", statement);
            } else {
              rule_names[statement.name] = statement.name_location;
              rules_.push_back(&statement);
            }
            break;
        }
      }
    }
  }

  void Duplicate(const std::string& kind, const Statement& statement) {
    diagnostics_.Error("TH1007", statement.name_location,
                       "duplicate " + kind + " name '" + statement.name + "'",
                       "every " + kind + " in a rule set needs its own name");
  }

  std::shared_ptr<const ValueList> BindList(const Statement& statement) {
    ListBuilder builder(statement.name, diagnostics_);
    if (!statement.list_file) {
      for (const Expr& item : statement.list_items) builder.Add(item.literal, item.location);
      return builder.Build();
    }
    std::filesystem::path path(*statement.list_file);
    if (path.is_relative()) {
      path = std::filesystem::path(statement.location.file->path).parent_path() / path;
    }
    std::ifstream in(path);
    if (!in) {
      diagnostics_.Error("TH1008", statement.list_file_location,
                         "cannot read list file '" + path.string() + "'",
                         "the path is relative to the rule file that names it");
      return builder.Build();
    }
    std::string line;
    int line_number = 0;
    while (std::getline(in, line)) {
      ++line_number;
      if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      absl::StripAsciiWhitespace(&line);
      if (line.empty()) continue;
      Literal item;
      item.kind = Literal::Kind::kString;
      item.text = line;
      builder.Add(item, statement.list_file_location,
                  " (" + path.string() + " line " + std::to_string(line_number) + ")");
    }
    return builder.Build();
  }

  // Binds a view's own WHERE plus the views it reads from, once.
  ViewEntry* BindView(const std::string& name) {
    auto it = views_.find(Lower(name));
    if (it == views_.end()) return nullptr;
    ViewEntry& entry = it->second;
    if (entry.bound || entry.in_progress) return &entry;
    entry.in_progress = true;
    std::optional<BoundExpr> inherited;
    std::vector<std::string> chain = {entry.statement->name};
    if (!ResolveFrom(entry.statement->select, inherited, chain)) {
      entry.in_progress = false;
      entry.bound = true;
      return &entry;
    }
    const SelectSyntax& select = entry.statement->select;
    if (select.window || !select.group_by.empty() || select.having) {
      diagnostics_.Error("TH1016", select.window ? select.window->location
                                   : select.group_by.empty() ? select.having_location : select.group_by_location,
                         "a view cannot aggregate", "views pick records; put GROUP BY … WINDOW … in the rule that reads the view");
    }
    entry.condition = Conjoin(std::move(inherited), BindWhere(select));
    entry.chain = chain;
    entry.in_progress = false;
    entry.bound = true;
    return &entry;
  }

  // Resolves FROM: a view contributes its condition; anything else is the
  // stream. Returns false on a cycle.
  bool ResolveFrom(const SelectSyntax& select, std::optional<BoundExpr>& condition,
                   std::vector<std::string>& chain) {
    auto it = views_.find(Lower(select.from));
    if (it == views_.end()) {
      std::vector<std::string> view_names;
      for (const auto& [name, entry] : views_) view_names.push_back(entry.statement->name);
      std::string close = ClosestMatch(select.from, view_names);
      if (!close.empty() && !absl::EqualsIgnoreCase(close, select.from)) {
        diagnostics_.Warning("TH2006", select.from_location,
                             "'" + select.from + "' is not a view; it reads the whole CloudTrail stream",
                             "did you mean view '" + close + "'?");
      }
      return true;
    }
    ViewEntry& entry = it->second;
    if (entry.in_progress) {
      diagnostics_.Error("TH1006", select.from_location,
                         "view cycle: " + entry.statement->name + " -> " + absl::StrJoin(chain, " -> ") +
                             " -> " + entry.statement->name,
                         "a view cannot read from itself, directly or through other views");
      return false;
    }
    BindView(select.from);
    condition = entry.condition;
    chain.insert(chain.end(), entry.chain.begin(), entry.chain.end());
    return true;
  }

  static std::optional<BoundExpr> Conjoin(std::optional<BoundExpr> a, std::optional<BoundExpr> b) {
    if (!a) return b;
    if (!b) return a;
    BoundExpr both;
    both.kind = BoundExpr::Kind::kAnd;
    both.line = b->line;
    both.column = b->column;
    both.children.push_back(std::move(*a));
    both.children.push_back(std::move(*b));
    return both;
  }

  std::optional<BoundExpr> BindWhere(const SelectSyntax& select) {
    if (!select.where) return std::nullopt;
    from_alias_ = select.from_alias;
    current_file_ = select.location.file;
    std::optional<BoundExpr> where =
        first_seen_target_ != nullptr ? BindConjunctsTakingFirstSeen(*select.where) : BindExpr(*select.where);
    if (where) CheckContradictions(*where);
    return where;
  }

  std::optional<BoundRule> BindRule(const Statement& statement) {
    BoundRule rule;
    rule.name = statement.name;
    rule.file = statement.location.file->path;
    rule.line = statement.location.line;
    BindMetadata(statement, rule);
    std::optional<BoundExpr> inherited;
    std::vector<std::string> chain;
    if (!ResolveFrom(statement.select, inherited, chain)) return std::nullopt;
    rule.views = chain;
    first_seen_target_ = &rule.first_seen;
    rule.where = Conjoin(std::move(inherited), BindWhere(statement.select));
    first_seen_target_ = nullptr;
    from_alias_ = statement.select.from_alias;
    rule.select_star = statement.select.star;
    const SelectSyntax& select = statement.select;
    if (select.window) {
      rule.aggregation = BindAggregation(select);
      group_scope_ = &*rule.aggregation;
    } else {
      if (!select.group_by.empty()) {
        diagnostics_.Error("TH1016", select.group_by_location, "GROUP BY needs a WINDOW",
                           "a streaming aggregation counts within time windows: add WINDOW TUMBLING (SIZE 1 HOUR), "
                           "HOPPING (SIZE …, ADVANCE BY …) or SLIDING (…)");
      }
      if (select.having) {
        diagnostics_.Error("TH1016", select.having_location, "HAVING needs GROUP BY … WINDOW …",
                           "add a WINDOW clause, or move the condition into WHERE");
      }
    }
    for (const SelectItemSyntax& item : select.items) {
      SelectItem bound{item.alias, BindExpr(item.value)};
      if (bound.output_name.empty()) {
        bound.output_name = rule.aggregation ? OutputNameOverGroup(item.value, bound.value) : OutputName(bound.value);
      }
      rule.select.push_back(std::move(bound));
    }
    if (rule.aggregation && select.having) rule.aggregation->having = BindExpr(*select.having);
    group_scope_ = nullptr;
    BindStateMetadata(statement, rule);
    return rule;
  }

  // GROUP BY and WINDOW; the aggregates are collected as SELECT and HAVING
  // are bound over the group.
  Aggregation BindAggregation(const SelectSyntax& select) {
    Aggregation out;
    const WindowSyntax& window = *select.window;
    out.window.kind = window.kind;
    out.window.size = window.size;
    out.window.advance = window.advance;
    if (window.size <= absl::ZeroDuration()) {
      diagnostics_.Error("TH1016", window.size_location, "a window needs a size above zero");
    } else if (window.kind == WindowSpec::Kind::kHopping &&
               (window.advance <= absl::ZeroDuration() || window.size % window.advance != absl::ZeroDuration())) {
      diagnostics_.Error("TH1016", window.advance_location,
                         "a hopping window's size must be a multiple of its advance, above zero",
                         "e.g. SIZE 10 MINUTES, ADVANCE BY 1 MINUTE");
    }
    if (select.star) {
      diagnostics_.Error("TH1016", select.star_location, "SELECT * in an aggregation rule",
                         "an aggregation alert carries one window, not records: select GROUP BY fields and "
                         "aggregates, e.g. SELECT sourceIPAddress, count(*) AS n");
    }
    for (const Expr& item : select.group_by) {
      if (ContainsAggregate(item)) {
        diagnostics_.Error("TH1016", item.location, "GROUP BY cannot hold an aggregate");
        continue;
      }
      BoundExpr bound = BindExpr(item);
      out.group_names.push_back(OutputName(bound));
      out.group_by.push_back(std::move(bound));
    }
    return out;
  }

  static bool IsAggregateName(const std::string& name) {
    std::string lower = Lower(name);
    return lower == "count" || lower == "min" || lower == "max" || lower == "array_agg";
  }

  static bool ContainsAggregate(const Expr& expr) {
    if (expr.kind == Expr::Kind::kCall && IsAggregateName(expr.function_name)) return true;
    for (const Expr& child : expr.children) {
      if (ContainsAggregate(child)) return true;
    }
    return false;
  }

  // A field of the group record (see Aggregation in core/bound_rule.h).
  static BoundExpr GroupField(const Expr& expr, const std::string& key) {
    BoundExpr out;
    out.kind = BoundExpr::Kind::kField;
    out.line = expr.location.line;
    out.column = expr.location.column;
    out.path.steps.push_back(PathStep{PathStep::Kind::kKey, key, 0});
    out.written_as = key;
    return out;
  }

  // Inside SELECT/HAVING of an aggregation rule: aggregates, window bounds
  // and GROUP BY expressions become fields of the group record; anything
  // else that reads the record is an error. nullopt: bind `expr` as usual
  // (its children come back here).
  std::optional<BoundExpr> BindOverGroup(const Expr& expr) {
    if (expr.kind == Expr::Kind::kCall && IsAggregateName(expr.function_name)) {
      Aggregation* scope = group_scope_;
      group_scope_ = nullptr;  // an aggregate's argument reads the record
      std::optional<Aggregate> aggregate = BindAggregate(expr);
      group_scope_ = scope;
      if (!aggregate) return Start(expr, BoundExpr::Kind::kLiteral);
      std::string key = aggregate->ToSql();
      bool known = false;
      for (const Aggregate& existing : scope->aggregates) known = known || existing.ToSql() == key;
      if (!known) scope->aggregates.push_back(std::move(*aggregate));
      return GroupField(expr, key);
    }
    if (expr.kind == Expr::Kind::kName && expr.path.steps.size() == 1 && !expr.quoted_steps[0] &&
        (absl::EqualsIgnoreCase(expr.path.steps[0].key, "window_start") ||
         absl::EqualsIgnoreCase(expr.path.steps[0].key, "window_end"))) {
      return GroupField(expr, Lower(expr.path.steps[0].key));
    }
    if (expr.kind != Expr::Kind::kName && expr.kind != Expr::Kind::kCall) return std::nullopt;
    Aggregation* scope = group_scope_;
    group_scope_ = nullptr;
    size_t diagnostics_before = diagnostics_.items().size();
    BoundExpr plain = BindExpr(expr);
    group_scope_ = scope;
    std::string text = plain.ToSql();
    for (const BoundExpr& key : scope->group_by) {
      if (key.ToSql() == text) return GroupField(expr, text);
    }
    if (expr.kind == Expr::Kind::kCall && diagnostics_.items().size() == diagnostics_before) return std::nullopt;
    if (expr.kind == Expr::Kind::kName) {
      diagnostics_.Error("TH1016", expr.path_location,
                         "'" + expr.path.ToString() + "' is neither in GROUP BY nor inside an aggregate",
                         "an aggregation alert describes a window: add it to GROUP BY, or use count(DISTINCT …), "
                         "array_agg(DISTINCT …) LIMIT n, min(eventTime) or max(eventTime)");
    }
    return plain;
  }

  std::optional<Aggregate> BindAggregate(const Expr& expr) {
    std::string name = Lower(expr.function_name);
    SourceLocation at = expr.location;
    at.length = static_cast<int>(expr.function_name.size());
    Aggregate out;
    auto fail = [&](const std::string& message, const std::string& hint) -> std::optional<Aggregate> {
      diagnostics_.Error("TH1016", at, message, hint);
      return std::nullopt;
    };
    if (name == "count") {
      if (expr.star_argument) return out;
      if (!expr.distinct || expr.children.size() != 1) {
        return fail("count takes * or DISTINCT x", "count(*) counts a window's records; count(DISTINCT x) its "
                                                   "distinct non-NULL values of x");
      }
      out.kind = Aggregate::Kind::kCountDistinct;
    } else if (name == "min" || name == "max") {
      if (expr.star_argument || expr.distinct || expr.children.size() != 1) {
        return fail(name + " takes one argument: eventTime", "");
      }
      out.kind = name == "min" ? Aggregate::Kind::kMinTime : Aggregate::Kind::kMaxTime;
    } else {  // array_agg
      if (!expr.distinct || expr.children.size() != 1 || !expr.limit || *expr.limit < 1 || *expr.limit > 1000) {
        return fail("array_agg needs DISTINCT and a LIMIT from 1 to 1000",
                    "write array_agg(DISTINCT x) LIMIT 10: the 10 smallest distinct values, as evidence");
      }
      out.kind = Aggregate::Kind::kArrayAggDistinct;
      out.limit = *expr.limit;
    }
    if (ContainsAggregate(expr.children[0])) return fail("aggregates do not nest", "");
    out.argument = BindExpr(expr.children[0]);
    if ((out.kind == Aggregate::Kind::kMinTime || out.kind == Aggregate::Kind::kMaxTime) &&
        !IsField(out.argument, "eventTime")) {
      return fail(name + " takes eventTime", "min(eventTime) and max(eventTime) give a window's first and last "
                                             "record; for other values use array_agg(DISTINCT x) LIMIT n");
    }
    return out;
  }

  // The output name of a SELECT item of an aggregation rule without AS:
  // the last path step of a grouped field, else the expression as written.
  static std::string OutputNameOverGroup(const Expr& written, const BoundExpr& bound) {
    if (written.kind == Expr::Kind::kName) return written.path.steps.back().key;
    return bound.kind == BoundExpr::Kind::kField ? bound.written_as : bound.ToSql();
  }

  // first_seen(key, value [, LEARN INTERVAL …]) as a top-level conjunct of
  // the rule's own WHERE.
  void BindFirstSeen(const Expr& expr, std::vector<FirstSeen>& out) {
    SourceLocation at = expr.location;
    at.length = static_cast<int>(expr.function_name.size());
    if (expr.children.size() < 2 || expr.children.size() > 3 || expr.star_argument || expr.distinct) {
      diagnostics_.Error("TH1017", at, "first_seen takes (key, value [, LEARN INTERVAL 'n' unit])",
                         "e.g. first_seen(userIdentity.arn, sourceIPAddress, LEARN INTERVAL '7' DAY)");
      return;
    }
    FirstSeen first;
    for (int i = 0; i < 2; ++i) {
      if (expr.children[i].kind == Expr::Kind::kInterval) {
        diagnostics_.Error("TH1017", expr.children[i].location, "LEARN INTERVAL comes third, after key and value");
        return;
      }
    }
    first.key = BindExpr(expr.children[0]);
    first.value = BindExpr(expr.children[1]);
    if (expr.children.size() == 3) {
      if (expr.children[2].kind != Expr::Kind::kInterval || expr.children[2].interval <= absl::ZeroDuration()) {
        diagnostics_.Error("TH1017", expr.children[2].location, "first_seen's third argument is LEARN INTERVAL 'n' unit",
                           "e.g. LEARN INTERVAL '7' DAY, with n above zero");
        return;
      }
      first.learn = expr.children[2].interval;
    }
    out.push_back(std::move(first));
  }

  static bool IsFirstSeenCall(const Expr& expr) {
    return expr.kind == Expr::Kind::kCall && absl::EqualsIgnoreCase(expr.function_name, "first_seen");
  }

  // The rule's WHERE without its first_seen conjuncts (which go to
  // first_seen_target_); nullopt when nothing else is left.
  std::optional<BoundExpr> BindConjunctsTakingFirstSeen(const Expr& where) {
    std::vector<const Expr*> conjuncts;
    std::vector<const Expr*> pending = {&where};
    while (!pending.empty()) {
      const Expr* next = pending.back();
      pending.pop_back();
      if (next->kind == Expr::Kind::kAnd) {
        for (auto child = next->children.rbegin(); child != next->children.rend(); ++child) pending.push_back(&*child);
      } else {
        conjuncts.push_back(next);
      }
    }
    std::optional<BoundExpr> rest;
    bool any_first_seen = false;
    for (const Expr* conjunct : conjuncts) {
      if (IsFirstSeenCall(*conjunct)) {
        any_first_seen = true;
        BindFirstSeen(*conjunct, *first_seen_target_);
      }
    }
    if (!any_first_seen) return BindExpr(where);
    for (const Expr* conjunct : conjuncts) {
      if (!IsFirstSeenCall(*conjunct)) rest = Conjoin(std::move(rest), BindExpr(*conjunct));
    }
    return rest;
  }

  static bool ParseDurationText(const std::string& text, absl::Duration& out) {
    size_t digits = text.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos || digits + 1 != text.size()) return false;
    int64_t count = std::atoll(text.substr(0, digits).c_str());
    switch (text[digits]) {
      case 's': out = absl::Seconds(count); return true;
      case 'm': out = absl::Minutes(count); return true;
      case 'h': out = absl::Hours(count); return true;
      case 'd': out = absl::Hours(24 * count); return true;
    }
    return false;
  }

  // allowed_lateness, suppress_by, suppress_for.
  void BindStateMetadata(const Statement& statement, BoundRule& rule) {
    const MetadataEntry* suppress_by = nullptr;
    const MetadataEntry* suppress_for = nullptr;
    for (const MetadataEntry& entry : statement.metadata) {
      std::string key = Lower(entry.key);
      if (entry.value.literal.kind != Literal::Kind::kString) continue;  // reported by BindMetadata
      const std::string& text = entry.value.literal.text;
      if (key == "allowed_lateness") {
        if (!ParseDurationText(text, rule.allowed_lateness)) {
          diagnostics_.Error("TH1011", entry.value.location, "allowed_lateness " + Quote(text) + " is not a duration",
                             "write a whole number and a unit: '30s', '5m', '2h', '1d'");
        }
      } else if (key == "suppress_by") {
        suppress_by = &entry;
      } else if (key == "suppress_for") {
        suppress_for = &entry;
      }
    }
    if (suppress_by == nullptr && suppress_for == nullptr) return;
    const MetadataEntry& either = suppress_by != nullptr ? *suppress_by : *suppress_for;
    if (suppress_by == nullptr || suppress_for == nullptr) {
      diagnostics_.Error("TH1011", either.key_location, "suppression needs both suppress_by and suppress_for",
                         "e.g. WITH (suppress_by = 'userIdentity.arn', suppress_for = '30m')");
      return;
    }
    if (rule.aggregation) {
      diagnostics_.Error("TH1011", suppress_by->key_location, "suppression applies to record rules",
                         "an aggregation rule already alerts once per window; use a longer window instead");
      return;
    }
    Suppression suppression;
    if (!ParseDurationText(suppress_for->value.literal.text, suppression.period) ||
        suppression.period <= absl::ZeroDuration()) {
      diagnostics_.Error("TH1011", suppress_for->value.location,
                         "suppress_for " + Quote(suppress_for->value.literal.text) + " is not a duration above zero",
                         "write a whole number and a unit: '30s', '5m', '2h', '1d'");
      return;
    }
    for (std::string name : std::vector<std::string>(absl::StrSplit(suppress_by->value.literal.text, ','))) {
      absl::StripAsciiWhitespace(&name);
      Expr field;
      field.kind = Expr::Kind::kName;
      field.location = field.path_location = suppress_by->value.location;
      for (const std::string& step : std::vector<std::string>(absl::StrSplit(name, '.'))) {
        if (step.empty()) continue;
        field.path.steps.push_back(PathStep{PathStep::Kind::kKey, step, 0});
        field.quoted_steps.push_back(false);
      }
      if (field.path.steps.empty()) {
        diagnostics_.Error("TH1011", suppress_by->value.location, "suppress_by names an empty field",
                           "list field names separated by commas: 'userIdentity.arn,sourceIPAddress'");
        return;
      }
      BoundExpr bound = BindField(field);
      suppression.names.push_back(OutputName(bound));
      suppression.by.push_back(std::move(bound));
    }
    rule.suppression = std::move(suppression);
  }

  static std::string OutputName(const BoundExpr& value) {
    switch (value.kind) {
      case BoundExpr::Kind::kField:
        for (auto step = value.path.steps.rbegin(); step != value.path.steps.rend(); ++step) {
          if (step->kind == PathStep::Kind::kKey) return step->key;
        }
        return value.written_as;
      case BoundExpr::Kind::kCall:
        return std::string(FunctionName(value.function));
      case BoundExpr::Kind::kLiteral:
        return value.literal.text;
      default:
        return value.ToSql();
    }
  }

  void BindMetadata(const Statement& statement, BoundRule& rule) {
    static const char* kSeverities[] = {"info", "low", "medium", "high", "critical"};
    for (const MetadataEntry& entry : statement.metadata) {
      const Literal& value = entry.value.literal;
      if (value.kind != Literal::Kind::kString) {
        diagnostics_.Error("TH1011", entry.value.location,
                           "metadata '" + entry.key + "' needs a string value", "write it in single quotes");
        continue;
      }
      std::string key = Lower(entry.key);
      rule.metadata.emplace_back(key, value.text);
      if (key == "severity") {
        std::string severity = Lower(value.text);
        if (std::find(std::begin(kSeverities), std::end(kSeverities), severity) == std::end(kSeverities)) {
          diagnostics_.Error("TH1011", entry.value.location, "unknown severity " + Quote(value.text),
                             "use one of info, low, medium, high, critical");
        } else {
          rule.severity = severity;
        }
      } else if (key == "tags") {
        std::vector<std::string> tags = absl::StrSplit(value.text, ',');
        for (std::string& tag : tags) {
          absl::StripAsciiWhitespace(&tag);
          if (!tag.empty()) rule.tags.push_back(tag);
        }
      } else if (key == "description") {
        rule.description = value.text;
      }
    }
  }

  BoundExpr Start(const Expr& expr, BoundExpr::Kind kind) {
    BoundExpr out;
    out.kind = kind;
    out.line = expr.location.line;
    out.column = expr.location.column;
    return out;
  }

  BoundExpr BindExpr(const Expr& expr) {
    if (group_scope_ != nullptr) {
      if (std::optional<BoundExpr> over_group = BindOverGroup(expr)) return std::move(*over_group);
    }
    switch (expr.kind) {
      case Expr::Kind::kInterval:
        diagnostics_.Error("TH1017", expr.location, "LEARN INTERVAL belongs in first_seen(key, value, LEARN INTERVAL …)");
        return Start(expr, BoundExpr::Kind::kLiteral);
      case Expr::Kind::kLiteral: {
        BoundExpr out = Start(expr, BoundExpr::Kind::kLiteral);
        out.literal = expr.literal;
        return out;
      }
      case Expr::Kind::kName:
        return BindField(expr);
      case Expr::Kind::kCall:
        return BindCall(expr);
      case Expr::Kind::kCompare: {
        BoundExpr out = Start(expr, BoundExpr::Kind::kCompare);
        out.op = expr.op;
        BindChildren(expr, out);
        for (int i = 0; i < 2; ++i) {
          if (expr.children[i].kind == Expr::Kind::kLiteral &&
              expr.children[i].literal.kind == Literal::Kind::kNull) {
            diagnostics_.Warning("TH2004", expr.location,
                                 "comparison with NULL is never true",
                                 "use IS NULL or IS NOT NULL to test for a missing value");
          }
        }
        CheckTimeLiteral(out.children[0], expr.children[1]);
        CheckTimeLiteral(out.children[1], expr.children[0]);
        return out;
      }
      case Expr::Kind::kIn: {
        BoundExpr out = Start(expr, BoundExpr::Kind::kIn);
        out.negated = expr.negated;
        out.children.push_back(BindExpr(expr.children[0]));
        if (!expr.list_name.empty()) {
          out.list = FindList(expr.list_name, expr.list_location);
        } else {
          ListBuilder builder("", diagnostics_);
          for (size_t i = 1; i < expr.children.size(); ++i) {
            builder.Add(expr.children[i].literal, expr.children[i].location);
            CheckTimeLiteral(out.children[0], expr.children[i]);
            if (expr.negated && expr.children[i].literal.kind == Literal::Kind::kNull) {
              diagnostics_.Warning("TH2004", expr.location, "NOT IN a list holding NULL is never true",
                                   "x NOT IN (…, NULL) is NULL or FALSE for every x; drop the NULL");
            }
          }
          out.list = builder.Build();
        }
        return out;
      }
      case Expr::Kind::kLike: {
        BoundExpr out = Start(expr, BoundExpr::Kind::kLike);
        out.negated = expr.negated;
        out.case_insensitive = expr.case_insensitive;
        out.children.push_back(BindExpr(expr.children[0]));
        out.like_pattern = RequireStringLiteral(expr.children[1], expr.case_insensitive ? "ILIKE" : "LIKE");
        if (expr.escape) {
          if (expr.escape->size() != 1) {
            diagnostics_.Error("TH1004", expr.escape_location, "ESCAPE needs exactly one character");
          } else {
            out.like_escape = (*expr.escape)[0];
          }
        }
        return out;
      }
      case Expr::Kind::kRegexp: {
        BoundExpr out = Start(expr, BoundExpr::Kind::kRegexp);
        out.negated = expr.negated;
        out.children.push_back(BindExpr(expr.children[0]));
        out.regex = CompileRegex(expr.children[1], "REGEXP");
        return out;
      }
      case Expr::Kind::kBetween: {
        BoundExpr out = Start(expr, BoundExpr::Kind::kBetween);
        out.negated = expr.negated;
        BindChildren(expr, out);
        CheckTimeLiteral(out.children[0], expr.children[1]);
        CheckTimeLiteral(out.children[0], expr.children[2]);
        CheckEmptyRange(expr, out);
        return out;
      }
      case Expr::Kind::kIsNull: {
        BoundExpr out = Start(expr, BoundExpr::Kind::kIsNull);
        out.negated = expr.negated;
        BindChildren(expr, out);
        return out;
      }
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr:
      case Expr::Kind::kNot: {
        BoundExpr out = Start(expr, expr.kind == Expr::Kind::kAnd   ? BoundExpr::Kind::kAnd
                                    : expr.kind == Expr::Kind::kOr ? BoundExpr::Kind::kOr
                                                                   : BoundExpr::Kind::kNot);
        BindChildren(expr, out);
        return out;
      }
    }
    return Start(expr, BoundExpr::Kind::kLiteral);
  }

  void BindChildren(const Expr& expr, BoundExpr& out) {
    for (const Expr& child : expr.children) out.children.push_back(BindExpr(child));
  }

  std::shared_ptr<const ValueList> FindList(const std::string& name, const SourceLocation& at) {
    auto it = lists_.find(Lower(name));
    if (it != lists_.end()) return it->second;
    std::vector<std::string> names;
    for (const auto& [key, list] : lists_) names.push_back(list->name);
    std::string close = ClosestMatch(name, names);
    diagnostics_.Error("TH1005", at, "unknown list '" + name + "'",
                       close.empty() ? "define it with CREATE LIST " + name + " (…); or FROM FILE '…'"
                                     : "did you mean '" + close + "'?");
    auto empty = std::make_shared<ValueList>();
    empty->name = name;
    return empty;
  }

  std::string RequireStringLiteral(const Expr& expr, const std::string& what) {
    if (expr.kind != Expr::Kind::kLiteral || expr.literal.kind != Literal::Kind::kString) {
      diagnostics_.Error("TH1004", expr.location, what + " needs a pattern in single quotes",
                         "patterns are compiled once, so they must be literals");
      return "";
    }
    return expr.literal.text;
  }

  std::shared_ptr<const RE2> CompileRegex(const Expr& pattern_expr, const std::string& what) {
    std::string pattern = RequireStringLiteral(pattern_expr, what);
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<RE2>(pattern, options);
    if (!regex->ok()) {
      diagnostics_.Error("TH1009", pattern_expr.location, "invalid regular expression: " + regex->error(),
                         "trailhound uses RE2 syntax (no backreferences or lookaround)");
    }
    return regex;
  }

  BoundExpr BindField(const Expr& expr) {
    BoundExpr out = Start(expr, BoundExpr::Kind::kField);
    std::vector<PathStep> steps = expr.path.steps;
    std::vector<bool> quoted = expr.quoted_steps;
    std::string written = expr.path.ToString();
    out.written_as = written;
    if (!from_alias_.empty() && steps.size() > 1 && steps[0].kind == PathStep::Kind::kKey &&
        steps[0].key == from_alias_) {
      steps.erase(steps.begin());
      quoted.erase(quoted.begin());
    }
    const SchemaNode* node = &CloudTrailSchema();
    if (FindChild(*node, steps[0].key, quoted[0]) == nullptr) {
      for (const FieldAlias& alias : CloudTrailAliases()) {
        if (absl::EqualsIgnoreCase(alias.name, steps[0].key)) {
          std::vector<PathStep> expanded;
          std::vector<std::string> parts = absl::StrSplit(alias.target, '.');
          for (const std::string& part : parts) {
            expanded.push_back(PathStep{PathStep::Kind::kKey, part, 0});
          }
          steps.erase(steps.begin());
          quoted.erase(quoted.begin());
          steps.insert(steps.begin(), expanded.begin(), expanded.end());
          quoted.insert(quoted.begin(), expanded.size(), true);
          break;
        }
      }
    }
    for (size_t i = 0; i < steps.size(); ++i) {
      if (node->type == FieldType::kFreeForm) break;
      if (steps[i].kind != PathStep::Kind::kKey) continue;  // indexes stay on the array's node
      const SchemaNode* child = FindChild(*node, steps[i].key, quoted[i]);
      if (child == nullptr) {
        std::string suggestion = ClosestMatch(written, DidYouMeanCandidates());
        diagnostics_.Warning("TH2001", expr.path_location, "unknown field '" + written + "'",
                             suggestion.empty() ? "known top-level fields: eventName, eventSource, "
                                                  "userIdentity.*, sourceIPAddress, requestParameters.* …"
                                                : "did you mean '" + suggestion + "'?");
        break;
      }
      steps[i].key = child->name;
      node = child;
    }
    out.path.steps = std::move(steps);
    return out;
  }

  static bool IsField(const BoundExpr& expr, const char* canonical) {
    return expr.kind == BoundExpr::Kind::kField && expr.path.ToString() == canonical;
  }

  // eventTime against a string that is not a date compares as text.
  void CheckTimeLiteral(const BoundExpr& field, const Expr& literal) {
    if (!IsField(field, "eventTime") || literal.kind != Expr::Kind::kLiteral ||
        literal.literal.kind != Literal::Kind::kString || literal.literal.instant) {
      return;
    }
    diagnostics_.Warning("TH2002", literal.location,
                         Quote(literal.literal.text) +
                             " is not a date or timestamp, so eventTime compares with it as text",
                         "write a date like '2023-10-01' or a timestamp like '2023-10-01T08:00:00Z'");
  }

  void CheckEmptyRange(const Expr& expr, const BoundExpr& between) {
    const BoundExpr& low = between.children[1];
    const BoundExpr& high = between.children[2];
    if (low.kind != BoundExpr::Kind::kLiteral || high.kind != BoundExpr::Kind::kLiteral) return;
    bool empty = false;
    if (low.literal.kind == Literal::Kind::kNumber && high.literal.kind == Literal::Kind::kNumber) {
      empty = low.literal.number > high.literal.number;
    } else if (low.literal.instant && high.literal.instant) {
      empty = *low.literal.instant > *high.literal.instant;
    } else if (low.literal.kind == Literal::Kind::kString && high.literal.kind == Literal::Kind::kString) {
      empty = low.literal.text > high.literal.text;
    }
    if (empty && !expr.negated) {
      diagnostics_.Warning("TH2004", expr.location,
                           "BETWEEN " + low.literal.ToSql() + " AND " + high.literal.ToSql() +
                               " is an empty range, so this is never true",
                           "the lower bound comes first");
    }
  }

  // Within one AND, two equalities (or IN lists) on the same field that share
  // no value can never both hold.
  void CheckContradictions(const BoundExpr& expr) {
    for (const BoundExpr& child : expr.children) CheckContradictions(child);
    if (expr.kind != BoundExpr::Kind::kAnd) return;
    std::vector<const BoundExpr*> conjuncts;
    Flatten(expr, conjuncts);
    std::map<std::string, std::set<std::string>> allowed;
    for (const BoundExpr* conjunct : conjuncts) {
      std::string field;
      std::set<std::string> values;
      if (!AllowedValues(*conjunct, field, values)) continue;
      auto it = allowed.find(field);
      if (it == allowed.end()) {
        allowed[field] = values;
        continue;
      }
      std::set<std::string> common;
      std::set_intersection(it->second.begin(), it->second.end(), values.begin(), values.end(),
                            std::inserter(common, common.begin()));
      if (common.empty()) {
        SourceLocation at{current_file_, conjunct->line, conjunct->column, 1};
        diagnostics_.Warning("TH2004", at,
                             "condition can never be true: " + field +
                                 " cannot equal both this and an earlier value in the same AND",
                             "did you mean OR, or IN (…)?");
        return;
      }
      it->second = common;
    }
  }

  static void Flatten(const BoundExpr& expr, std::vector<const BoundExpr*>& out) {
    if (expr.kind == BoundExpr::Kind::kAnd) {
      for (const BoundExpr& child : expr.children) Flatten(child, out);
    } else {
      out.push_back(&expr);
    }
  }

  // Only fields the schema knows as scalars: anything else may be an array
  // at run time, whose elements can satisfy different equalities.
  static bool IsScalarField(const BoundExpr& expr) {
    if (expr.kind != BoundExpr::Kind::kField) return false;
    FieldPath prefix;
    for (const PathStep& step : expr.path.steps) {
      if (step.kind != PathStep::Kind::kKey) return false;
      prefix.steps.push_back(step);
      if (FieldTypeOf(prefix) == FieldType::kArray) return false;
    }
    FieldType type = FieldTypeOf(expr.path);
    return type == FieldType::kString || type == FieldType::kBool || type == FieldType::kTimestamp;
  }

  static bool AllowedValues(const BoundExpr& expr, std::string& field, std::set<std::string>& values) {
    if (expr.children.empty() || !IsScalarField(expr.children[0])) return false;
    auto text_literal = [](const Literal& l) { return l.kind == Literal::Kind::kString; };
    if (expr.kind == BoundExpr::Kind::kCompare && expr.op == CompareOp::kEq &&
        expr.children[0].kind == BoundExpr::Kind::kField &&
        expr.children[1].kind == BoundExpr::Kind::kLiteral && text_literal(expr.children[1].literal)) {
      field = expr.children[0].path.ToString();
      values.insert(expr.children[1].literal.text);
      return true;
    }
    if (expr.kind == BoundExpr::Kind::kIn && !expr.negated &&
        expr.children[0].kind == BoundExpr::Kind::kField && expr.list->cidrs.empty() &&
        !expr.list->items.empty() &&
        std::all_of(expr.list->items.begin(), expr.list->items.end(), text_literal)) {
      field = expr.children[0].path.ToString();
      for (const Literal& item : expr.list->items) values.insert(item.text);
      return true;
    }
    return false;
  }

  BoundExpr BindCall(const Expr& expr) {
    struct Signature {
      const char* name;
      Function function;
      size_t min_args, max_args;
    };
    static const Signature kFunctions[] = {
        {"lower", Function::kLower, 1, 1},
        {"upper", Function::kUpper, 1, 1},
        {"starts_with", Function::kStartsWith, 2, 2},
        {"ends_with", Function::kEndsWith, 2, 2},
        {"contains", Function::kContains, 2, 2},
        {"cidr_match", Function::kCidrMatch, 2, 2},
        {"hour", Function::kHour, 1, 2},
        {"day_of_week", Function::kDayOfWeek, 1, 2},
        {"json_extract_scalar", Function::kJsonExtractScalar, 2, 2},
    };
    std::string name = Lower(expr.function_name);
    SourceLocation name_location = expr.location;
    name_location.length = static_cast<int>(expr.function_name.size());
    if (IsAggregateName(name)) {
      diagnostics_.Error("TH1016", name_location, "aggregate " + name + "() outside SELECT/HAVING of a windowed rule",
                         "aggregates need GROUP BY … WINDOW …; a plain rule decides one record at a time");
      return Start(expr, BoundExpr::Kind::kLiteral);
    }
    if (name == "first_seen") {
      diagnostics_.Error("TH1017", name_location, "first_seen must be one of the top-level AND conditions of a rule's WHERE",
                         "it is decided after the rest of the WHERE, so it cannot sit under OR or NOT, in a view, "
                         "or in SELECT/HAVING");
      return Start(expr, BoundExpr::Kind::kLiteral);
    }
    if (expr.star_argument || expr.distinct || expr.limit) {
      diagnostics_.Error("TH1004", name_location, name + "() takes neither *, DISTINCT nor LIMIT");
      return Start(expr, BoundExpr::Kind::kLiteral);
    }
    if (name == "regexp_like") {  // Athena's spelling of REGEXP
      BoundExpr out = Start(expr, BoundExpr::Kind::kRegexp);
      if (expr.children.size() != 2) {
        ArgumentCount(name_location, "regexp_like", 2, 2, expr.children.size());
        return Start(expr, BoundExpr::Kind::kLiteral);
      }
      out.children.push_back(BindExpr(expr.children[0]));
      out.regex = CompileRegex(expr.children[1], "regexp_like");
      return out;
    }
    const Signature* signature = nullptr;
    for (const Signature& s : kFunctions) {
      if (name == s.name) signature = &s;
    }
    if (signature == nullptr) {
      std::vector<std::string> names = {"regexp_like"};
      for (const Signature& s : kFunctions) names.push_back(s.name);
      std::string close = ClosestMatch(name, names);
      diagnostics_.Error("TH1003", name_location, "unknown function '" + expr.function_name + "'",
                         close.empty() ? "functions: " + absl::StrJoin(names, ", ")
                                       : "did you mean '" + close + "'?");
      return Start(expr, BoundExpr::Kind::kLiteral);
    }
    if (expr.children.size() < signature->min_args || expr.children.size() > signature->max_args) {
      ArgumentCount(name_location, signature->name, signature->min_args, signature->max_args,
                    expr.children.size());
      return Start(expr, BoundExpr::Kind::kLiteral);
    }
    BoundExpr out = Start(expr, BoundExpr::Kind::kCall);
    out.function = signature->function;
    out.children.push_back(BindExpr(expr.children[0]));
    const Expr* second = expr.children.size() > 1 ? &expr.children[1] : nullptr;
    switch (signature->function) {
      case Function::kCidrMatch:
        out.list = BindCidrArgument(*second);
        break;
      case Function::kHour:
      case Function::kDayOfWeek:
        out.time_zone = absl::UTCTimeZone();
        if (second != nullptr) {
          std::string zone = RequireStringLiteral(*second, signature->name + std::string("'s time zone"));
          if (!zone.empty() && !absl::LoadTimeZone(zone, &out.time_zone)) {
            diagnostics_.Error("TH1012", second->location, "unknown time zone " + Quote(zone),
                               "use an IANA name such as 'UTC', 'Europe/Berlin' or 'America/New_York'");
          }
        }
        break;
      case Function::kJsonExtractScalar:
        out.json_path = ParseJsonPath(*second);
        break;
      default:
        if (second != nullptr) out.children.push_back(BindExpr(*second));
    }
    return out;
  }

  void ArgumentCount(const SourceLocation& at, const std::string& name, size_t min, size_t max,
                     size_t given) {
    std::string expected = min == max ? std::to_string(min) : std::to_string(min) + " or " + std::to_string(max);
    diagnostics_.Error("TH1004", at,
                       name + "() takes " + expected + " argument" + (max == 1 ? "" : "s") + ", " +
                           std::to_string(given) + " given");
  }

  std::shared_ptr<const ValueList> BindCidrArgument(const Expr& expr) {
    if (expr.kind == Expr::Kind::kName && expr.path.steps.size() == 1) {
      return FindList(expr.path.steps[0].key, expr.path_location);
    }
    std::string text = RequireStringLiteral(expr, "cidr_match");
    ListBuilder builder("", diagnostics_);
    if (!text.empty()) {
      if (!ParseCidr(text)) {
        diagnostics_.Error("TH1010", expr.location, "invalid CIDR " + Quote(text),
                           "write a network like '10.0.0.0/8' or '2001:db8::/32'");
      } else {
        builder.Add(expr.literal, expr.location);
      }
    }
    return builder.Build();
  }

  // '$.a.b[0]', '$["x-y"]' → path steps.
  FieldPath ParseJsonPath(const Expr& expr) {
    FieldPath path;
    std::string text = RequireStringLiteral(expr, "json_extract_scalar");
    auto fail = [&] {
      diagnostics_.Error("TH1013", expr.location, "invalid JSON path " + Quote(text),
                         "write it like '$.a.b', '$.items[0].name' or '$[\"x-y\"]'");
      return FieldPath{};
    };
    if (text.empty()) return path;
    if (text[0] != '$') return fail();
    size_t i = 1;
    while (i < text.size()) {
      if (text[i] == '.') {
        size_t start = ++i;
        while (i < text.size() && text[i] != '.' && text[i] != '[') ++i;
        if (i == start) return fail();
        path.steps.push_back(PathStep{PathStep::Kind::kKey, text.substr(start, i - start), 0});
      } else if (text[i] == '[') {
        size_t close = text.find(']', i);
        if (close == std::string::npos) return fail();
        std::string inside = text.substr(i + 1, close - i - 1);
        if (inside.size() >= 2 && inside.front() == '"' && inside.back() == '"') {
          path.steps.push_back(PathStep{PathStep::Kind::kKey, inside.substr(1, inside.size() - 2), 0});
        } else if (!inside.empty() && inside.find_first_not_of("0123456789") == std::string::npos) {
          path.steps.push_back(PathStep{PathStep::Kind::kIndex, "", std::stoll(inside)});
        } else {
          return fail();
        }
        i = close + 1;
      } else {
        return fail();
      }
    }
    return path;
  }

  const std::vector<ParsedFile>& files_;
  Diagnostics& diagnostics_;
  std::map<std::string, std::shared_ptr<const ValueList>> lists_;
  std::map<std::string, ViewEntry> views_;
  std::vector<const Statement*> rules_;
  std::string from_alias_;
  const SourceFile* current_file_ = nullptr;
  std::vector<FirstSeen>* first_seen_target_ = nullptr;  // binding a rule's own WHERE
  Aggregation* group_scope_ = nullptr;                   // binding SELECT/HAVING over a group
};

}  // namespace

RuleSet Bind(const std::vector<ParsedFile>& files, Diagnostics& diagnostics) {
  return Binder(files, diagnostics).Run();
}

}  // namespace trailhound
