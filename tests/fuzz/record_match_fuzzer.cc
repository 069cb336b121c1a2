// libFuzzer target: record extraction + matching.
//
// A fixed rule set (embedded below, so it does not change with the shipped
// pack) exercising every operator, function, path shape and index kind of the
// compiled engine is compiled once. Each input is one record:
//
//  - CompiledRuleSet::Match runs on it (twice, with a warm scratch: the
//    results must be the same both times);
//  - when the record parses whole with simdjson DOM, every rule's result must
//    equal ReferenceInterpreter::EvaluateWhere (the oracle); and a record that
//    DOM accepts as an object no deeper than the engine's limit must not be
//    rejected by Match;
//  - the Pipeline runs on it with counting sinks (covers projection, alert ids
//    and Alert::ToJson, which must produce valid JSON);
//  - a second, fully anchored rule set matches it twice, once with a walk
//    that may stop early and once with the whole walk: the answers must
//    agree (the early walk may accept a record broken after its stop).
//
// A disagreement prints the rule and the record and traps, so libFuzzer
// saves the input as a crash.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/compiled_rule_set.h"
#include "core/pipeline.h"
#include "core/reference_interpreter.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

constexpr char kRules[] = R"sql(
CREATE LIST trusted_ips ('203.0.113.0/24', '198.51.100.7', '2001:db8::/32', '10.0.0.0/8', '::ffff:192.0.2.0/120');
CREATE LIST risky_events ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'DeleteFlowLogs');
CREATE LIST mixed_items ('ConsoleLogin', 'AssumeRole', 42, -7.5, '', 'true', 'ünïcode');
CREATE LIST admin_arns ('arn:aws:iam::123456789012:root', 'AIDACKCEVSQ6C2EXAMPLE');
CREATE VIEW iam_writes AS SELECT * FROM cloudtrail WHERE eventSource = 'iam.amazonaws.com' AND readOnly = false;
CREATE VIEW iam_policy_writes AS SELECT * FROM iam_writes WHERE eventName LIKE '%Policy%';

-- name: seed_iam_policy
SELECT eventName, userIdentity, requestParameters FROM cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com' AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy');

CREATE RULE console_untrusted WITH (severity = 'high', tags = 'T1078,T1133', description = 'login from outside')
AS SELECT eventName, awsRegion, sourceIPAddress FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND sourceIPAddress NOT IN trusted_ips;
CREATE RULE console_no_mfa AS SELECT * FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND (MFAUsed <> 'Yes' OR additionalEventData.MFAUsed IS NULL);
CREATE RULE root_activity WITH (severity = 'critical') AS SELECT userIdentity.arn AS who, eventName FROM cloudtrail
WHERE userIdentity.type = 'Root' AND userIdentity.invokedBy IS NULL AND eventType != 'AwsServiceEvent';
CREATE RULE logging_tamper AS SELECT eventName, errorCode FROM cloudtrail
WHERE eventName IN risky_events AND errorCode IS NULL;
CREATE RULE iam_policy_change AS SELECT eventName, requestParameters.policyDocument FROM iam_policy_writes
WHERE eventName NOT LIKE 'Get%';
CREATE RULE like_escape AS SELECT key FROM cloudtrail
WHERE requestParameters.key LIKE '100!%!_%' ESCAPE '!' OR key LIKE 'a_c%';
CREATE RULE ilike_agent AS SELECT userAgent FROM cloudtrail
WHERE userAgent ILIKE '%AWS-CLI%' AND userAgent NOT ILIKE '%console%';
CREATE RULE regexp_arn AS SELECT * FROM cloudtrail
WHERE userIdentity.arn REGEXP '^arn:aws:iam::[0-9]{12}:(user|role)/' AND arn NOT IN admin_arns;
CREATE RULE rlike_anchor AS SELECT * FROM cloudtrail
WHERE eventName RLIKE 'Login$' OR userAgent NOT REGEXP '(?i)boto';
CREATE RULE regex_re2_only AS SELECT * FROM cloudtrail
WHERE userAgent REGEXP '\C+x' OR sourceIPAddress RLIKE '^\pN+\.\pN' OR errorMessage REGEXP '(?s)denied.*$';
CREATE RULE time_between AS SELECT eventTime FROM cloudtrail
WHERE eventTime BETWEEN '2023-10-01' AND '2023-10-02';
CREATE RULE time_compare AS SELECT eventTime FROM cloudtrail
WHERE eventTime >= '2023-10-01T08:00:00Z' AND eventTime < '2023-10-01 18:00:00';
CREATE RULE number_ranges AS SELECT requestParameters FROM cloudtrail
WHERE requestParameters.maxResults > 1000 OR requestParameters.durationSeconds <= 900.5
   OR requestParameters.count = -7 OR requestParameters.count NOT BETWEEN 1 AND 100;
