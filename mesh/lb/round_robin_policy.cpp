// round_robin_policy: each call to the next endpoint in turn that can take it.
#include "mesh/lb/round_robin_policy.hpp"

#include "mesh/lb/usable.hpp"

namespace meshlet::lb {

void round_robin_policy::update(endpoint_table_ptr table) {
  const bool first = !table_;
  table_ = std::move(table);
  const size_t n = table_ ? table_->endpoints.size() : 0;
  if (n == 0) {
    next_ = 0;
    return;
  }
  if (last_id_) {
    for (size_t i = 0; i < n; ++i)
      if (table_->endpoints[i].id == *last_id_) {
        next_ = (i + 1) % n;
        return;
      }
  }
  next_ = first ? std::uniform_int_distribution<size_t>{0, n - 1}(rng_) : next_ % n;
}

std::optional<size_t> round_robin_policy::pick(const pick_request& r) {
  if (!table_)
    return std::nullopt;
  const auto& t = *table_;
  const size_t n = t.endpoints.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = next_;
    next_ = next_ + 1 == n ? 0 : next_ + 1;
    if (can_take(t, r, i)) {
      last_id_ = t.endpoints[i].id;
      return i;
    }
  }
  return std::nullopt;
}

} // namespace meshlet::lb
