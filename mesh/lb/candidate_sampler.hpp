// candidate_sampler: draws the endpoints that can take a call in uniformly random order without
// allocating, by a partial Fisher-Yates shuffle over a reused permutation of the snapshot's
// indices. Random, least_request and peak_ewma pick from its draws.
#pragma once

#include "mesh/lb/endpoint_table.hpp"
#include "mesh/lb/policy.hpp"
#include "mesh/lb/usable.hpp"

#include <cstddef>
#include <random>
#include <utility>
#include <vector>

namespace meshlet::lb {

class candidate_sampler {
public:
  // A snapshot of n endpoints (allocates only here).
  void resize(size_t n);

  // Calls take(i) for up to `count` distinct endpoints that can take `r`, in uniformly random
  // order (so the first is uniform over all that can, and a run of `count` is a uniform random
  // subset). Asks `usable` about each endpoint at most once; stops early once `count` are found.
  // Returns how many were found (fewer than `count` when fewer can take the call).
  template <class Take>
  size_t draw(const endpoint_table& t, const pick_request& r, std::mt19937_64& rng, size_t count,
              Take&& take) {
    const size_t n = perm_.size() < t.endpoints.size() ? perm_.size() : t.endpoints.size();
    size_t found = 0;
    for (size_t k = 0; k < n && found < count; ++k) {
      std::uniform_int_distribution<size_t> rest{k, n - 1};
      std::swap(perm_[k], perm_[rest(rng)]);
      const size_t i = perm_[k];
      if (can_take(t, r, i)) {
        take(i);
        ++found;
      }
    }
    return found;
  }

private:
  std::vector<size_t> perm_; // a permutation of 0..n-1; any order is a valid start
};

} // namespace meshlet::lb
