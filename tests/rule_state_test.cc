// Unit tests for what the data-driven stateful cases cannot reach: eviction
// at --state-max-keys, saving and loading state (split runs must equal one
// run), records read again after a restart, corrupt state files, dropping
// revoked partitions, and carrying state over a reload.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "core/rule_state.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;

class CaptureAlerts : public AlertSink {
 public:
  void Write(const Alert& alert) override { lines.push_back(alert.ToJson()); }
  absl::Status Flush() override { return absl::OkStatus(); }
  std::vector<std::string> lines;
};

class CaptureDeadLetters : public DeadLetterSink {
 public:
  void Write(const DeadLetter& letter) override { reasons.emplace_back(letter.reason); }
  std::vector<std::string> reasons;
};

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/th-state-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

constexpr char kRules[] = R"sql(
CREATE RULE burst WITH (allowed_lateness = '0s') AS
SELECT sourceIPAddress, count(*) AS n, array_agg(DISTINCT eventName) LIMIT 3 AS names FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
GROUP BY sourceIPAddress WINDOW SLIDING (10 MINUTES) HAVING count(*) >= 3;
CREATE RULE hourly WITH (allowed_lateness = '0s') AS
SELECT sourceIPAddress, count(*) AS n FROM cloudtrail
GROUP BY sourceIPAddress WINDOW TUMBLING (SIZE 1 HOUR) HAVING count(*) >= 2;
CREATE RULE new_ip AS SELECT sourceIPAddress FROM cloudtrail WHERE first_seen(userIdentity.arn, sourceIPAddress);
CREATE RULE quiet WITH (suppress_by = 'sourceIPAddress', suppress_for = '20m', allowed_lateness = '0s') AS
SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin';
)sql";

// Records over 6 hours: 5 users, 7 addresses, bursts of sign-ins.
std::vector<std::string> Records(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    int minute = i * 3 + (i % 4 == 0 ? 1 : 0);
    char time[32];
    std::snprintf(time, sizeof time, "2023-10-01T%02d:%02d:%02dZ", minute / 60, minute % 60, i % 60);
    std::string ip = "192.0.2." + std::to_string(i % 7);
    bool signin = i % 3 != 2;
    out.push_back(std::string("{\"eventID\":\"e") + std::to_string(i) + "\",\"eventTime\":\"" + time +
                  "\",\"eventSource\":\"" + (signin ? "signin.amazonaws.com" : "s3.amazonaws.com") +
                  "\",\"eventName\":\"" + (signin ? "ConsoleLogin" : "GetObject") +
                  "\",\"sourceIPAddress\":\"" + ip + "\",\"userIdentity\":{\"arn\":\"u" +
                  std::to_string(i % 5) + "\"}}");
  }
  return out;
}

class StateRun {
 public:
  explicit StateRun(const std::string& rules_text) {
    fs::path rules_path = rules_dir_.path() / "rules.sql";
    std::ofstream(rules_path) << rules_text;
    loaded_ = LoadRuleSet({rules_path.string()});
    EXPECT_FALSE(loaded_->diagnostics.has_errors());
    compiled_ = std::move(*CompiledRuleSet::Compile(loaded_->rules));
  }
  const CompiledRuleSet& rules() const { return *compiled_; }

  // Runs `records` (positions: `file`, record index from `first_index`) with
  // `state`; closes the windows at the end when `close`.
  void Run(RuleState& state, const std::vector<std::string>& records, const std::string& file, size_t first_index,
           bool close) {
    Pipeline pipeline(*compiled_, alerts, letters, MatchEngine::kCompiled, &state);
    for (size_t i = 0; i < records.size(); ++i) {
      pipeline.Process(records[i], SourcePosition::InFile(file, first_index + i, 0, first_index + i + 1));
    }
    if (close) pipeline.CloseState();
  }

  CaptureAlerts alerts;
  CaptureDeadLetters letters;

 private:
  TempDir rules_dir_;
  std::unique_ptr<LoadedRuleSet> loaded_;
  std::unique_ptr<const CompiledRuleSet> compiled_;
};

