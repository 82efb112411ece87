// weighted_round_robin: nginx's smooth weighted round robin over the endpoints that can take
// the call.
#include "mesh/lb/weighted_round_robin.hpp"

#include "mesh/lb/usable.hpp"

namespace meshlet::lb {

void weighted_round_robin::update(endpoint_table_ptr table) {
  table_ = std::move(table);
  if (!table_) {
    ids_.clear();
    current_.clear();
    return;
  }
  current_ = carry_by_id(ids_, current_, *table_, int64_t{0});
  ids_.rebuild(*table_);
}

std::optional<size_t> weighted_round_robin::pick(const pick_request& r) {
  if (!table_)
    return std::nullopt;
  const auto& t = *table_;
  std::optional<size_t> best;
  int64_t total = 0;
  for (size_t i = 0; i < t.endpoints.size(); ++i) {
    if (!can_take(t, r, i))
      continue;
    const int64_t w = effective_weight(t.endpoints[i]);
    current_[i] += w;
    total += w;
    if (!best || current_[i] > current_[*best])
      best = i;
  }
  if (best)
    current_[*best] -= total;
  return best;
}

} // namespace meshlet::lb
