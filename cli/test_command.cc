#include "cli/test_command.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command_line.h"
#include "core/alert.h"
#include "core/bound_rule.h"
#include "core/compiled_rule_set.h"
#include "core/dead_letter.h"
#include "core/pipeline.h"
#include "core/reference_interpreter.h"
#include "core/rule_state.h"
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

Stateful rules (windows, first_seen, suppression): when x.sql defines one,
x.test.ndjson is a stream. Its records go in file order through the pipeline
`run` uses, with a fresh state and only the rules of x.sql, and the stream's
end closes every open window (as a finite run does). "fire" on a record means
an alert of the rule points at it (its "source"): a record alert
(first_seen, the first match of a suppression period), a window alert (a
sliding window's last record; a tumbling or hopping window's last record
counted), a suppression summary (the last record it held back). "no_fire"
means no alert of the rule points at it. A record without "_expect" is
context: it feeds the state and must not be pointed at either. A failure
lists the alerts that did fire. The stream runs once with the compiled
engine and once with the reference interpreter; different alerts fail the
rule (an engine bug), as do dead letters (late records, a missing eventTime).

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
  if (rule.aggregation) {
    // SELECT and HAVING read the window's group record; GROUP BY and the
    // aggregates' arguments read the records.
    for (const BoundExpr& key : rule.aggregation->group_by) {
      if (ReadsExpectKey(key)) return true;
    }
    for (const Aggregate& aggregate : rule.aggregation->aggregates) {
      if (aggregate.kind != Aggregate::Kind::kCountStar && ReadsExpectKey(aggregate.argument)) return true;
    }
  } else {
    for (const SelectItem& item : rule.select) {
      if (ReadsExpectKey(item.value)) return true;
    }
  }
  for (const FirstSeen& first : rule.first_seen) {
    if (ReadsExpectKey(first.key) || ReadsExpectKey(first.value)) return true;
  }
  if (rule.suppression) {
    for (const BoundExpr& key : rule.suppression->by) {
      if (ReadsExpectKey(key)) return true;
    }
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
  size_t context = 0;  // stream files: records that expect nothing of this rule
  size_t alerts = 0;   // stream files: alerts of the rule over the stream
  bool stream = false;
  bool saw_fire = false;
  bool saw_no_fire = false;
  std::vector<std::string> problems;  // each a ready-to-print block
};

// One line of a test file, as read.
struct TestLine {
  int line_number = 0;
  std::string where;  // path:line
  std::string event_id = "(no eventID)";
  bool evaluable = false;  // a JSON object with a string eventName
  bool expect_ok = false;  // "_expect" present and valid (stream files: or absent)
  std::map<std::string, Expect> expects;  // rule -> expectation
};

