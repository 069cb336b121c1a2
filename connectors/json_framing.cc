#include "connectors/json_framing.h"

#include "absl/strings/str_cat.h"
#include "core/dead_letter.h"

namespace trailhound {

size_t JsonObjectScanner::Scan(std::string_view piece) {
  const char* p = piece.data();
  const size_t n = piece.size();
  size_t i = 0;
  while (i < n) {
    if (in_string_) {
      if (escape_) {
        escape_ = false;
        ++i;
      }
      // Runs of plain string content are the bulk of a record.
      while (i < n && p[i] != '"' && p[i] != '\\') ++i;
      if (i == n) break;
      if (p[i] == '\\') {
        escape_ = true;
      } else {
        in_string_ = false;
      }
      ++i;
      continue;
    }
    switch (p[i]) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        ++depth_;
        break;
      case '}':
      case ']':
        if (depth_ <= 1) {
          depth_ = 0;
          return i + 1;
        }
        --depth_;
        break;
      default:
        break;
    }
    ++i;
  }
  return std::string_view::npos;
}

TopLevelKeys FindTopLevelKeys(std::string_view object) {
  TopLevelKeys keys;
  uint64_t depth = 0;
  bool expect_key = false;
  const size_t n = object.size();
  for (size_t i = 0; i < n; ++i) {
    char c = object[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < n && object[j] != '"') j += object[j] == '\\' ? 2 : 1;
      j = std::min(j, n);
      if (depth == 1 && expect_key) {
        std::string_view key = object.substr(i + 1, j - i - 1);
        if (key == "Records") keys.records = true;
        if (key == "detail-type") keys.detail_type = true;
        if (key == "detail") keys.detail = true;
        if (key == "messageType") keys.message_type = true;
        if (key == "logEvents") keys.log_events = true;
        expect_key = false;
      }
      i = j;
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        ++depth;
        expect_key = depth == 1 && c == '{';
        break;
      case '}':
      case ']':
        if (depth <= 1) return keys;
        --depth;
        break;
      case ',':
        if (depth == 1) expect_key = true;
        break;
      case ':':
        if (depth == 1) expect_key = false;
        break;
      default:
        break;
    }
  }
  return keys;
}

bool IsCloudTrailDetailType(std::string_view detail_type) {
  return detail_type.ends_with("via CloudTrail");
}

bool UnwrapEventBridgeEvent(std::string_view event, simdjson::ondemand::parser& parser,
                            std::string& scratch, std::string& record, Rejection& why) {
  auto fail = [&why](simdjson::error_code error) {
    why.reason = error == simdjson::UTF8_ERROR ? kReasonInvalidUtf8 : kReasonInvalidJson;
    why.detail = absl::StrCat("EventBridge event: ", simdjson::error_message(error));
    return false;
  };
  auto reject = [&why](std::string detail) {
    why.reason = kReasonInvalidDocument;
    why.detail = std::move(detail);
    return false;
  };
  scratch.assign(event);
  scratch.resize(event.size() + simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document document;
  simdjson::error_code error = parser.iterate(scratch.data(), event.size(), scratch.size()).get(document);
  if (error) return fail(error);
  simdjson::ondemand::object object;
  if ((error = document.get_object().get(object))) return fail(error);

  bool has_type = false;  // the first "detail-type" seen
  bool type_is_string = false;
  std::string_view detail_type;
  bool has_detail = false;  // the first "detail" seen
  std::string_view detail;  // raw JSON of the "detail" object, when it is one
  for (auto member : object) {
    simdjson::ondemand::field field;
    if ((error = std::move(member).get(field))) return fail(error);
    std::string_view key;
    if ((error = field.unescaped_key().get(key))) return fail(error);
    if (key == "detail-type" && !has_type) {
      has_type = true;
      error = field.value().get_string().get(detail_type);
      if (error && error != simdjson::INCORRECT_TYPE) return fail(error);
      type_is_string = !error;
    } else if (key == "detail" && !has_detail) {
      has_detail = true;
      simdjson::ondemand::object detail_object;
      error = field.value().get_object().get(detail_object);
      if (error && error != simdjson::INCORRECT_TYPE) return fail(error);
      if (!error && (error = detail_object.raw_json().get(detail))) return fail(error);
    }
  }
  if (!type_is_string) return reject("EventBridge event without a string \"detail-type\"");
  if (!IsCloudTrailDetailType(detail_type)) {
    reject(absl::StrCat("EventBridge event of detail-type \"", std::string(detail_type),
                        "\" does not carry a CloudTrail record (the detail-type does "
                        "not end in \"via CloudTrail\")"));
    why.reason = kReasonNotCloudTrail;
    return false;
  }
  if (detail.empty()) return reject("EventBridge event without a \"detail\" object");
  record.resize(detail.size());
  size_t length = 0;
  if ((error = simdjson::minify(detail.data(), detail.size(), record.data(), length))) {
    return fail(error);
  }
  record.resize(length);
  return true;
}

}  // namespace trailhound
