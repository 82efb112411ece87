// round_robin_policy: the `round_robin` policy, each call to the next endpoint in turn that can
// take it.
#pragma once

#include "mesh/lb/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>

namespace meshlet::lb {

class round_robin_policy final : public policy {
public:
  explicit round_robin_policy(uint64_t seed) : rng_{seed} {}

  // The turn continues after the last endpoint picked if it stays; a first snapshot starts at a
  // random index so that the policies of several threads do not all begin on endpoint 0.
  void update(endpoint_table_ptr table) override;
  std::optional<size_t> pick(const pick_request& r) override;

private:
  endpoint_table_ptr table_;
  std::mt19937_64 rng_;
  size_t next_ = 0;
  std::optional<uint32_t> last_id_; // id of the endpoint picked last
};

} // namespace meshlet::lb
