#include "core/json_text.h"

#include <immintrin.h>
#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace trailhound {

namespace {

// Whether any of the 8 bytes of `word` needs escaping: a control character,
// quote or backslash. Exact for "any" (the borrows of the subtractions only
// ever mark bytes above a true hit).
bool AnySpecial(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  auto has_zero = [&](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t control = (word - kOnes * 0x20) & ~word & kHighs;
  return (control | has_zero(word ^ (kOnes * '"')) | has_zero(word ^ (kOnes * '\\'))) != 0;
}

template <typename T>
uint64_t Load(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// Whether any of the (fewer than 16) bytes [p, p + n) needs escaping: two
// overlapping loads cover them, never reading outside.
bool AnySpecialIn(const char* p, size_t n) {
  if (n >= 8) return AnySpecial(Load<uint64_t>(p)) || AnySpecial(Load<uint64_t>(p + n - 8));
  if (n >= 4) return AnySpecial(Load<uint32_t>(p) | (Load<uint32_t>(p + n - 4) << 32));
  if (n == 0) return false;
  const uint64_t bytes = static_cast<uint8_t>(p[0]) | (uint64_t{static_cast<uint8_t>(p[n / 2])} << 8) |
                         (uint64_t{static_cast<uint8_t>(p[n - 1])} << 16);
  return AnySpecial(bytes | (0x0101010101010101ull * 'a' << 24));  // the other bytes read as 'a'
}

// Whether any byte of the 16 at `p` needs escaping.
bool AnySpecialIn16(const char* p) {
  const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i last_control = _mm_set1_epi8(0x1f);
  const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(chunk, last_control), last_control);  // byte <= 0x1f
  const __m128i special = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('"')),
                                                             _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\\'))));
  return _mm_movemask_epi8(special) != 0;
}

// Whether `s` needs no escaping at all (no control character, quote or
// backslash): 16 bytes at a time, the last 16 overlapping the ones before;
// shorter strings in at most two words.
bool Plain(std::string_view s) {
  if (s.size() < 16) return !AnySpecialIn(s.data(), s.size());
  for (size_t i = 0; i + 16 < s.size(); i += 16) {
    if (AnySpecialIn16(s.data() + i)) return false;
  }
  return !AnySpecialIn16(s.data() + s.size() - 16);
}

// The length of the prefix of `s` that needs no escaping: 16 bytes at a
// time up to the block holding the first byte that does (long plain runs
// are common, e.g. in the raw records of dead letters), then byte by byte.
size_t PlainPrefix(std::string_view s) {
  size_t i = 0;
  while (i + 16 <= s.size() && !AnySpecialIn16(s.data() + i)) i += 16;
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') break;
  }
  return i;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (Plain(s)) {  // nothing to escape (almost always): one append
    char quoted[128];
    if (s.size() + 2 <= sizeof quoted) {
      quoted[0] = '"';
      std::memcpy(quoted + 1, s.data(), s.size());
      quoted[s.size() + 1] = '"';
      out.append(quoted, s.size() + 2);
    } else {
      const size_t at = out.size();
      out.append(s.size() + 2, '"');
      std::memcpy(out.data() + at + 1, s.data(), s.size());
    }
    return;
  }
  out.push_back('"');
  while (!s.empty()) {
    size_t plain = PlainPrefix(s);
    out.append(s.data(), plain);
    if (plain == s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[plain]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
    s.remove_prefix(plain + 1);
  }
  out.push_back('"');
}

bool IsValidUtf8(std::string_view s) {
  return simdjson::validate_utf8(s.data(), s.size());
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace trailhound
