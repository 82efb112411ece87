// ring_hash: the `ring_hash` policy, a consistent-hash ring of virtual nodes for affinity: a call
// goes to the endpoint of the first virtual node clockwise from its key's hash that can take it.
#pragma once

#include "mesh/lb/candidate_sampler.hpp"
#include "mesh/lb/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace meshlet::lb {

// The ring is a function of the snapshot's (address, weight) list alone: not of the seed, the
// thread, the run, nor the history of snapshots, so every thread and every sidecar maps a key to
// the same endpoint. Endpoint i owns count_i virtual nodes, node k hashed
// stable_hash(fnv1a64(address), k), where count_i = weight_i × 2^e and 2^e is the smallest power
// of two that puts at least `ring_size` nodes on the ring (e < 0 when the weights alone exceed
// ring_size; then count_i = max(1, ceil(weight_i × 2^e))). As 2^e moves only when the total
// weight crosses a power of two, an endpoint leaving or joining leaves every other endpoint's
// nodes where they were, so only the keys it owned (or takes) move: with ring_size 1024 and
// weights 1, anywhere from 8 to 15 endpoints share one scale. Crossing such a boundary (15 <-> 16)
// halves or doubles every endpoint's nodes and moves some keys between endpoints that stay.
// Ineligible and unusable endpoints stay on the ring and are walked past, so an endpoint that
// fails or is tried already moves only its own keys, to the next node clockwise.
// An empty key goes to a random endpoint that can take the call.
class ring_hash final : public policy {
public:
  // ring_size: minimum virtual nodes on the ring, clamped to 1..max_ring_size.
  ring_hash(unsigned ring_size, uint64_t seed);

  static constexpr unsigned max_ring_size = 1u << 20;

  void update(endpoint_table_ptr table) override;
  std::optional<size_t> pick(const pick_request& r) override;

  // Virtual nodes on the current ring (for tests and the admin API).
  size_t ring_nodes() const { return ring_.size(); }

private:
  struct vnode {
    uint64_t hash;
    uint32_t index; // endpoint index in table_
  };

  void build_ring();

  uint64_t ring_size_;
  std::mt19937_64 rng_;
  endpoint_table_ptr table_;
  // (address, weight) of each endpoint, as the ring was built for
  std::vector<std::pair<std::string, uint32_t>> ring_of_;
  std::vector<vnode> ring_;    // sorted by hash
  std::vector<uint32_t> seen_; // per endpoint: the pick generation that last asked about it
  uint32_t generation_ = 0;
  candidate_sampler sampler_;
};

} // namespace meshlet::lb
