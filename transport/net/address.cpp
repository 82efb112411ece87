// Parsing "HOST:PORT" lists for flags and config.
#include "transport/net/address.hpp"

#include <cctype>

namespace meshlet::net {

std::string address::to_string() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

address_result parse_address(std::string_view text, bool allow_zero_port) {
  auto fail = [&](std::string why) {
    return address_result{std::nullopt, "'" + std::string{text} + "': " + why};
  };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return fail("expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return fail("IPv6 addresses need brackets: [ADDR]:PORT");
  }
  if (host.empty())
    return fail("empty host");
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':'
          || c == '_'))
      return fail("invalid character in host");
  if (port.empty() || port.size() > 5)
    return fail("port must be a number from 1 to 65535");
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9')
      return fail("port must be a number from 1 to 65535");
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (p > 65535 || (p == 0 && !allow_zero_port))
    return fail("port must be a number from 1 to 65535");
  return address_result{address{std::string{host}, static_cast<uint16_t>(p)}, {}};
}

address_list_result parse_address_list(std::string_view text) {
  address_list_result out;
  if (text.empty()) {
    out.error = "empty address list";
    return out;
  }
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    auto r = parse_address(item);
    if (!r.value) {
      out.values.clear();
      out.error = item.empty() ? "empty item in address list '" + std::string{text} + "'"
                               : r.error;
      return out;
    }
    out.values.push_back(*r.value);
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  return out;
}

} // namespace meshlet::net
