// Differential test: the compiled rule set against the reference interpreter.
// Random rules (every operator and function, nested AND/OR/NOT, NULLs, arrays,
// lists, CIDRs, regexes) go through the real parser and binder; random and
// hand-made records go through both engines; every rule × record result must
// agree. A failure prints the rule and the record: a minimal reproduction.
//
// TRAILHOUND_DIFF_BATCHES=N runs N batches (default 40: 50 rules × 120
// records each, 240,000 evaluations); TRAILHOUND_DIFF_SEED picks the seed.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/compiled_rule_set.h"
#include "core/json_text.h"
#include "core/reference_interpreter.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  size_t Below(size_t n) { return static_cast<size_t>(engine_() % n); }
  bool Chance(int percent) { return Below(100) < static_cast<size_t>(percent); }
  template <typename T>
  const T& Pick(const std::vector<T>& items) { return items[Below(items.size())]; }

 private:
  std::mt19937_64 engine_;
};

const std::vector<std::string> kEventNames = {"ConsoleLogin", "GetObject", "PutRolePolicy", "AssumeRole",
                                              "StopLogging", "consolelogin", "Get%Object"};
const std::vector<std::string> kSources = {"iam.amazonaws.com", "s3.amazonaws.com", "signin.amazonaws.com",
                                           "sts.amazonaws.com"};
const std::vector<std::string> kIps = {"203.0.113.7", "203.0.113.200", "198.51.100.7", "10.1.2.3",
                                       "2001:db8::1", "2001:db8:1::5", "2001:0db8::1", "AWS Internal",
                                       "s3.amazonaws.com", "300.1.1.1", ""};
const std::vector<std::string> kAgents = {"aws-cli/2.13.0 Python/3.11", "Mozilla/5.0 (Windows)", "Boto3/1.28",
                                          "AWS-Console", "curl/8.1", "aws-cli/1.0\n", "ünïcode-agent", "100%_done"};
const std::vector<std::string> kTimes = {"2023-10-01T00:00:00Z", "2023-10-01T23:59:59Z", "2023-10-02T00:00:00Z",
                                         "2023-09-30T12:30:00Z", "2023-10-01T03:15:00.500Z", "2023-10-01",
                                         "not a time", "2023-10-05T07:00:00+02:00"};
const std::vector<std::string> kWords = {"true", "false", "TRUE", "42", "42.0", "-7", "007", "1e3", "abc",
                                         "AccessDenied", "", " 5", "secret", "acme-payroll"};

// A random JSON value for a "wild" position: any type.
std::string WildValue(Random& r, int depth = 0) {
  std::string out;
  switch (r.Below(depth > 1 ? 6 : 8)) {
    case 0: return "null";
    case 1: return r.Chance(50) ? "true" : "false";
    case 2: return std::to_string(static_cast<int>(r.Below(100)) - 20);
    case 3: return r.Pick(std::vector<std::string>{"1.5", "42.0", "1e3", "-0.25", "3600"});
    case 4:
    case 5:
      AppendJsonString(out, r.Pick(kWords));
      return out;
    case 6: {
      out = "[";
      size_t n = r.Below(4);
      for (size_t i = 0; i < n; ++i) out += (i ? "," : "") + WildValue(r, depth + 1);
      return out + "]";
    }
    default: {
      out = "{";
      size_t n = r.Below(3);
      for (size_t i = 0; i < n; ++i) {
        if (i) out += ",";
        AppendJsonString(out, r.Pick(std::vector<std::string>{"a", "b", "c"}));
        out += ":" + WildValue(r, depth + 1);
      }
      return out + "}";
    }
  }
}

