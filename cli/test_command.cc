#include "cli/test_command.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command_line.h"
#include "core/bound_rule.h"
#include "core/compiled_rule_set.h"
#include "core/reference_interpreter.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;

constexpr char kTestUsage[] = R"(usage: trailhound test [--rule NAME…] [--verbose] [PATH…]

Runs the rules' own sample-event tests. PATH is a .sql file or a folder of
them (recursive); the default is rules/. Give the whole rule set (lists and
views are shared across its files).

Each rule file x.sql keeps its tests beside it in x.test.ndjson: one CloudTrail
record per line, each with a top-level "_expect": "fire" or "no_fire" (for a
file with several rules: "_expect": {"rule_a": "fire", "rule_b": "no_fire"}).
The engine ignores the key. A rule passes when every record does what it
expects; it fails when a record does not, when it has no test file, or when it
lacks a "fire" or a "no_fire" record. A failure shows the record, expected vs
actual, and the trace: every condition of the WHERE with its value. Every
record also goes through the compiled engine `run` uses; if it disagrees with
the reference interpreter, the rule fails too (an engine bug).

  --rule NAME   test only this rule (repeatable)
  --verbose     print the trace of every record, not only of failures

Exit status: 0 when every rule passes, 1 on a failure or rule-set errors (a
missing list file is TH1008), 2 on bad usage.
)";

constexpr char kTestSuffix[] = ".test.ndjson";
constexpr char kExpectKey[] = "_expect";

std::string_view TriName(TriBool value) {
  switch (value) {
    case TriBool::kTrue: return "TRUE";
    case TriBool::kFalse: return "FALSE";
    case TriBool::kNull: return "NULL";
  }
  return "?";
}

// The test file of a rule file: same folder, <stem>.test.ndjson.
std::string TestFileFor(const std::string& rule_file) {
  fs::path path(rule_file);
  return (path.parent_path() / (path.stem().string() + kTestSuffix)).string();
}

// True when any field the rule reads starts at the test-only key.
bool ReadsExpectKey(const BoundExpr& expr) {
  if (expr.kind == BoundExpr::Kind::kField && !expr.path.steps.empty() &&
      expr.path.steps[0].kind == PathStep::Kind::kKey && expr.path.steps[0].key == kExpectKey) {
    return true;
  }
  for (const BoundExpr& child : expr.children) {
    if (ReadsExpectKey(child)) return true;
  }
  return false;
}

bool RuleReadsExpectKey(const BoundRule& rule) {
  if (rule.where && ReadsExpectKey(*rule.where)) return true;
  for (const SelectItem& item : rule.select) {
    if (ReadsExpectKey(item.value)) return true;
  }
  return false;
}

// The WHERE as its top-level conjuncts (nested ANDs, e.g. from views, are
// flattened).
void Conjuncts(const BoundExpr& expr, std::vector<const BoundExpr*>& out) {
  if (expr.kind == BoundExpr::Kind::kAnd) {
    for (const BoundExpr& child : expr.children) Conjuncts(child, out);
  } else {
    out.push_back(&expr);
  }
}

// One line per condition, indented by depth; OR, NOT (and AND below them)
// show their children.
void TraceNode(const BoundExpr& expr, simdjson::dom::element record, int depth, bool decided,
               std::string& out) {
  TriBool value = ReferenceInterpreter::EvaluateCondition(expr, record);
  std::string line(static_cast<size_t>(6 + 2 * depth), ' ');
  std::string name(TriName(value));
  name.resize(7, ' ');
  line += name;
  bool composite = expr.kind == BoundExpr::Kind::kOr || expr.kind == BoundExpr::Kind::kAnd ||
                   expr.kind == BoundExpr::Kind::kNot;
  if (composite) {
    line += expr.kind == BoundExpr::Kind::kOr ? "OR" : expr.kind == BoundExpr::Kind::kAnd ? "AND" : "NOT";
  } else {
    line += expr.ToSql();
  }
  if (decided) line += "   <- decided";
  out += line;
  out += '\n';
  if (composite) {
    for (const BoundExpr& child : expr.children) TraceNode(child, record, depth + 1, false, out);
  }
}

