// outlier_block: the `outlier:` block of a cluster in meshlet.yaml — passive ejection on
// failure streaks: which statuses fail, the streak, ejection times and limits — read into
// outlier::outlier_config.
#pragma once

#include "mesh/config/yaml_reader.hpp"
#include "mesh/outlier/outlier_detector.hpp"

#include <yaml-cpp/yaml.h>

namespace meshlet::config::detail {

// `n` is a map. `enabled` is set only by an `enabled:` key (outlier detection is on by default).
// Unknown keys and status names, values out of range and a base ejection above the maximum
// are reported; `out` keeps its defaults where a value is bad.
void read_outlier(const YAML::Node& n, bool& enabled, outlier::outlier_config& out,
                  diagnostics& diags);

} // namespace meshlet::config::detail
