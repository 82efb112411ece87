// Endpoint pick: each mesh/lb policy (built by make_policy, as an I/O thread builds its
// cluster_runtime) picking for one call the way stream_actor::try_open does: a pick_request whose
// `usable` filter checks the call's tried list, then on_start and on_finish of the call.
#include "mesh/lb/endpoint_table.hpp"
#include "mesh/lb/policy.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace meshlet::lb;

const char *const policy_names[] = {
  "round_robin", "weighted_round_robin", "least_request", "peak_ewma", "ring_hash", "random"};

// n endpoints 10.0.<k/250>.<k%250+1>:50051 with ids 100+k and weights 1..3 (weight is ignored
// by the policies that do not weigh).
endpoint_table_ptr table_of(size_t n) {
  auto t = std::make_shared<endpoint_table>();
  t->version = 1;
  t->cluster = "echo";
  for (size_t k = 0; k < n; ++k) {
    endpoint e;
    e.id = static_cast<uint32_t>(100 + k);
    e.ip = "10.0." + std::to_string(k / 250) + "." + std::to_string(k % 250 + 1);
    e.address = e.ip + ":50051";
    e.port = 50051;
    e.weight = static_cast<uint32_t>(1 + k % 3);
    t->endpoints.push_back(std::move(e));
  }
  return t;
}

// One pick per iteration with the calls' load feedback: 100 calls in flight (an h2load -m100
// connection), each ending (on_finish) when the 100th later call starts, on a clock advancing
// 20 us per call: a thread carrying 50,000 calls/s with 2 ms calls.
void BM_lb_pick(benchmark::State &state, const char *name, size_t n) {
  policy_config cfg;
  cfg.name = name;
  cfg.hash_header = "x-user-id";
  auto p = make_policy(cfg, 42);
  if (!p) {
    state.SkipWithError("make_policy refused the name");
    return;
  }
  auto table = table_of(n);
  p->update(table);
  std::vector<std::string> keys;
  for (int k = 0; k < 64; ++k)
    keys.push_back("user-" + std::to_string(k * 7919));
  std::vector<std::string> tried; // the call's tried endpoints: empty on a first attempt
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
  struct in_flight {
    uint32_t id;
    std::chrono::steady_clock::time_point started;
  };
  std::vector<in_flight> ring(100, in_flight{0, now});
  size_t call = 0;
  for (auto _ : state) {
    pick_request req;
    req.now = now;
    if (cfg.name == "ring_hash")
      req.hash_key = keys[call % keys.size()];
    // Captures as much as the stream's filter (table, tried list, a flag, the time).
    const endpoint_table *t = table.get();
    bool skip_ejected = false;
    req.usable = [t, &tried, skip_ejected, at = req.now](size_t i) {
      auto &ep = t->endpoints[i];
      if (std::find(tried.begin(), tried.end(), ep.address) != tried.end())
        return false;
      return !skip_ejected || at.time_since_epoch().count() < 0;
    };
    auto choice = p->pick(req);
    if (!choice) {
      state.SkipWithError("no endpoint picked");
      break;
    }
    const uint32_t id = t->endpoints[*choice].id;
    auto &slot = ring[call % ring.size()];
    if (slot.id != 0)
      p->on_finish(slot.id, now - slot.started, now);
    p->on_start(id);
    slot = in_flight{id, now};
    benchmark::DoNotOptimize(id);
    now += std::chrono::microseconds{20};
    ++call;
  }
  state.SetItemsProcessed(state.iterations());
}

// BM_lb_pick/<policy>/endpoints:<n>
int register_picks() {
  for (const char *name : policy_names)
    for (size_t n : {10, 100})
      benchmark::RegisterBenchmark(
        ("BM_lb_pick/" + std::string{name} + "/endpoints:" + std::to_string(n)).c_str(), BM_lb_pick,
        name, n);
  return 0;
}
const int registered = register_picks();

} // namespace
