#include "core/like_pattern.h"

#include <algorithm>
#include <cctype>

namespace trailhound {
namespace {

size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}

bool SameChar(char a, char b, bool case_insensitive) {
  if (!case_insensitive) return a == b;
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

}  // namespace

bool LikeMatch(std::string_view text, std::string_view pattern, std::optional<char> escape,
               bool case_insensitive) {
  // Iterative matcher with backtracking to the last '%' (linear in practice).
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char c = pattern[p];
      if (escape && c == *escape && p + 1 < pattern.size()) {
        if (SameChar(text[t], pattern[p + 1], case_insensitive)) {
          ++t;
          p += 2;
          continue;
        }
      } else if (c == '%') {
        star_p = ++p;
        star_t = t;
        continue;
      } else if (c == '_') {
        t = std::min(text.size(), t + Utf8Length(static_cast<unsigned char>(text[t])));
        ++p;
        continue;
      } else if (SameChar(text[t], c, case_insensitive)) {
        ++t;
        ++p;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    star_t = std::min(text.size(), star_t + Utf8Length(static_cast<unsigned char>(text[star_t])));
    t = star_t;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

}  // namespace trailhound
