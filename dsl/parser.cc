#include "dsl/parser.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "core/timestamp.h"
#include "dsl/lexer.h"

namespace trailhound {
namespace {

// Words that cannot start a field name (a field with such a name is quoted).
constexpr const char* kReserved[] = {
    "select", "from", "where", "and", "or", "not", "in", "like", "ilike", "regexp", "rlike",
    "between", "is", "null", "true", "false", "as", "create", "group", "order", "limit",
    "having", "join", "union", "window", "escape", "distinct", "with",
};

// SQL a streaming rule cannot have (TH1014), with what to do instead.
struct Unsupported {
  const char* keyword;
  const char* hint;
};
constexpr Unsupported kUnsupported[] = {
    {"order", "alerts come out in input order; remove ORDER BY"},
    {"limit", "a streaming rule has no LIMIT (only array_agg(DISTINCT x) LIMIT n has); use suppress_by/suppress_for to limit alerts"},
    {"join", "a rule reads one record at a time; JOINs are not supported"},
    {"union", "write each SELECT as its own rule"},
    {"distinct", "every matching record is its own alert; remove DISTINCT (count(DISTINCT x) is fine)"},
    {"with", "common table expressions are not supported; write CREATE VIEW name AS SELECT …; instead"},
};

std::string FileStem(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  for (char& c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return stem.empty() ? "rule" : stem;
}

class Parser {
 public:
  Parser(const SourceFile& file, Diagnostics& diagnostics)
      : file_(file), diagnostics_(diagnostics), diagnostics_before_(diagnostics.items().size()),
        lexed_(Lex(file, diagnostics)), lexer_failed_(diagnostics.items().size() > diagnostics_before_) {}

  ParsedFile Run() {
    ParsedFile out;
    out.file = &file_;
    int select_ordinal = 0;
    size_t previous_end = 0;
    while (!AtEnd()) {
      if (Peek().IsSymbol(";")) {
        Next();
        continue;
      }
      failed_ = false;
      nesting_ = 0;
      size_t start_offset = Peek().offset;
      Statement statement;
      ParseStatement(statement);
      if (!failed_ && !Peek().IsSymbol(";") && !AtEnd()) {
        Fail(Peek(), "expected ';' after the statement");
      }
      if (failed_) {
        SkipPastSemicolon();
      } else {
        if (statement.kind == Statement::Kind::kSelect) {
          ++select_ordinal;
          statement.name = NameFromComment(previous_end, start_offset);
          if (statement.name.empty()) {
            statement.name = FileStem(file_.path) + "_" + std::to_string(select_ordinal);
          }
          statement.name_location = statement.location;
        }
        out.statements.push_back(std::move(statement));
      }
      previous_end = Peek().offset;
    }
    return out;
  }

 private:
  bool AtEnd() const { return Peek().kind == Token::Kind::kEnd; }

  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, lexed_.tokens.size() - 1);
    return lexed_.tokens[i];
  }
  const Token& Next() {
    const Token& token = Peek();
    if (pos_ + 1 < lexed_.tokens.size()) ++pos_;
    return token;
  }
  bool AcceptKeyword(const char* keyword) {
    if (!Peek().IsKeyword(keyword)) return false;
    Next();
    return true;
  }
  bool AcceptSymbol(const char* symbol) {
    if (!Peek().IsSymbol(symbol)) return false;
    Next();
    return true;
  }

  static std::string Describe(const Token& token) {
    switch (token.kind) {
      case Token::Kind::kEnd: return "end of file";
      case Token::Kind::kString: return "string '" + token.text + "'";
      case Token::Kind::kQuotedIdentifier: return "\"" + token.text + "\"";
      default: return "'" + token.text + "'";
    }
  }

  // Reports the first syntax error of a statement; later ones are cascades.
  void Fail(const Token& at, const std::string& message, const std::string& hint = "") {
    if (failed_) return;
    failed_ = true;
    // Running into the end after a lexical error (say, an unterminated
    // string) is that error's echo, not news.
    if (at.kind == Token::Kind::kEnd && lexer_failed_) return;
    std::string code = "TH1002";
    std::string final_hint = hint;
    for (const Unsupported& u : kUnsupported) {
      if (at.IsKeyword(u.keyword)) {
        code = "TH1014";
        final_hint = u.hint;
        diagnostics_.Error(code, at.location, "unsupported SQL in a streaming rule: " +
                                                  Describe(at), final_hint);
        return;
      }
    }
    diagnostics_.Error(code, at.location, message + ", found " + Describe(at), final_hint);
  }

