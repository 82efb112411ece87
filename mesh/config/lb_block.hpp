// lb_block: the `lb:` block of a cluster in meshlet.yaml — a policy name and the parameters
// that belong to that policy — read into lb::policy_config.
#pragma once

#include "mesh/config/yaml_reader.hpp"
#include "mesh/lb/policy.hpp"

#include <yaml-cpp/yaml.h>

namespace meshlet::config::detail {

// `n` is a map. Unknown policies, parameters of another policy, values out of range and a
// ring_hash without hash_header are reported; `out` keeps its defaults where a value is bad.
void read_lb(const YAML::Node& n, lb::policy_config& out, diagnostics& diags);

} // namespace meshlet::config::detail
