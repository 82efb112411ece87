// health_state: see the header for the exact rules.
#include "mesh/health/health_state.hpp"

#include <algorithm>

namespace meshlet::health {

std::string_view name(probe_result r) {
  switch (r) {
  case probe_result::serving:
    return "SERVING";
  case probe_result::not_serving:
    return "NOT_SERVING";
  case probe_result::service_unknown:
    return "SERVICE_UNKNOWN";
  case probe_result::unimplemented:
    return "UNIMPLEMENTED";
  case probe_result::timeout:
    return "timeout";
  case probe_result::connect_failure:
    return "connect_failure";
  }
  return "?";
}

std::string_view name(endpoint_health h) {
  switch (h) {
  case endpoint_health::unknown:
    return "unknown";
  case endpoint_health::up:
    return "up";
  case endpoint_health::down:
    return "down";
  }
  return "?";
}

health_state::health_state(health_thresholds thresholds)
  : unhealthy_(std::max<std::uint32_t>(thresholds.unhealthy, 1)),
    healthy_(std::max<std::uint32_t>(thresholds.healthy, 1)) {}

bool health_state::record(probe_result r) {
  last_ = r;
  auto before = state_;
  if (is_success(r)) {
    failures_ = 0;
    if (successes_ < UINT32_MAX)
      ++successes_;
    if (state_ == endpoint_health::unknown
        || (state_ == endpoint_health::down && successes_ >= healthy_))
      state_ = endpoint_health::up;
  } else {
    successes_ = 0;
    if (failures_ < UINT32_MAX)
      ++failures_;
    if (state_ == endpoint_health::unknown
        || (state_ == endpoint_health::up && failures_ >= unhealthy_))
      state_ = endpoint_health::down;
  }
  return state_ != before;
}

} // namespace meshlet::health