  bool ExpectSymbol(const char* symbol, const std::string& what) {
    if (AcceptSymbol(symbol)) return true;
    Fail(Peek(), "expected " + what);
    return false;
  }
  bool ExpectKeyword(const char* keyword) {
    if (AcceptKeyword(keyword)) return true;
    Fail(Peek(), std::string("expected ") + keyword);
    return false;
  }

  void SkipPastSemicolon() {
    while (!AtEnd() && !Peek().IsSymbol(";")) Next();
    if (Peek().IsSymbol(";")) Next();
  }

  std::string NameFromComment(size_t from, size_t to) const {
    std::string name;
    for (const NameComment& comment : lexed_.name_comments) {
      if (comment.offset >= from && comment.offset < to) name = comment.name;
    }
    return name;
  }

  static bool IsReserved(const Token& token) {
    if (token.kind != Token::Kind::kIdentifier) return false;
    for (const char* word : kReserved) {
      if (token.IsKeyword(word)) return true;
    }
    return false;
  }

  bool ParseName(std::string& name, SourceLocation& location, const char* what) {
    const Token& token = Peek();
    if ((token.kind == Token::Kind::kIdentifier && !IsReserved(token)) ||
        token.kind == Token::Kind::kQuotedIdentifier) {
      name = token.text;
      location = token.location;
      Next();
      return true;
    }
    Fail(token, std::string("expected ") + what);
    return false;
  }

  void ParseStatement(Statement& statement) {
    statement.location = Peek().location;
    if (Peek().IsKeyword("select")) {
      statement.kind = Statement::Kind::kSelect;
      ParseSelect(statement.select);
      return;
    }
    if (!AcceptKeyword("create")) {
      Fail(Peek(), "expected SELECT or CREATE RULE / VIEW / LIST");  // WITH … is TH1014
      return;
    }
    if (AcceptKeyword("rule")) {
      statement.kind = Statement::Kind::kCreateRule;
      if (!ParseName(statement.name, statement.name_location, "a rule name")) return;
      if (AcceptKeyword("with")) ParseMetadata(statement);
      if (failed_ || !ExpectKeyword("as")) return;
      if (!Peek().IsKeyword("select")) return Fail(Peek(), "expected SELECT");
      ParseSelect(statement.select);
    } else if (AcceptKeyword("view")) {
      statement.kind = Statement::Kind::kCreateView;
      if (!ParseName(statement.name, statement.name_location, "a view name")) return;
      if (!ExpectKeyword("as")) return;
      if (!Peek().IsKeyword("select")) return Fail(Peek(), "expected SELECT");
      ParseSelect(statement.select);
    } else if (AcceptKeyword("list")) {
      statement.kind = Statement::Kind::kCreateList;
      if (!ParseName(statement.name, statement.name_location, "a list name")) return;
      if (AcceptKeyword("from")) {
        if (!ExpectKeyword("file")) return;
        if (Peek().kind != Token::Kind::kString) return Fail(Peek(), "expected a file name in quotes");
        statement.list_file = Peek().text;
        statement.list_file_location = Peek().location;
        Next();
        return;
      }
      if (!ExpectSymbol("(", "'(' or FROM FILE")) return;
      do {
        Expr item;
        if (!ParseLiteral(item)) return;
        statement.list_items.push_back(std::move(item));
      } while (AcceptSymbol(","));
      ExpectSymbol(")", "')' or ','");
    } else {
      Fail(Peek(), "expected RULE, VIEW or LIST after CREATE");
    }
  }

  void ParseMetadata(Statement& statement) {
    if (!ExpectSymbol("(", "'(' after WITH")) return;
    do {
      MetadataEntry entry;
      if (!ParseName(entry.key, entry.key_location, "a metadata key")) return;
      if (!ExpectSymbol("=", "'='")) return;
      if (!ParseLiteral(entry.value)) return;
      statement.metadata.push_back(std::move(entry));
    } while (AcceptSymbol(","));
    ExpectSymbol(")", "')' or ','");
  }

