// health_state: the active health-check state of one endpoint: probe results in, up/down out,
// with the unhealthy / healthy thresholds. No I/O, no clock: the probe actor owns the timing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace meshlet::health {

// One probe's result. UNIMPLEMENTED means the server has no health service: healthy, flagged.
enum class probe_result : std::uint8_t {
  serving,
  not_serving,
  service_unknown,
  unimplemented,
  timeout,
  connect_failure,
};

enum class endpoint_health : std::uint8_t { unknown, up, down };

std::string_view name(probe_result r);
std::string_view name(endpoint_health h);

// serving and unimplemented are successes; everything else is a failure.
constexpr bool is_success(probe_result r) {
  return r == probe_result::serving || r == probe_result::unimplemented;
}

struct health_thresholds {
  std::uint32_t unhealthy = 2; // consecutive failures that take an up endpoint down (0 → 1)
  std::uint32_t healthy = 1;   // consecutive successes that bring a down endpoint up (0 → 1)
};

// The rules, exactly:
// - The state starts unknown. The first result decides at once, thresholds aside: a success → up,
//   a failure → down (a new endpoint is neither kept out for `unhealthy` probes nor admitted after
//   a failed one). Routing treats unknown as up (routable()), so a cluster does not black-hole
//   while its first probes are in flight; the probe actor probes a new endpoint at once.
// - up → down after `unhealthy` consecutive failures; down → up after `healthy` consecutive
//   successes. A result of the other kind restarts the count.
// - no_health_service() is true while the latest result is UNIMPLEMENTED.
class health_state {
public:
  explicit health_state(health_thresholds thresholds = {});

  // Records one probe result; true when state() changed (unknown → up/down included).
  bool record(probe_result r);

  endpoint_health state() const { return state_; }
  bool routable() const { return state_ != endpoint_health::down; }
  bool no_health_service() const { return last_ == probe_result::unimplemented; }
  std::optional<probe_result> last_result() const { return last_; }
  std::uint32_t consecutive_failures() const { return failures_; }
  std::uint32_t consecutive_successes() const { return successes_; }

private:
  std::uint32_t unhealthy_;
  std::uint32_t healthy_;
  endpoint_health state_ = endpoint_health::unknown;
  std::optional<probe_result> last_;
  std::uint32_t failures_ = 0;
  std::uint32_t successes_ = 0;
};

} // namespace meshlet::health
