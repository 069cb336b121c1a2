// How text reads as a number or a boolean in a comparison, shared by the
// reference interpreter and the compiled engine so both read values alike.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace trailhound {

// The whole text as a finite decimal number ("42", "-1.5e3"); no spaces.
std::optional<double> ParseNumberText(std::string_view text);

// "true" / "false", any case.
std::optional<bool> ParseBoolText(std::string_view text);

// A JSON number that is a double (not a 64-bit integer) as text, as both
// engines spell it: the shortest form that reads back as the same double —
// but with an exponent when that form would read as an integer outside the
// 64-bit range (18446744073709551616 → 1.8446744073709552e+19), which JSON
// parsers such as simdjson reject. `buffer` needs kNumberTextBytes.
inline constexpr size_t kNumberTextBytes = 32;
std::string_view DoubleText(double number, char* buffer);

}  // namespace trailhound