  void ParseSelect(SelectSyntax& select) {
    select.location = Peek().location;
    Next();  // SELECT
    if (Peek().IsKeyword("distinct")) return Fail(Peek(), "");
    if (Peek().IsSymbol("*")) {
      select.star_location = Next().location;
      select.star = true;
    } else {
      do {
        SelectItemSyntax item;
        if (!ParseExpr(item.value)) return;
        if (AcceptKeyword("as")) {
          SourceLocation unused;
          if (!ParseName(item.alias, unused, "an alias after AS")) return;
        } else if (Peek().kind == Token::Kind::kIdentifier && !IsReserved(Peek())) {
          item.alias = Next().text;
        }
        select.items.push_back(std::move(item));
      } while (AcceptSymbol(","));
    }
    if (!ExpectKeyword("from")) return;
    // Table name, possibly qualified: db.table, "db"."table".
    do {
      if (!ParseName(select.from, select.from_location, "a table or view name")) return;
    } while (AcceptSymbol("."));
    if (AcceptKeyword("as")) {
      SourceLocation unused;
      if (!ParseName(select.from_alias, unused, "a table alias")) return;
    } else if (Peek().kind == Token::Kind::kIdentifier && !IsReserved(Peek())) {
      select.from_alias = Next().text;
    }
    // ksqlDB puts WINDOW before WHERE; runbooks often put it after GROUP BY.
    if (Peek().IsKeyword("window") && !ParseWindow(select)) return;
    if (AcceptKeyword("where")) {
      Expr where;
      if (!ParseExpr(where)) return;
      select.where = std::move(where);
    }
    if (Peek().IsKeyword("group")) {
      select.group_by_location = Next().location;
      if (!ExpectKeyword("by")) return;
      do {
        Expr item;
        if (!ParseExpr(item)) return;
        select.group_by.push_back(std::move(item));
      } while (AcceptSymbol(","));
    }
    if (Peek().IsKeyword("window") && !select.window && !ParseWindow(select)) return;
    if (Peek().IsKeyword("having")) {
      select.having_location = Next().location;
      Expr having;
      if (!ParseExpr(having)) return;
      select.having = std::move(having);
    }
    for (const Unsupported& u : kUnsupported) {
      if (Peek().IsKeyword(u.keyword)) return Fail(Peek(), "");
    }
  }

  // WINDOW TUMBLING (SIZE n unit) | HOPPING (SIZE n unit, ADVANCE BY n unit)
  // | SLIDING ([SIZE] n unit)
  bool ParseWindow(SelectSyntax& select) {
    WindowSyntax window;
    window.location = Next().location;  // WINDOW
    if (AcceptKeyword("tumbling")) {
      window.kind = WindowSpec::Kind::kTumbling;
    } else if (AcceptKeyword("hopping")) {
      window.kind = WindowSpec::Kind::kHopping;
    } else if (AcceptKeyword("sliding")) {
      window.kind = WindowSpec::Kind::kSliding;
    } else {
      Fail(Peek(), "expected TUMBLING, HOPPING or SLIDING after WINDOW");
      return false;
    }
    if (!ExpectSymbol("(", "'(' after the window type")) return false;
    bool size_keyword = AcceptKeyword("size");
    if (!size_keyword && window.kind != WindowSpec::Kind::kSliding) {
      Fail(Peek(), "expected SIZE");
      return false;
    }
    window.size_location = Peek().location;
    if (!ParseDuration(window.size)) return false;
    if (window.kind == WindowSpec::Kind::kHopping) {
      if (!ExpectSymbol(",", "',' and ADVANCE BY") || !ExpectKeyword("advance") || !ExpectKeyword("by")) {
        return false;
      }
      window.advance_location = Peek().location;
      if (!ParseDuration(window.advance)) return false;
    } else {
      window.advance = window.size;
    }
    if (!ExpectSymbol(")", "')'")) return false;
    select.window = window;
    return true;
  }