CREATE RULE big_numbers AS SELECT requestParameters.size FROM cloudtrail
WHERE requestParameters.size >= 18446744073709551615 OR requestParameters.size < -9223372036854775808
   OR requestParameters.size = 1e300 OR requestParameters.size = 0.1;
CREATE RULE booleans AS SELECT readOnly FROM cloudtrail
WHERE readOnly = FALSE AND (managementEvent = TRUE OR readOnly = 'false');
CREATE RULE nulls AS SELECT errorCode, errorMessage FROM cloudtrail
WHERE errorCode IS NOT NULL AND errorMessage IS NULL;
CREATE RULE case_functions AS SELECT eventName FROM cloudtrail
WHERE lower(eventName) = 'consolelogin' OR upper(eventSource) LIKE 'S3.%' OR lower(userAgent) IN ('aws-console', 'boto3');
CREATE RULE string_functions AS SELECT userAgent FROM cloudtrail
WHERE starts_with(userAgent, 'aws-cli') OR ends_with(userIdentity.arn, ':root')
   OR contains(requestParameters.tags, 'secret') OR contains(userAgent, 'curl');
CREATE RULE cidrs AS SELECT sourceIPAddress FROM cloudtrail
WHERE cidr_match(sourceIPAddress, '192.0.2.0/24') OR NOT cidr_match(sourceIPAddress, trusted_ips);
CREATE RULE time_functions AS SELECT eventTime FROM cloudtrail
WHERE hour(eventTime) NOT BETWEEN 8 AND 18 OR hour(eventTime, 'Europe/Berlin') = 3
   OR day_of_week(eventTime) IN (6, 7) OR day_of_week(eventTime, 'America/New_York') = 1;
CREATE RULE json_functions AS SELECT requestParameters.policyDocument FROM cloudtrail
WHERE json_extract_scalar(requestParameters.policyDocument, '$.Statement[0].Effect') = 'Allow'
   OR json_extract_scalar(requestParameters, '$.a.b[1]') IS NOT NULL;
CREATE RULE array_paths AS SELECT resources FROM cloudtrail
WHERE resources[*].ARN LIKE 'arn:aws:s3:::%secret%' OR resources[0].type = 'AWS::IAM::Role'
   OR requestParameters.tags[*] IN ('a', 'b') OR resources.accountId = '123456789012';
CREATE RULE array_index_deep AS SELECT * FROM cloudtrail
WHERE requestParameters.items[1].values[*] = 5 OR requestParameters.items[*].name IS NULL;
CREATE RULE quoted_keys AS SELECT requestParameters."x-amz-id-2" AS amz FROM cloudtrail
WHERE requestParameters."x-amz-id-2" IS NOT NULL OR responseElements."a.b" = 'c';
CREATE RULE field_vs_field AS SELECT * FROM cloudtrail
WHERE userIdentity.accountId = recipientAccountId AND userIdentity.principalId <> requestParameters.roleSessionName;
CREATE RULE nested_logic AS SELECT * FROM cloudtrail
WHERE NOT (eventName = 'A' OR (eventSource = 'b.amazonaws.com' AND NOT readOnly))
  AND (errorCode = 'AccessDenied' OR errorCode LIKE '%Unauthorized%');
