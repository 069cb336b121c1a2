// How text reads as a number or a boolean in a comparison, shared by the
// reference interpreter and the compiled engine so both read values alike.
#pragma once

#include <optional>
#include <string_view>

namespace trailhound {

// The whole text as a finite decimal number ("42", "-1.5e3"); no spaces.
std::optional<double> ParseNumberText(std::string_view text);

// "true" / "false", any case.
std::optional<bool> ParseBoolText(std::string_view text);

}  // namespace trailhound
