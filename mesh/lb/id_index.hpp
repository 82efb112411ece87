// id_index: endpoint id → index in one snapshot, so per-endpoint policy state (cursors, in-flight
// counts, latency estimates) follows an endpoint across snapshots and load feedback finds it.
#pragma once

#include "mesh/lb/endpoint_table.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace meshlet::lb {

class id_index {
public:
  // Indexes `t` (an endpoint id that appears twice resolves to its first index).
  void rebuild(const endpoint_table& t);
  void clear() { by_id_.clear(); }
  // The index of endpoint `id`, or nullopt when the snapshot has no such endpoint.
  std::optional<size_t> find(uint32_t id) const;

private:
  std::vector<std::pair<uint32_t, uint32_t>> by_id_; // (id, index), sorted by id
};

// Per-endpoint state for snapshot `next`: an endpoint whose id was in the previous snapshot
// (indexed by `prev`) keeps its state from `prev_states`, a new one starts from `fresh`.
template <class State>
std::vector<State> carry_by_id(const id_index& prev, const std::vector<State>& prev_states,
                               const endpoint_table& next, const State& fresh = State{}) {
  std::vector<State> out;
  out.reserve(next.endpoints.size());
  for (const auto& e : next.endpoints) {
    auto i = prev.find(e.id);
    out.push_back(i && *i < prev_states.size() ? prev_states[*i] : fresh);
  }
  return out;
}

} // namespace meshlet::lb
