// usable: the one test every policy applies before returning an index (eligible in the snapshot
// and usable for this call), and the weight policies balance by (clamped to 1..1000).
#pragma once

#include "mesh/lb/endpoint_table.hpp"
#include "mesh/lb/policy.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace meshlet::lb {

inline constexpr uint32_t min_weight = 1;
inline constexpr uint32_t max_weight = 1000;

// Endpoint i may take the call: eligible, and `usable(i)` (an empty `usable` rules nothing out).
// `usable` is asked only about eligible endpoints.
inline bool can_take(const endpoint_table& t, const pick_request& r, size_t i) {
  return t.endpoints[i].eligible && (!r.usable || r.usable(i));
}

// The weight a policy balances by: a weight outside 1..1000 (0 from a bad config) is clamped so
// it can neither starve an endpoint forever nor divide by zero.
inline uint32_t effective_weight(const endpoint& e) {
  return std::clamp(e.weight, min_weight, max_weight);
}

} // namespace meshlet::lb
