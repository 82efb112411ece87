// snapshot_collector: asks every I/O thread for its metrics_snapshot and merges the answers,
// waiting at most a timeout; a thread that does not answer in time is skipped (and named).
// It blocks the calling thread (a metrics HTTP thread), never an I/O thread.
#pragma once

#include "actors/metrics/metrics_snapshot.hpp"

#include <chrono>
#include <functional>
#include <vector>

namespace meshlet::metrics {

// Asks one thread for its snapshot: `done` runs (on that thread) with it, or never.
using snapshot_source = std::function<void(std::function<void(metrics_snapshot)> done)>;

struct collect_result {
  metrics_snapshot merged;
  std::vector<size_t> missing; // indexes of the sources that did not answer in time
};

collect_result collect_all(const std::vector<snapshot_source>& sources,
                           std::chrono::milliseconds timeout);

} // namespace meshlet::metrics
