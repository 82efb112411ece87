// random_policy: the `random` policy, each call to an endpoint drawn uniformly from those that
// can take it.
#pragma once

#include "mesh/lb/candidate_sampler.hpp"
#include "mesh/lb/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>

namespace meshlet::lb {

class random_policy final : public policy {
public:
  explicit random_policy(uint64_t seed) : rng_{seed} {}

  void update(endpoint_table_ptr table) override;
  std::optional<size_t> pick(const pick_request& r) override;

private:
  endpoint_table_ptr table_;
  std::mt19937_64 rng_;
  candidate_sampler sampler_;
};

} // namespace meshlet::lb
