// A field path into a CloudTrail record: keys, array indexes and "any
// element" steps, e.g. userIdentity.sessionContext.attributes.mfaAuthenticated
// or resources[*].ARN.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trailhound {

struct PathStep {
  enum class Kind { kKey, kIndex, kAnyElement };
  Kind kind = Kind::kKey;
  std::string key;    // kKey
  int64_t index = 0;  // kIndex
  bool operator==(const PathStep&) const = default;
};

struct FieldPath {
  std::vector<PathStep> steps;
  bool operator==(const FieldPath&) const = default;
  // userIdentity.arn, resources[*].ARN, additionalEventData."x-amz-id-2"
  std::string ToString() const;
};

}  // namespace trailhound
