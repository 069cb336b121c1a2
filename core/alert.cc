#include "core/alert.h"

#include <cstdio>

#include "core/json_text.h"

namespace trailhound {

__extension__ typedef unsigned __int128 Uint128;

std::string Alert::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

void Alert::AppendJson(std::string& out) const {
  out.reserve(out.size() + 256 + alert_id.size() + rule.size() + event_id.size() + event_time.size() + fields_json.size() +
              group_json.size() + position.file.size() + position.topic.size());
  out += "{\"alert_id\":";
  AppendJsonString(out, alert_id);
  out += ",\"rule\":";
  AppendJsonString(out, rule);
  out += ",\"severity\":";
  AppendJsonString(out, severity);
  out += ",\"tags\":[";
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, tags[i]);
  }
  out += "],\"eventID\":";
  if (event_id.empty()) out += "null"; else AppendJsonString(out, event_id);
  out += ",\"eventTime\":";
  if (event_time.empty()) out += "null"; else AppendJsonString(out, event_time);
  if (kind == Kind::kWindow) {
    out += ",\"window\":{\"type\":";
    AppendJsonString(out, window_type);
    out += ",\"start\":";
    AppendJsonString(out, window_start);
    out += ",\"end\":";
    AppendJsonString(out, window_end);
    out += "}";
  } else if (kind == Kind::kSuppressed) {
    out += ",\"suppressed\":{\"count\":" + std::to_string(suppressed_count) + ",\"from\":";
    AppendJsonString(out, window_start);
    out += ",\"to\":";
    AppendJsonString(out, window_end);
    out += "}";
  }
  if (kind != Kind::kRecord) out += ",\"group\":" + group_json;
  out += ",\"fields\":";
  if (!fields_error.empty()) {
    out += "null,\"fields_error\":";
    AppendJsonString(out, fields_error);
  } else {
    out += fields_json.empty() ? "{}" : fields_json;
  }
  out += ",\"source\":";
  position.AppendJson(out);
  out += "}";
}

std::string FormatEventTime(absl::Time time) {
  // By hand: absl::FormatTime cost 2.8 k instructions a call, and every
  // closed window formats two or three times.
  absl::CivilSecond civil = absl::ToCivilSecond(time, absl::UTCTimeZone());
  if (civil.year() < 0 || civil.year() > 9999) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
  }
  char text[32];
  int length = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", static_cast<int>(civil.year()),
                             civil.month(), civil.day(), civil.hour(), civil.minute(), civil.second());
  std::string out(text, length);
  int64_t nanos = (time - absl::FromCivil(civil, absl::UTCTimeZone())) / absl::Nanoseconds(1);
  if (nanos > 0) {  // the fraction, without trailing zeros
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%09lld", static_cast<long long>(nanos));
    std::string digits(fraction);
    while (digits.back() == '0') digits.pop_back();
    out += digits;
  }
  return out + "Z";
}

namespace {

// FNV-1a, 128-bit variant (offset basis and prime from the FNV spec).
constexpr Uint128 kFnvOffsetBasis = (static_cast<Uint128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
constexpr Uint128 kFnvPrime = (static_cast<Uint128>(0x0000000001000000ULL) << 64) | 0x000000000000013BULL;

Uint128 Fnv1a(Uint128 hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnvPrime;
  }
  return hash;
}

}  // namespace

AlertIdHasher::AlertIdHasher(std::string_view rule)
    : after_rule_(Fnv1a(Fnv1a(kFnvOffsetBasis, rule), std::string_view("\0", 1))) {}

void AlertIdHasher::Make(std::string_view event_key, std::string& out) const {
  Uint128 hash = Fnv1a(after_rule_, event_key);
  static constexpr char kHex[] = "0123456789abcdef";
  out.resize(32);
  for (int i = 31; i >= 0; --i) {
    out[i] = kHex[static_cast<unsigned>(hash & 0xf)];
    hash >>= 4;
  }
}

void MakeAlertId(std::string_view rule, std::string_view event_key, std::string& out) {
  AlertIdHasher(rule).Make(event_key, out);
}

}  // namespace trailhound
