// peak_ewma: the `peak_ewma` policy (linkerd2-proxy / tower's PeakEwma balancer): power of two
// choices on cost = latency estimate × (in flight + 1), the estimate a peak-sensitive EWMA of the
// latencies this thread has seen. Time comes only from pick_request::now and on_finish's `now`.
#pragma once

#include "mesh/lb/candidate_sampler.hpp"
#include "mesh/lb/id_index.hpp"
#include "mesh/lb/policy.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace meshlet::lb {

// Per endpoint, on each latency sample r at time t (Δ = t − time of the previous sample):
//   r > estimate  →  estimate = r                       (peak: a slowdown counts at once)
//   otherwise     →  estimate = estimate·w + r·(1 − w),  w = exp(−Δ / decay)
// An endpoint's first sample replaces the placeholder `default_rtt`.
// Cost at a pick at time t (Δ = t − time of the endpoint's last sample, or of the first pick that
// considered it when it has none):
//   cost = estimate · exp(−Δ / decay) · (in_flight + 1) / weight
// The exp(−Δ / decay) is tower's decay toward zero while nothing is heard: an endpoint that
// stopped being picked because it was slow becomes cheap again after a few `decay`s, takes a
// call, and its next sample says whether it recovered (otherwise it would be shunned forever at
// low load; likewise a new endpoint's placeholder cannot keep it out for good). The division by
// weight is the same rule least_request uses; with equal weights it changes nothing.
class peak_ewma final : public policy {
public:
  // default_rtt < 0 counts as 0; decay <= 0 means the default, 10 s.
  peak_ewma(std::chrono::nanoseconds default_rtt, std::chrono::nanoseconds decay, uint64_t seed);

  void update(endpoint_table_ptr table) override;
  std::optional<size_t> pick(const pick_request& r) override;
  void on_start(uint32_t id) override;
  void on_finish(uint32_t id, std::chrono::nanoseconds latency, steady_time now) override;
  void on_abandon(uint32_t id) override;

  // Endpoint `id`'s latency estimate as of `now` (decayed toward zero since its last sample, the
  // placeholder if it has none), or nullopt for an unknown id. For the admin API and tests.
  std::optional<std::chrono::nanoseconds> estimate(uint32_t id, steady_time now) const;
  uint32_t in_flight(uint32_t id) const;

private:
  struct state {
    double estimate_ns = 0; // meaningful once `sampled`
    steady_time stamp{};    // last sample, or first pick that considered the endpoint
    bool sampled = false;   // estimate_ns holds a real sample
    bool stamped = false;   // stamp is set
    uint32_t in_flight = 0;
  };

  double decayed_estimate(const state& s, steady_time now) const;
  double cost(size_t i, steady_time now);

  double default_rtt_ns_;
  double decay_ns_;
  std::mt19937_64 rng_;
  endpoint_table_ptr table_;
  id_index ids_;
  std::vector<state> states_; // per endpoint of table_
  candidate_sampler sampler_;
};

} // namespace meshlet::lb
