// effective_config: the config meshlet runs with, from --config (if any) with the flags laid
// over it. --upstream defines cluster "default" (its endpoints, --lb, --hash-header);
// --listen defines listener "default", whose route "default" sends every call to cluster
// "default" (or to the only cluster of the file).
#pragma once

#include "actors/supervisor/options.hpp"
#include "mesh/config/config.hpp"

namespace meshlet::actors {

// Errors are complete lines (FILE:LINE:COL: message for file problems).
config::load_result effective_config(const options& o);

} // namespace meshlet::actors
