// IPv4 and IPv6 addresses and CIDR ranges, for cidr_match() and CIDR items in
// lists. An IPv4 address never matches an IPv6 range and vice versa.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trailhound {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  bool is_v4 = false;
};

std::optional<IpAddress> ParseIpAddress(std::string_view text);

struct CidrRange {
  IpAddress network;
  int prefix_length = 0;
  bool Contains(const IpAddress& address) const;
};

// "10.0.0.0/8", "2001:db8::/32"; a bare address is a /32 or /128 range.
// Host bits below the prefix are masked off, as most tools do.
std::optional<CidrRange> ParseCidr(std::string_view text);

}  // namespace trailhound
