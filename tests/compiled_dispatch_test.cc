// Which anchors the dispatch index files a rule under (explain shows them),
// and that a rule filed under a pattern is still matched exactly when its
// condition holds.
#include <gtest/gtest.h>

#include "core/compiled_rule_set.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

std::unique_ptr<const CompiledRuleSet> Compile(const std::string& text) {
  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSetFromText("rules.sql", text);
  EXPECT_FALSE(loaded->diagnostics.has_errors());
  auto compiled = CompiledRuleSet::Compile(loaded->rules);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return std::move(*compiled);
}

std::vector<uint32_t> Match(const CompiledRuleSet& compiled, const std::string& record) {
  CompiledRuleSet::ScratchPtr scratch = compiled.NewScratch();
  std::vector<uint32_t> matched;
  EXPECT_TRUE(compiled.Match(record, *scratch, matched).ok());
  return matched;
}

constexpr char kStsTool[] =
    "CREATE RULE sts_tool AS SELECT * FROM t\n"
    "WHERE eventSource = 'sts.amazonaws.com' AND userAgent LIKE '%pacu/%';\n";
constexpr char kAnyCurl[] = "CREATE RULE any_curl AS SELECT * FROM t WHERE userAgent LIKE '%curl/%';\n";

TEST(CompiledDispatch, AnEqualityBeatsAPatternOnAFieldNothingElseScans) {
  // The pattern still guards the rule: userAgent is scanned only for STS
  // records.
  std::unique_ptr<const CompiledRuleSet> compiled = Compile(kStsTool);
  EXPECT_NE(compiled->Explain().find("[anchored on eventSource = 'sts.amazonaws.com', when userAgent LIKE '%pacu/%']"),
            std::string::npos)
      << compiled->Explain();
  EXPECT_EQ(Match(*compiled, R"({"eventSource":"sts.amazonaws.com","userAgent":"pacu/1.5"})"),
            std::vector<uint32_t>{0});
  EXPECT_EQ(Match(*compiled, R"({"eventSource":"sts.amazonaws.com","userAgent":"curl/8"})"), std::vector<uint32_t>{});
}

TEST(CompiledDispatch, APatternOnAFieldScannedAnywayBeatsASharedEquality) {
  // any_curl can only be anchored on a userAgent pattern, so userAgent is
  // scanned for every record: sts_tool is reached when '%pacu/%' hits and
  // its guard, the eventSource equality, is TRUE.
  std::unique_ptr<const CompiledRuleSet> compiled = Compile(std::string(kStsTool) + kAnyCurl);
  const std::string explain = compiled->Explain();
  EXPECT_NE(explain.find("sts_tool: (p0 AND p1)   [anchored on the pattern userAgent LIKE '%pacu/%', "
                         "when eventSource = 'sts.amazonaws.com']"),
            std::string::npos)
      << explain;
  EXPECT_NE(explain.find("on the patterns of userAgent: 2 patterns -> 2 rule entries (1 behind a guard)"),
            std::string::npos)
      << explain;
  EXPECT_EQ(explain.find("on eventSource"), std::string::npos) << explain;
  EXPECT_NE(explain.find("the walk stops once eventName, eventSource, eventTime, userAgent show"), std::string::npos)
      << explain;

  EXPECT_EQ(Match(*compiled, R"({"eventSource":"sts.amazonaws.com","userAgent":"pacu/1.5"})"),
            std::vector<uint32_t>{0});
  EXPECT_EQ(Match(*compiled, R"({"eventSource":"iam.amazonaws.com","userAgent":"pacu/1.5"})"),
            std::vector<uint32_t>{});
  EXPECT_EQ(Match(*compiled, R"({"eventSource":"sts.amazonaws.com","userAgent":"curl/8"})"),
            std::vector<uint32_t>{1});
  EXPECT_EQ(Match(*compiled, R"({"eventSource":"sts.amazonaws.com"})"), std::vector<uint32_t>{});
}

TEST(CompiledDispatch, ARareEqualityStillBeatsAFreePattern) {
  // One rule uses 'DeleteTrail' (estimated reach 1); the pattern is shared by
  // two rules (estimated reach 6).
  std::unique_ptr<const CompiledRuleSet> compiled = Compile(
      std::string(kAnyCurl) +
      "CREATE RULE curl_trail AS SELECT * FROM t WHERE eventName = 'DeleteTrail' AND userAgent LIKE '%curl/%';\n");
  EXPECT_NE(compiled->Explain().find("[anchored on eventName = 'DeleteTrail', when userAgent LIKE '%curl/%']"),
            std::string::npos)
      << compiled->Explain();
}

