// gossip_counters: what the mesh actor counts, as atomics so the metrics exposer (another
// thread) reads them without a lock: datagrams and stream frames by direction and verdict,
// and members by state. Declared once; actors/mesh/gossip_metrics turns it into Prometheus.
#pragma once

#include "mesh/gossip/envelope.hpp"

#include <array>
#include <atomic>
#include <cstdint>

namespace meshlet::gossip {

enum class direction : std::uint8_t { in = 0, out = 1 };

struct gossip_counters {
  // [direction][verdict]: out only uses ok and oversize (a packet too large to send).
  std::array<std::array<std::atomic<std::uint64_t>, verdict_count>, 2> packets{};
  std::array<std::array<std::atomic<std::uint64_t>, verdict_count>, 2> streams{};
  std::atomic<std::uint64_t> stream_failures{0}; // connect/read/write errors and timeouts
  // Members by membership::member_state (alive, suspect, dead, left), this node included.
  std::array<std::atomic<std::int64_t>, 4> members{};

  void count_packet(direction d, verdict v) {
    packets[static_cast<std::size_t>(d)][static_cast<std::size_t>(v)].fetch_add(
      1, std::memory_order_relaxed);
  }
  void count_stream(direction d, verdict v) {
    streams[static_cast<std::size_t>(d)][static_cast<std::size_t>(v)].fetch_add(
      1, std::memory_order_relaxed);
  }
  std::uint64_t packet_count(direction d, verdict v) const {
    return packets[static_cast<std::size_t>(d)][static_cast<std::size_t>(v)].load(
      std::memory_order_relaxed);
  }
};

} // namespace meshlet::gossip
