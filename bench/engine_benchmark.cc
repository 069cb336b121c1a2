// Micro-benchmarks of the compiled engine (Google Benchmark). Figures, not
// timed tests: nothing here fails on speed.
//
//  - BM_Extract:        RecordView::Extract alone, for a few path tries
//  - BM_Match/N:        CompiledRuleSet::Match per record with N generated
//                       rules (bench/gen_rules.py, seed 1), the shipped pack
//                       and the seed runbook's 3 queries
//  - BM_MatchSplit:     Match alone on records that alert / that do not
//  - BM_PipelineAlerting: Pipeline::Process (alerts built, then dropped) on
//                       records that alert: what an alert costs
//  - BM_HyperscanScan/K: one PatternSet of K LIKE/REGEXP patterns scanned
//                       over userAgent values
//  - BM_CidrLookup/L:   `sourceIPAddress IN list` with L CIDRs over tiny
//                       records (BM_CidrBaseline: the same with an equality)
//  - BM_ParseIpAddress, BM_Compile/N
//
// Counters: records/s and bytes/s (rates), matches/record, and allocs/record:
// global operator new is replaced by a counting one in this binary, and the
// count over the timed loop divided by the records gives heap allocations
// per record in steady state (the scratch is warmed on every record first).
// Hyperscan allocates with malloc only when building; that is not counted.
//
// Records are `trailhound gen` records (seed 7) generated in memory.
#include <benchmark/benchmark.h>
#include <hs/hs.h>

#include <execinfo.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "cli/event_generator.h"
#include "core/compiled_rule_set.h"
#include "core/ip_address.h"
#include "core/pattern_set.h"
#include "core/pipeline.h"
#include "core/record_view.h"
#include "dsl/rule_set_loader.h"

// --- counting allocator ---------------------------------------------------

