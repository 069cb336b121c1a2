// Loads a rule set from .sql files and folders of them (recursive, sorted):
// reads, parses and binds all files together, collecting every diagnostic.
// The loaded set owns the source texts the diagnostics point into.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/bound_rule.h"
#include "dsl/diagnostics.h"

namespace trailhound {

struct LoadedRuleSet {
  std::vector<std::unique_ptr<SourceFile>> files;
  RuleSet rules;
  Diagnostics diagnostics;
};

// A path is a .sql file or a folder (every *.sql below it). Unreadable paths
// are TH1015 errors; a file that defines nothing is a TH2005 warning.
std::unique_ptr<LoadedRuleSet> LoadRuleSet(const std::vector<std::string>& paths);

// Same, from text already in memory (tests, stdin); `path` names it in messages.
std::unique_ptr<LoadedRuleSet> LoadRuleSetFromText(const std::string& path, const std::string& text);

}  // namespace trailhound
