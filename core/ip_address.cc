#include "core/ip_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace trailhound {

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buffer[48];  // no allocation: this runs per record
  text.copy(buffer, text.size());
  buffer[text.size()] = '\0';
  IpAddress address;
  if (inet_pton(AF_INET, buffer, address.bytes.data()) == 1) {
    address.is_v4 = true;
    return address;
  }
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) == 1) {
    return address;
  }
  return std::nullopt;
}

bool CidrRange::Contains(const IpAddress& address) const {
  if (address.is_v4 != network.is_v4) return false;
  int full_bytes = prefix_length / 8;
  for (int i = 0; i < full_bytes; ++i) {
    if (address.bytes[i] != network.bytes[i]) return false;
  }
  int rest = prefix_length % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[full_bytes] & mask) == (network.bytes[full_bytes] & mask);
}

std::optional<CidrRange> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  std::optional<IpAddress> address = ParseIpAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  int max_prefix = address->is_v4 ? 32 : 128;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix < 0 || prefix > max_prefix) {
      return std::nullopt;
    }
  }
  CidrRange range{*address, prefix};
  // Mask off host bits so that the range is canonical.
  for (int bit = prefix; bit < max_prefix; ++bit) {
    range.network.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  return range;
}

}  // namespace trailhound