std::string Str(const std::string& s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

std::string RandomRecord(Random& r, int index) {
  std::vector<std::string> fields;
  auto add = [&](const std::string& key, const std::string& json) {
    fields.push_back(Str(key) + ":" + json);
  };
  add("eventID", Str("e" + std::to_string(index)));
  if (!r.Chance(3)) add("eventName", Str(r.Pick(kEventNames)));
  if (!r.Chance(10)) add("eventSource", r.Chance(5) ? "null" : Str(r.Pick(kSources)));
  if (!r.Chance(15)) add("sourceIPAddress", r.Chance(5) ? WildValue(r) : Str(r.Pick(kIps)));
  if (!r.Chance(15)) add("userAgent", Str(r.Pick(kAgents)));
  if (!r.Chance(10)) add("eventTime", r.Chance(5) ? WildValue(r) : Str(r.Pick(kTimes)));
  if (!r.Chance(20)) {
    add("readOnly", r.Pick(std::vector<std::string>{"true", "false", "\"false\"", "\"TRUE\"", "null", "1"}));
  }
  if (r.Chance(40)) add("errorCode", r.Chance(20) ? "null" : Str(r.Pick(kWords)));
  if (!r.Chance(10)) {
    std::string identity = "{\"type\":" + Str(r.Pick(std::vector<std::string>{"IAMUser", "Root", "AssumedRole"}));
    if (r.Chance(80)) identity += ",\"arn\":" + Str("arn:aws:iam::123456789012:user/" + r.Pick(kWords));
    if (r.Chance(50)) {
      identity += ",\"sessionContext\":{\"attributes\":{\"mfaAuthenticated\":" +
                  Str(r.Chance(50) ? "true" : "false") + "}}";
    }
    add("userIdentity", identity + "}");
  }
  if (!r.Chance(10)) {
    std::string params = "{\"bucketName\":" + Str(r.Pick(kWords));
    if (r.Chance(50)) params += ",\"count\":" + WildValue(r);
    if (r.Chance(50)) {
      params += ",\"tags\":[";
      size_t n = r.Below(4);
      for (size_t i = 0; i < n; ++i) params += (i ? "," : "") + (r.Chance(80) ? Str(r.Pick(kWords)) : WildValue(r));
      params += "]";
    }
    if (r.Chance(30)) params += ",\"policy\":" + Str("{\"Effect\":\"Allow\",\"n\":" + std::to_string(r.Below(5)) + "}");
    if (r.Chance(30)) params += ",\"nested\":" + WildValue(r);
    add("requestParameters", params + "}");
  }
  if (r.Chance(60)) {
    std::string resources = "[";
    size_t n = r.Below(4);
    for (size_t i = 0; i < n; ++i) {
      resources += std::string(i ? "," : "") + "{\"type\":" +
                   Str(r.Pick(std::vector<std::string>{"AWS::S3::Object", "AWS::S3::Bucket", "AWS::IAM::Role"})) +
                   ",\"ARN\":" + (r.Chance(85) ? Str("arn:aws:s3:::" + r.Pick(kWords)) : WildValue(r)) + "}";
    }
    add("resources", resources + "]");
  }
  // Shuffle field order: On-Demand must not depend on it.
  for (size_t i = fields.size(); i > 1; --i) std::swap(fields[i - 1], fields[r.Below(i)]);
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out + "}";
}

const std::vector<std::string> kFields = {
    "eventName", "eventSource", "sourceIPAddress", "userAgent", "eventTime", "readOnly", "errorCode",
    "userIdentity.type", "userIdentity.arn", "mfaAuthenticated", "bucketName", "requestParameters.count",
    "requestParameters.tags", "requestParameters.tags[*]", "requestParameters.tags[0]",
    "resources[*].type", "resources[*].ARN", "resources.type", "resources[0].type", "requestParameters.nested",
    "requestParameters.nested.a", "userIdentity", "resources"};

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string Literal(Random& r) {
  switch (r.Below(10)) {
    case 0: return "NULL";
    case 1: return r.Chance(50) ? "TRUE" : "FALSE";
    case 2: return r.Pick(std::vector<std::string>{"42", "-7", "1.5", "3600", "0", "7"});
    case 3: return SqlString(r.Pick(kTimes));
    case 4: return SqlString(r.Pick(kIps));
    case 5: return SqlString(r.Pick(kEventNames));
    case 6: return SqlString(r.Pick(kSources));
    default: return SqlString(r.Pick(kWords));
  }
}

std::string ValueExpr(Random& r) {
  std::string field = r.Pick(kFields);
  switch (r.Below(12)) {
    case 0: return "lower(" + field + ")";
    case 1: return "upper(" + field + ")";
    case 2: return "hour(" + field + (r.Chance(50) ? ", 'America/New_York'" : "") + ")";
    case 3: return "day_of_week(" + field + ")";
    case 4: return "json_extract_scalar(" + field + ", '$.Effect')";
    default: return field;
  }
}

std::string Leaf(Random& r) {
  const char* ops[] = {"=", "!=", "<>", "<", "<=", ">", ">="};
  std::string value = ValueExpr(r);
  std::string negation = r.Chance(30) ? "NOT " : "";
  switch (r.Below(14)) {
    case 0:
    case 1:
      return value + " " + ops[r.Below(7)] + " " + Literal(r);
    case 2:
      return Literal(r) + " " + ops[r.Below(7)] + " " + value;
    case 3: {
      std::string items;
      size_t n = 1 + r.Below(4);
      for (size_t i = 0; i < n; ++i) {
        items += (i ? ", " : "") + (r.Chance(20) ? SqlString(r.Pick(std::vector<std::string>{
                                                       "203.0.113.0/24", "2001:db8::/32", "10.0.0.0/8"}))
                                                 : Literal(r));
      }
      return value + " " + negation + "IN (" + items + ")";
    }
    case 4:
      return value + " " + negation + "IN " + r.Pick(std::vector<std::string>{"names", "nets", "words"});
    case 5: {
      std::vector<std::string> patterns = {"%Login", "Get%", "%3%", "_ws-cli%", "%\n", "100!%!_done", "%",
                                           "", "a_c", "ünïcode%", "%-agent"};
      std::string pattern = r.Pick(patterns);
      std::string escape = pattern.find('!') != std::string::npos ? " ESCAPE '!'" : "";
      return value + " " + negation + (r.Chance(40) ? "ILIKE " : "LIKE ") + SqlString(pattern) + escape;
    }
    case 6: {
      std::vector<std::string> regexes = {"^aws-cli/[0-9]", "Login$", "(?i)login", "[0-9]+", "^$", "\\d{3}",
                                          "Get|Put", "\\C", "^.*$", "cli/1\\.0$", "s3\\.amazonaws\\.com"};
      return value + " " + negation + (r.Chance(50) ? "REGEXP " : "RLIKE ") + SqlString(r.Pick(regexes));
    }
    case 7:
      return value + " " + negation + "BETWEEN " + Literal(r) + " AND " + Literal(r);
    case 8:
      return r.Pick(kFields) + (r.Chance(50) ? " IS NULL" : " IS NOT NULL");
    case 9: {
      const char* functions[] = {"starts_with", "ends_with", "contains"};
      return std::string(functions[r.Below(3)]) + "(" + value + ", " + SqlString(r.Pick(kWords)) + ")";
    }
    case 10:
      return "cidr_match(" + value + ", " +
             (r.Chance(50) ? "nets" : SqlString(r.Pick(std::vector<std::string>{"203.0.113.0/25", "::/0",
                                                                                "198.51.100.7"}))) + ")";
    case 11:
      return r.Pick(kFields) + " " + ops[r.Below(7)] + " " + r.Pick(kFields);
    case 12:
      return r.Pick(std::vector<std::string>{"readOnly", "lower(readOnly)", "errorCode"});
    default:
      return "eventName = " + SqlString(r.Pick(kEventNames));
  }
}

std::string Condition(Random& r, int depth) {
  if (depth > 2 || r.Chance(35)) return Leaf(r);
  switch (r.Below(3)) {
    case 0: return "(" + Condition(r, depth + 1) + " AND " + Condition(r, depth + 1) + ")";
    case 1: return "(" + Condition(r, depth + 1) + " OR " + Condition(r, depth + 1) + ")";
    default: return "NOT (" + Condition(r, depth + 1) + ")";
  }
}

// A required condition the dispatch index files a rule under: a rule set of
// such rules lets the walk stop once these fields show that no rule is
// reached (eventName, eventSource, a nested field, a pattern, a pattern with
// an equality or a pattern that guards it). Mostly values the records rarely
// have, so that some records reach no rule.
std::string Anchor(Random& r) {
  auto name = [&] {
    return SqlString(r.Chance(10) ? r.Pick(kEventNames)
                                  : r.Pick(std::vector<std::string>{"DeleteTrail", "CreateUser", "PutBucketPolicy"}));
  };
  switch (r.Below(7)) {
    case 0: return "eventName = " + name();
    case 1: return "eventName IN (" + name() + ", " + name() + ")";
    case 2: return "eventSource = " + SqlString(r.Chance(10) ? r.Pick(kSources) : "ec2.amazonaws.com");
    case 3: return "bucketName = " + SqlString(r.Chance(10) ? r.Pick(kWords) : "acme-logs");
    case 4:
      return "userAgent LIKE " +
             SqlString(r.Chance(10) ? "aws-cli%" : r.Pick(std::vector<std::string>{"%Windows%", "curl/%"}));
    case 5:  // often both true: the guard must not keep a rule from firing
      return "userAgent LIKE " + SqlString(r.Pick(std::vector<std::string>{"aws-cli%", "%o%"})) +
             " AND eventSource = " + SqlString(r.Pick(kSources));
    default:  // a pattern guarding a pattern
      return "userAgent LIKE '%o%' AND userIdentity.arn LIKE " +
             SqlString(r.Pick(std::vector<std::string>{"%:user/%", "%/a%"}));
  }
}

constexpr char kLists[] =
    "CREATE LIST names ('ConsoleLogin', 'GetObject', 'AssumeRole');\n"
    "CREATE LIST nets ('203.0.113.0/24', '2001:db8::/32', '198.51.100.7');\n"
    "CREATE LIST words ('42', 'abc', 'true', '');\n";

std::string ManyTagsRecord() {
  std::string tags;
  for (int i = 0; i < 70; ++i) tags += "\"t" + std::to_string(i) + "\",";
  return R"({"eventID":"h13","eventName":"GetObject","userAgent":"curl/8.1","requestParameters":{"tags":[)" + tags +
         R"("abc","acme-payroll","true",42,null]}})";
}

// Hand-made records for shapes random ones rarely reach.
const std::vector<std::string> kHandRecords = {
    R"({"eventID":"h1","eventName":"ConsoleLogin"})",
    R"({"eventID":"h2","eventName":"GetObject","resources":[],"requestParameters":{"tags":[]}})",
    R"({"eventID":"h3","eventName":"GetObject","resources":[[1,2],{"type":"x"}],"requestParameters":{"tags":[[],[null]]}})",
    R"({"eventID":"h4","eventName":"AssumeRole","userIdentity":null,"requestParameters":null,"resources":null})",
    R"({"eventID":"h5","eventName":"Get\u0025Object","userAgent":"caf\u00e9 \"quoted\"","eventTime":"2023-10-01T00:00:00Z"})",
    R"({"eventID":"h6","eventName":"ConsoleLogin","requestParameters":{"nested":{"a":[1,"1",true]},"count":"  42"}})",
    R"({"eventID":"h7","eventName":"X","userIdentity":{"type":["IAMUser","Root"],"arn":{"a":1}}})",
    R"({"eventID":"h8","eventName":"StopLogging","requestParameters":{"policy":"not json","count":12345678901234567890}})",
    R"( {"eventID":"h9" , "eventName" : "GetObject" , "resources" : [ {"type" : "AWS::S3::Object" , "ARN":"arn:aws:s3:::42"} ] } )",
    // Decimals with more than 19 significant digits (simdjson 3.0.1's On-Demand
    // get_number() reads them as 0; found by the record fuzzer).
    R"({"eventID":"h10","eventName":"GetObject","requestParameters":{"count":42.00000000000000000000,"tags":[7.000000000000000000001e0,"x"],"nested":{"a":1.5000000000000000000000}}})",
    // Found by the record fuzzer: [0] must not reach into nested arrays that a
    // key on the same array maps over.
    R"({"eventID":"h12","eventName":"E","resources":[[],[{"type":"AWS::IAM::Role","ARN":"x"}]],"requestParameters":{"tags":[[],["a"]]}})",
    R"({"eventID":"h11","eventName":"GetObject","requestParameters":{"count":1e-400,"tags":[-2.5e-330,"x"],"nested":{"a":0.00000000000000000000000000000000000001e-300}}})",
    // More values than the hit masks hold (64): matching and dispatch take
    // the path without them.
    ManyTagsRecord(),
};

