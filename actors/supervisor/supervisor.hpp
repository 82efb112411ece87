// supervisor: the process's lifetime. Builds the actor system (a small scheduler for the
// control plane), the I/O threads and the balancer, publishes the first snapshot, and
// handles signals: SIGHUP reloads --config (an invalid file changes nothing); the first
// SIGTERM/SIGINT drains (GOAWAY, in-flight calls finish within
// the grace period, exit 0), a second one exits at once.
#pragma once

#include "actors/supervisor/options.hpp"

namespace meshlet::actors {

// Runs meshlet until it is told to stop; returns the process exit code.
int run(const options& o);
// --check-config: prints each problem (FILE:LINE:COL: message) and returns 2, or 0.
int check_config(const std::string& file);

} // namespace meshlet::actors
