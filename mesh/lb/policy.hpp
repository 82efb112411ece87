// policy: the load-balancing policy interface. One instance per cluster per I/O thread, so
// a policy's state (round-robin cursor, in-flight counts, latency EWMAs) is thread-local
// and needs no locks; the balancer's snapshot says which endpoints exist and their weights.
// Policies are plain classes: time and randomness come in as arguments.
#pragma once

#include "mesh/lb/endpoint_table.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace meshlet::lb {

using steady_time = std::chrono::steady_clock::time_point;

struct pick_request {
  // Value of the cluster's hash header (ring_hash); empty when absent.
  std::string_view hash_key;
  steady_time now;
  // usable(i): endpoint i of the snapshot may take this call (eligible, not yet tried by
  // this call, reachable from this thread). A policy never returns an unusable index.
  std::function<bool(size_t)> usable;
};

class policy {
public:
  virtual ~policy() = default;
  // A new snapshot. State of endpoints that stay (same endpoint::id) is kept.
  virtual void update(endpoint_table_ptr table) = 0;
  // The index of the endpoint that takes the call, or nullopt when none is usable.
  virtual std::optional<size_t> pick(const pick_request& r) = 0;
  // A call picked endpoint `id` and was sent / ended after `latency` (load feedback).
  virtual void on_start(uint32_t id) { (void)id; }
  virtual void on_finish(uint32_t id, std::chrono::nanoseconds latency, steady_time now) {
    (void)id, (void)latency, (void)now;
  }
  // A call on_start counted never reached the endpoint (its connection refused or had no
  // room): out of the in-flight count, without a latency sample.
  virtual void on_abandon(uint32_t id) { (void)id; }
};

struct policy_config {
  std::string name = "round_robin"; // round_robin weighted_round_robin least_request
                                    // peak_ewma ring_hash random
  unsigned choice_count = 2;        // least_request: endpoints sampled per pick
  std::chrono::nanoseconds default_rtt = std::chrono::milliseconds{30}; // peak_ewma
  std::chrono::nanoseconds decay = std::chrono::seconds{10};            // peak_ewma
  std::string hash_header;          // ring_hash: request header hashed (e.g. x-user-id)
  unsigned ring_size = 1024;        // ring_hash: minimum virtual nodes on the ring
};

// Names accepted in config and flags.
bool is_policy_name(std::string_view name);
// A policy instance; `seed` makes its random choices reproducible.
std::unique_ptr<policy> make_policy(const policy_config& cfg, uint64_t seed);

} // namespace meshlet::lb
