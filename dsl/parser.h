// The rule language's parser: a recursive-descent parser over the lexer's
// tokens. On a syntax error it reports TH1002 (or TH1014 for SQL a streaming
// rule cannot have), skips to the next ';' and goes on, so one run reports
// the errors of every statement.
#pragma once

#include "dsl/ast.h"
#include "dsl/diagnostics.h"

namespace trailhound {

ParsedFile Parse(const SourceFile& file, Diagnostics& diagnostics);

}  // namespace trailhound
