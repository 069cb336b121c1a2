// libFuzzer target: the rule language front end and the compiler.
//
// Each input is the text of one rule file, loaded as "fuzz.sql" (lexer,
// parser, binder). It must never crash, hang or leak; every diagnostic is
// formatted; a rule set without errors is compiled (CompiledRuleSet::Compile)
// and explained, and — a small differential check on top — its rules run over
// a few fixed records in both the compiled engine and the reference
// interpreter, which must agree.
//
// The rule file is named as if it were in a fresh temporary folder (removed
// at exit) holding a few list files (lists/admins.txt, lists/ips.txt,
// lists/bad.txt, ips.txt, empty.txt), so that CREATE LIST … FROM FILE has
// something to read. Inputs that could name a file outside it (an absolute
// path, "..", cctz's "file:" time-zone prefix) are rejected: a list file
// named '/dev/zero' would be read forever, and that is not a bug in the
// loader but a property of the file.
#include <simdjson.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/compiled_rule_set.h"
#include "core/reference_interpreter.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

const char* TriName(TriBool value) {
  switch (value) {
    case TriBool::kTrue: return "TRUE";
    case TriBool::kFalse: return "FALSE";
    case TriBool::kNull: return "NULL";
  }
  return "?";
}

// Text with bytes outside printable ASCII (but newline and tab) as \xNN, so
// that a report shows NUL bytes and invalid UTF-8.
std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

[[noreturn]] void Fail(const std::string& what, const std::string& text) {
  std::fprintf(stderr, "\n=== rule_parser_fuzzer: %s\n--- rule text (%zu bytes, escaped) ---\n%s\n--- end ---\n",
               Printable(what).c_str(), text.size(), Printable(text).c_str());
  std::fflush(stderr);
  __builtin_trap();
}

// Records with the fields the seed rules read, in several shapes.
const std::vector<std::string> kRecords = {
    R"({"eventVersion":"1.08","eventID":"r1","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","eventTime":"2023-10-01T03:15:00Z","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"Mozilla/5.0","readOnly":false,"eventType":"AwsConsoleSignIn","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice","principalId":"AIDAEXAMPLE","accountId":"123456789012","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"additionalEventData":{"MFAUsed":"No"},"responseElements":{"ConsoleLogin":"Success"},"recipientAccountId":"123456789012"})",
    R"({"eventID":"r2","eventName":"PutRolePolicy","eventSource":"iam.amazonaws.com","eventTime":"2023-10-02T23:59:59.500Z","sourceIPAddress":"AWS Internal","userAgent":"aws-cli/2.13.0 Python/3.11","readOnly":"false","requestParameters":{"roleName":"Admin","policyName":"p","policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}","tags":["secret",42,null,{"k":"v"}]},"errorCode":"AccessDenied","errorMessage":null})",
    R"({"eventID":"r3","eventName":"GetObject","eventSource":"s3.amazonaws.com","eventTime":"2023-09-30T12:00:00+02:00","sourceIPAddress":"2001:db8::1","requestParameters":{"bucketName":"acme-payroll","key":"100%_report.csv","x-amz-id-2":"abc","count":12345678901234567890,"size":1e3},"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::acme-payroll/100%_report.csv"},{"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::acme-payroll"}],"readOnly":true})",
    R"({"eventID":"r4","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com","userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root"},"requestParameters":null,"resources":[],"eventTime":"not a time","sourceIPAddress":"10.1.2.3","apiVersion":2012,"userAgent":"caf\u00e9 \"quoted\"\n"})",
    R"({"eventID":"r5","eventName":"AssumeRole","eventSource":"sts.amazonaws.com","userIdentity":{"type":["AssumedRole","Root"],"arn":{"a":1}},"requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/Admin","durationSeconds":"3600","nested":{"a":[1,"1",true,[2]]}},"sourceIPAddress":"::ffff:203.0.113.9"})",
    R"({"eventName":"","eventTime":"2023-10-01","userIdentity":null,"resources":[[1,2],{"type":"x"},null]})",
};

