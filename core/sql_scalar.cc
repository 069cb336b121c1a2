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

std::optional<bool> ParseBoolText(std::string_view text) {
  absl::string_view view(text.data(), text.size());
  if (absl::EqualsIgnoreCase(view, "true")) return true;
  if (absl::EqualsIgnoreCase(view, "false")) return false;
  return std::nullopt;
}

}  // namespace trailhound
