#include "dsl/rule_set_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsl/binder.h"
#include "dsl/parser.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<LoadedRuleSet> ParseAndBind(std::unique_ptr<LoadedRuleSet> loaded) {
  std::vector<ParsedFile> parsed;
  for (const auto& file : loaded->files) {
    parsed.push_back(Parse(*file, loaded->diagnostics));
    if (parsed.back().statements.empty() && !loaded->diagnostics.has_errors()) {
      loaded->diagnostics.Warning("TH2005", SourceLocation{file.get(), 1, 1, 1},
                                  "this file defines no rule, view or list",
                                  "a rule is a SELECT … FROM … WHERE …; statement");
    }
  }
  loaded->rules = Bind(parsed, loaded->diagnostics);
  return loaded;
}

void ReadFile(const std::string& path, LoadedRuleSet& loaded) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    loaded.diagnostics.FileError("TH1015", path, "cannot read rule file",
                                 "give a .sql file or a folder of them");
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  loaded.files.push_back(std::make_unique<SourceFile>(SourceFile{path, text.str()}));
}

}  // namespace

std::unique_ptr<LoadedRuleSet> LoadRuleSet(const std::vector<std::string>& paths) {
  auto loaded = std::make_unique<LoadedRuleSet>();
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
        if (it->is_regular_file(error) && it->path().extension() == ".sql") {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        loaded->diagnostics.FileError("TH1015", path, "no .sql files in this folder",
                                      "rule files end in .sql");
      }
      for (const std::string& file : found) ReadFile(file, *loaded);
    } else {
      ReadFile(path, *loaded);
    }
  }
  return ParseAndBind(std::move(loaded));
}

std::unique_ptr<LoadedRuleSet> LoadRuleSetFromText(const std::string& path, const std::string& text) {
  auto loaded = std::make_unique<LoadedRuleSet>();
  loaded->files.push_back(std::make_unique<SourceFile>(SourceFile{path, text}));
  return ParseAndBind(std::move(loaded));
}

}  // namespace trailhound