// Reads one non-blank line of a test file: checks its shape, its eventID and
// its "_expect". Problems go to `problem`; `record` is the parsed record (valid
// until `parser` parses again). In a stream file a record may leave out
// "_expect" (context).
void ReadTestLine(const std::string& line, int line_number, const std::string& test_path,
                  const std::set<std::string>& rule_names, bool stream, simdjson::dom::parser& parser,
                  std::map<std::string, int>& event_ids, const std::function<void(const std::string&)>& problem,
                  TestLine& out, simdjson::dom::element& record) {
  out = TestLine{};
  out.line_number = line_number;
  out.where = test_path + ":" + std::to_string(line_number);
  simdjson::padded_string padded(line);
  if (auto error = parser.parse(padded).get(record); error != simdjson::SUCCESS) {
    problem(std::string("invalid JSON: ") + simdjson::error_message(error));
    return;
  }
  simdjson::dom::object object;
  if (record.get_object().get(object) != simdjson::SUCCESS) {
    problem("not a JSON object");
    return;
  }
  std::string_view event_name;
  if (object["eventName"].get_string().get(event_name) != simdjson::SUCCESS) {
    problem("no string eventName: `run` would send this record to the dead letters");
    return;
  }
  out.evaluable = true;
  if (std::string_view id; object["eventID"].get_string().get(id) == simdjson::SUCCESS) {
    out.event_id = std::string(id);
    auto [it, inserted] = event_ids.emplace(out.event_id, line_number);
    if (!inserted) {
      problem("eventID " + out.event_id + " repeats line " + std::to_string(it->second) +
              " (alert ids derive from it; keep them unique)");
    }
  }

  // The expectation of each rule of this file.
  simdjson::dom::element expect_value;
  if (object[kExpectKey].get(expect_value) != simdjson::SUCCESS) {
    if (stream) {
      out.expect_ok = true;  // context
    } else {
      problem("no \"_expect\" key (\"fire\" or \"no_fire\")");
    }
    return;
  }
  bool bad_expect = false;
  if (std::string_view text; expect_value.get_string().get(text) == simdjson::SUCCESS) {
    Expect expect;
    if (!ParseExpect(text, expect)) {
      problem("\"_expect\" is \"" + std::string(text) + "\"; use \"fire\" or \"no_fire\"");
      return;
    }
    for (const std::string& name : rule_names) out.expects[name] = expect;
  } else if (simdjson::dom::object per_rule; expect_value.get_object().get(per_rule) == simdjson::SUCCESS) {
    for (auto field : per_rule) {
      std::string name(field.key);
      std::string_view text;
      Expect expect;
      if (field.value.get_string().get(text) != simdjson::SUCCESS || !ParseExpect(text, expect)) {
        problem("\"_expect\" for '" + name + "' must be \"fire\" or \"no_fire\"");
        bad_expect = true;
      } else if (!rule_names.count(name)) {
        problem("\"_expect\" names '" + name + "', which this rule file does not define");
        bad_expect = true;
      } else {
        out.expects[name] = expect;
      }
    }
  } else {
    problem("\"_expect\" must be \"fire\", \"no_fire\" or an object of them per rule");
    return;
  }
  if (bad_expect) {
    out.expects.clear();
    return;
  }
  out.expect_ok = true;
}

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
    TestLine read;
    simdjson::dom::element record;
    ReadTestLine(line, line_number, test_path, rule_names, /*stream=*/false, parser, event_ids, file_problem, read,
                 record);
    if (!read.evaluable || !read.expect_ok) continue;
    const std::string& event_id = read.event_id;
    const std::map<std::string, Expect>& expects = read.expects;

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

// ---- Stream files: the test file of a rule file that defines a stateful rule.

class CaptureAlerts : public AlertSink {
 public:
  void Write(const Alert& alert) override { alerts.push_back(alert); }
  absl::Status Flush() override { return absl::OkStatus(); }
  std::vector<Alert> alerts;
};

class CaptureDeadLetters : public DeadLetterSink {
 public:
  void Write(const DeadLetter& letter) override {
    letters.push_back(Letter{std::string(letter.reason), letter.detail, letter.position.line});
  }
  struct Letter {
    std::string reason, detail;
    uint64_t line = 0;
  };
  std::vector<Letter> letters;
};

// One alert as a failure report shows it: what it is, then where it points.
std::string DescribeAlert(const Alert& alert, const std::map<uint64_t, std::string>& event_id_at_line) {
  std::string out;
  switch (alert.kind) {
    case Alert::Kind::kRecord:
      out = "record alert";
      break;
    case Alert::Kind::kWindow:
      // Sliding windows hold both ends; tumbling and hopping ones not the end.
      out = alert.window_type + " window [" + alert.window_start + ", " + alert.window_end +
            (alert.window_type == "sliding" ? "]" : ")") + " group " + alert.group_json;
      break;
    case Alert::Kind::kSuppressed:
      out = "suppression summary: " + std::to_string(alert.suppressed_count) + " suppressed in [" +
            alert.window_start + ", " + alert.window_end + ") group " + alert.group_json;
      break;
  }
  out += " fields ";
  out += alert.fields_error.empty() ? (alert.fields_json.empty() ? "{}" : alert.fields_json)
                                    : "null (" + alert.fields_error + ")";
  std::string at = alert.position.line == 0 ? "no line" : "line " + std::to_string(alert.position.line);
  auto id = event_id_at_line.find(alert.position.line);
  if (id != event_id_at_line.end()) at += " (eventID " + id->second + ")";
  return at + ": " + out;
}