std::string Trace(const BoundRule& rule, simdjson::dom::element record, TriBool where) {
  std::string out;
  if (!rule.where) {
    out = "      TRUE   (no WHERE: every record)\n";
    return out;
  }
  std::vector<const BoundExpr*> conjuncts;
  Conjuncts(*rule.where, conjuncts);
  // The conjunct that decided a non-TRUE result: the first FALSE, else the
  // first NULL.
  int decider = -1;
  if (where != TriBool::kTrue) {
    for (TriBool wanted : {TriBool::kFalse, TriBool::kNull}) {
      for (size_t i = 0; i < conjuncts.size() && decider < 0; ++i) {
        if (ReferenceInterpreter::EvaluateCondition(*conjuncts[i], record) == wanted) {
          decider = static_cast<int>(i);
        }
      }
    }
  }
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    TraceNode(*conjuncts[i], record, 0, static_cast<int>(i) == decider, out);
  }
  return out;
}

enum class Expect { kNone, kFire, kNoFire };

std::string_view ExpectName(Expect expect) {
  return expect == Expect::kFire ? "fire" : expect == Expect::kNoFire ? "no_fire" : "-";
}

bool ParseExpect(std::string_view text, Expect& out) {
  if (text == "fire") {
    out = Expect::kFire;
    return true;
  }
  if (text == "no_fire") {
    out = Expect::kNoFire;
    return true;
  }
  return false;
}

struct RuleReport {
  const BoundRule* rule = nullptr;
  uint32_t index = 0;  // in the rule set (and the compiled rule set)
  size_t records = 0;
  bool saw_fire = false;
  bool saw_no_fire = false;
  std::vector<std::string> problems;  // each a ready-to-print block
};