CREATE RULE literal_left AS SELECT * FROM cloudtrail
WHERE 'ConsoleLogin' = eventName OR 5 < requestParameters.count;
CREATE RULE aliases AS SELECT bucketName, roleArn FROM cloudtrail
WHERE bucketName LIKE '%-backup' OR roleArn REGEXP ':role/Admin' OR mfaAuthenticated = 'false' OR policyArn IS NOT NULL;
CREATE RULE unicode_values AS SELECT userAgent FROM cloudtrail
WHERE userAgent = 'café "quoted"' OR eventName LIKE 'ünï%' OR userAgent IN ('日本語', 'ß') OR eventName IN mixed_items;
CREATE RULE s3_reads AS SELECT bucketName, key FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com' AND eventName IN ('GetObject', 'PutObject')
  AND requestParameters.bucketName IN ('acme-payroll', 'secret');
CREATE RULE objects_as_text AS SELECT * FROM cloudtrail
WHERE userIdentity = '{"type":"Root"}' OR requestParameters.nested = '[1,2]' OR resources = '[]';
CREATE RULE numeric_strings AS SELECT apiVersion FROM cloudtrail
WHERE apiVersion = '2012' OR recipientAccountId = 123456789012 OR requestParameters.count IN (1, 2.5, '3');
CREATE RULE event_id_pattern AS SELECT eventID FROM cloudtrail
WHERE eventID LIKE '%-%-%' AND eventID NOT RLIKE '^[0-9a-f-]+$';
CREATE RULE any_field_dispatch AS SELECT * FROM cloudtrail
WHERE awsRegion = 'eu-west-1' AND userIdentity.type = 'AssumedRole' AND sourceIPAddress IN ('192.0.2.1', '2001:db8::1');
CREATE RULE null_literals AS SELECT * FROM cloudtrail
WHERE errorCode = NULL OR eventName NOT IN ('a', 'b') OR requestParameters.count BETWEEN NULL AND 5;
CREATE RULE everything AS SELECT * FROM cloudtrail
WHERE TRUE;
CREATE RULE timezone_literal AS SELECT * FROM cloudtrail
WHERE eventTime > '2023-10-05T07:00:00+02:00' AND eventTime <= '2024-02-29';
)sql";

// Every rule anchored (on eventName: an equality, an IN list, one anchor per
// OR branch; on userAgent patterns), some behind a guard (userIdentity.type,
// eventSource, a userIdentity.arn pattern), so that the walk stops early on
// every record whose anchor and guard fields show that it reaches none:
// checked against the whole walk. (The engine differential test covers the
// other anchor kinds.)
constexpr char kAnchoredRules[] = R"sql(
CREATE RULE a1 AS SELECT eventName FROM cloudtrail WHERE eventName = 'DeleteTrail' AND sourceIPAddress <> '10.0.0.1';
CREATE RULE a2 AS SELECT eventName FROM cloudtrail WHERE eventName IN ('PutRolePolicy', 'GetObject')
  AND requestParameters.count > 3;
CREATE RULE a3 AS SELECT eventName FROM cloudtrail
  WHERE (eventName = 'ConsoleLogin' AND userIdentity.type = 'Root') OR (eventName = 'StopLogging' AND errorCode IS NULL);
CREATE RULE a4 AS SELECT eventName FROM cloudtrail
  WHERE eventName = 'GetObject' AND userIdentity.type = 'IAMUser' AND awsRegion <> 'eu-west-1';
CREATE RULE a5 AS SELECT eventName FROM cloudtrail WHERE userAgent LIKE '%curl/%';
CREATE RULE a6 AS SELECT eventName FROM cloudtrail
  WHERE userAgent LIKE 'aws-cli%' AND eventSource = 'iam.amazonaws.com' AND readOnly = false;
CREATE RULE a7 AS SELECT eventName FROM cloudtrail WHERE userAgent LIKE '%o%' AND userIdentity.arn LIKE '%:user/%';
)sql";

constexpr size_t kMaxDepth = 128;  // CompileLimits{}.max_json_depth

const char* TriName(TriBool value) {
  switch (value) {
    case TriBool::kTrue: return "TRUE";
    case TriBool::kFalse: return "FALSE";
    case TriBool::kNull: return "NULL";
  }
  return "?";
}

// The record as a C string literal would spell it (bytes outside printable
// ASCII as \xNN), so that a report can be pasted back.
std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

[[noreturn]] void Fail(const std::string& what, std::string_view record) {
  std::fprintf(stderr, "\n=== record_match_fuzzer: %s\n  record (%zu bytes): %s\n", what.c_str(), record.size(),
               Printable(record).c_str());
  std::fflush(stderr);
  __builtin_trap();
}