namespace {
std::atomic<uint64_t> g_allocations{0};

// TH_BENCH_ALLOC_TRACE=N: print the stack of the first N allocations made
// inside timed loops (resolve with addr2line -e engine_benchmark OFFSET).
bool g_in_timed_loop = false;
int g_traces_left = [] {
  const char* env = std::getenv("TH_BENCH_ALLOC_TRACE");
  return env ? std::atoi(env) : 0;
}();
bool g_tracing_now = false;

void MaybeTrace() {
  if (!g_in_timed_loop || g_traces_left <= 0 || g_tracing_now) return;
  g_tracing_now = true;
  --g_traces_left;
  void* frames[24];
  int n = backtrace(frames, 24);
  static const char kHeader[] = "--- allocation in a timed loop:\n";
  (void)!write(2, kHeader, sizeof kHeader - 1);
  backtrace_symbols_fd(frames, n, 2);
  g_tracing_now = false;
}

void* CountedAlloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  MaybeTrace();
  if (size == 0) size = 1;
  void* p = std::malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* CountedAlignedAlloc(std::size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t a = static_cast<std::size_t>(align);
  std::size_t rounded = (size + a - 1) / a * a;
  void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return CountedAlloc(size); }
void* operator new[](std::size_t size) { return CountedAlloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new(std::size_t size, std::align_val_t align) { return CountedAlignedAlloc(size, align); }
void* operator new[](std::size_t size, std::align_val_t align) { return CountedAlignedAlloc(size, align); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace trailhound {
namespace {

constexpr uint64_t kRecordCount = 20000;  // ~26 MB of records
constexpr uint64_t kRecordSeed = 7;

// --- shared fixtures (built once, kept for the whole run) -----------------

struct Records {
  std::string text;
  std::vector<std::string_view> lines;
  uint64_t bytes = 0;
};

const Records& GeneratedRecords() {
  static const Records* records = [] {
    auto* r = new Records;
    char* data = nullptr;
    size_t size = 0;
    FILE* out = open_memstream(&data, &size);
    GenerateEvents(kRecordCount, kRecordSeed, out);
    std::fclose(out);
    r->text.assign(data, size);
    std::free(data);
    std::string_view rest = r->text;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      if (!line.empty()) {
        r->lines.push_back(line);
        r->bytes += line.size();
      }
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    return r;
  }();
  return *records;
}

struct Engine {
  std::unique_ptr<LoadedRuleSet> loaded;
  std::unique_ptr<const CompiledRuleSet> compiled;
  std::string error;
};

std::unique_ptr<Engine> BuildEngine(std::unique_ptr<LoadedRuleSet> loaded) {
  auto engine = std::make_unique<Engine>();
  if (loaded->diagnostics.has_errors()) {
    for (const Diagnostic& d : loaded->diagnostics.items()) {
      if (d.severity == Severity::kError) {
        engine->error = d.file + ":" + std::to_string(d.line) + ": " + d.code + " " + d.message;
        break;
      }
    }
    return engine;
  }
  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
  if (!compiled.ok()) {
    engine->error = std::string(compiled.status().message());
    return engine;
  }
  engine->compiled = std::move(*compiled);
  engine->loaded = std::move(loaded);
  return engine;
}

// Rule sets by name: "N" (generated), "pack", "seed", or "text:<key>" built by
// the caller. Compiled once.
std::map<std::string, std::unique_ptr<Engine>>& EngineCache() {
  static auto* cache = new std::map<std::string, std::unique_ptr<Engine>>;
  return *cache;
}

std::string RulePath(const std::string& name) {
  if (name == "pack") return std::string(TH_SOURCE_DIR) + "/rules";
  if (name == "seed") return std::string(TH_SOURCE_DIR) + "/tests/differential/seed_queries.sql";
  return std::string(TH_BENCH_RULES_DIR) + "/rules_" + name + ".sql";
}

const Engine& EngineFor(const std::string& name) {
  auto& cache = EngineCache();
  auto it = cache.find(name);
  if (it == cache.end()) {
    it = cache.emplace(name, BuildEngine(LoadRuleSet({RulePath(name)}))).first;
  }
  return *it->second;
}

const Engine& EngineFromText(const std::string& key, const std::string& text) {
  auto& cache = EngineCache();
  auto it = cache.find(key);
  if (it == cache.end()) {
    it = cache.emplace(key, BuildEngine(LoadRuleSetFromText(key + ".sql", text))).first;
  }
  return *it->second;
}

void SetRates(benchmark::State& state, uint64_t records, uint64_t bytes) {
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.counters["bytes/s"] = benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsRate,
                                                 benchmark::Counter::kIs1024);
}

void SetAllocations(benchmark::State& state, uint64_t allocations, uint64_t records) {
  state.counters["allocs/record"] = records ? static_cast<double>(allocations) / records : 0.0;
}

// --- extraction -----------------------------------------------------------

FieldPath ParsePath(std::string_view text) {
  // Keys separated by '.', "[*]" as any element; enough for the paths below.
  FieldPath path;
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    std::string_view part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    bool any = part.size() > 3 && part.substr(part.size() - 3) == "[*]";
    if (any) part.remove_suffix(3);
    path.steps.push_back(PathStep{PathStep::Kind::kKey, std::string(part), 0});
    if (any) path.steps.push_back(PathStep{PathStep::Kind::kAnyElement, "", 0});
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return path;
}

const std::vector<std::vector<std::string>>& ExtractPathSets() {
  static const auto* sets = new std::vector<std::vector<std::string>>{
      // 0: the parse limit's single field
      {"eventName"},
      // 1: what the generated rules read
      {"eventName", "eventSource", "eventID", "eventTime", "sourceIPAddress", "userAgent", "userIdentity.arn",
       "userIdentity.type", "errorCode", "awsRegion", "readOnly", "requestParameters.bucketName"},
      // 2: the above plus deeper pack-style paths (objects, arrays)
      {"eventName", "eventSource", "eventID", "eventTime", "sourceIPAddress", "userAgent", "userIdentity.arn",
       "userIdentity.type", "errorCode", "errorMessage", "awsRegion", "readOnly", "requestParameters.bucketName",
       "requestParameters.policyDocument", "requestParameters.roleName", "responseElements.ConsoleLogin",
       "userIdentity.principalId", "userIdentity.sessionContext.sessionIssuer.principalId",
       "userIdentity.sessionContext.attributes.mfaAuthenticated", "additionalEventData.MFAUsed",
       "resources[*].ARN"},
  };
  return *sets;
}

void BM_Extract(benchmark::State& state) {
  const Records& records = GeneratedRecords();
  PathTrie trie;
  for (const std::string& p : ExtractPathSets()[state.range(0)]) trie.Add(ParsePath(p));
  RecordView view(trie);
  for (std::string_view line : records.lines) {
    if (!view.Extract(line).ok()) {
      state.SkipWithError("extract failed");
      return;
    }
  }
  size_t i = 0;
  uint64_t n = 0, bytes = 0;
  uint64_t allocations_before = g_allocations.load();
  g_in_timed_loop = true;
  for (auto _ : state) {
    std::string_view line = records.lines[i];
    if (++i == records.lines.size()) i = 0;
    absl::Status status = view.Extract(line);
    benchmark::DoNotOptimize(status);
    ++n;
    bytes += line.size();
  }
  g_in_timed_loop = false;
  SetAllocations(state, g_allocations.load() - allocations_before, n);
  SetRates(state, n, bytes);
  state.SetLabel(std::to_string(trie.slot_count()) + " paths");
}
BENCHMARK(BM_Extract)->Arg(0)->Arg(1)->Arg(2);

// --- matching ---------------------------------------------------------------

void RunMatch(benchmark::State& state, const Engine& engine, const std::vector<std::string_view>& lines) {
  if (!engine.compiled) {
    state.SkipWithError(("rules: " + engine.error).c_str());
    return;
  }
  if (lines.empty()) {
    state.SkipWithError("no records");
    return;
  }
  const CompiledRuleSet& rules = *engine.compiled;
  CompiledRuleSet::ScratchPtr scratch = rules.NewScratch();
  std::vector<uint32_t> matched;
  matched.reserve(rules.rules().rules.size());
  for (std::string_view line : lines) {  // warm the scratch on every record
    matched.clear();
    (void)rules.Match(line, *scratch, matched);
  }
  size_t i = 0;
  uint64_t n = 0, bytes = 0, matches = 0;
  uint64_t allocations_before = g_allocations.load();
  g_in_timed_loop = true;
  for (auto _ : state) {
    std::string_view line = lines[i];
    if (++i == lines.size()) i = 0;
    matched.clear();
    absl::Status status = rules.Match(line, *scratch, matched);
    benchmark::DoNotOptimize(status);
    matches += matched.size();
    ++n;
    bytes += line.size();
  }
  g_in_timed_loop = false;
  SetAllocations(state, g_allocations.load() - allocations_before, n);
  SetRates(state, n, bytes);
  state.counters["matches/record"] = n ? static_cast<double>(matches) / n : 0.0;
  state.SetLabel(std::to_string(rules.rules().rules.size()) + " rules, " +
                 std::to_string(rules.predicate_count()) + " predicates");
}

void BM_Match(benchmark::State& state) {
  RunMatch(state, EngineFor(std::to_string(state.range(0))), GeneratedRecords().lines);
}
BENCHMARK(BM_Match)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_MatchPack(benchmark::State& state) { RunMatch(state, EngineFor("pack"), GeneratedRecords().lines); }
BENCHMARK(BM_MatchPack);

void BM_MatchSeedQueries(benchmark::State& state) { RunMatch(state, EngineFor("seed"), GeneratedRecords().lines); }
BENCHMARK(BM_MatchSeedQueries);

// The records of GeneratedRecords() for which `name`'s rules alert (or not).
const std::vector<std::string_view>& SplitRecords(const std::string& name, bool alerting) {
  static auto* cache = new std::map<std::pair<std::string, bool>, std::vector<std::string_view>>;
  auto key = std::make_pair(name, alerting);
  auto it = cache->find(key);
  if (it != cache->end()) return it->second;
  std::vector<std::string_view> yes, no;
  const Engine& engine = EngineFor(name);
  if (engine.compiled) {
    CompiledRuleSet::ScratchPtr scratch = engine.compiled->NewScratch();
    std::vector<uint32_t> matched;
    for (std::string_view line : GeneratedRecords().lines) {
      matched.clear();
      (void)engine.compiled->Match(line, *scratch, matched);
      (matched.empty() ? no : yes).push_back(line);
    }
  }
  (*cache)[std::make_pair(name, true)] = std::move(yes);
  (*cache)[std::make_pair(name, false)] = std::move(no);
  return (*cache)[key];
}

// Arg 0: rule set (0 = pack, else the generated count); arg 1: 1 = alerting.
void BM_MatchSplit(benchmark::State& state) {
  std::string name = state.range(0) == 0 ? "pack" : std::to_string(state.range(0));
  bool alerting = state.range(1) == 1;
  RunMatch(state, EngineFor(name), SplitRecords(name, alerting));
  state.SetLabel(name + (alerting ? " rules, alerting records" : " rules, non-alerting records"));
}
BENCHMARK(BM_MatchSplit)->Args({0, 0})->Args({0, 1})->Args({1000, 0})->Args({1000, 1});

class DropAlerts : public AlertSink {
 public:
  void Write(const Alert& alert) override {
    benchmark::DoNotOptimize(alert.fields_json.data());
    ++count;
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  uint64_t count = 0;
};
class DropLetters : public DeadLetterSink {
 public:
  void Write(const DeadLetter&) override {}
};

// Match + the alerts themselves (SELECT projection, id, JSON), sink dropped.
void BM_PipelineAlerting(benchmark::State& state) {
  const Engine& engine = EngineFor("pack");
  const std::vector<std::string_view>& lines = SplitRecords("pack", state.range(0) == 1);
  if (!engine.compiled || lines.empty()) {
    state.SkipWithError("no rules or no records");
    return;
  }
  DropAlerts alerts;
  DropLetters letters;
  Pipeline pipeline(*engine.compiled, alerts, letters);
  SourcePosition position;
  position.file = "bench.ndjson";
  for (std::string_view line : lines) pipeline.Process(line, position);
  size_t i = 0;
  uint64_t n = 0, bytes = 0, before_alerts = alerts.count;
  uint64_t allocations_before = g_allocations.load();
  g_in_timed_loop = true;
  for (auto _ : state) {
    std::string_view line = lines[i];
    if (++i == lines.size()) i = 0;
    position.record_index = n;
    pipeline.Process(line, position);
    ++n;
    bytes += line.size();
  }
  g_in_timed_loop = false;
  uint64_t allocations = g_allocations.load() - allocations_before;
  SetAllocations(state, allocations, n);
  SetRates(state, n, bytes);
  uint64_t made = alerts.count - before_alerts;
  state.counters["alerts/record"] = n ? static_cast<double>(made) / n : 0.0;
  state.counters["allocs/alert"] = made ? static_cast<double>(allocations) / made : 0.0;
  state.SetLabel(state.range(0) == 1 ? "pack, alerting records" : "pack, non-alerting records");
}
BENCHMARK(BM_PipelineAlerting)->Arg(0)->Arg(1);

// --- Hyperscan ----------------------------------------------------------------

const char* const kTools[] = {"aws-cli", "Boto3", "Botocore", "aws-sdk-java", "aws-sdk-go", "Terraform",
                              "kali", "sqlmap", "nmap", "pacu", "scoutsuite", "prowler", "curl",
                              "python-requests", "Go-http-client", "okhttp", "PostmanRuntime", "cloudfox"};
constexpr size_t kToolCount = sizeof(kTools) / sizeof(kTools[0]);

// K distinct userAgent patterns: 2/3 LIKE (contains / prefix), 1/3 regexes.
std::vector<PatternSpec> AgentPatterns(int count) {
  std::vector<PatternSpec> specs;
  for (int i = 0; i < count; ++i) {
    PatternSpec spec;
    const char* tool = kTools[i % kToolCount];
    const char* other = kTools[(i * 7 + 3) % kToolCount];
    int version = i / static_cast<int>(kToolCount);
    switch (i % 3) {
      case 0:
        spec.kind = PatternSpec::Kind::kLike;
        spec.text = std::string("%") + tool + "/" + std::to_string(version % 3) + "." + std::to_string(version) + "%";
        break;
      case 1:
        spec.kind = PatternSpec::Kind::kLike;
        spec.text = std::string(tool) + "/" + std::to_string(version % 4) + "%";
        spec.case_insensitive = (i % 2) == 0;
        if (version > 0) spec.text += std::to_string(version) + "%";
        break;
      default:
        spec.kind = PatternSpec::Kind::kRegex;
        spec.text = std::string("(?i)(") + tool + "|" + other + ")[/ ]" + std::to_string(version % 10) + "\\.[0-9]+";
        if (version >= 10) spec.text += "\\." + std::to_string(version);
        spec.regex = std::make_shared<RE2>(spec.text);
        break;
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

void BM_HyperscanScan(benchmark::State& state) {
  PatternSet set;
  for (PatternSpec& spec : AgentPatterns(static_cast<int>(state.range(0)))) set.Add(std::move(spec));
  absl::Status built = set.Build(size_t{256} << 20);
  if (!built.ok() || set.database() == nullptr) {
    state.SkipWithError("pattern set did not build");
    return;
  }
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(set.database(), &scratch) != HS_SUCCESS) {
    state.SkipWithError("hs_alloc_scratch failed");
    return;
  }
  // The userAgent of every record.
  PathTrie trie;
  SlotId slot = trie.Add(ParsePath("userAgent"));
  RecordView view(trie);
  std::vector<std::string> agents;
  for (std::string_view line : GeneratedRecords().lines) {
    if (view.Extract(line).ok() && !view.candidates(slot).empty()) {
      agents.emplace_back(view.candidates(slot)[0].text);
    }
  }
  std::vector<uint32_t> hyperscan_matched, matched;
  for (const std::string& agent : agents) set.Scan(agent, scratch, hyperscan_matched, matched);
  size_t i = 0;
  uint64_t n = 0, bytes = 0, hits = 0;
  uint64_t allocations_before = g_allocations.load();
  g_in_timed_loop = true;
  for (auto _ : state) {
    const std::string& agent = agents[i];
    if (++i == agents.size()) i = 0;
    matched.clear();
    set.Scan(agent, scratch, hyperscan_matched, matched);
    hits += matched.size();
    ++n;
    bytes += agent.size();
  }
  g_in_timed_loop = false;
  SetAllocations(state, g_allocations.load() - allocations_before, n);
  state.counters["values/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["bytes/s"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
  state.counters["hits/value"] = n ? static_cast<double>(hits) / n : 0.0;
  hs_free_scratch(scratch);
}
BENCHMARK(BM_HyperscanScan)->Arg(10)->Arg(100)->Arg(1000);

// --- CIDR lookup ------------------------------------------------------------

std::vector<std::string> TestAddresses() {
  std::vector<std::string> out;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245 + 12345;
    if (i % 4 == 3) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::%x", (x >> 8) & 0xffff, (x >> 4) & 0xff, x & 0xfff);
      out.push_back(buf);
    } else {
      out.push_back(std::to_string((x >> 24) & 0xff) + "." + std::to_string((x >> 16) & 0xff) + "." +
                    std::to_string((x >> 8) & 0xff) + "." + std::to_string(x & 0xff));
    }
  }
  return out;
}

const std::vector<std::string>& TinyRecords() {
  static const auto* records = [] {
    auto* r = new std::vector<std::string>;
    for (const std::string& ip : TestAddresses()) {
      r->push_back("{\"eventName\":\"ConsoleLogin\",\"sourceIPAddress\":\"" + ip + "\"}");
    }
    return r;
  }();
  return *records;
}

std::string CidrListText(int count) {
  std::string text = "CREATE LIST ips (";
  uint32_t x = 777;
  for (int i = 0; i < count; ++i) {
    x = x * 1664525 + 1013904223;
    if (i) text += ", ";
    if (i % 5 == 4) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "'2001:db8:%x::/48'", (x >> 8) & 0xffff);
      text += buf;
    } else {
      int prefix = 16 + (x % 17);  // /16 … /32
      uint32_t mask = prefix == 32 ? ~0u : ~(~0u >> prefix);
      uint32_t net = (x * 2654435761u) & mask;
      text += "'" + std::to_string(net >> 24) + "." + std::to_string((net >> 16) & 0xff) + "." +
              std::to_string((net >> 8) & 0xff) + "." + std::to_string(net & 0xff) + "/" + std::to_string(prefix) +
              "'";
    }
  }
  return text + ");\n";
}

void RunTiny(benchmark::State& state, const Engine& engine) {
  std::vector<std::string_view> lines;
  for (const std::string& r : TinyRecords()) lines.push_back(r);
  RunMatch(state, engine, lines);
}

// Arg: list size. Tiny records so that the lookup dominates.
void BM_CidrLookup(benchmark::State& state) {
  int count = static_cast<int>(state.range(0));
  std::string text = CidrListText(count) +
                     "CREATE RULE in_list AS SELECT eventName FROM cloudtrail WHERE sourceIPAddress IN ips;\n";
  RunTiny(state, EngineFromText("cidr_" + std::to_string(count), text));
  state.SetLabel(std::to_string(count) + " CIDRs, tiny records");
}
BENCHMARK(BM_CidrLookup)->Arg(10)->Arg(1000)->Arg(100000);

void BM_CidrBaseline(benchmark::State& state) {
  RunTiny(state, EngineFromText("cidr_baseline",
                                "CREATE RULE eq AS SELECT eventName FROM cloudtrail "
                                "WHERE sourceIPAddress = '203.0.113.7';\n"));
  state.SetLabel("equality instead of a CIDR list, tiny records");
}
BENCHMARK(BM_CidrBaseline);

void BM_ParseIpAddress(benchmark::State& state) {
  std::vector<std::string> addresses = TestAddresses();
  size_t i = 0;
  uint64_t n = 0;
  for (auto _ : state) {
    std::optional<IpAddress> a = ParseIpAddress(addresses[i]);
    benchmark::DoNotOptimize(a);
    if (++i == addresses.size()) i = 0;
    ++n;
  }
  state.counters["values/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseIpAddress);

// --- startup: load (parse + bind) and compile -----------------------------------

void BM_Compile(benchmark::State& state) {
  std::string path = RulePath(std::to_string(state.range(0)));
  for (auto _ : state) {
    std::unique_ptr<Engine> engine = BuildEngine(LoadRuleSet({path}));
    if (!engine->compiled) {
      state.SkipWithError(("rules: " + engine->error).c_str());
      return;
    }
    benchmark::DoNotOptimize(engine.get());
  }
}
BENCHMARK(BM_Compile)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace trailhound

BENCHMARK_MAIN();
