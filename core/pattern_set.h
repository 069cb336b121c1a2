// The patterns (LIKE, ILIKE, REGEXP) that rules apply to one value source,
// compiled together into one Hyperscan database and scanned once per value.
// A pattern Hyperscan rejects is matched with RE2 (or the LIKE matcher)
// instead; a regex whose '$' Hyperscan reads the PCRE way (also before a final
// newline) has its Hyperscan hits on a text ending in a newline confirmed with
// RE2, whose '$' is the end.
#pragma once

#include <hs/hs.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "re2/re2.h"

namespace trailhound {

struct PatternSpec {
  enum class Kind { kLike, kRegex };
  Kind kind = Kind::kLike;
  std::string text;               // the LIKE pattern or the regex
  bool case_insensitive = false;  // ILIKE
  std::optional<char> escape;     // LIKE … ESCAPE
  std::shared_ptr<const RE2> regex;  // kRegex
};

// Hyperscan syntax for a LIKE pattern: "^…\z", without the '^' when it
// starts with '%' and without the '\z' when it ends with one. '_' is '.',
// one code point in UTF-8 mode.
struct HyperscanLike {
  std::string expression;
  bool has_one_character = false;  // a '_': needs UTF-8 mode
};
HyperscanLike LikeToHyperscan(std::string_view pattern, std::optional<char> escape);

class PatternSet {
 public:
  PatternSet() = default;
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;
  ~PatternSet();

  // Adds a pattern; returns its id (0, 1, …).
  uint32_t Add(PatternSpec spec);
  // Compiles the Hyperscan database. Fails only when the database as a whole
  // cannot be built (e.g. over `max_bytes`); single rejected patterns fall
  // back to RE2.
  absl::Status Build(size_t max_bytes);

  size_t size() const { return patterns_.size(); }
  const hs_database_t* database() const { return database_; }
  // Appends the id of every pattern matching `text` to `matched` (using
  // `hyperscan_matched` as a scratch list).
  void Scan(std::string_view text, hs_scratch_t* scratch, std::vector<uint32_t>& hyperscan_matched,
            std::vector<uint32_t>& matched) const;
  // Matches one pattern alone (no Hyperscan), for values past the scan limit.
  bool MatchesOne(uint32_t id, std::string_view text) const { return MatchesWithoutHyperscan(patterns_[id], text); }
  // For explain: one line per pattern with its engine.
  std::string Describe() const;

 private:
  struct Entry {
    PatternSpec spec;
    std::string hyperscan;         // the expression given to Hyperscan
    bool in_hyperscan = false;
    bool confirm_with_re2 = false;
    std::string rejected_because;  // when not in Hyperscan
  };
  bool MatchesWithoutHyperscan(const Entry& entry, std::string_view text) const;

  std::vector<Entry> patterns_;
  std::vector<uint32_t> hyperscan_ids_;  // Hyperscan id -> pattern id
  std::vector<uint32_t> fallback_ids_;   // patterns matched without Hyperscan
  hs_database_t* database_ = nullptr;
  size_t database_bytes_ = 0;
};

}  // namespace trailhound
