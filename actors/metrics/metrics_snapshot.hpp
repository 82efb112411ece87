// metrics_snapshot: a copy of the call counters of one I/O thread (or, merged, of all of them)
// plus what that thread's tables say about each endpoint. It is what a Prometheus scrape and the
// admin API's ListEndpoints read; it is built on the thread that owns the counters
// (io_worker::collect) and then only ever read or merged elsewhere.
//
// Counting model (see call_meter.hpp for where each number moves):
//  - A call is one gRPC request from a client. An *attempt* is the call sent to one endpoint:
//    a call has one per endpoint it was sent to (a retry, or a re-pick after a failed connect,
//    is another attempt). An attempt starts when the stream commits the call to the endpoint
//    (asks one of its connections to open the stream) and ends exactly once, with a status:
//    the upstream's grpc-status (trailers or Trailers-Only; an HTTP status without one mapped
//    by grpc::status_from_http; a response without any grpc-status: UNKNOWN), or what meshlet
//    made of the failure: connect failure and reset → UNAVAILABLE (as the outlier detector
//    counts them), deadline → DEADLINE_EXCEEDED, client cancel or disconnect → CANCELLED.
//  - requests = attempts started; ended = attempts ended; in_flight = requests - ended;
//    errors = attempts ended with a status other than OK; responses[code] = attempts ended
//    with that code. So sum(responses) == ended and requests == ended + in_flight.
//  - Calls that ended without any attempt (no route, no endpoint, none reachable) count once
//    in their cluster's `unattempted` (cluster "" when no route matched), with the status the
//    client got.
#pragma once

#include "mesh/lb/endpoint_table.hpp"
#include "mesh/outlier/outlier_detector.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>
#include <string>

namespace meshlet::metrics {

inline constexpr size_t status_count = 17; // grpc::status_code 0..16; others count as UNKNOWN

// Counters of one endpoint (or of a cluster's unattempted calls).
struct endpoint_stats {
  uint64_t requests = 0;  // attempts started
  uint64_t ended = 0;     // attempts ended (any status)
  uint64_t errors = 0;    // attempts ended non-OK
  uint64_t ejections = 0; // outlier ejections this endpoint's failures caused
  // Latency of attempts (open to end), an EWMA with weight 0.2 per attempt, in ms (0 before
  // the first); merged over threads weighted by `ended`. The admin API reports it.
  double latency_ewma_ms = 0;
  std::array<uint64_t, status_count> responses{}; // attempts ended, by grpc-status code

  int64_t in_flight() const { return static_cast<int64_t>(requests - ended); }
  void merge(const endpoint_stats& o);
};

// Call latency (request headers in → last response frame out), seconds. Bucket counts are
// per bucket (not cumulative); counts[bounds.size()] is the +Inf bucket.
struct latency_histogram {
  static constexpr std::array<double, 14> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  std::array<uint64_t, bounds.size() + 1> counts{};
  uint64_t count = 0;
  double sum = 0.0; // seconds

  void observe(std::chrono::nanoseconds d);
  void merge(const latency_histogram& o);
};

// One endpoint: its counters and, when some thread's table lists it, that table's view.
struct endpoint_snapshot {
  std::string address;
  endpoint_stats stats;
  bool listed = false;   // in the cluster's current snapshot (some thread's table)
  bool eligible = false; // the balancer's flag: healthy, not draining (any listing thread)
  uint32_t weight = 0;
  uint32_t ejected_threads = 0; // threads whose outlier detector ejects it right now

  // "ineligible" (the balancer ruled it out), "ejected" (some thread's outlier detector did),
  // else "eligible". Only meaningful when listed.
  const char* health_state() const;
};

struct cluster_snapshot {
  std::string name;
  std::map<std::string, endpoint_snapshot> endpoints; // by address
  endpoint_stats unattempted;
  latency_histogram latency;
  uint64_t retries = 0; // retry attempts the retry policy and budget allowed
};

struct metrics_snapshot {
  uint32_t threads = 0; // I/O threads merged into this snapshot
  int64_t streams_active = 0;
  int64_t downstream_connections = 0;
  int64_t upstream_connections = 0;                 // open or opening
  // Open client connections per I/O thread (thread index, count): how evenly the threads
  // share the clients (--accept-balance).
  std::vector<std::pair<uint32_t, int64_t>> thread_connections;
  std::map<std::string, cluster_snapshot> clusters; // by name ("" = calls no route matched)

  // Adds `o` (another thread's snapshot): counters and gauges sum, table flags OR.
  void merge(const metrics_snapshot& o);
  // Records what a thread's table of `cluster` says of its endpoints at `now`: listed,
  // eligible, weight, and whether `outlier` (may be null) ejects it.
  void add_table(const std::string& cluster, const lb::endpoint_table& table,
                 const outlier::outlier_detector* outlier, outlier::time_point now);
};

} // namespace meshlet::metrics
