#include "core/pattern_set.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/like_pattern.h"

namespace trailhound {
namespace {

constexpr unsigned kCommonFlags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_UTF8;

// Appends one literal byte so that Hyperscan reads it as itself.
void AppendLiteral(std::string& out, unsigned char c) {
  if (std::isalnum(c) || c >= 0x80) {
    out.push_back(static_cast<char>(c));
  } else {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "\\x%02x", c);
    out += hex;
  }
}

// Whether Hyperscan accepts the pattern's syntax and features (parsing only;
// building its automaton costs milliseconds, times thousands of patterns).
bool HyperscanParses(const std::string& expression, unsigned flags, std::string& error) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* compile_error = nullptr;
  if (hs_expression_info(expression.c_str(), flags, &info, &compile_error) != HS_SUCCESS) {
    error = compile_error != nullptr ? compile_error->message : "rejected";
    hs_free_compile_error(compile_error);
    return false;
  }
  std::free(info);  // allocated with Hyperscan's misc allocator, malloc by default
  return true;
}

bool BuildsAlone(const std::string& expression, unsigned flags, std::string& error) {
  hs_database_t* database = nullptr;
  hs_compile_error_t* compile_error = nullptr;
  if (hs_compile(expression.c_str(), flags, HS_MODE_BLOCK, nullptr, &database, &compile_error) != HS_SUCCESS) {
    error = compile_error != nullptr ? compile_error->message : "rejected";
    hs_free_compile_error(compile_error);
    return false;
  }
  hs_free_database(database);
  return true;
}

constexpr int kMaxBuildFailures = 4;

// Past this, a bounded repeat ('[^a]{1000}', '.{500,}') makes Hyperscan build
// a large automaton: over a second of start-up per pattern (found by the rule
// fuzzer). RE2 compiles such patterns lazily.
constexpr uint64_t kMaxHyperscanRepeat = 50;

// Why the braces of `regex` are better left to RE2 (empty when they are
// not): a repeat over kMaxHyperscanRepeat, or a brace form the two engines
// read differently. REGEXP means RE2's syntax, and RE2 takes '{0010}' (a
// leading zero) and '{,5}' as literal text where Hyperscan, like PCRE,
// reads repeats (found by the rule fuzzer).
std::string BracesForRe2(std::string_view regex) {
  for (size_t i = 0; i < regex.size(); ++i) {
    if (regex[i] == '\\') {
      ++i;  // an escaped character, e.g. \{
      continue;
    }
    if (regex[i] != '{') continue;
    // {digits} / {digits,} / {digits,digits}, any part possibly empty.
    size_t j = i + 1;
    std::string_view counts[2];
    int part = 0;
    size_t part_start = j;
    for (; j < regex.size() && (std::isdigit(static_cast<unsigned char>(regex[j])) || regex[j] == ','); ++j) {
      if (regex[j] != ',') continue;
      if (part == 1) break;  // a second comma: not a repeat
      counts[part++] = regex.substr(part_start, j - part_start);
      part_start = j + 1;
    }
    if (j >= regex.size() || regex[j] != '}') continue;  // literal '{' in both engines
    counts[part] = regex.substr(part_start, j - part_start);
    if (counts[0].empty() && part == 1) return "a '{,m}' repeat (RE2 reads it as text)";
    for (std::string_view count : counts) {
      if (count.size() > 1 && count[0] == '0') return "a repeat count with a leading zero (RE2 reads it as text)";
      uint64_t value = 0;
      for (char digit : count) value = std::min<uint64_t>(value * 10 + (digit - '0'), 1u << 30);
      if (value > kMaxHyperscanRepeat) {
        return absl::StrCat("a repeat count over ", kMaxHyperscanRepeat, ", left to RE2 to keep start-up fast");
      }
    }
  }
  return "";
}

int OnMatch(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* context) {
  static_cast<std::vector<uint32_t>*>(context)->push_back(id);
  return 0;
}

}  // namespace