  // n unit, as in WINDOW clauses: 10 MINUTES, 1 HOUR.
  bool ParseDuration(absl::Duration& out) {
    if (Peek().kind != Token::Kind::kNumber ||
        Peek().text.find_first_not_of("0123456789") != std::string::npos) {
      Fail(Peek(), "expected a whole number of SECONDS, MINUTES, HOURS or DAYS");
      return false;
    }
    int64_t count = std::atoll(Next().text.c_str());
    return ParseUnit(count, out);
  }

  bool ParseUnit(int64_t count, absl::Duration& out) {
    static const std::pair<const char*, absl::Duration> kUnits[] = {
        {"second", absl::Seconds(1)}, {"seconds", absl::Seconds(1)}, {"minute", absl::Minutes(1)},
        {"minutes", absl::Minutes(1)}, {"hour", absl::Hours(1)},     {"hours", absl::Hours(1)},
        {"day", absl::Hours(24)},      {"days", absl::Hours(24)}};
    for (const auto& [name, unit] : kUnits) {
      if (AcceptKeyword(name)) {
        out = count * unit;
        return true;
      }
    }
    Fail(Peek(), "expected a unit: SECONDS, MINUTES, HOURS or DAYS");
    return false;
  }

  // Nesting (parentheses, NOT, function calls) is bounded so that a hostile
  // rule file cannot overflow the stack here or in the stages after.
  static constexpr int kMaxNesting = 200;
  bool Nest() {
    if (++nesting_ <= kMaxNesting) return true;
    if (!failed_) {
      failed_ = true;
      diagnostics_.Error("TH1002", Peek().location,
                         "expression nests deeper than " + std::to_string(kMaxNesting) + " levels",
                         "split the condition into views");
    }
    return false;
  }

  bool ParseExpr(Expr& out) {
    bool ok = Nest() && ParseOr(out);
    --nesting_;
    return ok;
  }

  bool ParseBinaryChain(Expr& out, const char* keyword, Expr::Kind kind,
                        bool (Parser::*operand)(Expr&)) {
    Expr first;
    if (!(this->*operand)(first)) return false;
    if (!Peek().IsKeyword(keyword)) {
      out = std::move(first);
      return true;
    }
    out = Expr{};
    out.kind = kind;
    out.location = first.location;
    out.children.push_back(std::move(first));
    while (AcceptKeyword(keyword)) {
      Expr next;
      if (!(this->*operand)(next)) return false;
      out.children.push_back(std::move(next));
    }
    return true;
  }

  bool ParseOr(Expr& out) { return ParseBinaryChain(out, "or", Expr::Kind::kOr, &Parser::ParseAnd); }
  bool ParseAnd(Expr& out) { return ParseBinaryChain(out, "and", Expr::Kind::kAnd, &Parser::ParseNot); }

  bool ParseNot(Expr& out) {
    if (Peek().IsKeyword("not")) {
      out.kind = Expr::Kind::kNot;
      out.location = Next().location;
      Expr operand;
      bool ok = Nest() && ParseNot(operand);
      --nesting_;
      if (!ok) return false;
      out.children.push_back(std::move(operand));
      return true;
    }
    return ParsePredicate(out);
  }

