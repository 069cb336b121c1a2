// The rule language's lexer: SQL tokens with their source locations.
// Keywords are identifiers compared case-insensitively by the parser.
// `-- name: x` comments are kept, since they name the SELECT that follows.
#pragma once

#include <string>
#include <vector>

#include "dsl/diagnostics.h"

namespace trailhound {

struct Token {
  enum class Kind { kIdentifier, kQuotedIdentifier, kString, kNumber, kSymbol, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // unescaped for strings and quoted identifiers
  SourceLocation location;
  size_t offset = 0;  // byte offset of the token in the file

  bool IsKeyword(const char* keyword) const;  // identifier, case-insensitive
  bool IsSymbol(const char* symbol) const;
};

struct NameComment {
  size_t offset = 0;  // where the comment starts
  std::string name;
};

struct LexedFile {
  std::vector<Token> tokens;  // always ends with a kEnd token
  std::vector<NameComment> name_comments;
};

// Lexical errors (TH1001) go to `diagnostics`; the offending bytes are skipped.
LexedFile Lex(const SourceFile& file, Diagnostics& diagnostics);

}  // namespace trailhound
