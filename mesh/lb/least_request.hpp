// least_request: the `least_request` policy, power of `choice_count` choices on the calls this
// thread has in flight to each endpoint (counted by on_start / on_finish).
#pragma once

#include "mesh/lb/candidate_sampler.hpp"
#include "mesh/lb/id_index.hpp"
#include "mesh/lb/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace meshlet::lb {

// Each pick draws `choice_count` distinct endpoints that can take the call, uniformly at random,
// and takes the one with the lowest load; a tie goes to a random one of the tied (the draw order
// is random and the first lowest wins). With choice_count >= the number of candidates this is
// join-the-shortest-queue over all of them.
//
// Load is (in_flight + 1) / weight. With equal weights that orders endpoints exactly as
// in_flight does; with unequal weights a heavier endpoint is given proportionally more calls in
// flight before it counts as busier, and the +1 makes weight count when both are idle (plain
// in_flight / weight would call every idle endpoint equal, whatever its weight).
class least_request final : public policy {
public:
  // choice_count 0 means the default, 2.
  least_request(unsigned choice_count, uint64_t seed);

  void update(endpoint_table_ptr table) override;
  std::optional<size_t> pick(const pick_request& r) override;
  void on_start(uint32_t id) override;
  void on_finish(uint32_t id, std::chrono::nanoseconds latency, steady_time now) override;
  void on_abandon(uint32_t id) override { on_finish(id, {}, {}); }

  // Calls this policy counts in flight to endpoint `id` (0 for an unknown id).
  uint32_t in_flight(uint32_t id) const;

private:
  size_t choice_count_;
  std::mt19937_64 rng_;
  endpoint_table_ptr table_;
  id_index ids_;
  std::vector<uint32_t> in_flight_; // per endpoint of table_
  candidate_sampler sampler_;
};

} // namespace meshlet::lb
