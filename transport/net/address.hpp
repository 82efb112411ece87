// Parsing "HOST:PORT" (IPv4, [IPv6] or a name) into a host and port, with a reason on error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshlet::net {

struct address {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const;
  bool operator==(const address& o) const { return host == o.host && port == o.port; }
};

struct address_result {
  std::optional<address> value;
  std::string error; // set when !value
};

// Accepts "1.2.3.4:80", "[::1]:80", "name:80"; port 1..65535 (0 when allow_zero_port).
address_result parse_address(std::string_view text, bool allow_zero_port = false);

// A comma-separated list; an empty item or an empty list is an error.
struct address_list_result {
  std::vector<address> values;
  std::string error;
};
address_list_result parse_address_list(std::string_view text);

} // namespace meshlet::net
