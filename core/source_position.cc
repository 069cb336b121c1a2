#include "core/source_position.h"

#include "absl/strings/str_cat.h"
#include "core/json_text.h"

namespace trailhound {

std::string SourcePosition::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

void SourcePosition::AppendJson(std::string& out) const {
  if (!topic.empty()) {
    out += "{\"topic\":";
    AppendJsonString(out, topic);
    absl::StrAppend(&out, ",\"partition\":", partition, ",\"offset\":", offset, "}");
    return;
  }
  out += "{\"file\":";
  AppendJsonString(out, file);
  absl::StrAppend(&out, ",\"record\":", record_index, ",\"offset\":", byte_offset);
  if (line != 0) absl::StrAppend(&out, ",\"line\":", line);
  out += "}";
}

}  // namespace trailhound
