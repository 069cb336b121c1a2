// Runs every tests/**/*.test file (format: tests/cases/README.md). Each case
// becomes one GoogleTest test named after its file and title; it loads its
// rules from a temp folder, runs its records through the real file source
// and pipeline, and compares diagnostics, matches, fields and dead letters.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/record_source.h"
#include "core/pipeline.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;

struct RuleCase {
  std::string file;
  int line = 0;  // where the case starts
  std::string title;
  std::string rules;
  std::vector<std::pair<std::string, std::string>> extra_files;  // path, content
  std::map<std::string, std::vector<std::string>> sections;      // name -> lines
  bool has_records = false;
  std::string records;
};

std::vector<RuleCase> ParseTestFile(const std::string& path) {
  std::vector<RuleCase> cases;
  std::ifstream in(path);
  std::string line;
  int line_number = 0;
  std::string section;
  std::string* raw_target = nullptr;  // rules, records or a file: kept verbatim
  static const std::regex kSection(R"(^\[(rules|records|matches|fields|diagnostics|dead_letters|file ([^\]]+))\]$)");
  while (std::getline(in, line)) {
    ++line_number;
    if (line.rfind("=== ", 0) == 0) {
      cases.push_back(RuleCase{path, line_number, line.substr(4)});
      section.clear();
      raw_target = nullptr;
      continue;
    }
    std::smatch match;
    if (!cases.empty() && std::regex_match(line, match, kSection)) {
      RuleCase& current = cases.back();
      section = match[1];
      raw_target = nullptr;
      if (section == "rules") {
        raw_target = &current.rules;
      } else if (section == "records") {
        current.has_records = true;
        raw_target = &current.records;
      } else if (section.rfind("file ", 0) == 0) {
        current.extra_files.emplace_back(match[2], "");
        raw_target = &current.extra_files.back().second;
      } else {
        current.sections[section];  // present, maybe empty
      }
      continue;
    }
    if (cases.empty()) continue;
    if (raw_target != nullptr) {
      *raw_target += line + "\n";
    } else if (!section.empty() && !line.empty() && line[0] != '#') {
      cases.back().sections[section].push_back(line);
    }
  }
  return cases;
}

class CaptureAlerts : public AlertSink {
 public:
  void Write(const Alert& alert) override { alerts.push_back(alert); }
  absl::Status Flush() override { return absl::OkStatus(); }
  std::vector<Alert> alerts;
};

class CaptureDeadLetters : public DeadLetterSink {
 public:
  void Write(const DeadLetter& letter) override {
    lines.push_back(std::string(letter.reason) + " " + std::to_string(letter.position.line));
  }
  std::vector<std::string> lines;
};

std::string Minify(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(json).get(element) != simdjson::SUCCESS) return "<invalid JSON> " + json;
  return simdjson::to_string(element);
}

// The [matches] line of an alert (tests/cases/README.md).
std::string MatchLine(const Alert& alert) {
  switch (alert.kind) {
    case Alert::Kind::kRecord:
      return alert.rule + " " + alert.event_id;
    case Alert::Kind::kWindow:
      return alert.rule + " window " + alert.window_start + " " + alert.window_end + " " + Minify(alert.fields_json);
    case Alert::Kind::kSuppressed:
      return alert.rule + " suppressed " + std::to_string(alert.suppressed_count) + " " + alert.window_start + " " +
             Minify(alert.group_json);
  }
  return "?";
}

// An expected [matches] line with its JSON minified.
std::string NormalizeMatchLine(const std::string& line) {
  std::istringstream in(line);
  std::string rule, kind;
  in >> rule >> kind;
  int words = kind == "window" ? 2 : kind == "suppressed" ? 2 : 0;
  std::string out = rule + " " + kind;
  for (int i = 0; i < words; ++i) {
    std::string word;
    in >> word;
    out += " " + word;
  }
  if (words == 0) return line;
  std::string json;
  std::getline(in, json);
  return out + " " + Minify(json);
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += "  " + line + "\n";
  return out.empty() ? "  (none)\n" : out;
}

class RuleCaseTest : public ::testing::Test {
 public:
  explicit RuleCaseTest(RuleCase rule_case) : case_(std::move(rule_case)) {}

  void TestBody() override {
    SCOPED_TRACE(case_.file + ":" + std::to_string(case_.line) + ": " + case_.title);
    char dir_template[] = "/tmp/th-case-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    fs::path dir = dir_template;
    WriteFile(dir / "rules.sql", case_.rules);
    for (const auto& [name, content] : case_.extra_files) WriteFile(dir / name, content);

    std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSet({(dir / "rules.sql").string()});
    CheckDiagnostics(*loaded);
    if (loaded->diagnostics.has_errors()) {
      fs::remove_all(dir);
      return;
    }
    if (case_.has_records) {
      ASSERT_TRUE(case_.sections.count("matches")) << "a case with [records] needs [matches]";
      WriteFile(dir / "records.ndjson", case_.records);
      RunRecords(*loaded, (dir / "records.ndjson").string());
    }
    fs::remove_all(dir);
  }

