// outlier_block: the `outlier:` block of a cluster — passive ejection on failure streaks.
#include "mesh/config/outlier_block.hpp"

#include "mesh/config/status_names.hpp"

#include <chrono>
#include <string>

namespace meshlet::config::detail {

namespace {

constexpr int64_t max_consecutive_failures = 1000;

} // namespace

void read_outlier(const YAML::Node& n, bool& enabled, outlier::outlier_config& out,
                  diagnostics& diags) {
  map_reader m(n, "outlier",
               {"enabled", "consecutive_failures", "failure_statuses", "base_ejection_ms",
                "max_ejection_ms", "max_ejection_percent", "panic_threshold_percent"},
               diags);
  if (auto e = m.boolean("enabled", false))
    enabled = *e;
  if (auto v = m.integer("consecutive_failures", 1, max_consecutive_failures, false))
    out.consecutive_failures = static_cast<uint32_t>(*v);
  if (auto s = read_status_set(m, "failure_statuses", diags))
    out.failure_statuses = std::move(*s);
  using ms = std::chrono::milliseconds;
  auto base = m.integer("base_ejection_ms", 1, max_duration_ms, false);
  auto max = m.integer("max_ejection_ms", 1, max_duration_ms, false);
  if (base)
    out.base_ejection = ms{*base};
  if (max)
    out.max_ejection = ms{*max};
  bool usable =
    m.has("base_ejection_ms") == base.has_value() && m.has("max_ejection_ms") == max.has_value();
  if (usable && out.base_ejection > out.max_ejection) {
    if (max)
      diags.error(m.value_mark("max_ejection_ms"),
                  "'max_ejection_ms' in outlier must be at least base_ejection_ms ("
                    + std::to_string(out.base_ejection.count()) + (base ? "" : " by default")
                    + "), got " + std::to_string(*max));
    else
      diags.error(m.value_mark("base_ejection_ms"),
                  "'base_ejection_ms' in outlier must be at most max_ejection_ms ("
                    + std::to_string(out.max_ejection.count()) + " by default), got "
                    + std::to_string(*base));
  }
  if (auto v = m.integer("max_ejection_percent", 0, 100, false))
    out.max_ejection_percent = static_cast<uint32_t>(*v);
  if (auto v = m.integer("panic_threshold_percent", 0, 100, false))
    out.panic_threshold_percent = static_cast<uint32_t>(*v);
}

} // namespace meshlet::config::detail
