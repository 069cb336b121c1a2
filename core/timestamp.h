// ISO-8601 dates and timestamps as CloudTrail writes them ("2023-10-01T08:15:02Z")
// and as rules write them ('2023-10-01', '2023-10-01 08:00:00').
#pragma once

#include <optional>
#include <string_view>

#include "absl/time/time.h"

namespace trailhound {

// Accepts YYYY-MM-DD, optionally followed by 'T' or ' ' and HH:MM[:SS[.fraction]]
// and an optional zone (Z or ±HH:MM / ±HHMM). No zone means UTC; a date alone
// is midnight UTC. Anything else (including out-of-range fields) is nullopt.
std::optional<absl::Time> ParseTimestamp(std::string_view text);

}  // namespace trailhound
