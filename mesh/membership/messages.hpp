// The gossip protocol's messages as plain structs: what the core reads and writes. The wire
// form (protobuf, proto/meshlet/mesh/v1/gossip.proto) is wire_codec's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace meshlet::membership {

enum class member_state : std::uint8_t { alive = 0, suspect = 1, dead = 2, left = 3 };
enum class endpoint_state : std::uint8_t { healthy = 0, unhealthy = 1 };

std::string_view to_string(member_state s);
std::string_view to_string(endpoint_state s);

// Failure detection.
struct ping {
  std::uint32_t seq = 0;
  std::string target;      // the node meant to answer (a ping for another name is ignored)
  std::string source;      // who asks
  std::string source_addr; // where the ack goes
};
struct ack {
  std::uint32_t seq = 0;
};
struct nack {
  std::uint32_t seq = 0;
};
struct ping_req { // "please ping target for me" (indirect probe)
  std::uint32_t seq = 0;
  std::string target;
  std::string target_addr;
  std::string source;
  std::string source_addr;
  bool want_nack = false;
};

// Membership rumours (piggybacked broadcasts).
struct alive {
  std::string node;
  std::string addr;
  std::uint64_t incarnation = 0;
};
struct suspect {
  std::string node;
  std::uint64_t incarnation = 0;
  std::string from;
};
struct dead { // from == node means the node left gracefully
  std::string node;
  std::uint64_t incarnation = 0;
  std::string from;
};

// Endpoint health as one sidecar (the reporter) saw it.
struct endpoint_rumour {
  std::string cluster;
  std::string endpoint;
  endpoint_state state = endpoint_state::healthy;
  std::uint64_t version = 0; // newest per (cluster, endpoint, reporter) wins
  std::string reporter;
  std::int64_t observed_at_ms = 0; // reporter's wall clock, unix ms; informative only
};

using message = std::variant<ping, ack, nack, ping_req, alive, suspect, dead, endpoint_rumour>;
inline constexpr std::size_t message_kinds = std::variant_size_v<message>;
std::string_view kind_name(std::size_t kind_index);

// One datagram: messages packed up to the packet limit.
struct packet {
  std::vector<message> messages;
};

// Full state for push-pull (anti-entropy, join), sent over the stream transport.
struct member_record {
  std::string name;
  std::string addr;
  std::uint64_t incarnation = 0;
  member_state state = member_state::alive;
};
struct push_pull {
  bool join = false;
  std::vector<member_record> members;
  std::vector<endpoint_rumour> rumours;
};

// What travels over the stream transport: push-pull both ways, or a ping answered by an ack
// (the fallback probe).
using stream_message = std::variant<push_pull, ping, ack>;

} // namespace meshlet::membership
