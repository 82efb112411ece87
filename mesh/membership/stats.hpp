// node_stats: what one membership node counted, declared once (the mesh actor exports it as
// metrics; the simulator sums it).
#pragma once

#include "mesh/membership/messages.hpp"

#include <array>
#include <cstdint>

namespace meshlet::membership {

struct traffic_stats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0; // protobuf payload, without envelope and UDP/IP headers
  std::array<std::uint64_t, message_kinds> messages{};
};

struct node_stats {
  traffic_stats sent;
  traffic_stats received;
  std::uint64_t streams_sent = 0; // push-pull, join and fallback pings this node started
  std::uint64_t stream_bytes_sent = 0;
  std::uint64_t stream_bytes_received = 0;
  std::uint64_t streams_failed = 0;
  std::uint64_t streams_served = 0;

  std::uint64_t probes = 0;
  std::uint64_t probes_failed = 0;   // no ack by the deadline: the target became suspect
  std::uint64_t indirect_probes = 0; // ping-reqs sent
  std::uint64_t stream_probe_rescues = 0;
  std::uint64_t suspicions = 0; // members this node marked suspect
  std::uint64_t deaths = 0;     // suspicion timers that ran out here
  std::uint64_t refutations = 0;
  std::uint64_t rumours_dropped = 0; // endpoint rumours from dead reporters
  std::uint64_t rejected = 0;        // malformed or misaddressed messages
};

} // namespace meshlet::membership
