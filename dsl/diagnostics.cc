#include "dsl/diagnostics.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace trailhound {

void Diagnostics::Error(const std::string& code, const SourceLocation& at, std::string message,
                        std::string hint) {
  Add(Severity::kError, code, at, std::move(message), std::move(hint));
}

void Diagnostics::Warning(const std::string& code, const SourceLocation& at,
                          std::string message, std::string hint) {
  Add(Severity::kWarning, code, at, std::move(message), std::move(hint));
}

void Diagnostics::Add(Severity severity, const std::string& code, const SourceLocation& at,
                      std::string message, std::string hint) {
  Diagnostic d;
  d.severity = severity;
  d.code = code;
  d.line = at.line;
  d.column = at.column;
  d.length = std::max(1, at.length);
  d.message = std::move(message);
  d.hint = std::move(hint);
  if (at.file != nullptr) {
    d.file = at.file->path;
    const std::string& text = at.file->text;
    size_t start = 0;
    for (int line = 1; line < at.line && start != std::string::npos; ++line) {
      start = text.find('\n', start);
      if (start != std::string::npos) ++start;
    }
    if (start != std::string::npos && start <= text.size()) {
      size_t end = text.find('\n', start);
      d.source_line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!d.source_line.empty() && d.source_line.back() == '\r') d.source_line.pop_back();
    }
  }
  items_.push_back(std::move(d));
}

void Diagnostics::FileError(const std::string& code, const std::string& path, std::string message,
                            std::string hint) {
  Add(Severity::kError, code, SourceLocation{}, std::move(message), std::move(hint));
  items_.back().file = path;
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

std::vector<Diagnostic> Diagnostics::Sorted() const {
  std::vector<Diagnostic> sorted = items_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  return sorted;
}

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string where = d.file;
  if (d.line > 0) where += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  std::string out = where + ": " + (d.severity == Severity::kError ? "error " : "warning ") + d.code + ": " +
                    d.message + "\n";
  if (!d.source_line.empty()) {
    out += "    " + d.source_line + "\n    ";
    // Keep tabs so the caret lines up under tab-indented text.
    for (int i = 0; i + 1 < d.column && i < static_cast<int>(d.source_line.size()); ++i) {
      out.push_back(d.source_line[i] == '\t' ? '\t' : ' ');
    }
    out += "^";
    int visible = std::min<int>(d.length, static_cast<int>(d.source_line.size()) - d.column + 1);
    if (visible > 1) out += std::string(visible - 1, '~');
    out += "\n";
  }
  if (!d.hint.empty()) out += "  hint: " + d.hint + "\n";
  return out;
}

int EditDistance(const std::string& a, const std::string& b) {
  std::vector<int> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string ClosestMatch(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  int best_distance = std::max<int>(2, static_cast<int>(name.size()) / 3) + 1;
  for (const std::string& candidate : candidates) {
    int distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace trailhound