HyperscanLike LikeToHyperscan(std::string_view pattern, std::optional<char> escape) {
  // Tokens: a literal byte, or '%' / '_' (kAny, kOne).
  constexpr int kAny = 256, kOne = 257;
  std::vector<int> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (escape && c == *escape && i + 1 < pattern.size()) {
      tokens.push_back(static_cast<unsigned char>(pattern[++i]));
    } else {
      tokens.push_back(c == '%' ? kAny : c == '_' ? kOne : static_cast<unsigned char>(c));
    }
  }
  // A leading or trailing '%' is an unanchored end: Hyperscan then looks for
  // the rest anywhere, much faster than through '^.*'.
  size_t begin = 0, end = tokens.size();
  while (begin < end && tokens[begin] == kAny) ++begin;
  while (end > begin && tokens[end - 1] == kAny) --end;
  HyperscanLike out;
  if (begin == 0) out.expression = "^";
  for (size_t i = begin; i < end; ++i) {
    if (tokens[i] == kAny) {
      out.expression += ".*";
    } else if (tokens[i] == kOne) {
      out.expression += ".";
      out.has_one_character = true;
    } else {
      AppendLiteral(out.expression, static_cast<unsigned char>(tokens[i]));
    }
  }
  if (end == tokens.size()) out.expression += "\\z";
  return out;
}

PatternSet::~PatternSet() {
  if (database_ != nullptr) hs_free_database(database_);
}

uint32_t PatternSet::Add(PatternSpec spec) {
  Entry entry;
  entry.spec = std::move(spec);
  patterns_.push_back(std::move(entry));
  return static_cast<uint32_t>(patterns_.size() - 1);
}

absl::Status PatternSet::Build(size_t max_bytes) {
  std::vector<uint32_t> candidates;  // patterns for the Hyperscan database
  std::vector<unsigned> candidate_flags;
  for (uint32_t id = 0; id < patterns_.size(); ++id) {
    Entry& entry = patterns_[id];
    unsigned entry_flags = kCommonFlags;
    if (entry.spec.kind == PatternSpec::Kind::kLike) {
      HyperscanLike like = LikeToHyperscan(entry.spec.text, entry.spec.escape);
      entry.hyperscan = std::move(like.expression);
      entry_flags |= HS_FLAG_DOTALL;  // '%' spans newlines
      // Values are valid UTF-8 and the literal parts whole code points, so
      // only '_' (one code point) needs UTF-8 mode, which slows the scan.
      if (!like.has_one_character) entry_flags &= ~unsigned{HS_FLAG_UTF8};
      if (entry.spec.case_insensitive) entry_flags |= HS_FLAG_CASELESS;
    } else {
      entry.hyperscan = entry.spec.text;
      entry.confirm_with_re2 = entry.spec.text.find('$') != std::string::npos;
    }
    if (entry.hyperscan.find('\0') != std::string::npos) {
      // Hyperscan takes C strings: a NUL would cut the pattern short.
      entry.rejected_because = "the pattern holds a NUL byte";
      fallback_ids_.push_back(id);
      continue;
    }
    if (entry.spec.kind == PatternSpec::Kind::kRegex &&
        (entry.hyperscan.find("\\p") != std::string::npos || entry.hyperscan.find("\\P") != std::string::npos)) {
      // Unicode classes expand to large automata: '\pL{20}' takes Hyperscan
      // seconds to compile (found by the rule fuzzer). RE2 handles them lazily.
      entry.rejected_because = "Unicode class, left to RE2 to keep start-up fast";
      fallback_ids_.push_back(id);
      continue;
    }
    if (entry.spec.kind == PatternSpec::Kind::kRegex) {
      entry.rejected_because = BracesForRe2(entry.hyperscan);
      if (!entry.rejected_because.empty()) {
        fallback_ids_.push_back(id);
        continue;
      }
    }
    if (!HyperscanParses(entry.hyperscan, entry_flags, entry.rejected_because)) {
      fallback_ids_.push_back(id);
      continue;
    }
    candidates.push_back(id);
    candidate_flags.push_back(entry_flags);
  }
  // One database for all; a pattern that parses but cannot be built (too
  // large, …) is named by the error: it goes to RE2 and the rest is built
  // again. After a few such, each pattern is tried alone to find them all.
  int failures = 0;
  while (!candidates.empty()) {
    if (failures == kMaxBuildFailures) {
      std::vector<uint32_t> kept;
      std::vector<unsigned> kept_flags;
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (BuildsAlone(patterns_[candidates[i]].hyperscan, candidate_flags[i],
                        patterns_[candidates[i]].rejected_because)) {
          kept.push_back(candidates[i]);
          kept_flags.push_back(candidate_flags[i]);
        } else {
          fallback_ids_.push_back(candidates[i]);
        }
      }
      candidates = std::move(kept);
      candidate_flags = std::move(kept_flags);
      if (candidates.empty()) break;
    }
    std::vector<const char*> expressions;
    std::vector<unsigned> ids;
    for (size_t i = 0; i < candidates.size(); ++i) {
      expressions.push_back(patterns_[candidates[i]].hyperscan.c_str());
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* compile_error = nullptr;
    if (hs_compile_multi(expressions.data(), candidate_flags.data(), ids.data(),
                         static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &database_,
                         &compile_error) == HS_SUCCESS) {
      break;
    }
    std::string message = compile_error != nullptr ? compile_error->message : "unknown error";
    int culprit = compile_error != nullptr ? compile_error->expression : -1;
    hs_free_compile_error(compile_error);
    database_ = nullptr;
    if (culprit < 0 || failures == kMaxBuildFailures) {
      return absl::ResourceExhaustedError(absl::StrCat("cannot build the pattern database: ", message));
    }
    ++failures;
    patterns_[candidates[culprit]].rejected_because = message;
    fallback_ids_.push_back(candidates[culprit]);
    candidates.erase(candidates.begin() + culprit);
    candidate_flags.erase(candidate_flags.begin() + culprit);
  }
  std::sort(fallback_ids_.begin(), fallback_ids_.end());
  for (uint32_t id : candidates) {
    patterns_[id].in_hyperscan = true;
    hyperscan_ids_.push_back(id);
  }
  if (database_ == nullptr) return absl::OkStatus();
  hs_database_size(database_, &database_bytes_);
  if (database_bytes_ > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("pattern database needs ", database_bytes_,
                                                     " bytes, over the limit of ", max_bytes));
  }
  return absl::OkStatus();
}

