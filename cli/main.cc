// The trailhound executable: run, check, explain, test, gen.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/event_generator.h"
#include "cli/replay_command.h"
#include "cli/run_command.h"
#include "cli/test_command.h"
#include "core/cloudtrail_schema.h"
#include "core/compiled_rule_set.h"
#include "dsl/rule_set_loader.h"

namespace trailhound {
namespace {

constexpr char kUsage[] = R"(trailhound: streaming detections for AWS CloudTrail, written in SQL

usage:
  trailhound run --rules PATH [--rules PATH…] [--output DEST…] [--dead-letter DEST]
                 [--threads N] [INPUT… | --kafka-brokers B --kafka-topic T --kafka-group G]
  trailhound check PATH…       print every diagnostic; exit 1 on errors
  trailhound explain PATH…     show what each rule became
  trailhound test [PATH…]      run the rules' own sample-event tests (default rules/)
  trailhound gen N [--seed S]  synthetic CloudTrail records (NDJSON) on stdout
  trailhound replay INPUT… [--to DEST] [--rate N | --speed X]   resend records, paced (load tests)

`trailhound COMMAND --help` describes a command.
)";

constexpr char kCheckUsage[] = R"(usage: trailhound check PATH…

Parses and binds the rules (each PATH a .sql file or a folder of them) and
prints every error and warning with file:line:col, the line, a caret and a
hint. Exit status 1 when there is an error, else 0.
)";

constexpr char kExplainUsage[] = R"(usage: trailhound explain PATH…

Shows what each rule became: metadata, the views inlined, the condition with
every name resolved, the fields it reads (and what each name resolved to),
and what it selects; then the compiled rule set: the path trie, the shared
predicates with the rules using them, the dispatch index, each rule's program
and the Hyperscan / RE2 pattern sets.
)";

constexpr char kGenUsage[] = R"(usage: trailhound gen N [--seed S] [--output FILE]

Writes N synthetic CloudTrail records as NDJSON (stdout by default). The same
N and S always give the same bytes.
)";

// Prints the diagnostics; returns true when there are errors.
bool ReportDiagnostics(const LoadedRuleSet& loaded) {
  for (const Diagnostic& d : loaded.diagnostics.Sorted()) {
    std::fputs(FormatDiagnostic(d).c_str(), stderr);
  }
  return loaded.diagnostics.has_errors();
}

int CheckCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::fputs(kCheckUsage, stdout);
    return 0;
  }
  CommandLine args(argc, argv, {}, {});
  if (!args.ok()) return UsageError(args.error(), kCheckUsage);
  if (args.positional().empty()) return UsageError("check needs a PATH", kCheckUsage);
  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSet(args.positional());
  bool errors = ReportDiagnostics(*loaded);
  size_t error_count = 0, warning_count = 0;
  for (const Diagnostic& d : loaded->diagnostics.items()) {
    (d.severity == Severity::kError ? error_count : warning_count)++;
  }
  std::fprintf(stderr, "trailhound: %zu files, %zu rules, %zu lists: %zu errors, %zu warnings\n",
               loaded->files.size(), loaded->rules.rules.size(), loaded->rules.lists.size(),
               error_count, warning_count);
  return errors ? 1 : 0;
}

void CollectFields(const BoundExpr& expr, std::map<std::string, std::string>& fields) {
  if (expr.kind == BoundExpr::Kind::kField) {
    std::string resolved = expr.path.ToString();
    std::string note = std::string(FieldTypeName(FieldTypeOf(expr.path)));
    if (expr.written_as != resolved) note += ", written " + expr.written_as;
    fields[resolved] = note;
  }
  for (const BoundExpr& child : expr.children) CollectFields(child, fields);
}

int ExplainCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::fputs(kExplainUsage, stdout);
    return 0;
  }
  CommandLine args(argc, argv, {}, {});
  if (!args.ok()) return UsageError(args.error(), kExplainUsage);
  if (args.positional().empty()) return UsageError("explain needs a PATH", kExplainUsage);
  std::unique_ptr<LoadedRuleSet> loaded = LoadRuleSet(args.positional());
  bool errors = ReportDiagnostics(*loaded);
  for (const BoundRule& rule : loaded->rules.rules) {
    std::printf("rule %s  (%s:%d)\n", rule.name.c_str(), rule.file.c_str(), rule.line);
    std::string tags;
    for (const std::string& tag : rule.tags) tags += (tags.empty() ? "" : ",") + tag;
    std::printf("  severity: %s  tags: %s\n", rule.severity.c_str(), tags.empty() ? "-" : tags.c_str());
    for (const auto& [key, value] : rule.metadata) {
      if (key != "severity" && key != "tags") std::printf("  %s: %s\n", key.c_str(), value.c_str());
    }
    if (!rule.views.empty()) {
      std::string chain;
      for (const std::string& view : rule.views) chain += (chain.empty() ? "" : " <- ") + view;
      std::printf("  views inlined: %s\n", chain.c_str());
    }
    std::printf("  where: %s\n", rule.where ? rule.where->ToSql().c_str() : "TRUE (every record)");
    std::map<std::string, std::string> fields;
    if (rule.where) CollectFields(*rule.where, fields);
    for (const FirstSeen& first : rule.first_seen) {
      std::printf("  then: %s  (remembers every record the WHERE passes)\n", first.ToSql().c_str());
      CollectFields(first.key, fields);
      CollectFields(first.value, fields);
    }
    if (rule.suppression) {
      std::string by;
      for (const BoundExpr& key : rule.suppression->by) {
        by += (by.empty() ? "" : ", ") + key.ToSql();
        CollectFields(key, fields);
      }
      std::printf("  suppression: one alert per %s per %s, then a summary with the count\n", by.c_str(),
                  absl::FormatDuration(rule.suppression->period).c_str());
    }
    if (rule.aggregation) {
      const Aggregation& aggregation = *rule.aggregation;
      const WindowSpec& window = aggregation.window;
      std::printf("  window: %s, size %s", std::string(WindowKindName(window.kind)).c_str(),
                  absl::FormatDuration(window.size).c_str());
      if (window.kind == WindowSpec::Kind::kHopping) {
        std::printf(", advance %s", absl::FormatDuration(window.advance).c_str());
      }
      std::printf(", in event time; closes %s behind the newest eventTime\n",
                  absl::FormatDuration(rule.allowed_lateness).c_str());
      std::string keys, aggregates;
      for (const BoundExpr& key : aggregation.group_by) {
        keys += (keys.empty() ? "" : ", ") + key.ToSql();
        CollectFields(key, fields);
      }
      for (const Aggregate& aggregate : aggregation.aggregates) {
        aggregates += (aggregates.empty() ? "" : ", ") + aggregate.ToSql();
        if (aggregate.kind != Aggregate::Kind::kCountStar) CollectFields(aggregate.argument, fields);
      }
      std::printf("  group by: %s\n", keys.empty() ? "(one group)" : keys.c_str());
      std::printf("  aggregates: %s\n", aggregates.c_str());
      std::printf("  having: %s\n", aggregation.having ? aggregation.having->ToSql().c_str() : "TRUE (every window)");
    } else {
      for (const SelectItem& item : rule.select) CollectFields(item.value, fields);
    }
    std::printf("  fields read:\n");
    for (const auto& [path, note] : fields) std::printf("    %-50s %s\n", path.c_str(), note.c_str());
    if (rule.select_star) {
      std::printf("  selects: * (the whole record)\n");
    } else {
      std::printf(rule.aggregation ? "  selects (per window):\n" : "  selects:\n");
      for (const SelectItem& item : rule.select) {
        std::printf("    %-30s = %s\n", item.output_name.c_str(), item.value.ToSql().c_str());
      }
    }
  }
  for (const auto& list : loaded->rules.lists) {
    std::printf("list %s: %zu items (%zu CIDRs or addresses)\n", list->name.c_str(), list->items.size(),
                list->cidrs.size());
  }
  if (errors) return 1;
  absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> compiled = CompiledRuleSet::Compile(loaded->rules);
  if (!compiled.ok()) {
    std::fprintf(stderr, "trailhound: cannot compile: %s\n", std::string(compiled.status().message()).c_str());
    return 1;
  }
  std::printf("\n%s", (*compiled)->Explain().c_str());
  return 0;
}

int GenCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::fputs(kGenUsage, stdout);
    return 0;
  }
  CommandLine args(argc, argv, {"seed", "output"}, {});
  if (!args.ok()) return UsageError(args.error(), kGenUsage);
  uint64_t count = 0, seed = 1;
  if (args.positional().size() != 1 || !ParseCount(args.positional()[0], count)) {
    return UsageError("gen needs one count N", kGenUsage);
  }
  if (args.Has("seed") && !ParseCount(args.Get("seed"), seed)) {
    return UsageError("--seed needs a non-negative integer", kGenUsage);
  }
  FILE* out = stdout;
  if (args.Has("output")) {
    out = std::fopen(args.Get("output").c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "trailhound: cannot write %s: %s\n", args.Get("output").c_str(), std::strerror(errno));
      return 2;
    }
  }
  GenerateEvents(count, seed, out);
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::fprintf(stderr, "trailhound: writing failed: %s\n", std::strerror(errno));
    return 2;
  }
  return 0;
}

}  // namespace
}  // namespace trailhound

int main(int argc, char** argv) {
  using namespace trailhound;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  int sub_argc = argc - 2;
  char** sub_argv = argv + 2;
  if (command == "run") return RunCommand(sub_argc, sub_argv);
  if (command == "check") return CheckCommand(sub_argc, sub_argv);
  if (command == "explain") return ExplainCommand(sub_argc, sub_argv);
  if (command == "test") return TestCommand(sub_argc, sub_argv);
  if (command == "gen") return GenCommand(sub_argc, sub_argv);
  if (command == "replay") return ReplayCommand(sub_argc, sub_argv);
  return UsageError("unknown command '" + command + "'", kUsage);
}