TEST(RuleState, SplitRunsThroughSavedStateEqualOneRun) {
  std::vector<std::string> records = Records(120);
  StateRun whole(kRules);
  RuleState one(whole.rules().rules(), RuleStateOptions{});
  whole.Run(one, records, "in.ndjson", 0, /*close=*/true);
  ASSERT_GT(whole.alerts.lines.size(), 40u);

  TempDir state_dir;
  RuleStateOptions options;
  DirectoryStateStore store(state_dir.path().string());
  options.store = &store;
  StateRun split(kRules);
  for (size_t part = 0; part < 3; ++part) {  // three processes, one after the other
    RuleState state(split.rules().rules(), options);
    std::vector<std::string> slice(records.begin() + part * 40, records.begin() + (part + 1) * 40);
    split.Run(state, slice, "in.ndjson", part * 40, /*close=*/part == 2);
    ASSERT_TRUE(state.Save().ok());
    ASSERT_TRUE(state.error().ok()) << state.error();
  }
  EXPECT_EQ(split.alerts.lines, whole.alerts.lines);
  EXPECT_TRUE(fs::exists(state_dir.path() / "files.state"));
}

TEST(RuleState, RecordsReadAgainChangeNothing) {
  std::vector<std::string> records = Records(60);
  StateRun run(kRules);
  RuleState state(run.rules().rules(), RuleStateOptions{});
  run.Run(state, records, "in.ndjson", 0, /*close=*/false);
  size_t alerts = run.alerts.lines.size();
  RuleStateStats before = state.Stats();
  // A restart reads the first 50 again (the checkpoint was behind the state).
  std::vector<std::string> again(records.begin(), records.begin() + 50);
  run.Run(state, again, "in.ndjson", 0, /*close=*/false);
  EXPECT_EQ(run.alerts.lines.size(), alerts) << "a record read again changed the state";
  EXPECT_EQ(state.Stats().keys, before.keys);
  // The same records from another file are new.
  run.Run(state, again, "other.ndjson", 0, /*close=*/false);
  EXPECT_GT(run.alerts.lines.size(), alerts);
}

TEST(RuleState, EvictsLeastRecentlyUsedKeysAndCountsThem) {
  StateRun run("CREATE RULE new_ip AS SELECT sourceIPAddress FROM cloudtrail "
               "WHERE first_seen(userIdentity.arn, sourceIPAddress);");
  RuleStateOptions options;
  options.max_keys_per_rule = 2;
  RuleState state(run.rules().rules(), options);
  auto record = [](int id, const char* ip) {
    return std::string("{\"eventID\":\"e") + std::to_string(id) +
           "\",\"eventName\":\"X\",\"eventTime\":\"2023-10-01T00:00:00Z\",\"sourceIPAddress\":\"" + ip +
           "\",\"userIdentity\":{\"arn\":\"u\"}}";
  };
  // a, b fill the memory; a again keeps a recent; c evicts b; b is new
  // again and evicts a; a is new again and evicts c.
  run.Run(state, {record(0, "a"), record(1, "b"), record(2, "a"), record(3, "c"), record(4, "b"), record(5, "a")},
          "-", 0, false);
  std::vector<std::string> fired;
  for (const std::string& line : run.alerts.lines) fired.push_back(line.substr(line.find("\"eventID\":") + 11, 2));
  EXPECT_EQ(fired, (std::vector<std::string>{"e0", "e1", "e3", "e4", "e5"}));
  RuleStateStats stats = state.Stats();
  EXPECT_EQ(stats.evicted, 3u);  // b (by c), a (by b), c (by a)
  EXPECT_EQ(stats.keys, 2u);
  EXPECT_GT(stats.bytes, 0u);
}