  bool ParsePredicate(Expr& out) {
    Expr left;
    if (!ParsePrimary(left)) return false;
    static const std::pair<const char*, CompareOp> kOps[] = {
        {"=", CompareOp::kEq}, {"!=", CompareOp::kNe}, {"<>", CompareOp::kNe},
        {"<", CompareOp::kLt}, {"<=", CompareOp::kLe}, {">", CompareOp::kGt},
        {">=", CompareOp::kGe}};
    for (const auto& [symbol, op] : kOps) {
      if (AcceptSymbol(symbol)) {
        out.kind = Expr::Kind::kCompare;
        out.op = op;
        return Binary(out, std::move(left));
      }
    }
    if (AcceptKeyword("is")) {
      out.kind = Expr::Kind::kIsNull;
      out.negated = AcceptKeyword("not");
      out.location = left.location;
      out.children.push_back(std::move(left));
      return ExpectKeyword("null");
    }
    bool negated = false;
    if (AcceptKeyword("not")) negated = true;
    out.negated = negated;
    if (AcceptKeyword("in")) {
      out.kind = Expr::Kind::kIn;
      out.location = left.location;
      out.children.push_back(std::move(left));
      if (AcceptSymbol("(")) {
        do {
          Expr item;
          if (!ParseLiteral(item)) return false;
          out.children.push_back(std::move(item));
        } while (AcceptSymbol(","));
        return ExpectSymbol(")", "')' or ','");
      }
      return ParseName(out.list_name, out.list_location, "'(' or a list name after IN");
    }
    if (Peek().IsKeyword("like") || Peek().IsKeyword("ilike")) {
      out.kind = Expr::Kind::kLike;
      out.case_insensitive = Next().IsKeyword("ilike");
      if (!Binary(out, std::move(left))) return false;
      if (AcceptKeyword("escape")) {
        if (Peek().kind != Token::Kind::kString) {
          Fail(Peek(), "expected an escape character in quotes");
          return false;
        }
        out.escape = Peek().text;
        out.escape_location = Next().location;
      }
      return true;
    }
    if (AcceptKeyword("regexp") || AcceptKeyword("rlike")) {
      out.kind = Expr::Kind::kRegexp;
      return Binary(out, std::move(left));
    }
    if (AcceptKeyword("between")) {
      out.kind = Expr::Kind::kBetween;
      out.location = left.location;
      out.children.push_back(std::move(left));
      Expr low, high;
      if (!ParsePrimary(low) || !ExpectKeyword("and") || !ParsePrimary(high)) return false;
      out.children.push_back(std::move(low));
      out.children.push_back(std::move(high));
      return true;
    }
    if (negated) {
      Fail(Peek(), "expected IN, LIKE, ILIKE, REGEXP or BETWEEN after NOT");
      return false;
    }
    out = std::move(left);
    return true;
  }

  bool Binary(Expr& out, Expr left) {
    out.location = left.location;
    out.children.push_back(std::move(left));
    Expr right;
    if (!ParsePrimary(right)) return false;
    out.children.push_back(std::move(right));
    return true;
  }

  bool ParseLiteral(Expr& out) {
    if (!ParsePrimary(out)) return false;
    if (out.kind != Expr::Kind::kLiteral) {
      diagnostics_.Error("TH1002", out.location, "expected a literal (a 'string', a number, TRUE, FALSE or NULL)");
      failed_ = true;
      return false;
    }
    return true;
  }

  bool ParsePrimary(Expr& out) {
    const Token& token = Peek();
    out.location = token.location;
    if (token.kind == Token::Kind::kString) {
      out.kind = Expr::Kind::kLiteral;
      out.literal.kind = Literal::Kind::kString;
      out.literal.text = token.text;
      out.literal.instant = ParseTimestamp(token.text);
      Next();
      return true;
    }
    if (token.kind == Token::Kind::kNumber || (token.IsSymbol("-") && Peek(1).kind == Token::Kind::kNumber)) {
      std::string text;
      if (token.IsSymbol("-")) {
        text = "-";
        Next();
      }
      text += Next().text;
      out.kind = Expr::Kind::kLiteral;
      out.literal.kind = Literal::Kind::kNumber;
      out.literal.text = text;
      out.literal.number = std::strtod(text.c_str(), nullptr);
      out.location.length = static_cast<int>(text.size());
      return true;
    }
    if (token.IsKeyword("null") || token.IsKeyword("true") || token.IsKeyword("false")) {
      out.kind = Expr::Kind::kLiteral;
      if (token.IsKeyword("null")) {
        out.literal.kind = Literal::Kind::kNull;
      } else {
        out.literal.kind = Literal::Kind::kBool;
        out.literal.boolean = token.IsKeyword("true");
      }
      out.literal.text = token.text;
      Next();
      return true;
    }
    if (token.IsSymbol("(")) {
      Next();
      if (!ParseExpr(out)) return false;
      return ExpectSymbol(")", "')'");
    }
    if (token.kind == Token::Kind::kIdentifier && !IsReserved(token) && Peek(1).IsSymbol("(")) {
      out.kind = Expr::Kind::kCall;
      out.function_name = token.text;
      Next();
      Next();  // (
      if (AcceptSymbol(")")) return true;
      if (AcceptSymbol("*")) {
        out.star_argument = true;
        return ExpectSymbol(")", "')' after '*'");
      }
      out.distinct = AcceptKeyword("distinct");
      do {
        Expr argument;
        if (Peek().IsKeyword("learn")) {
          if (!ParseLearnInterval(argument)) return false;
        } else if (!ParseExpr(argument)) {
          return false;
        }
        out.children.push_back(std::move(argument));
      } while (AcceptSymbol(","));
      if (!ExpectSymbol(")", "')' or ',' in the argument list")) return false;
      if (absl::EqualsIgnoreCase(out.function_name, "array_agg") && AcceptKeyword("limit")) {
        if (Peek().kind != Token::Kind::kNumber ||
            Peek().text.find_first_not_of("0123456789") != std::string::npos) {
          Fail(Peek(), "expected a whole number after LIMIT");
          return false;
        }
        out.limit = std::atoll(Next().text.c_str());
      }
      return true;
    }
    if ((token.kind == Token::Kind::kIdentifier && !IsReserved(token)) ||
        token.kind == Token::Kind::kQuotedIdentifier) {
      return ParsePath(out);
    }
    if (token.IsKeyword("select") && !failed_) {
      failed_ = true;
      diagnostics_.Error("TH1014", token.location, "unsupported SQL in a streaming rule: a subquery",
                         "put the values in a list (CREATE LIST name (…)) and write IN name");
      return false;
    }
    Fail(token, "expected a field, a literal, a function call or '('");
    return false;
  }