bool PatternSet::MatchesWithoutHyperscan(const Entry& entry, std::string_view text) const {
  if (entry.spec.kind == PatternSpec::Kind::kLike) {
    return LikeMatch(text, entry.spec.text, entry.spec.escape, entry.spec.case_insensitive);
  }
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *entry.spec.regex);
}

void PatternSet::Scan(std::string_view text, hs_scratch_t* scratch, std::vector<uint32_t>& hyperscan_matched,
                      std::vector<uint32_t>& matched) const {
  if (database_ != nullptr) {
    hyperscan_matched.clear();
    hs_scan(database_, text.data(), static_cast<unsigned>(text.size()), 0, scratch, OnMatch, &hyperscan_matched);
    for (uint32_t hyperscan_id : hyperscan_matched) {
      uint32_t id = hyperscan_ids_[hyperscan_id];
      const Entry& entry = patterns_[id];
      // Hyperscan's '$' also matches before a final newline, RE2's only at
      // the end: the two differ only on a text that ends with a newline.
      bool may_differ = entry.confirm_with_re2 && !text.empty() && text.back() == '\n';
      if (may_differ && !MatchesWithoutHyperscan(entry, text)) continue;
      matched.push_back(id);
    }
  }
  for (uint32_t id : fallback_ids_) {
    if (MatchesWithoutHyperscan(patterns_[id], text)) matched.push_back(id);
  }
}

std::string PatternSet::Describe() const {
  std::string out;
  for (uint32_t id = 0; id < patterns_.size(); ++id) {
    const Entry& entry = patterns_[id];
    absl::StrAppend(&out, "      #", id, " ", entry.spec.kind == PatternSpec::Kind::kLike ? "LIKE '" : "REGEXP '",
                    entry.spec.text, "'", entry.spec.case_insensitive ? " (ILIKE)" : "");
    if (entry.in_hyperscan) {
      absl::StrAppend(&out, "  hyperscan: ", entry.hyperscan, entry.confirm_with_re2 ? "  (hits on a text ending in a newline confirmed by RE2)" : "");
    } else {
      absl::StrAppend(&out, "  ", entry.spec.kind == PatternSpec::Kind::kLike ? "LIKE matcher" : "RE2",
                      " (hyperscan: ", entry.rejected_because, ")");
    }
    out += "\n";
  }
  return out;
}

}  // namespace trailhound
