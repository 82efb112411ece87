// Names of the protocol's enums and message kinds, for logs, stats and tests.
#include "mesh/membership/messages.hpp"

namespace meshlet::membership {

std::string_view to_string(member_state s) {
  switch (s) {
  case member_state::alive:
    return "alive";
  case member_state::suspect:
    return "suspect";
  case member_state::dead:
    return "dead";
  case member_state::left:
    return "left";
  }
  return "unknown";
}

std::string_view to_string(endpoint_state s) {
  return s == endpoint_state::healthy ? "healthy" : "unhealthy";
}

std::string_view kind_name(std::size_t kind_index) {
  static constexpr std::string_view names[] = {"ping",  "ack",     "nack", "ping_req",
                                               "alive", "suspect", "dead", "endpoint_health"};
  static_assert(std::size(names) == message_kinds);
  return kind_index < message_kinds ? names[kind_index] : "unknown";
}

} // namespace meshlet::membership
