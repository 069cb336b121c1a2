#include "dsl/lexer.h"

#include <cctype>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace trailhound {

bool Token::IsKeyword(const char* keyword) const {
  return kind == Kind::kIdentifier && absl::EqualsIgnoreCase(text, keyword);
}

bool Token::IsSymbol(const char* symbol) const { return kind == Kind::kSymbol && text == symbol; }

namespace {

class Lexer {
 public:
  Lexer(const SourceFile& file, Diagnostics& diagnostics)
      : file_(file), text_(file.text), diagnostics_(diagnostics) {}

  LexedFile Run() {
    LexedFile out;
    while (true) {
      SkipSpaceAndComments(out);
      if (pos_ >= text_.size()) break;
      Token token;
      token.offset = pos_;
      token.location = Here();
      char c = text_[pos_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
          ++pos_;
        }
        token.kind = Token::Kind::kIdentifier;
        token.text = text_.substr(start, pos_ - start);
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && pos_ + 1 < text_.size() &&
                  std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
        token.kind = Token::Kind::kNumber;
        token.text = LexNumber();
      } else if (c == '\'' || c == '"') {
        token.kind = c == '\'' ? Token::Kind::kString : Token::Kind::kQuotedIdentifier;
        if (!LexQuoted(c, token)) continue;
      } else if (const char* symbol = MatchSymbol()) {
        token.kind = Token::Kind::kSymbol;
        token.text = symbol;
        pos_ += std::strlen(symbol);
      } else {
        SourceLocation at = Here();
        diagnostics_.Error("TH1001", at, std::string("unexpected character '") + c + "'",
                           "strings use single quotes, field names with special characters "
                           "double quotes");
        ++pos_;
        continue;
      }
      token.location.length = static_cast<int>(pos_ - token.offset);
      out.tokens.push_back(std::move(token));
    }
    Token end;
    end.kind = Token::Kind::kEnd;
    end.offset = pos_;
    end.location = Here();
    out.tokens.push_back(end);
    return out;
  }

 private:
  SourceLocation Here() const {
    return SourceLocation{&file_, line_, static_cast<int>(pos_ - line_start_) + 1, 1};
  }

  void Advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }

  void SkipSpaceAndComments(LexedFile& out) {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        Advance();
      } else if (c == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '-') {
        size_t start = pos_;
        size_t end = text_.find('\n', pos_);
        if (end == std::string::npos) end = text_.size();
        RecordNameComment(start, text_.substr(pos_ + 2, end - pos_ - 2), out);
        pos_ = end;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        SourceLocation at = Here();
        at.length = 2;
        pos_ += 2;
        while (pos_ < text_.size() && !(text_[pos_] == '*' && pos_ + 1 < text_.size() &&
                                         text_[pos_ + 1] == '/')) {
          Advance();
        }
        if (pos_ >= text_.size()) {
          diagnostics_.Error("TH1001", at, "unterminated comment", "close it with */");
          return;
        }
        pos_ += 2;
      } else {
        return;
      }
    }
  }

  // "-- name: console_login" names the next plain SELECT.
  static void RecordNameComment(size_t offset, std::string body, LexedFile& out) {
    absl::StripAsciiWhitespace(&body);
    if (!absl::StartsWithIgnoreCase(body, "name:")) return;
    std::string name = body.substr(5);
    absl::StripAsciiWhitespace(&name);
    if (!name.empty()) out.name_comments.push_back({offset, name});
  }

  std::string LexNumber() {
    size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t mark = pos_++;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      } else {
        pos_ = mark;
      }
    }
    return text_.substr(start, pos_ - start);
  }

  // A '…' string or "…" identifier; a doubled quote stands for itself.
  bool LexQuoted(char quote, Token& token) {
    SourceLocation at = Here();
    Advance();
    std::string value;
    while (pos_ < text_.size()) {
      if (text_[pos_] == quote) {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == quote) {
          value.push_back(quote);
          pos_ += 2;
          continue;
        }
        ++pos_;
        token.text = std::move(value);
        return true;
      }
      value.push_back(text_[pos_]);
      Advance();
    }
    diagnostics_.Error("TH1001", at,
                       quote == '\'' ? "unterminated string literal" : "unterminated quoted name",
                       std::string("close it with ") + quote +
                           (quote == '\'' ? "; write '' for a quote inside a string" : ""));
    return false;
  }

  const char* MatchSymbol() const {
    static const char* kSymbols[] = {"<=", ">=", "<>", "!=", "=", "<", ">", "(", ")",
                                     ",", ".", ";", "*", "[", "]", "-", "+"};
    for (const char* symbol : kSymbols) {
      if (text_.compare(pos_, std::strlen(symbol), symbol) == 0) return symbol;
    }
    return nullptr;
  }

  const SourceFile& file_;
  const std::string& text_;
  Diagnostics& diagnostics_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

LexedFile Lex(const SourceFile& file, Diagnostics& diagnostics) {
  return Lexer(file, diagnostics).Run();
}

}  // namespace trailhound
