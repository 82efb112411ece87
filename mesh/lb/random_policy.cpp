// random_policy: uniform over the endpoints that can take the call.
#include "mesh/lb/random_policy.hpp"

namespace meshlet::lb {

void random_policy::update(endpoint_table_ptr table) {
  table_ = std::move(table);
  sampler_.resize(table_ ? table_->endpoints.size() : 0);
}

std::optional<size_t> random_policy::pick(const pick_request& r) {
  if (!table_)
    return std::nullopt;
  std::optional<size_t> picked;
  sampler_.draw(*table_, r, rng_, 1, [&](size_t i) { picked = i; });
  return picked;
}

} // namespace meshlet::lb