TEST(CompiledDispatch, AnEqualityAnchorIsGuardedByAnEqualityOnAnEarlyField) {
  std::unique_ptr<const CompiledRuleSet> compiled = Compile(
      "CREATE RULE bucket AS SELECT * FROM t\n"
      "WHERE eventName = 'GetObject' AND requestParameters.bucketName IN ('payroll', 'keys');\n"
      "CREATE RULE late AS SELECT * FROM t WHERE eventName = 'PutObject' AND responseElements.x = 'y';\n");
  const std::string explain = compiled->Explain();
  EXPECT_NE(explain.find("[anchored on eventName = 'GetObject', when requestParameters.bucketName IN "
                         "('payroll', 'keys')]"),
            std::string::npos)
      << explain;
  // responseElements comes late in CloudTrail records: reading it first
  // would keep the walk from stopping early, so it guards nothing.
  EXPECT_NE(explain.find("[anchored on eventName = 'PutObject']"), std::string::npos) << explain;
  EXPECT_NE(explain.find("on eventName: 2 values -> 2 rule entries (1 behind a guard)"), std::string::npos) << explain;

  EXPECT_EQ(Match(*compiled, R"({"eventName":"GetObject","requestParameters":{"bucketName":"keys"}})"),
            std::vector<uint32_t>{0});
  EXPECT_EQ(Match(*compiled, R"({"eventName":"GetObject","requestParameters":{"bucketName":"logs"}})"),
            std::vector<uint32_t>{});
  EXPECT_EQ(Match(*compiled, R"({"eventName":"PutObject","responseElements":{"x":"y"}})"), std::vector<uint32_t>{1});
}

constexpr char kKeyWrite[] =
    "CREATE RULE key_write AS SELECT * FROM t\n"
    "WHERE userIdentity.type = 'IAMUser' AND userIdentity.accessKeyId LIKE 'AKIA%'\n"
    "  AND sourceIPAddress NOT IN ('192.0.2.1') AND readOnly = FALSE;\n";

std::string KeyWriteRecord(const char* key, const char* ip, const char* read_only) {
  return std::string(R"({"userIdentity":{"type":"IAMUser","accessKeyId":")") + key +
         R"("},"eventName":"PutRolePolicy","sourceIPAddress":")" + ip + R"(","userAgent":"aws-cli/2","readOnly":)" +
         read_only + "}";
}

TEST(CompiledDispatch, EveryConditionOnAFieldReadBeforeTheWalkMayStopGuards) {
  // any_curl makes every record read userAgent, which CloudTrail writes after
  // sourceIPAddress: the NOT IN guards too, after the pattern; readOnly is
  // written late, so it does not.
  std::unique_ptr<const CompiledRuleSet> compiled = Compile(std::string(kKeyWrite) + kAnyCurl);
  const std::string explain = compiled->Explain();
  EXPECT_NE(explain.find("[anchored on userIdentity.type = 'IAMUser', when userIdentity.accessKeyId LIKE 'AKIA%' "
                         "and sourceIPAddress NOT IN ('192.0.2.1')]"),
            std::string::npos)
      << explain;
  EXPECT_EQ(Match(*compiled, KeyWriteRecord("AKIA1", "198.51.100.9", "false")), std::vector<uint32_t>{0});
  EXPECT_EQ(Match(*compiled, KeyWriteRecord("AKIA1", "192.0.2.1", "false")), std::vector<uint32_t>{});
  EXPECT_EQ(Match(*compiled, KeyWriteRecord("ASIA1", "198.51.100.9", "false")), std::vector<uint32_t>{});
  EXPECT_EQ(Match(*compiled, KeyWriteRecord("AKIA1", "198.51.100.9", "true")), std::vector<uint32_t>{});
}

TEST(CompiledDispatch, ASecondGuardDoesNotMakeEveryRecordReadFurther) {
  // Alone, the rule needs nothing written after eventName before the walk
  // may stop; sourceIPAddress comes later, so only the pattern guards.
  std::unique_ptr<const CompiledRuleSet> compiled = Compile(kKeyWrite);
  const std::string explain = compiled->Explain();
  EXPECT_NE(explain.find("[anchored on userIdentity.type = 'IAMUser', when userIdentity.accessKeyId LIKE 'AKIA%']"),
            std::string::npos)
      << explain;
  EXPECT_NE(explain.find("the walk stops once eventName, eventTime, userIdentity show"), std::string::npos) << explain;
  EXPECT_EQ(Match(*compiled, KeyWriteRecord("AKIA1", "198.51.100.9", "false")), std::vector<uint32_t>{0});
  EXPECT_EQ(Match(*compiled, KeyWriteRecord("AKIA1", "192.0.2.1", "false")), std::vector<uint32_t>{});
}

}  // namespace
}  // namespace trailhound
