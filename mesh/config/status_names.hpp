// status_names: gRPC status codes in meshlet.yaml, by name — the canonical upper-case names of
// grpc::status_name, other cases accepted ("unavailable") — read from a list into a set.
#pragma once

#include "mesh/config/yaml_reader.hpp"
#include "transport/grpc/status.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace meshlet::config::detail {

// "UNAVAILABLE", "unavailable" → the code; nullopt for anything that is not a status name.
std::optional<grpc::status_code> status_from_name(std::string_view name);

// List `key` of `m` as a set of codes. Items that are not strings, unknown names, OK (never a
// failure, never retried) and repeats are reported and left out; nullopt when the key is absent
// or not a list.
std::optional<std::set<grpc::status_code>> read_status_set(map_reader& m, std::string_view key,
                                                           diagnostics& diags);

} // namespace meshlet::config::detail
