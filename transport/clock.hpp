// The clock meshlet reads: one place that touches steady_clock, so tests and code outside
// transport/ take time as a value.
#pragma once

#include <chrono>

namespace meshlet {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using duration = clock_type::duration;

inline time_point now() {
  return clock_type::now();
}

} // namespace meshlet
