// backoff: reconnect delays, capped exponential with jitter (gRPC connection-backoff
// style). Pure: the caller passes the failure count and a uniform random number.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>

namespace meshlet::net {

class backoff {
public:
  backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, double jitter = 0.2)
    : base_(base), cap_(cap), jitter_(jitter) {}

  // Delay before the next attempt after `failures` (>= 1) consecutive failures, for u drawn
  // uniformly from [0, 1): base * 2^(failures-1), capped, then spread by +-jitter, and never
  // above the cap.
  std::chrono::milliseconds delay(unsigned failures, double u) const {
    double ms = static_cast<double>(base_.count())
                * std::pow(2.0, static_cast<double>(std::min(failures, 1u + 30u) - 1u));
    ms = std::min(ms, static_cast<double>(cap_.count()));
    ms *= 1.0 - jitter_ + 2.0 * jitter_ * u;
    ms = std::min(ms, static_cast<double>(cap_.count()));
    return std::chrono::milliseconds{static_cast<long long>(ms)};
  }

private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  double jitter_;
};

} // namespace meshlet::net