// Runs a stream file: its records in order through a Pipeline with a fresh
// RuleState over the rules of its rule file (`file_rules`, all of them even
// under --rule, so the stream behaves the same), once with the compiled
// engine and once with the reference interpreter; then each rule's
// expectations against the alerts that point at each record.
void RunStreamFile(const std::string& test_path, const std::vector<RuleReport*>& reports,
                   const std::vector<const BoundRule*>& file_rules, const RuleSet& all_rules, bool verbose) {
  for (RuleReport* report : reports) report->stream = true;
  std::ifstream in(test_path, std::ios::binary);
  if (!in) {
    for (RuleReport* report : reports) {
      report->problems.push_back("  no test file: " + test_path +
                                 " (a stream of CloudTrail records, one per line, with \"_expect\": \"fire\" or "
                                 "\"no_fire\" where an alert must or must not point)\n");
    }
    return;
  }
  auto all_problem = [&](const std::string& block) {
    for (RuleReport* report : reports) report->problems.push_back(block);
  };

  // Only the rules of this file: another file's windowed rule must not make
  // these records late, nor its state change what these rules see.
  RuleSet subset;
  subset.lists = all_rules.lists;
  std::set<std::string> rule_names;
  for (const BoundRule* rule : file_rules) {
    subset.rules.push_back(*rule);
    rule_names.insert(rule->name);
  }
  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(subset);
  if (!compiled.ok()) {
    all_problem("  the rules of this file do not compile alone: " + std::string(compiled.status().message()) + "\n");
    return;
  }
  const CompiledRuleSet& engine = **compiled;
  CompiledRuleSet::ScratchPtr scratch = engine.NewScratch();
  auto subset_index = [&](const std::string& name) {
    for (uint32_t i = 0; i < engine.rules().rules.size(); ++i) {
      if (engine.rules().rules[i].name == name) return i;
    }
    return UINT32_MAX;
  };

  CaptureAlerts compiled_alerts, reference_alerts;
  CaptureDeadLetters compiled_letters, reference_letters;
  RuleState compiled_state(engine.rules(), RuleStateOptions{});
  RuleState reference_state(engine.rules(), RuleStateOptions{});
  Pipeline compiled_pipeline(engine, compiled_alerts, compiled_letters, MatchEngine::kCompiled, &compiled_state);
  Pipeline reference_pipeline(engine, reference_alerts, reference_letters, MatchEngine::kReference,
                              &reference_state);

  simdjson::dom::parser parser;
  std::map<std::string, int> event_ids;  // eventID -> first line
  std::vector<TestLine> lines;            // the evaluable ones, in order
  std::map<int, std::string> texts;       // line -> record
  std::map<uint64_t, std::string> event_id_at_line;
  std::string line;
  int line_number = 0;
  uint64_t record_index = 0, byte_offset = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const uint64_t offset = byte_offset;
    byte_offset += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = test_path + ":" + std::to_string(line_number);
    auto file_problem = [&](const std::string& message) { all_problem("  " + where + ": " + message + "\n"); };
    TestLine read;
    simdjson::dom::element record;
    ReadTestLine(line, line_number, test_path, rule_names, /*stream=*/true, parser, event_ids, file_problem, read,
                 record);
    if (!read.evaluable) continue;  // `run` would dead-letter it; it is not part of the stream

    // The WHERE of each rule (first_seen aside), compiled vs reference.
    std::vector<uint32_t> matched;
    absl::Status status = engine.Match(line, *scratch, matched);
    if (!status.ok()) {
      file_problem("`run` would not evaluate this record: " + std::string(status.message()));
      continue;
    }
    for (RuleReport* report : reports) {
      uint32_t index = subset_index(report->rule->name);
      const bool fired = ReferenceInterpreter::EvaluateWhere(*report->rule, record) == TriBool::kTrue;
      const bool compiled_fired = std::find(matched.begin(), matched.end(), index) != matched.end();
      if (compiled_fired != fired) {
        report->problems.push_back("  " + where + "  eventID " + read.event_id + "\n    the compiled engine (`run`) " +
                                   (compiled_fired ? "matches" : "does not match") +
                                   " the WHERE, the reference interpreter " + (fired ? "does" : "does not") +
                                   ": an engine bug, not a rule bug\n    record: " + line + "\n");
      }
    }

    SourcePosition position =
        SourcePosition::InFile(test_path, record_index++, offset, static_cast<uint64_t>(line_number));
    compiled_pipeline.Process(line, position);
    reference_pipeline.Process(line, position);
    texts[line_number] = line;
    event_id_at_line[static_cast<uint64_t>(line_number)] = read.event_id;
    lines.push_back(std::move(read));
  }
  compiled_pipeline.CloseState();  // the stream's end, as a finite run without --state-dir
  reference_pipeline.CloseState();

  for (const CaptureDeadLetters::Letter& letter : reference_letters.letters) {
    all_problem("  " + test_path + ":" + std::to_string(letter.line) + ": `run` sends this record to the dead letters (" +
                letter.reason + ": " + letter.detail + ")\n");
  }

  for (RuleReport* report : reports) {
    const BoundRule& rule = *report->rule;
    auto of_rule = [&rule](const std::vector<Alert>& alerts) {
      std::vector<const Alert*> out;
      for (const Alert& alert : alerts) {
        if (alert.rule == rule.name) out.push_back(&alert);
      }
      return out;
    };
    std::vector<const Alert*> alerts = of_rule(reference_alerts.alerts);
    std::vector<const Alert*> compiled_of_rule = of_rule(compiled_alerts.alerts);
    report->alerts = alerts.size();
    auto list = [&](const std::vector<const Alert*>& which) {
      std::string out;
      for (const Alert* alert : which) out += "      " + DescribeAlert(*alert, event_id_at_line) + "\n";
      return out.empty() ? std::string("      (none)\n") : out;
    };

    // The compiled engine must give the same alerts (ids, windows, fields,
    // positions) as the reference interpreter.
    bool same = alerts.size() == compiled_of_rule.size();
    for (size_t i = 0; same && i < alerts.size(); ++i) same = alerts[i]->ToJson() == compiled_of_rule[i]->ToJson();
    if (!same) {
      report->problems.push_back("  " + test_path + ": the compiled engine (`run`) and the reference interpreter "
                                 "give different alerts over this stream: an engine bug, not a rule bug\n"
                                 "    compiled:\n" + list(compiled_of_rule) + "    reference:\n" + list(alerts));
    }

    std::map<uint64_t, std::vector<const Alert*>> at_line;
    for (const Alert* alert : alerts) at_line[alert->position.line].push_back(alert);

    const std::string where_name = rule.first_seen.empty() ? "WHERE" : "WHERE without first_seen";
    bool failed = false;
    simdjson::dom::parser trace_parser;
    for (const TestLine& read : lines) {
      const std::string where = read.where;
      auto expect_it = read.expects.find(rule.name);
      auto pointed = at_line.find(static_cast<uint64_t>(read.line_number));
      const size_t count = pointed == at_line.end() ? 0 : pointed->second.size();
      if (expect_it == read.expects.end()) {
        ++report->context;
        if (count > 0) {
          failed = true;
          std::string block = "  " + where + "  eventID " + read.event_id + "\n    " + std::to_string(count) +
                              (count == 1 ? " alert points" : " alerts point") +
                              " at this context record (no \"_expect\" for the rule); mark it \"fire\" if that "
                              "is right\n";
          for (const Alert* alert : pointed->second) block += "      " + DescribeAlert(*alert, event_id_at_line) + "\n";
          report->problems.push_back(block);
        }
        continue;
      }
      const Expect expect = expect_it->second;
      ++report->records;
      (expect == Expect::kFire ? report->saw_fire : report->saw_no_fire) = true;
      const bool fired = count > 0;
      const bool ok = fired == (expect == Expect::kFire);
      if (ok && !verbose) continue;
      const std::string& text = texts[read.line_number];
      simdjson::dom::element record;
      if (trace_parser.parse(text).get(record) != simdjson::SUCCESS) continue;  // parsed once already
      TriBool where_value = ReferenceInterpreter::EvaluateWhere(rule, record);
      std::string block = "  " + where + "  eventID " + read.event_id + "\n";
      block += "    expected " + std::string(ExpectName(expect)) + ", got " + (fired ? "fire" : "no_fire") + ": ";
      block += fired ? std::to_string(count) + (count == 1 ? " alert points" : " alerts point") + " at this record"
                     : "no alert of the rule points at this record";
      block += " (" + where_name + " is " + std::string(TriName(where_value)) + ")\n";
      if (fired) {
        for (const Alert* alert : pointed->second) block += "      " + DescribeAlert(*alert, event_id_at_line) + "\n";
      }
      if (!ok) block += "    record: " + text + "\n";
      block += "    trace:\n" + Trace(rule, record, where_value);
      if (ok) {
        std::fputs(("  [" + rule.name + "] ok\n" + block).c_str(), stdout);
      } else {
        failed = true;
        report->problems.push_back(block);
      }
    }
    for (const auto& [line_at, pointing] : at_line) {
      if (line_at != 0 && texts.count(static_cast<int>(line_at))) continue;
      failed = true;
      std::string block = "  " + test_path + ": alerts that point at no record of the stream\n";
      for (const Alert* alert : pointing) block += "      " + DescribeAlert(*alert, event_id_at_line) + "\n";
      report->problems.push_back(block);
    }
    if (failed || verbose) {
      std::string block = "  alerts of " + rule.name + " over the stream (" + std::to_string(alerts.size()) + "):\n" +
                          list(alerts);
      if (failed) {
        report->problems.push_back(block);
      } else {
        std::fputs(block.c_str(), stdout);
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
  std::map<std::string, std::vector<const BoundRule*>> rules_of_test_file;  // all of them, even under --rule
  std::set<std::string> all_test_files, stream_files;
  for (size_t i = 0; i < loaded->rules.rules.size(); ++i) {
    const BoundRule& rule = loaded->rules.rules[i];
    reports[i].rule = &rule;
    reports[i].index = static_cast<uint32_t>(i);
    const std::string test_file = TestFileFor(rule.file);
    all_test_files.insert(test_file);
    rules_of_test_file[test_file].push_back(&rule);
    if (rule.stateful()) stream_files.insert(test_file);
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
  for (const auto& [test_file, file_reports] : by_test_file) {
    if (stream_files.count(test_file)) {
      RunStreamFile(test_file, file_reports, rules_of_test_file[test_file], loaded->rules, verbose);
    } else {
      RunTestFile(test_file, file_reports, verbose, **compiled, *scratch);
    }
  }

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
      if (report.stream) {
        std::printf("PASS %s (stream: %zu records, %zu context, %zu alerts)\n", report.rule->name.c_str(),
                    report.records, report.context, report.alerts);
      } else {
        std::printf("PASS %s (%zu records)\n", report.rule->name.c_str(), report.records);
      }
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
