// The hot path allocates nothing per record: once a scratch is warm, Match()
// over records (alerting or not) makes no heap allocation. Counted with a
// replaced global operator new. Conditions that fall back to the reference
// interpreter (field against field, json_extract_scalar) are the documented
// exception and are left out of this rule set.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "cli/event_generator.h"
#include "core/compiled_rule_set.h"
#include "dsl/rule_set_loader.h"

namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace trailhound {
namespace {

constexpr char kRules[] = R"sql(
CREATE LIST trusted ('203.0.113.0/25', '198.51.100.7', '2001:db8:100::/48');
CREATE RULE login AS SELECT * FROM cloudtrail WHERE eventName = 'ConsoleLogin' AND sourceIPAddress NOT IN trusted;
CREATE RULE iam AS SELECT * FROM cloudtrail WHERE eventSource = 'iam.amazonaws.com' AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy', 'CreateAccessKey');
CREATE RULE cli AS SELECT * FROM cloudtrail WHERE lower(userAgent) LIKE '%aws-cli%' AND errorCode IS NOT NULL;
CREATE RULE arn AS SELECT * FROM cloudtrail WHERE userIdentity.arn REGEXP ':(root|user/admin)' OR userIdentity.type = 'Root';
CREATE RULE night AS SELECT * FROM cloudtrail WHERE eventName = 'GetObject' AND (hour(eventTime) < 6 OR day_of_week(eventTime, 'Europe/Berlin') >= 6);
CREATE RULE sg AS SELECT * FROM cloudtrail WHERE eventName = 'AuthorizeSecurityGroupIngress' AND requestParameters.ipPermissions.items[*].ipRanges.items[*].cidrIp = '0.0.0.0/0';
CREATE RULE net AS SELECT * FROM cloudtrail WHERE cidr_match(sourceIPAddress, '192.0.2.0/24') AND readOnly = false;
CREATE RULE text AS SELECT * FROM cloudtrail WHERE contains(userAgent, 'Boto3') AND starts_with(awsRegion, 'eu-') AND eventTime BETWEEN '2023-09-30' AND '2023-10-02';
CREATE RULE object_as_text AS SELECT * FROM cloudtrail WHERE eventName = 'GetObject' AND requestParameters LIKE '%acme%';
)sql";

TEST(Allocation, MatchAllocatesNothingPerRecordOnceWarm) {
  char* text = nullptr;
  size_t size = 0;
  FILE* memory = open_memstream(&text, &size);
  GenerateEvents(4000, 5, memory);
  std::fclose(memory);
  std::vector<std::string> records;
  for (char* line = std::strtok(text, "\n"); line != nullptr; line = std::strtok(nullptr, "\n")) {
    records.emplace_back(line);
  }
  std::free(text);

  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSetFromText("rules.sql", kRules);
  ASSERT_FALSE(loaded->diagnostics.has_errors());
  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  ASSERT_EQ((*compiled)->Explain().find("generic"), std::string::npos) << "keep this rule set off the fallback";
  CompiledRuleSet::ScratchPtr scratch = (*compiled)->NewScratch();
  std::vector<uint32_t> matched;
  matched.reserve(64);
  for (const std::string& record : records) {  // warm up: buffers reach their size
    matched.clear();
    ASSERT_TRUE((*compiled)->Match(record, *scratch, matched).ok());
  }
  long before = allocations.load();
  size_t alerts = 0;
  for (const std::string& record : records) {
    matched.clear();
    ASSERT_TRUE((*compiled)->Match(record, *scratch, matched).ok());
    alerts += matched.size();
  }
  long during = allocations.load() - before;
  EXPECT_GT(alerts, 100u) << "the records should exercise alerting paths too";
  EXPECT_EQ(during, 0) << during << " allocations over " << records.size() << " records";
}

}  // namespace
}  // namespace trailhound
