// The documented CloudTrail record fields, as a tree the binder resolves names
// against: canonical spelling (names match case-insensitively, as Athena's
// lower-case columns do), value type, and which subtrees are free-form
// (requestParameters, responseElements, …). Also Athena-style short aliases.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/field_path.h"

namespace trailhound {

enum class FieldType { kAny, kString, kBool, kTimestamp, kObject, kArray, kFreeForm };

std::string_view FieldTypeName(FieldType type);

struct SchemaNode {
  std::string name;
  FieldType type = FieldType::kAny;
  std::vector<SchemaNode> children;  // for kArray: the element's fields
};

// The root of the record schema (an object whose children are top-level fields).
const SchemaNode& CloudTrailSchema();

struct FieldAlias {
  std::string name;    // as written in a rule, matched case-insensitively
  std::string target;  // dotted path it stands for
};
const std::vector<FieldAlias>& CloudTrailAliases();

// The schema type at a canonical path: kAny below a free-form field or for a
// path the schema does not know.
FieldType FieldTypeOf(const FieldPath& path);

// Every known field as a dotted path (for did-you-mean suggestions).
const std::vector<std::string>& KnownFieldPaths();

}  // namespace trailhound
