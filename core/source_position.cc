#include "core/source_position.h"

#include "core/json_text.h"

namespace trailhound {

std::string SourcePosition::ToJson() const {
  if (!topic.empty()) {
    std::string out = "{\"topic\":";
    AppendJsonString(out, topic);
    out += ",\"partition\":" + std::to_string(partition);
    out += ",\"offset\":" + std::to_string(offset) + "}";
    return out;
  }
  std::string out = "{\"file\":";
  AppendJsonString(out, file);
  out += ",\"record\":" + std::to_string(record_index);
  out += ",\"offset\":" + std::to_string(byte_offset);
  if (line != 0) out += ",\"line\":" + std::to_string(line);
  out += "}";
  return out;
}

}  // namespace trailhound
