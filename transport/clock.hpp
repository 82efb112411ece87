// The clock meshlet reads: one place that touches steady_clock, so tests and code outside
// transport/ take time as a value.
#pragma once

#include <chrono>
#include <cstdint>

namespace meshlet {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using duration = clock_type::duration;

inline time_point now() {
  return clock_type::now();
}

// Wall-clock milliseconds since the Unix epoch: for what crosses processes (gossip envelope
// timestamps, rumour ages), where steady time means nothing to the other side.
inline std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace meshlet