  // LEARN INTERVAL 'n' unit (SQL's interval literal, 'n' in quotes).
  bool ParseLearnInterval(Expr& out) {
    out.kind = Expr::Kind::kInterval;
    out.location = Next().location;  // LEARN
    if (!ExpectKeyword("interval")) return false;
    if (Peek().kind != Token::Kind::kString ||
        Peek().text.empty() || Peek().text.find_first_not_of("0123456789") != std::string::npos) {
      Fail(Peek(), "expected a whole number in quotes, as in INTERVAL '7' DAY");
      return false;
    }
    int64_t count = std::atoll(Next().text.c_str());
    return ParseUnit(count, out.interval);
  }

  bool ParsePath(Expr& out) {
    out.kind = Expr::Kind::kName;
    out.path_location = Peek().location;
    size_t start = Peek().offset;
    auto add_key = [&](const Token& token) {
      out.path.steps.push_back(PathStep{PathStep::Kind::kKey, token.text, 0});
      out.quoted_steps.push_back(token.kind == Token::Kind::kQuotedIdentifier);
    };
    add_key(Next());
    size_t end = lexed_.tokens[pos_ - 1].offset + lexed_.tokens[pos_ - 1].location.length;
    while (true) {
      if (Peek().IsSymbol(".") &&
          (Peek(1).kind == Token::Kind::kIdentifier || Peek(1).kind == Token::Kind::kQuotedIdentifier)) {
        Next();
        add_key(Next());
      } else if (Peek().IsSymbol("[")) {
        Next();
        if (AcceptSymbol("*")) {
          out.path.steps.push_back(PathStep{PathStep::Kind::kAnyElement, "", 0});
        } else if (Peek().kind == Token::Kind::kNumber &&
                   Peek().text.find_first_not_of("0123456789") == std::string::npos) {
          out.path.steps.push_back(PathStep{PathStep::Kind::kIndex, "", std::atoll(Next().text.c_str())});
        } else {
          Fail(Peek(), "expected an array index or '*' inside [ ]");
          return false;
        }
        out.quoted_steps.push_back(false);
        if (!ExpectSymbol("]", "']'")) return false;
      } else {
        break;
      }
      end = lexed_.tokens[pos_ - 1].offset + lexed_.tokens[pos_ - 1].location.length;
    }
    out.path_location.length = static_cast<int>(end - start);
    out.location.length = out.path_location.length;
    return true;
  }

  const SourceFile& file_;
  Diagnostics& diagnostics_;
  size_t diagnostics_before_;
  LexedFile lexed_;
  bool lexer_failed_;
  size_t pos_ = 0;
  int nesting_ = 0;
  bool failed_ = false;
};

}  // namespace

ParsedFile Parse(const SourceFile& file, Diagnostics& diagnostics) {
  return Parser(file, diagnostics).Run();
}

}  // namespace trailhound
