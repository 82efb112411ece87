// thread_metrics: one I/O thread's call counters, plain integers written only by that thread
// (no atomics, no locks on the call path). A scrape copies them on the thread itself
// (io_worker::collect), so nothing here is ever read by another thread. Slots are created once
// per cluster / endpoint and never freed: a stream holds them by pointer for the whole call.
#pragma once

#include "actors/metrics/metrics_snapshot.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace meshlet::metrics {

// A cluster's counters on one thread; endpoints by address ("host:port" as configured).
struct cluster_counters {
  std::string name;
  uint64_t retries = 0;
  latency_histogram latency;
  endpoint_stats unattempted; // calls that ended before any attempt reached an endpoint
  std::unordered_map<std::string, std::unique_ptr<endpoint_stats>> endpoints;

  // The endpoint's slot, created on first use (one hash lookup; the key is copied only then).
  endpoint_stats* endpoint(const std::string& address);
};

class thread_metrics {
public:
  // Disabled (`--metrics off` and `--admin off`): every slot getter returns nullptr and
  // callers skip the counting.
  explicit thread_metrics(bool enabled = true) : enabled_(enabled) {}
  thread_metrics(const thread_metrics&) = delete;
  thread_metrics& operator=(const thread_metrics&) = delete;

  bool enabled() const { return enabled_; }
  // Before the thread starts only.
  void set_enabled(bool on) { enabled_ = on; }

  // The cluster's slot ("" for calls no route matched), or nullptr when disabled.
  cluster_counters* cluster(const std::string& name);
  // Gauges held by gauge_token (nullptr when disabled).
  int64_t* streams_active() { return enabled_ ? &streams_active_ : nullptr; }
  int64_t* downstream_connections() { return enabled_ ? &downstream_ : nullptr; }
  int64_t* upstream_connections() { return enabled_ ? &upstream_ : nullptr; }

  // A copy of every counter (table state not included: see metrics_snapshot::add_table).
  metrics_snapshot snapshot() const;

private:
  bool enabled_;
  int64_t streams_active_ = 0;
  int64_t downstream_ = 0;
  int64_t upstream_ = 0;
  std::unordered_map<std::string, std::unique_ptr<cluster_counters>> clusters_;
};

// Counts an object's lifetime in a gauge (a connection, a stream): +1 now, -1 when destroyed.
class gauge_token {
public:
  explicit gauge_token(int64_t* gauge) : gauge_(gauge) {
    if (gauge_)
      ++*gauge_;
  }
  ~gauge_token() {
    if (gauge_)
      --*gauge_;
  }
  gauge_token(const gauge_token&) = delete;
  gauge_token& operator=(const gauge_token&) = delete;

private:
  int64_t* gauge_;
};

} // namespace meshlet::metrics
