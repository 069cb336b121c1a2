// Deterministic synthetic CloudTrail records for demos, tests and benchmarks:
// the same (count, seed) always gives the same bytes.
#pragma once

#include <cstdint>
#include <cstdio>

namespace trailhound {

// Writes `count` NDJSON CloudTrail records (one per line) to `out`.
void GenerateEvents(uint64_t count, uint64_t seed, FILE* out);

}  // namespace trailhound
