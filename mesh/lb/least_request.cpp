// least_request: power of choice_count choices on calls in flight.
#include "mesh/lb/least_request.hpp"

#include "mesh/lb/usable.hpp"

namespace meshlet::lb {

least_request::least_request(unsigned choice_count, uint64_t seed)
  : choice_count_{choice_count == 0 ? 2 : choice_count}, rng_{seed} {}

void least_request::update(endpoint_table_ptr table) {
  table_ = std::move(table);
  if (!table_) {
    ids_.clear();
    in_flight_.clear();
    sampler_.resize(0);
    return;
  }
  in_flight_ = carry_by_id(ids_, in_flight_, *table_, uint32_t{0});
  ids_.rebuild(*table_);
  sampler_.resize(table_->endpoints.size());
}

std::optional<size_t> least_request::pick(const pick_request& r) {
  if (!table_)
    return std::nullopt;
  const auto& eps = table_->endpoints;
  std::optional<size_t> best;
  // a has less load than b: (in_a + 1) / w_a < (in_b + 1) / w_b, without division.
  auto less_loaded = [&](size_t a, size_t b) {
    return (uint64_t{in_flight_[a]} + 1) * effective_weight(eps[b])
           < (uint64_t{in_flight_[b]} + 1) * effective_weight(eps[a]);
  };
  sampler_.draw(*table_, r, rng_, choice_count_, [&](size_t i) {
    if (!best || less_loaded(i, *best))
      best = i;
  });
  return best;
}

void least_request::on_start(uint32_t id) {
  if (auto i = ids_.find(id))
    ++in_flight_[*i];
}

void least_request::on_finish(uint32_t id, std::chrono::nanoseconds, steady_time) {
  if (auto i = ids_.find(id); i && in_flight_[*i] > 0)
    --in_flight_[*i];
}

uint32_t least_request::in_flight(uint32_t id) const {
  auto i = ids_.find(id);
  return i ? in_flight_[*i] : 0;
}

} // namespace meshlet::lb