bool NamesOutsideFiles(std::string_view text) {
  return text.find("'/") != std::string_view::npos || text.find("..") != std::string_view::npos ||
         text.find("file:") != std::string_view::npos;
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

struct State {
  std::vector<simdjson::dom::document> documents;
  std::string rule_file = "fuzz.sql";  // in the temporary folder with the list files
};

State& Get() {
  static State* state = [] {
    auto* s = new State;
    for (const std::string& record : kRecords) {
      simdjson::dom::parser parser;
      simdjson::dom::element element;
      if (parser.parse(record).get(element) != simdjson::SUCCESS) {
        // 12345678901234567890 fits uint64: every fixed record must parse.
        std::fprintf(stderr, "rule_parser_fuzzer: fixed record does not parse: %s\n", record.c_str());
        std::abort();
      }
      s->documents.emplace_back(std::move(parser.doc));
    }
    return s;
  }();
  return *state;
}

}  // namespace
}  // namespace trailhound

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / "trailhound-rule-fuzz-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("rule_parser_fuzzer: temporary folder");
    std::abort();
  }
  using trailhound::WriteFile;
  WriteFile(dir + "/lists/admins.txt", "# administrators\nAIDAEXAMPLE\nalice   # comment\n\n arn:aws:iam::123456789012:root \n");
  WriteFile(dir + "/lists/ips.txt", "203.0.113.0/24\n198.51.100.7\n2001:db8::/32\n");
  WriteFile(dir + "/lists/bad.txt", "10.0.0.0/33\nnot/a/cidr\n\xff\xfe\n");
  WriteFile(dir + "/ips.txt", "10.0.0.0/8\n");
  WriteFile(dir + "/empty.txt", "");
  trailhound::Get().rule_file = dir + "/fuzz.sql";
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(trailhound::Get().rule_file).parent_path(), ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailhound;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (NamesOutsideFiles(text)) return -1;  // not added to the corpus

  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSetFromText(Get().rule_file, text);
  for (const Diagnostic& diagnostic : loaded->diagnostics.Sorted()) {
    std::string formatted = FormatDiagnostic(diagnostic);
    if (formatted.empty()) Fail("empty formatted diagnostic " + diagnostic.code, text);
    if (diagnostic.code.size() != 6 || diagnostic.code.compare(0, 2, "TH") != 0) {
      Fail("diagnostic code '" + diagnostic.code + "' is not THnnnn", text);
    }
    if (diagnostic.line < 0 || diagnostic.column < 0 || diagnostic.length < 0) {
      Fail("negative position in diagnostic: " + formatted, text);
    }
  }
  if (loaded->diagnostics.has_errors()) return 0;

  for (const BoundRule& rule : loaded->rules.rules) {
    if (rule.where) (void)rule.where->ToSql();
    for (const SelectItem& item : rule.select) (void)item.value.ToSql();
  }
  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
  if (!compiled.ok()) return 0;  // a limit, reported as an error status: allowed
  const CompiledRuleSet& engine = **compiled;
  std::string explained = engine.Explain();
  if (explained.empty()) Fail("empty Explain()", text);

  // The compiled engine against the oracle, over the fixed records.
  State& state = Get();
  CompiledRuleSet::ScratchPtr scratch = engine.NewScratch();
  std::vector<uint32_t> matched;
  const std::vector<BoundRule>& rules = engine.rules().rules;
  for (size_t r = 0; r < kRecords.size(); ++r) {
    matched.clear();
    absl::Status status = engine.Match(kRecords[r], *scratch, matched);
    if (!status.ok()) Fail("Match rejects fixed record " + std::to_string(r) + ": " + std::string(status.message()), text);
    simdjson::dom::element element = state.documents[r].root();
    size_t next = 0;
    for (uint32_t rule = 0; rule < rules.size(); ++rule) {
      bool compiled_fires = next < matched.size() && matched[next] == rule;
      if (compiled_fires) ++next;
      TriBool reference = ReferenceInterpreter::EvaluateWhere(rules[rule], element);
      if ((reference == TriBool::kTrue) != compiled_fires) {
        Fail("engines disagree on rule " + rules[rule].name + " over record " + kRecords[r] +
                 "\n  where:     " + (rules[rule].where ? rules[rule].where->ToSql() : std::string("(none)")) +
                 "\n  reference: " + TriName(reference) +
                 "\n  compiled:  " + (compiled_fires ? "fires" : "does not fire"),
             text);
      }
    }
    if (next != matched.size()) Fail("Match returned rules out of order or twice", text);
  }
  return 0;
}