TEST(EngineDifferential, CompiledMatchesReference) {
  const char* batches_env = std::getenv("TRAILHOUND_DIFF_BATCHES");
  const char* seed_env = std::getenv("TRAILHOUND_DIFF_SEED");
  int batches = batches_env ? std::atoi(batches_env) : 40;
  uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : 20261129;
  Random random(seed);
  uint64_t evaluations = 0, fired = 0, rules_compiled = 0;
  simdjson::dom::parser parser;
  int failures = 0;
  // Every rule selects every field: the values the compiled walk extracted
  // (CompiledRuleSet::AppendExtractedValueJson) must read as the DOM's.
  std::string select_all;
  for (size_t i = 0; i < kFields.size(); ++i) {
    select_all += (i ? ", " : "") + kFields[i] + " AS c" + std::to_string(i);
  }
  uint64_t values_compared = 0, stopped_early = 0;
  for (int batch = 0; batch < batches && failures < 5; ++batch) {
    std::string text = kLists;
    // Every other batch, every rule has an anchor: the walk may stop early.
    bool anchored = batch % 2 == 1;
    for (int i = 0; i < 50; ++i) {
      std::string condition = Condition(random, 0);
      if (anchored) condition = Anchor(random) + " AND " + condition;
      text += "CREATE RULE r" + std::to_string(i) + " AS SELECT " + select_all + " FROM cloudtrail WHERE " +
              condition + ";\n";
    }
    std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSetFromText("random.sql", text);
    ASSERT_FALSE(loaded->diagnostics.has_errors()) << "generated rules do not bind:\n"
                                                   << FormatDiagnostic(loaded->diagnostics.Sorted()[0]);
    absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    rules_compiled += loaded->rules.rules.size();
    CompiledRuleSet::ScratchPtr scratch = (*compiled)->NewScratch();
    CompiledRuleSet::ScratchPtr whole = (*compiled)->NewScratch(CompiledRuleSet::Walk::kAllReadPaths);
    std::vector<std::string> records = kHandRecords;
    for (int i = 0; i < 120 - static_cast<int>(kHandRecords.size()); ++i) records.push_back(RandomRecord(random, i));
    for (const std::string& record : records) {
      simdjson::dom::element element;
      ASSERT_EQ(parser.parse(record).get(element), simdjson::SUCCESS) << record;
      std::vector<uint32_t> matched;
      absl::Status status = (*compiled)->Match(record, *scratch, matched);
      std::set<uint32_t> compiled_set(matched.begin(), matched.end());
      // A walk that stops early gives what the whole walk gives, but for the
      // values it did not read.
      std::vector<uint32_t> matched_whole;
      absl::Status status_whole = (*compiled)->Match(record, *whole, matched_whole);
      stopped_early += (*compiled)->StoppedEarly(*scratch);
      if ((status != status_whole || matched != matched_whole ||
           (*compiled)->EventName(*scratch) != (*compiled)->EventName(*whole) ||
           (*compiled)->EventTime(*scratch) != (*compiled)->EventTime(*whole)) &&
          failures++ < 5) {
        ADD_FAILURE() << "stopping early changes the result (seed " << seed << ", batch " << batch << ")\n"
                      << "  record: " << record << "\n  status: " << status << " / whole walk: " << status_whole
                      << "\n  matched: " << matched.size() << " rules / whole walk: " << matched_whole.size();
      }
      for (uint32_t rule = 0; rule < loaded->rules.rules.size(); ++rule) {
        ++evaluations;
        const BoundRule& bound = loaded->rules.rules[rule];
        bool reference = ReferenceInterpreter::EvaluateWhere(bound, element) == TriBool::kTrue;
        fired += reference;
        bool compiled_fires = status.ok() && compiled_set.count(rule);
        if (reference != compiled_fires && failures++ < 5) {
          ADD_FAILURE() << "engines disagree (seed " << seed << ", batch " << batch << ")\n"
                        << "  rule:      " << bound.where->ToSql() << "\n"
                        << "  record:    " << record << "\n"
                        << "  reference: " << (reference ? "fires" : "does not fire")
                        << "\n  compiled:  " << (compiled_fires ? "fires" : "does not fire")
                        << (status.ok() ? "" : " (" + std::string(status.message()) + ")");
        }
        if (!status.ok()) continue;
        // By address: the compiled set's own copy of the rules.
        for (const SelectItem& item : (*compiled)->rules().rules[rule].select) {
          std::string extracted = "[";  // appended to, not replaced
          if (!(*compiled)->AppendExtractedValueJson(*scratch, item.value, extracted)) {
            EXPECT_EQ(extracted, "[") << "nothing appended when there is no extracted value";
            continue;
          }
          ++values_compared;
          std::string expected = "[" + ReferenceInterpreter::ValueJson(item.value, element);
          if (extracted != expected && failures++ < 5) {
            ADD_FAILURE() << "extracted value differs (seed " << seed << ", batch " << batch << ")\n"
                          << "  value:     " << item.value.ToSql() << "\n"
                          << "  record:    " << record << "\n"
                          << "  reference: " << expected << "\n  extracted: " << extracted;
          }
        }
      }
    }
  }
  std::printf("engine differential: %llu rules, %llu rule×record evaluations, %llu fired, %llu extracted values "
              "compared, %llu walks stopped early, seed %llu\n",
              static_cast<unsigned long long>(rules_compiled), static_cast<unsigned long long>(evaluations),
              static_cast<unsigned long long>(fired), static_cast<unsigned long long>(values_compared),
              static_cast<unsigned long long>(stopped_early), static_cast<unsigned long long>(seed));
  EXPECT_GE(evaluations, batches >= 40 ? 200000u : 0u);
  EXPECT_GT(fired, evaluations / 100) << "too few matches: the test would not notice a silent engine";
  EXPECT_GT(values_compared, evaluations) << "too few extracted values compared";
  EXPECT_GT(stopped_early, 0u) << "no walk stopped early: the anchored batches do not test it";
}