TEST(RuleState, CorruptStateFileIsAnErrorNamingIt) {
  TempDir state_dir;
  RuleStateOptions options;
  DirectoryStateStore store(state_dir.path().string());
  options.store = &store;
  StateRun run(kRules);
  {
    RuleState state(run.rules().rules(), options);
    run.Run(state, Records(30), "in.ndjson", 0, false);
    ASSERT_TRUE(state.Save().ok());
  }
  fs::path file = state_dir.path() / "files.state";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Every truncation, and a flipped byte at every 7th offset: an error or a
  // state that loads; never a crash (ASan/UBSan builds make this sharper).
  for (size_t cut = 0; cut < bytes.size(); cut += std::max<size_t>(1, bytes.size() / 97)) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes.substr(0, cut);
    RuleState state(run.rules().rules(), options);
    run.Run(state, Records(1), "next.ndjson", 0, false);
    EXPECT_FALSE(state.error().ok()) << "cut at " << cut;
    EXPECT_NE(std::string(state.error().message()).find("files.state"), std::string::npos);
  }
  for (size_t at = 0; at < bytes.size(); at += 7) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x5a);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << flipped;
    RuleState state(run.rules().rules(), options);
    run.Run(state, Records(3), "next.ndjson", 0, true);
  }
}

TEST(RuleState, StateOfChangedRulesIsDroppedWithANote) {
  TempDir state_dir;
  RuleStateOptions options;
  DirectoryStateStore store(state_dir.path().string());
  options.store = &store;
  {
    StateRun run(kRules);
    RuleState state(run.rules().rules(), options);
    run.Run(state, Records(30), "in.ndjson", 0, false);
    ASSERT_TRUE(state.Save().ok());
  }
  std::string changed = kRules;
  changed.replace(changed.find("SLIDING (10 MINUTES)"), 20, "SLIDING (20 MINUTES)");
  StateRun run(changed);
  RuleState state(run.rules().rules(), options);
  run.Run(state, Records(1), "next.ndjson", 0, false);
  EXPECT_TRUE(state.error().ok());
  std::vector<std::string> notes = state.TakeNotes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("burst"), std::string::npos);
}

TEST(RuleState, AdoptFromCarriesStateOverAReload) {
  std::vector<std::string> records = Records(90);
  StateRun whole(kRules);
  RuleState one(whole.rules().rules(), RuleStateOptions{});
  whole.Run(one, records, "in.ndjson", 0, true);

  StateRun before(kRules), after(kRules);
  RuleState first(before.rules().rules(), RuleStateOptions{});
  before.Run(first, std::vector<std::string>(records.begin(), records.begin() + 45), "in.ndjson", 0, false);
  RuleState second(after.rules().rules(), RuleStateOptions{});
  second.AdoptFrom(first);
  after.Run(second, std::vector<std::string>(records.begin() + 45, records.end()), "in.ndjson", 45, true);
  std::vector<std::string> combined = before.alerts.lines;
  combined.insert(combined.end(), after.alerts.lines.begin(), after.alerts.lines.end());
  EXPECT_EQ(combined, whole.alerts.lines);
}

TEST(RuleState, DroppedPartitionsAreNeitherKeptNorSaved) {
  TempDir state_dir;
  RuleStateOptions options;
  DirectoryStateStore store(state_dir.path().string());
  options.store = &store;
  StateRun run(kRules);
  RuleState state(run.rules().rules(), options);
  Pipeline pipeline(run.rules(), run.alerts, run.letters, MatchEngine::kCompiled, &state);
  std::vector<std::string> records = Records(10);
  for (size_t i = 0; i < records.size(); ++i) {
    pipeline.Process(records[i], SourcePosition::InKafka("trail", static_cast<int32_t>(i % 2), i / 2));
  }
  ASSERT_TRUE(state.Save().ok());
  EXPECT_TRUE(fs::exists(state_dir.path() / "kafka-trail%2F0.state"));
  EXPECT_TRUE(fs::exists(state_dir.path() / "kafka-trail%2F1.state"));
  fs::remove(state_dir.path() / "kafka-trail%2F1.state");
  uint64_t keys = state.Stats().keys;
  state.Drop({"trail/1"});
  EXPECT_LT(state.Stats().keys, keys);
  pipeline.Process(records[0], SourcePosition::InKafka("trail", 0, 100));
  ASSERT_TRUE(state.Save().ok());
  EXPECT_FALSE(fs::exists(state_dir.path() / "kafka-trail%2F1.state")) << "a dropped partition was written";
}

}  // namespace
}  // namespace trailhound
