#include "core/field_path.h"

#include <cctype>

namespace trailhound {
namespace {

bool IsPlainIdentifier(const std::string& key) {
  if (key.empty() || !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_')) {
    return false;
  }
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string FieldPath::ToString() const {
  std::string out;
  for (const PathStep& step : steps) {
    switch (step.kind) {
      case PathStep::Kind::kKey:
        if (!out.empty()) out.push_back('.');
        if (IsPlainIdentifier(step.key)) {
          out += step.key;
        } else {
          out += '"' + step.key + '"';
        }
        break;
      case PathStep::Kind::kIndex:
        out += "[" + std::to_string(step.index) + "]";
        break;
      case PathStep::Kind::kAnyElement:
        out += "[*]";
        break;
    }
  }
  return out;
}

}  // namespace trailhound
