// Diagnostics are a product feature: every error and warning carries
// file:line:col, the source line with a caret under the offending text, a
// stable code (TH1xxx errors, TH2xxx warnings) and a hint. They are collected,
// never thrown; `check` prints all of them.
#pragma once

#include <string>
#include <vector>

namespace trailhound {

// A rule file's text, kept for messages.
struct SourceFile {
  std::string path;
  std::string text;
};

// A span in a SourceFile: 1-based line and column (in bytes), length in bytes.
struct SourceLocation {
  const SourceFile* file = nullptr;
  int line = 0;
  int column = 0;
  int length = 1;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;
  std::string file;
  int line = 0;
  int column = 0;
  int length = 1;
  std::string message;
  std::string hint;
  std::string source_line;  // the whole line the location is on
};

class Diagnostics {
 public:
  void Error(const std::string& code, const SourceLocation& at, std::string message,
             std::string hint = "");
  void Warning(const std::string& code, const SourceLocation& at, std::string message,
               std::string hint = "");

  // An error about a whole file that could not be read (no line to show).
  void FileError(const std::string& code, const std::string& path, std::string message,
                 std::string hint = "");

  bool has_errors() const;
  // Sorted by file, line, column, as `check` prints them.
  std::vector<Diagnostic> Sorted() const;
  const std::vector<Diagnostic>& items() const { return items_; }

 private:
  void Add(Severity severity, const std::string& code, const SourceLocation& at,
           std::string message, std::string hint);
  std::vector<Diagnostic> items_;
};

// file:line:col: severity CODE: message, the line, a caret, and the hint
// (just file: … for whole-file errors).
std::string FormatDiagnostic(const Diagnostic& diagnostic);

// Edit distance, case-insensitive, for did-you-mean hints.
int EditDistance(const std::string& a, const std::string& b);
// The closest candidate within a small distance, or "".
std::string ClosestMatch(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace trailhound