size_t Depth(simdjson::dom::element element) {
  size_t deepest = 0;
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (element.get_array().get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : array) deepest = std::max(deepest, Depth(item));
    return deepest + 1;
  }
  if (element.get_object().get(object) == simdjson::SUCCESS) {
    for (simdjson::dom::key_value_pair field : object) deepest = std::max(deepest, Depth(field.value));
    return deepest + 1;
  }
  return 0;
}

class CheckingAlertSink : public AlertSink {
 public:
  void Write(const Alert& alert) override {
    std::string line = alert.ToJson();
    simdjson::dom::element parsed;
    if (parser_.parse(line).get(parsed) != simdjson::SUCCESS || !parsed.is_object()) {
      Fail("Alert::ToJson is not a JSON object: " + line, current);
    }
    ++written;
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  std::string_view current;
  size_t written = 0;

 private:
  simdjson::dom::parser parser_;
};

class CountingDeadLetterSink : public DeadLetterSink {
 public:
  void Write(const DeadLetter& letter) override {
    if (letter.reason.empty()) Fail("dead letter without a reason", letter.raw);
    ++written;
  }
  size_t written = 0;
};

struct State {
  std::unique_ptr<LoadedRuleSet> loaded;
  std::unique_ptr<const CompiledRuleSet> compiled;
  CompiledRuleSet::ScratchPtr scratch;
  simdjson::dom::parser dom;
  CheckingAlertSink alerts;
  CountingDeadLetterSink dead_letters;
  std::unique_ptr<Pipeline> pipeline;
  std::vector<uint32_t> first, second, warm;
  std::unique_ptr<LoadedRuleSet> anchored_loaded;
  std::unique_ptr<const CompiledRuleSet> anchored;
  CompiledRuleSet::ScratchPtr early, whole;  // stopping early / the whole walk
  std::vector<uint32_t> early_matched, whole_matched;
};

std::unique_ptr<const CompiledRuleSet> CompileOrDie(const char* name, const char* text,
                                                    std::unique_ptr<LoadedRuleSet>& loaded) {
  loaded = LoadRuleSetFromText(name, text);
  if (loaded->diagnostics.has_errors()) {
    for (const Diagnostic& d : loaded->diagnostics.Sorted()) std::fprintf(stderr, "%s\n", FormatDiagnostic(d).c_str());
    std::fprintf(stderr, "record_match_fuzzer: the embedded rules of %s do not bind\n", name);
    std::abort();
  }
  auto compiled = CompiledRuleSet::Compile(loaded->rules);
  if (!compiled.ok()) {
    std::fprintf(stderr, "record_match_fuzzer: compile failed: %s\n", std::string(compiled.status().message()).c_str());
    std::abort();
  }
  return std::move(*compiled);
}

State& Get() {
  static State* state = [] {
    auto* s = new State;
    s->compiled = CompileOrDie("fuzz_rules.sql", kRules, s->loaded);
    s->scratch = s->compiled->NewScratch();
    s->anchored = CompileOrDie("anchored_rules.sql", kAnchoredRules, s->anchored_loaded);
    s->early = s->anchored->NewScratch();
    s->whole = s->anchored->NewScratch(CompiledRuleSet::Walk::kAllReadPaths);
    s->pipeline = std::make_unique<Pipeline>(*s->compiled, s->alerts, s->dead_letters);
    if (std::getenv("TRAILHOUND_FUZZ_EXPLAIN") != nullptr) std::fputs(s->compiled->Explain().c_str(), stderr);
    return s;
  }();
  return *state;
}

// A record that reaches most rules, matched before each input so that the
// scratch's memo is warm (and in the same state for every run of an input).
constexpr std::string_view kWarmRecord =
    R"({"eventVersion":"1.08","eventID":"warm-1","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com",)"
    R"("eventTime":"2023-10-01T03:15:00Z","sourceIPAddress":"192.0.2.10","userAgent":"aws-cli/2.13 boto",)"
    R"("readOnly":false,"userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root"},)"
    R"("requestParameters":{"count":5,"tags":["secret"],"policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\"}]}"},)"
    R"("resources":[{"ARN":"arn:aws:s3:::secret-bucket","type":"AWS::S3::Object"}]})";

}  // namespace
}  // namespace trailhound

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  trailhound::Get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailhound;
  State& s = Get();
  std::string_view record(reinterpret_cast<const char*>(data), size);
  s.alerts.current = record;

  s.warm.clear();
  (void)s.compiled->Match(kWarmRecord, *s.scratch, s.warm);

  s.first.clear();
  absl::Status status = s.compiled->Match(record, *s.scratch, s.first);
  if (status.ok()) {
    (void)s.compiled->EventName(*s.scratch);
    (void)s.compiled->EventId(*s.scratch);
    (void)s.compiled->EventTime(*s.scratch);
  } else if (!s.first.empty()) {
    Fail("Match failed (" + std::string(status.message()) + ") but reported matches", record);
  }
  s.second.clear();
  absl::Status again = s.compiled->Match(record, *s.scratch, s.second);
  if (again.ok() != status.ok() || s.first != s.second) {
    Fail("Match gives a different answer the second time on the same scratch", record);
  }

  // Stopping early changes nothing a whole walk finds, except that a broken
  // part after the stop goes unread.
  s.early_matched.clear();
  s.whole_matched.clear();
  absl::Status early = s.anchored->Match(record, *s.early, s.early_matched);
  absl::Status whole = s.anchored->Match(record, *s.whole, s.whole_matched);
  if (whole.ok() && (!early.ok() || s.early_matched != s.whole_matched ||
                     s.anchored->EventName(*s.early) != s.anchored->EventName(*s.whole) ||
                     s.anchored->EventTime(*s.early) != s.anchored->EventTime(*s.whole))) {
    Fail("stopping early changes the result: " + std::string(early.message()), record);
  }
  if (early.ok() && !whole.ok() && !s.anchored->StoppedEarly(*s.early)) {
    Fail("the whole walk rejects the record (" + std::string(whole.message()) +
             ") but the early one accepts it without stopping early",
         record);
  }
  if (!early.ok() && whole.ok()) Fail("the early walk rejects a record the whole walk accepts", record);

  simdjson::dom::element element;
  if (s.dom.parse(record.data(), record.size()).get(element) == simdjson::SUCCESS) {
    if (!status.ok()) {
      if (element.is_object() && Depth(element) <= kMaxDepth) {
        Fail("DOM accepts the record but Match rejects it: " + std::string(status.message()), record);
      }
    } else {
      const std::vector<BoundRule>& rules = s.compiled->rules().rules;
      size_t next = 0;  // s.first is in rule order
      for (uint32_t rule = 0; rule < rules.size(); ++rule) {
        bool compiled_fires = next < s.first.size() && s.first[next] == rule;
        if (compiled_fires) ++next;
        TriBool reference = ReferenceInterpreter::EvaluateWhere(rules[rule], element);
        if ((reference == TriBool::kTrue) != compiled_fires) {
          Fail("engines disagree on rule " + rules[rule].name + "\n  where:     " +
                   (rules[rule].where ? rules[rule].where->ToSql() : std::string("(none)")) +
                   "\n  reference: " + TriName(reference) +
                   "\n  compiled:  " + (compiled_fires ? "fires" : "does not fire"),
               record);
        }
      }
      if (next != s.first.size()) Fail("Match returned rules out of order or twice", record);
    }
  }

  // The pipeline: one alert per match, or one dead letter.
  size_t alerts_before = s.alerts.written, letters_before = s.dead_letters.written;
  s.pipeline->Process(record, SourcePosition{"fuzz.ndjson", 0, 0, 1});
  size_t alerts = s.alerts.written - alerts_before, letters = s.dead_letters.written - letters_before;
  if (letters > 1 || (letters == 1 && alerts != 0)) Fail("pipeline wrote a dead letter and alerts", record);
  if (status.ok() && letters == 0 && alerts != s.first.size()) {
    Fail("pipeline alerts differ from Match: " + std::to_string(alerts) + " vs " + std::to_string(s.first.size()),
         record);
  }
  if (!status.ok() && letters != 1) Fail("Match rejects the record but the pipeline did not dead-letter it", record);
  return 0;
}