 private:
  static void WriteFile(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  void CheckDiagnostics(const LoadedRuleSet& loaded) {
    std::vector<std::string> actual, actual_full;
    for (const Diagnostic& d : loaded.diagnostics.Sorted()) {
      std::string head = std::string(d.severity == Severity::kError ? "error " : "warning ") + d.code +
                         " " + std::to_string(d.line) + ":" + std::to_string(d.column);
      actual.push_back(head);
      actual_full.push_back(head + " " + d.message + " (hint: " + d.hint + ")");
    }
    std::vector<std::string> expected_heads, substrings;
    for (const std::string& line : case_.sections["diagnostics"]) {
      std::istringstream in(line);
      std::string severity, code, position, rest;
      in >> severity >> code >> position;
      std::getline(in, rest);
      rest.erase(0, rest.find_first_not_of(' '));
      expected_heads.push_back(severity + " " + code + " " + position);
      substrings.push_back(rest);
    }
    ASSERT_EQ(actual, expected_heads) << "diagnostics differ; actual:\n" << Join(actual_full);
    for (size_t i = 0; i < substrings.size(); ++i) {
      EXPECT_NE(actual_full[i].find(substrings[i]), std::string::npos)
          << "diagnostic " << actual_full[i] << " does not mention '" << substrings[i] << "'";
    }
  }

  void RunRecords(const LoadedRuleSet& loaded, const std::string& records_path) {
    CaptureAlerts alerts;
    CaptureDeadLetters dead_letters;
    absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs({records_path}, SourceOptions{}, dead_letters);
    ASSERT_TRUE(source.ok()) << source.status();
    absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded.rules);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    RuleState state((*compiled)->rules(), RuleStateOptions{});
    Pipeline pipeline(**compiled, alerts, dead_letters, MatchEngine::kCompiled, &state);
    RawRecord record;
    while (true) {
      absl::StatusOr<bool> more = (*source)->Next(record);
      ASSERT_TRUE(more.ok()) << more.status();
      if (!*more) break;
      pipeline.Process(record.bytes, record.position);
    }
    pipeline.CloseState();  // a finite run without --state-dir
    std::vector<std::string> matches, expected_matches;
    for (const Alert& alert : alerts.alerts) matches.push_back(MatchLine(alert));
    for (const std::string& line : case_.sections["matches"]) expected_matches.push_back(NormalizeMatchLine(line));
    EXPECT_EQ(matches, expected_matches) << "matches differ; actual:\n" << Join(matches);
    EXPECT_EQ(dead_letters.lines, case_.sections["dead_letters"])
        << "dead letters differ; actual:\n" << Join(dead_letters.lines);
    for (const std::string& line : case_.sections["fields"]) {
      std::istringstream in(line);
      std::string rule, event_id, json;
      in >> rule >> event_id;
      std::getline(in, json);
      const Alert* found = nullptr;
      for (const Alert& alert : alerts.alerts) {
        if (alert.rule == rule && alert.event_id == event_id) found = &alert;
      }
      if (found == nullptr) {
        ADD_FAILURE() << "[fields] names no alert: " << line;
        continue;
      }
      // An alert whose fields could not be read has "fields": null.
      std::string fields = found->fields_error.empty() ? Minify(found->fields_json) : "null";
      EXPECT_EQ(fields, Minify(json)) << "fields of " << rule << " " << event_id << " (" << found->fields_error << ")";
    }
  }

  RuleCase case_;
};

void RegisterCases(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".test") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    std::string suite = fs::relative(file, root).replace_extension().string();
    for (char& c : suite) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    std::vector<RuleCase> cases = ParseTestFile(file);
    if (cases.empty()) {
      ::testing::RegisterTest(suite.c_str(), "has_cases", nullptr, nullptr, file.c_str(), 1,
                              [file]() -> ::testing::Test* {
                                return new RuleCaseTest(RuleCase{file, 0, "a .test file without cases"});
                              });
    }
    int index = 0;
    for (RuleCase& rule_case : cases) {
      std::string name = std::to_string(++index) + "_";
      for (char c : rule_case.title) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
      int line = rule_case.line;
      ::testing::RegisterTest(suite.c_str(), name.c_str(), nullptr, nullptr, file.c_str(), line,
                              [rule_case]() -> ::testing::Test* { return new RuleCaseTest(rule_case); });
    }
  }
}

}  // namespace
}  // namespace trailhound

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  trailhound::RegisterCases(TRAILHOUND_TESTS_DIR);
  return RUN_ALL_TESTS();
}
