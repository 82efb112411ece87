// scenarios: the measurements the simulator and the simulation tests share: how fast a crash
// becomes known, how fast a rumour spreads, false deaths and bandwidth in steady state, how a
// healed partition and a mass join converge. Each runs on a cluster and returns numbers.
#pragma once

#include "mesh/membership/sim/cluster.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meshlet::membership::sim {

// Seconds from an event until 50 / 99 / 99.99 % (and all) of the observers knew; a quantile
// means at least ceil(q * observers) of them, so at 1,000 nodes 99.99 % is every one.
struct spread_times {
  int observers = 0;
  int reached = 0;
  std::optional<double> p50, p99, p9999, all;
};
spread_times summarize(std::vector<double> seconds, int observers);
std::string to_string(const spread_times &t);

struct crash_result {
  spread_times suspect;
  spread_times dead;
  double first_suspicion_s = -1; // crash until some node first suspected the victim
  int false_deaths = 0;
};
crash_result measure_crash(cluster &c, int victim, duration max_wait);

struct rumour_result {
  spread_times seen;
};
rumour_result measure_rumour(cluster &c, int origin, duration max_wait);

struct steady_result {
  double seconds = 0;
  int false_deaths = 0;     // an up node declared dead by some node
  int false_suspicions = 0; // an up node marked suspect by some node (refuted later)
  std::uint64_t refutations = 0;
  std::uint64_t probes = 0;
  std::uint64_t probes_failed = 0;
  double udp_payload_bytes_per_node_s = 0; // sent, protobuf payload
  double udp_wire_bytes_per_node_s = 0;    // sent, plus envelope and UDP/IPv4 headers
  double stream_bytes_per_node_s = 0;      // sent over streams (push-pull, fallback pings)
  double packets_per_node_s = 0;
  int max_health_score = 0;
};
steady_result measure_steady(cluster &c, duration d);

struct partition_result {
  bool split = false;               // both halves had written the other off before healing
  std::optional<double> converge_s; // heal until every node sees every node alive
};
partition_result measure_partition(cluster &c, duration partitioned, duration max_wait);

// From nothing: every node joins through node 0 within `spread`; time until converged.
std::optional<double> measure_join(cluster &c, millis spread, duration max_wait);

} // namespace meshlet::membership::sim
