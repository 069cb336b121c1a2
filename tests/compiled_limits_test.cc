// Limits instead of crashes: too many rules or predicates, pattern memory and
// JSON depth give clear errors; patterns Hyperscan rejects fall back to RE2.
#include <gtest/gtest.h>

#include "core/compiled_rule_set.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

RuleSet Load(const std::string& text) {
  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSetFromText("rules.sql", text);
  EXPECT_FALSE(loaded->diagnostics.has_errors());
  return loaded->rules;
}

constexpr char kThreeRules[] =
    "CREATE RULE a AS SELECT * FROM t WHERE eventName = 'A';\n"
    "CREATE RULE b AS SELECT * FROM t WHERE eventName = 'B' AND userAgent LIKE '%curl%';\n"
    "CREATE RULE c AS SELECT * FROM t WHERE requestParameters.a.b.c.d = 'x';\n";

TEST(CompiledLimits, TooManyRules) {
  CompileLimits limits;
  limits.max_rules = 2;
  auto compiled = CompiledRuleSet::Compile(Load(kThreeRules), limits);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(), "3 rules exceed the limit of 2");
}

TEST(CompiledLimits, TooManyPredicates) {
  CompileLimits limits;
  limits.max_predicates = 2;
  auto compiled = CompiledRuleSet::Compile(Load(kThreeRules), limits);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(), "more than 2 distinct conditions");
}

TEST(CompiledLimits, PatternMemory) {
  CompileLimits limits;
  limits.max_pattern_bytes = 64;
  auto compiled = CompiledRuleSet::Compile(Load(kThreeRules), limits);
  ASSERT_FALSE(compiled.ok());
  EXPECT_NE(std::string(compiled.status().message()).find("over the limit of 64"), std::string::npos)
      << compiled.status();
}

TEST(CompiledLimits, JsonDepthOnAReadPath) {
  CompileLimits limits;
  limits.max_json_depth = 3;
  auto compiled = CompiledRuleSet::Compile(Load(kThreeRules), limits);
  ASSERT_TRUE(compiled.ok());
  CompiledRuleSet::ScratchPtr scratch = (*compiled)->NewScratch();
  std::vector<uint32_t> matched;
  absl::Status status = (*compiled)->Match(
      R"({"eventName":"C","requestParameters":{"a":{"b":{"c":{"d":"x"}}}}})", *scratch, matched);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "too_deep: nested deeper than 3 levels");
  // Deep data no rule reads is skipped, not refused.
  matched.clear();
  EXPECT_TRUE((*compiled)->Match(R"({"eventName":"A","x":{"y":{"z":{"w":[[[1]]]}}}})", *scratch, matched).ok());
  EXPECT_EQ(matched, std::vector<uint32_t>{0});
}

TEST(CompiledLimits, RegexHyperscanRejectsFallsBackToRe2) {
  // \C (any byte) is RE2 syntax Hyperscan does not take.
  auto compiled = CompiledRuleSet::Compile(
      Load("CREATE RULE r AS SELECT * FROM t WHERE userAgent REGEXP 'c\\Crl';"));
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  EXPECT_NE((*compiled)->Explain().find("RE2 (hyperscan:"), std::string::npos) << (*compiled)->Explain();
  CompiledRuleSet::ScratchPtr scratch = (*compiled)->NewScratch();
  std::vector<uint32_t> matched;
  ASSERT_TRUE((*compiled)->Match(R"({"eventName":"A","userAgent":"curl/8"})", *scratch, matched).ok());
  EXPECT_EQ(matched, std::vector<uint32_t>{0});
  matched.clear();
  ASSERT_TRUE((*compiled)->Match(R"({"eventName":"A","userAgent":"cXYrl"})", *scratch, matched).ok());
  EXPECT_TRUE(matched.empty());
}

TEST(CompiledLimits, RegexWithNulByteIsNotCutShort) {
  // Found by the rule fuzzer: Hyperscan reads patterns as C strings.
  auto compiled = CompiledRuleSet::Compile(
      Load(std::string("CREATE RULE r AS SELECT * FROM t WHERE userAgent REGEXP 'aws") + '\0' + "z';"));
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  CompiledRuleSet::ScratchPtr scratch = (*compiled)->NewScratch();
  std::vector<uint32_t> matched;
  ASSERT_TRUE((*compiled)->Match(R"({"eventName":"A","userAgent":"aws-cli"})", *scratch, matched).ok());
  EXPECT_TRUE(matched.empty());
  ASSERT_TRUE((*compiled)->Match(R"({"eventName":"A","userAgent":"aws\u0000z"})", *scratch, matched).ok());
  EXPECT_EQ(matched, std::vector<uint32_t>{0});
}

}  // namespace
}  // namespace trailhound
