// weighted_round_robin: the `weighted_round_robin` policy, nginx's smooth weighted round robin:
// each pick adds every candidate's weight to its `current`, takes the largest and subtracts the
// candidates' total from it, so weights 3:1 give A A B A, interleaved, exactly 3:1.
#pragma once

#include "mesh/lb/id_index.hpp"
#include "mesh/lb/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace meshlet::lb {

// Candidates are the endpoints that can take this call. One ruled out (ineligible, or not
// usable for this call) is neither credited nor charged, and what the winner is charged is the
// total credited in this pick, so the sum of `current` over all endpoints stays constant: an
// endpoint skipped for a while takes its share again on return, without a burst and without
// being starved. `current` follows an endpoint across snapshots by id; a new endpoint starts at 0.
class weighted_round_robin final : public policy {
public:
  void update(endpoint_table_ptr table) override;
  std::optional<size_t> pick(const pick_request& r) override;

private:
  endpoint_table_ptr table_;
  id_index ids_;
  std::vector<int64_t> current_; // per endpoint of table_
};

} // namespace meshlet::lb
