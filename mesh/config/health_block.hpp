// health_block: the `health:` block of a cluster in meshlet.yaml — active grpc.health.v1 checks:
// interval, timeout, thresholds and service name — read into config::health_check.
#pragma once

#include "mesh/config/config.hpp"
#include "mesh/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

namespace meshlet::config::detail {

// `n` is a map. Its presence enables checks (`enabled: false` turns them off and keeps the
// values). Unknown keys, values out of range and a timeout not below the interval are reported;
// `out` keeps its defaults where a value is bad.
void read_health(const YAML::Node& n, health_check& out, diagnostics& diags);

} // namespace meshlet::config::detail
