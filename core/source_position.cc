#include "core/source_position.h"

#include <charconv>

#include "core/json_text.h"

namespace trailhound {
namespace {

// `value` in decimal, appended: once per alert, where absl::StrAppend cost
// several hundred instructions.
template <typename Integer>
void AppendInteger(std::string& out, Integer value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

}  // namespace

std::string SourcePosition::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

void SourcePosition::AppendJson(std::string& out) const {
  if (!topic.empty()) {
    out += "{\"topic\":";
    AppendJsonString(out, topic);
    out += ",\"partition\":";
    AppendInteger(out, partition);
    out += ",\"offset\":";
    AppendInteger(out, offset);
    out += "}";
    return;
  }
  out += "{\"file\":";
  AppendJsonString(out, file);
  out += ",\"record\":";
  AppendInteger(out, record_index);
  out += ",\"offset\":";
  AppendInteger(out, byte_offset);
  if (line != 0) {
    out += ",\"line\":";
    AppendInteger(out, line);
  }
  out += "}";
}

}  // namespace trailhound
