// scaling: the arithmetic behind suspicion timeouts, retransmit limits and push-pull pacing.
#include "mesh/membership/scaling.hpp"

#include <algorithm>
#include <cmath>

namespace meshlet::membership {

millis suspicion_timeout(int suspicion_mult, int n, millis probe_interval) {
  double node_scale = std::max(1.0, std::log10(std::max(1.0, static_cast<double>(n))));
  // Keep millisecond precision of the scale, like memberlist.
  auto scaled = static_cast<long long>(node_scale * 1000.0);
  return millis{suspicion_mult * scaled * probe_interval.count() / 1000};
}

int retransmit_limit(int retransmit_mult, int n) {
  double node_scale = std::ceil(std::log10(static_cast<double>(std::max(0, n) + 1)));
  return retransmit_mult * static_cast<int>(node_scale);
}

millis remaining_suspicion_time(int confirmations, int k, millis elapsed, millis min, millis max) {
  millis timeout = min;
  if (k >= 1) {
    double frac = std::log(confirmations + 1.0) / std::log(k + 1.0);
    double raw_s = std::chrono::duration<double>(max).count()
                   - frac * std::chrono::duration<double>(max - min).count();
    timeout = std::max(min, millis{static_cast<long long>(std::floor(1000.0 * raw_s))});
  }
  return timeout - elapsed;
}

millis push_pull_scale(millis interval, int n) {
  constexpr int threshold = 32;
  if (n <= threshold)
    return interval;
  double mult = std::ceil(std::log2(static_cast<double>(n)) - std::log2(threshold)) + 1.0;
  return interval * static_cast<long long>(mult);
}

} // namespace meshlet::membership