// What stopping early means for bad input: once the anchor fields show that
// no rule is reached, a syntax error further on is not read; a record that
// reaches a rule is read on and dead-lettered. (responseElements comes too
// late in CloudTrail records to guard the rule: it is not read before the
// stop.)
TEST(EngineDifferential, WalkStopsBeforeBrokenPartsWhenNoRuleIsReached) {
  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSetFromText(
      "anchored.sql",
      "CREATE RULE trail_deleted AS SELECT eventName FROM cloudtrail "
      "WHERE eventName = 'DeleteTrail' AND responseElements.name = 'x';\n");
  ASSERT_FALSE(loaded->diagnostics.has_errors());
  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  CompiledRuleSet::ScratchPtr scratch = (*compiled)->NewScratch();
  CompiledRuleSet::ScratchPtr whole = (*compiled)->NewScratch(CompiledRuleSet::Walk::kAllReadPaths);
  const std::string unreached =
      R"({"eventTime":"2023-10-01T00:00:00Z","eventName":"GetObject","responseElements":{"name":},"eventID":"e1"})";
  const std::string reached =
      R"({"eventTime":"2023-10-01T00:00:00Z","eventName":"DeleteTrail","responseElements":{"name":},"eventID":"e2"})";
  std::vector<uint32_t> matched;
  EXPECT_TRUE((*compiled)->Match(unreached, *scratch, matched).ok());
  EXPECT_TRUE((*compiled)->StoppedEarly(*scratch));
  EXPECT_TRUE(matched.empty());
  EXPECT_EQ((*compiled)->EventName(*scratch), "GetObject");
  EXPECT_EQ((*compiled)->EventId(*scratch), std::nullopt) << "eventID comes after the stop";
  absl::Status status = (*compiled)->Match(reached, *scratch, matched);
  EXPECT_FALSE((*compiled)->StoppedEarly(*scratch));
  EXPECT_TRUE(absl::StartsWith(status.message(), "invalid_json")) << status;
  status = (*compiled)->Match(unreached, *whole, matched);
  EXPECT_TRUE(absl::StartsWith(status.message(), "invalid_json")) << "the whole walk reads on: " << status;
}

}  // namespace
}  // namespace trailhound
