// A hash for the value texts the engine looks up for every record (eventName,
// eventSource, ARNs, user agents …) in its equality and dispatch indexes and
// its pattern-scan memo. Inline, and a few multiplications for texts of
// CloudTrail's usual lengths (absl's string hash calls out of line for texts
// over 16 bytes). Every byte counts; not keyed: the tables it serves are
// looked up, never filled, with record values, so a crafted value can only
// collide with a rule's own literals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace trailhound {

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const {
    const char* p = text.data();
    size_t n = text.size();
    uint64_t state = kSeed ^ (n * kFactors[0]);
    for (; n > 16; n -= 16, p += 16) state = Mix(Load64(p) ^ kFactors[1], Load64(p + 8) ^ state);
    // The last 1–16 bytes, from two loads that may overlap.
    uint64_t low = 0, high = 0;
    if (n >= 8) {
      low = Load64(p);
      high = Load64(p + n - 8);
    } else if (n >= 4) {
      low = Load32(p);
      high = Load32(p + n - 4);
    } else if (n > 0) {
      low = (uint64_t{static_cast<uint8_t>(p[0])} << 16) | (uint64_t{static_cast<uint8_t>(p[n / 2])} << 8) |
            static_cast<uint8_t>(p[n - 1]);
    }
    return static_cast<size_t>(Mix(low ^ kFactors[2], high ^ state) ^ n);
  }

 private:
  static constexpr uint64_t kSeed = 0x243F6A8885A308D3ull;
  static constexpr uint64_t kFactors[3] = {0x9E3779B97F4A7C15ull, 0xA0761D6478BD642Full, 0xE7037ED1A0B428DBull};
  // 64×64 -> 128-bit multiply, halves folded (as in wyhash).
  static uint64_t Mix(uint64_t a, uint64_t b) {
    unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
    return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
  }
  static uint64_t Load64(const char* p) {
    uint64_t value;
    std::memcpy(&value, p, sizeof(value));
    return value;
  }
  static uint64_t Load32(const char* p) {
    uint32_t value;
    std::memcpy(&value, p, sizeof(value));
    return value;
  }
};

struct TextEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

// Value text -> the predicates filed under it (equality indexes).
using TextIndex = absl::flat_hash_map<std::string, std::vector<uint32_t>, TextHash, TextEqual>;

}  // namespace trailhound
