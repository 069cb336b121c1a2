#include "core/sql_scalar.h"

#include <charconv>
#include <cmath>

#include "absl/strings/match.h"

namespace trailhound {

std::optional<double> ParseNumberText(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) {
    return std::nullopt;
  }
  return number;
}

std::string_view DoubleText(double number, char* buffer) {
  char* end = std::to_chars(buffer, buffer + kNumberTextBytes, number).ptr;
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  bool integral = text.find_first_of(".en") == std::string_view::npos;  // no fraction, exponent, inf or nan
  if (integral && (number >= 18446744073709551616.0 || number < -9223372036854775808.0)) {
    end = std::to_chars(buffer, buffer + kNumberTextBytes, number, std::chars_format::scientific).ptr;
    text = std::string_view(buffer, static_cast<size_t>(end - buffer));
  }
  return text;
}

std::optional<bool> ParseBoolText(std::string_view text) {
  absl::string_view view(text.data(), text.size());
  if (absl::EqualsIgnoreCase(view, "true")) return true;
  if (absl::EqualsIgnoreCase(view, "false")) return false;
  return std::nullopt;
}

}  // namespace trailhound
