// health_block: the `health:` block of a cluster — active grpc.health.v1 checks.
#include "mesh/config/health_block.hpp"

#include <chrono>
#include <string>

namespace meshlet::config::detail {

namespace {

constexpr int64_t max_threshold = 100;

} // namespace

void read_health(const YAML::Node& n, health_check& out, diagnostics& diags) {
  map_reader m(
    n, "health",
    {"enabled", "interval_ms", "timeout_ms", "unhealthy_threshold", "healthy_threshold", "service",
     "watch"},
    diags);
  out.enabled = m.boolean("enabled", false).value_or(true);
  using ms = std::chrono::milliseconds;
  auto interval = m.integer("interval_ms", 1, max_duration_ms, false);
  auto timeout = m.integer("timeout_ms", 1, max_duration_ms, false);
  if (interval)
    out.interval = ms{*interval};
  if (timeout)
    out.timeout = ms{*timeout};
  // A probe must end before the next one starts. Checked only when both values are usable: a
  // bad one was reported already.
  bool usable =
    m.has("interval_ms") == interval.has_value() && m.has("timeout_ms") == timeout.has_value();
  if (usable && out.timeout >= out.interval) {
    if (timeout)
      diags.error(m.value_mark("timeout_ms"),
                  "'timeout_ms' in health must be less than interval_ms ("
                    + std::to_string(out.interval.count()) + (interval ? "" : " by default")
                    + "), got " + std::to_string(*timeout));
    else
      diags.error(m.value_mark("interval_ms"),
                  "'interval_ms' in health must be greater than timeout_ms ("
                    + std::to_string(out.timeout.count()) + " by default; set timeout_ms), got "
                    + std::to_string(*interval));
  }
  if (auto v = m.integer("unhealthy_threshold", 1, max_threshold, false))
    out.thresholds.unhealthy = static_cast<uint32_t>(*v);
  if (auto v = m.integer("healthy_threshold", 1, max_threshold, false))
    out.thresholds.healthy = static_cast<uint32_t>(*v);
  if (auto s = m.string("service", false))
    out.service = *s;
  out.watch = m.boolean("watch", false).value_or(false);
}

} // namespace meshlet::config::detail
