// The grpc-timeout header: parsing a client's value and encoding the remaining time to forward.
// Pure functions: the caller reads its clock and subtracts time already spent.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace meshlet::grpc {

// Where parse_timeout saturates: 99999999M (~190 years), the largest value expressible without the
// H unit. Larger values (only possible with H) mean "forever" in practice; capping here leaves
// room for `now + timeout` on any clock without overflowing int64 nanoseconds.
inline constexpr std::chrono::nanoseconds max_timeout = std::chrono::minutes{99'999'999};

// grpc-timeout: 1..8 ASCII digits then one unit of H M S m u n. Anything else (empty, 9+ digits,
// sign, spaces, missing or unknown unit, trailing bytes) → nullopt. "0n" parses to zero: expiry is
// the caller's decision. Results above max_timeout saturate to it.
std::optional<std::chrono::nanoseconds> parse_timeout(std::string_view value);

// Encodes a remaining duration in at most 8 digits with the finest unit that fits (n, u, m, S, M,
// H), rounding up so that parse_timeout(format_timeout(d)) >= d and the forwarded deadline is never
// shorter. A zero or negative duration encodes as "1n": the caller handles expiry separately.
std::string format_timeout(std::chrono::nanoseconds remaining);

}  // namespace meshlet::grpc
