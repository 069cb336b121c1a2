// Small helpers for writing JSON text by hand: string escaping, UTF-8
// validation and base64 for bytes that are not text.
#pragma once

#include <string>
#include <string_view>

namespace trailhound {

// Appends `s` as a quoted JSON string. `s` must be valid UTF-8.
void AppendJsonString(std::string& out, std::string_view s);

bool IsValidUtf8(std::string_view s);

std::string Base64Encode(std::string_view bytes);

}  // namespace trailhound