// Runs the records of one test file against the rules defined in its rule
// file. Each record is also matched by the compiled engine that `run` uses; a
// disagreement with the reference interpreter is an engine bug and fails the
// rule too.
void RunTestFile(const std::string& test_path, const std::vector<RuleReport*>& reports, bool verbose,
                 const CompiledRuleSet& compiled, CompiledRuleSet::Scratch& scratch) {
  std::ifstream in(test_path, std::ios::binary);
  if (!in) {
    for (RuleReport* report : reports) {
      report->problems.push_back("  no test file: " + test_path +
                                 " (one CloudTrail record per line with \"_expect\": \"fire\" or \"no_fire\")\n");
    }
    return;
  }
  std::set<std::string> rule_names;
  for (RuleReport* report : reports) rule_names.insert(report->rule->name);

  simdjson::dom::parser parser;
  std::map<std::string, int> event_ids;  // eventID -> first line
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = test_path + ":" + std::to_string(line_number);
    auto file_problem = [&](const std::string& message) {
      for (RuleReport* report : reports) report->problems.push_back("  " + where + ": " + message + "\n");
    };

    simdjson::padded_string padded(line);
    simdjson::dom::element record;
    if (auto error = parser.parse(padded).get(record); error != simdjson::SUCCESS) {
      file_problem(std::string("invalid JSON: ") + simdjson::error_message(error));
      continue;
    }
    simdjson::dom::object object;
    if (record.get_object().get(object) != simdjson::SUCCESS) {
      file_problem("not a JSON object");
      continue;
    }
    std::string_view event_name;
    if (object["eventName"].get_string().get(event_name) != simdjson::SUCCESS) {
      file_problem("no string eventName: `run` would send this record to the dead letters");
      continue;
    }
    std::string event_id = "(no eventID)";
    if (std::string_view id; object["eventID"].get_string().get(id) == simdjson::SUCCESS) {
      event_id = std::string(id);
      auto [it, inserted] = event_ids.emplace(event_id, line_number);
      if (!inserted) {
        file_problem("eventID " + event_id + " repeats line " + std::to_string(it->second) +
                     " (alert ids derive from it; keep them unique)");
      }
    }

    // The expectation of each rule of this file.
    std::map<std::string, Expect> expects;
    simdjson::dom::element expect_value;
    if (object[kExpectKey].get(expect_value) != simdjson::SUCCESS) {
      file_problem("no \"_expect\" key (\"fire\" or \"no_fire\")");
      continue;
    }
    bool bad_expect = false;
    if (std::string_view text; expect_value.get_string().get(text) == simdjson::SUCCESS) {
      Expect expect;
      if (!ParseExpect(text, expect)) {
        file_problem("\"_expect\" is \"" + std::string(text) + "\"; use \"fire\" or \"no_fire\"");
        continue;
      }
      for (const std::string& name : rule_names) expects[name] = expect;
    } else if (simdjson::dom::object per_rule; expect_value.get_object().get(per_rule) == simdjson::SUCCESS) {
      for (auto field : per_rule) {
        std::string name(field.key);
        std::string_view text;
        Expect expect;
        if (field.value.get_string().get(text) != simdjson::SUCCESS || !ParseExpect(text, expect)) {
          file_problem("\"_expect\" for '" + name + "' must be \"fire\" or \"no_fire\"");
          bad_expect = true;
        } else if (!rule_names.count(name)) {
          file_problem("\"_expect\" names '" + name + "', which this rule file does not define");
          bad_expect = true;
        } else {
          expects[name] = expect;
        }
      }
    } else {
      file_problem("\"_expect\" must be \"fire\", \"no_fire\" or an object of them per rule");
      continue;
    }
    if (bad_expect) continue;

    std::vector<uint32_t> matched;
    absl::Status engine = compiled.Match(line, scratch, matched);
    if (!engine.ok()) {
      file_problem("`run` would not evaluate this record: " + std::string(engine.message()));
      continue;
    }
    for (RuleReport* report : reports) {
      auto it = expects.find(report->rule->name);
      if (it == expects.end()) continue;
      const Expect expect = it->second;
      ++report->records;
      (expect == Expect::kFire ? report->saw_fire : report->saw_no_fire) = true;
      TriBool result = ReferenceInterpreter::EvaluateWhere(*report->rule, record);
      const bool fired = result == TriBool::kTrue;
      const bool compiled_fired = std::find(matched.begin(), matched.end(), report->index) != matched.end();
      if (compiled_fired != fired) {
        report->problems.push_back(
            "  " + where + "  eventID " + event_id + "\n    the compiled engine (`run`) says " +
            (compiled_fired ? "fire" : "no_fire") + ", the reference interpreter says " +
            (fired ? "fire" : "no_fire") + ": an engine bug, not a rule bug\n    record: " + line + "\n");
      }
      const bool ok = fired == (expect == Expect::kFire);
      if (ok && !verbose) continue;
      std::string block = "  " + where + "  eventID " + event_id + "\n";
      block += "    expected " + std::string(ExpectName(expect)) + ", got " + (fired ? "fire" : "no_fire") +
               " (WHERE is " + std::string(TriName(result)) + ")\n";
      if (!ok) block += "    record: " + line + "\n";
      block += "    trace:\n" + Trace(*report->rule, record, result);
      if (ok) {
        std::fputs(("  [" + report->rule->name + "] ok\n" + block).c_str(), stdout);
      } else {
        report->problems.push_back(block);
      }
    }
  }
}

// Test files under the folders given that belong to no loaded rule file.
std::vector<std::string> OrphanTestFiles(const std::vector<std::string>& paths,
                                         const std::set<std::string>& expected_test_files) {
  std::vector<std::string> orphans;
  std::set<std::string> known;
  for (const std::string& path : expected_test_files) known.insert(fs::path(path).lexically_normal().string());
  for (const std::string& path : paths) {
    std::error_code error;
    if (!fs::is_directory(path, error)) continue;
    for (fs::recursive_directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (!it->is_regular_file(error) || name.size() <= std::strlen(kTestSuffix) ||
          name.compare(name.size() - std::strlen(kTestSuffix), std::string::npos, kTestSuffix) != 0) {
        continue;
      }
      if (!known.count(it->path().lexically_normal().string())) orphans.push_back(it->path().string());
    }
  }
  std::sort(orphans.begin(), orphans.end());
  return orphans;
}

}  // namespace

int TestCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::fputs(kTestUsage, stdout);
    return 0;
  }
  CommandLine args(argc, argv, {"rule"}, {"verbose"});
  if (!args.ok()) return UsageError(args.error(), kTestUsage);
  std::vector<std::string> paths = args.positional();
  if (paths.empty()) paths.push_back("rules");
  const bool verbose = args.Has("verbose");
  std::set<std::string> only(args.GetAll("rule").begin(), args.GetAll("rule").end());

  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSet(paths);
  for (const Diagnostic& d : loaded->diagnostics.Sorted()) std::fputs(FormatDiagnostic(d).c_str(), stderr);
  if (loaded->diagnostics.has_errors()) {
    std::fprintf(stderr, "trailhound: not testing: the rules have errors\n");
    return 1;
  }

  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
  if (!compiled.ok()) {
    std::fprintf(stderr, "trailhound: not testing: the rules do not compile: %s\n",
                 std::string(compiled.status().message()).c_str());
    return 1;
  }
  CompiledRuleSet::ScratchPtr scratch = (*compiled)->NewScratch();

  // Every rule, grouped by the test file beside its rule file.
  std::vector<RuleReport> reports(loaded->rules.rules.size());
  std::map<std::string, std::vector<RuleReport*>> by_test_file;
  std::set<std::string> all_test_files;
  for (size_t i = 0; i < loaded->rules.rules.size(); ++i) {
    const BoundRule& rule = loaded->rules.rules[i];
    reports[i].rule = &rule;
    reports[i].index = static_cast<uint32_t>(i);
    const std::string test_file = TestFileFor(rule.file);
    all_test_files.insert(test_file);
    if (!only.empty() && !only.count(rule.name)) continue;
    if (RuleReadsExpectKey(rule)) {
      reports[i].problems.push_back("  the rule reads \"_expect\", the test-only key; rename the field it means\n");
    }
    by_test_file[test_file].push_back(&reports[i]);
  }
  for (const std::string& name : only) {
    bool found = false;
    for (const RuleReport& report : reports) found = found || report.rule->name == name;
    if (!found) {
      std::fprintf(stderr, "trailhound: no rule named '%s' in %zu rules\n", name.c_str(), reports.size());
      return 2;
    }
  }
  for (const auto& [test_file, file_reports] : by_test_file) RunTestFile(test_file, file_reports, verbose, **compiled, *scratch);

  size_t total = 0, passed = 0, failed = 0;
  for (RuleReport& report : reports) {
    if (!only.empty() && !only.count(report.rule->name)) continue;
    ++total;
    // Coverage: both kinds of record (a missing file is already reported).
    if (fs::exists(TestFileFor(report.rule->file))) {
      if (!report.saw_fire) report.problems.push_back("  coverage: no record expects \"fire\"\n");
      if (!report.saw_no_fire) {
        report.problems.push_back("  coverage: no record expects \"no_fire\" (add a near miss)\n");
      }
    }
    if (report.problems.empty()) {
      ++passed;
      std::printf("PASS %s (%zu records)\n", report.rule->name.c_str(), report.records);
    } else {
      ++failed;
      std::printf("FAIL %s  (%s:%d)\n", report.rule->name.c_str(), report.rule->file.c_str(), report.rule->line);
      for (const std::string& problem : report.problems) std::fputs(problem.c_str(), stdout);
    }
  }

  std::vector<std::string> orphans = OrphanTestFiles(paths, all_test_files);
  for (const std::string& orphan : orphans) {
    std::printf("FAIL orphan test file %s: no rule file beside it defines a rule\n", orphan.c_str());
  }
  std::printf("%zu rules, %zu passed, %zu failed\n", total, passed, failed);
  return failed > 0 || !orphans.empty() ? 1 : 0;
}

}  // namespace trailhound
