#include "core/cloudtrail_schema.h"

#include <utility>

#include "absl/strings/str_split.h"

namespace trailhound {
namespace {

// Dotted paths of the CloudTrail record contents as AWS documents them
// ("CloudTrail record contents for management, data, and network activity
// events"); `[]` marks an array of objects. Parents are listed before children.
constexpr std::pair<std::string_view, FieldType> kFields[] = {
    {"eventVersion", FieldType::kString},
    {"userIdentity", FieldType::kObject},
    {"userIdentity.type", FieldType::kString},
    {"userIdentity.principalId", FieldType::kString},
    {"userIdentity.arn", FieldType::kString},
    {"userIdentity.accountId", FieldType::kString},
    {"userIdentity.accessKeyId", FieldType::kString},
    {"userIdentity.userName", FieldType::kString},
    {"userIdentity.invokedBy", FieldType::kString},
    {"userIdentity.identityProvider", FieldType::kString},
    {"userIdentity.credentialId", FieldType::kString},
    {"userIdentity.onBehalfOf", FieldType::kFreeForm},
    {"userIdentity.inScopeOf", FieldType::kFreeForm},
    {"userIdentity.sessionContext", FieldType::kObject},
    {"userIdentity.sessionContext.sessionIssuer", FieldType::kObject},
    {"userIdentity.sessionContext.sessionIssuer.type", FieldType::kString},
    {"userIdentity.sessionContext.sessionIssuer.principalId", FieldType::kString},
    {"userIdentity.sessionContext.sessionIssuer.arn", FieldType::kString},
    {"userIdentity.sessionContext.sessionIssuer.accountId", FieldType::kString},
    {"userIdentity.sessionContext.sessionIssuer.userName", FieldType::kString},
    {"userIdentity.sessionContext.webIdFederationData", FieldType::kFreeForm},
    {"userIdentity.sessionContext.attributes", FieldType::kObject},
    {"userIdentity.sessionContext.attributes.creationDate", FieldType::kTimestamp},
    {"userIdentity.sessionContext.attributes.mfaAuthenticated", FieldType::kString},
    {"userIdentity.sessionContext.sourceIdentity", FieldType::kString},
    {"userIdentity.sessionContext.ec2RoleDelivery", FieldType::kString},
    {"userIdentity.sessionContext.assumedRoot", FieldType::kString},
    {"eventTime", FieldType::kTimestamp},
    {"eventSource", FieldType::kString},
    {"eventName", FieldType::kString},
    {"awsRegion", FieldType::kString},
    {"sourceIPAddress", FieldType::kString},
    {"userAgent", FieldType::kString},
    {"errorCode", FieldType::kString},
    {"errorMessage", FieldType::kString},
    {"requestParameters", FieldType::kFreeForm},
    {"responseElements", FieldType::kFreeForm},
    {"additionalEventData", FieldType::kFreeForm},
    {"requestID", FieldType::kString},
    {"eventID", FieldType::kString},
    {"readOnly", FieldType::kBool},
    {"resources[]", FieldType::kArray},
    {"resources[].ARN", FieldType::kString},
    {"resources[].accountId", FieldType::kString},
    {"resources[].type", FieldType::kString},
    {"eventType", FieldType::kString},
    {"apiVersion", FieldType::kString},
    {"managementEvent", FieldType::kBool},
    {"recipientAccountId", FieldType::kString},
    {"serviceEventDetails", FieldType::kFreeForm},
    {"sharedEventID", FieldType::kString},
    {"vpcEndpointId", FieldType::kString},
    {"vpcEndpointAccountId", FieldType::kString},
    {"eventCategory", FieldType::kString},
    {"addendum", FieldType::kObject},
    {"addendum.reason", FieldType::kString},
    {"addendum.updatedFields", FieldType::kString},
    {"addendum.originalRequestID", FieldType::kString},
    {"addendum.originalEventID", FieldType::kString},
    {"sessionCredentialFromConsole", FieldType::kString},
    {"edgeDeviceDetails", FieldType::kFreeForm},
    {"tlsDetails", FieldType::kObject},
    {"tlsDetails.tlsVersion", FieldType::kString},
    {"tlsDetails.cipherSuite", FieldType::kString},
    {"tlsDetails.clientProvidedHostHeader", FieldType::kString},
    {"insightDetails", FieldType::kFreeForm},
};

SchemaNode BuildSchema() {
  SchemaNode root{"", FieldType::kObject, {}};
  for (const auto& [path, type] : kFields) {
    SchemaNode* node = &root;
    std::vector<std::string> parts = absl::StrSplit(std::string(path), '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      std::string name = parts[i];
      if (name.size() > 2 && name.substr(name.size() - 2) == "[]") name.resize(name.size() - 2);
      SchemaNode* child = nullptr;
      for (SchemaNode& c : node->children) {
        if (c.name == name) child = &c;
      }
      if (child == nullptr) {
        node->children.push_back(SchemaNode{name, type, {}});
        child = &node->children.back();
      }
      node = child;
    }
  }
  return root;
}

void CollectPaths(const SchemaNode& node, const std::string& prefix, std::vector<std::string>& out) {
  for (const SchemaNode& child : node.children) {
    std::string path = prefix.empty() ? child.name : prefix + "." + child.name;
    out.push_back(path);
    CollectPaths(child, path, out);
  }
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kAny: return "any";
    case FieldType::kString: return "string";
    case FieldType::kBool: return "boolean";
    case FieldType::kTimestamp: return "timestamp";
    case FieldType::kObject: return "object";
    case FieldType::kArray: return "array";
    case FieldType::kFreeForm: return "object (free-form)";
  }
  return "any";
}

const SchemaNode& CloudTrailSchema() {
  static const SchemaNode* schema = new SchemaNode(BuildSchema());
  return *schema;
}

const std::vector<FieldAlias>& CloudTrailAliases() {
  static const std::vector<FieldAlias>* aliases = new std::vector<FieldAlias>{
      {"bucketName", "requestParameters.bucketName"},
      {"key", "requestParameters.key"},
      {"roleName", "requestParameters.roleName"},
      {"roleArn", "requestParameters.roleArn"},
      {"policyArn", "requestParameters.policyArn"},
      {"policyName", "requestParameters.policyName"},
      {"groupName", "requestParameters.groupName"},
      {"arn", "userIdentity.arn"},
      {"principalId", "userIdentity.principalId"},
      {"mfaAuthenticated", "userIdentity.sessionContext.attributes.mfaAuthenticated"},
      {"MFAUsed", "additionalEventData.MFAUsed"},
      {"x-amz-id-2", "additionalEventData.x-amz-id-2"},
  };
  return *aliases;
}

FieldType FieldTypeOf(const FieldPath& path) {
  const SchemaNode* node = &CloudTrailSchema();
  for (const PathStep& step : path.steps) {
    if (node->type == FieldType::kFreeForm) return FieldType::kAny;  // below free-form: any JSON
    if (step.kind != PathStep::Kind::kKey) continue;
    const SchemaNode* next = nullptr;
    for (const SchemaNode& child : node->children) {
      if (child.name == step.key) next = &child;
    }
    if (next == nullptr) return FieldType::kAny;
    node = next;
  }
  return node->type;
}

const std::vector<std::string>& KnownFieldPaths() {
  static const std::vector<std::string>* paths = [] {
    auto* out = new std::vector<std::string>();
    CollectPaths(CloudTrailSchema(), "", *out);
    return out;
  }();
  return *paths;
}

}  // namespace trailhound
