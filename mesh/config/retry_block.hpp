// retry_block: the `retry:` block of a cluster in meshlet.yaml — attempts, retried statuses and
// methods, replay buffer, backoff, and its `budget:` — read into retry::retry_config and
// retry::budget_config.
#pragma once

#include "mesh/config/yaml_reader.hpp"
#include "mesh/retry/retry_policy.hpp"

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace meshlet::config::detail {

// `n` is a map. Unknown keys and status names, values out of range, method patterns that are
// not /package.Service/Method or /package.Service/*, and an initial backoff above the maximum
// are reported; `out` and `budget` keep their defaults where a value is bad.
void read_retry(const YAML::Node& n, retry::retry_config& out, retry::budget_config& budget,
                diagnostics& diags);

// "/pkg.Svc/Method" or "/pkg.Svc/*": what retry_policy::method_matches can match.
bool valid_method_pattern(std::string_view pattern);

} // namespace meshlet::config::detail
