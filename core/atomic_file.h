// Replacing a file so that a crash leaves its old or its new content, never
// a mix: a temporary file beside it, fsync, rename, fsync of the directory.
// Used for the --checkpoint file and the --state-dir state files.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace trailhound {

// Errors read "<label> <path>: <what failed>".
absl::Status WriteFileAtomically(std::string_view label, const std::string& path, std::string_view text);

}  // namespace trailhound
