// Helpers for the load-balancing policy tests: snapshots of n endpoints, picks with filters,
// and tallies of where picks went.
#pragma once

#include "mesh/lb/endpoint_table.hpp"
#include "mesh/lb/policy.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshlet::lb::testing {

inline const char* const all_policy_names[] = {
  "round_robin", "weighted_round_robin", "least_request", "peak_ewma", "ring_hash", "random"};

// Endpoint k has id 100 + k and address 10.0.0.<k+1>:50051 (so ids and indices differ).
inline endpoint endpoint_at(size_t k, uint32_t weight = 1) {
  endpoint e;
  e.id = static_cast<uint32_t>(100 + k);
  e.ip = "10.0.0." + std::to_string(k + 1);
  e.address = e.ip + ":50051";
  e.port = 50051;
  e.weight = weight;
  return e;
}

inline std::shared_ptr<endpoint_table> table_of(size_t n, std::vector<uint32_t> weights = {}) {
  auto t = std::make_shared<endpoint_table>();
  t->version = 1;
  t->cluster = "echo";
  for (size_t k = 0; k < n; ++k)
    t->endpoints.push_back(endpoint_at(k, k < weights.size() ? weights[k] : 1));
  return t;
}

inline std::unique_ptr<policy> make(std::string name, uint64_t seed = 1) {
  policy_config cfg;
  cfg.name = std::move(name);
  auto p = make_policy(cfg, seed);
  REQUIRE(p != nullptr);
  return p;
}

inline steady_time at_ms(double ms) {
  return steady_time{}
         + std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::duration<double, std::milli>{ms});
}

inline pick_request request(steady_time now = {}, std::string_view key = {},
                            std::function<bool(size_t)> usable = {}) {
  pick_request r;
  r.now = now;
  r.hash_key = key;
  r.usable = std::move(usable);
  return r;
}

// Picks `picks` times with request `r`; every pick must succeed and be in the table.
inline std::map<size_t, int> tally(policy& p, const endpoint_table& t, int picks,
                                   const pick_request& r = request()) {
  std::map<size_t, int> counts;
  for (int k = 0; k < picks; ++k) {
    auto i = p.pick(r);
    REQUIRE(i.has_value());
    REQUIRE(*i < t.endpoints.size());
    ++counts[*i];
  }
  return counts;
}

inline int count_of(const std::map<size_t, int>& counts, size_t i) {
  auto it = counts.find(i);
  return it == counts.end() ? 0 : it->second;
}

} // namespace meshlet::lb::testing

#include <queue>
#include <tuple>

namespace meshlet::lb::testing {

// A closed-loop load: `concurrency` calls in flight at all times until `calls` have been
// picked; a call to endpoint i lasts latency(i) (a std::chrono duration) and reports on_start
// when picked and on_finish when it ends. Advances `now` to the last finish. Returns the picks.
template <class Latency>
std::map<size_t, int> run_closed_loop(policy& p, const endpoint_table& t, int calls,
                                      int concurrency, Latency latency, steady_time& now) {
  using call = std::tuple<steady_time, uint64_t, uint32_t, steady_time>; // end, seq, id, start
  std::priority_queue<call, std::vector<call>, std::greater<call>> in_flight;
  std::map<size_t, int> counts;
  uint64_t seq = 0;
  int launched = 0;
  auto launch = [&] {
    auto i = p.pick(request(now));
    REQUIRE(i.has_value());
    REQUIRE(*i < t.endpoints.size());
    ++counts[*i];
    ++launched;
    const uint32_t id = t.endpoints[*i].id;
    p.on_start(id);
    auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(latency(*i));
    in_flight.emplace(now + d, seq++, id, now);
  };
  for (int k = 0; k < concurrency && launched < calls; ++k)
    launch();
  while (!in_flight.empty()) {
    auto [end, s, id, start] = in_flight.top();
    in_flight.pop();
    now = end;
    p.on_finish(id, end - start, now);
    if (launched < calls)
      launch();
  }
  return counts;
}

} // namespace meshlet::lb::testing
