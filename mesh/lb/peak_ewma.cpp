// peak_ewma: P2C over a peak-sensitive latency EWMA × load.
#include "mesh/lb/peak_ewma.hpp"

#include "mesh/lb/usable.hpp"

#include <algorithm>
#include <cmath>

namespace meshlet::lb {

namespace {

constexpr std::chrono::nanoseconds default_decay = std::chrono::seconds{10};

double to_ns(std::chrono::nanoseconds d) {
  return static_cast<double>(d.count());
}

double nanos_between(steady_time from, steady_time to) {
  return to > from ? static_cast<double>((to - from).count()) : 0.0;
}

} // namespace

peak_ewma::peak_ewma(std::chrono::nanoseconds default_rtt, std::chrono::nanoseconds decay,
                     uint64_t seed)
  : default_rtt_ns_{to_ns(std::max(default_rtt, std::chrono::nanoseconds{0}))},
    decay_ns_{to_ns(decay.count() > 0 ? decay : default_decay)}, rng_{seed} {}

void peak_ewma::update(endpoint_table_ptr table) {
  table_ = std::move(table);
  if (!table_) {
    ids_.clear();
    states_.clear();
    sampler_.resize(0);
    return;
  }
  states_ = carry_by_id(ids_, states_, *table_);
  ids_.rebuild(*table_);
  sampler_.resize(table_->endpoints.size());
}

double peak_ewma::decayed_estimate(const state& s, steady_time now) const {
  const double base = s.sampled ? s.estimate_ns : default_rtt_ns_;
  if (!s.stamped)
    return base;
  return base * std::exp(-nanos_between(s.stamp, now) / decay_ns_);
}

double peak_ewma::cost(size_t i, steady_time now) {
  state& s = states_[i];
  if (!s.stamped) { // the placeholder starts decaying when the endpoint is first considered
    s.stamp = now;
    s.stamped = true;
  }
  return decayed_estimate(s, now) * (s.in_flight + 1.0) / effective_weight(table_->endpoints[i]);
}

std::optional<size_t> peak_ewma::pick(const pick_request& r) {
  if (!table_)
    return std::nullopt;
  std::optional<size_t> best;
  double best_cost = 0;
  sampler_.draw(*table_, r, rng_, 2, [&](size_t i) {
    const double c = cost(i, r.now);
    if (!best || c < best_cost) {
      best = i;
      best_cost = c;
    }
  });
  return best;
}

void peak_ewma::on_start(uint32_t id) {
  if (auto i = ids_.find(id))
    ++states_[*i].in_flight;
}

void peak_ewma::on_abandon(uint32_t id) {
  if (auto i = ids_.find(id); i && states_[*i].in_flight > 0)
    --states_[*i].in_flight;
}

void peak_ewma::on_finish(uint32_t id, std::chrono::nanoseconds latency, steady_time now) {
  auto i = ids_.find(id);
  if (!i)
    return;
  state& s = states_[*i];
  if (s.in_flight > 0)
    --s.in_flight;
  const double sample = static_cast<double>(std::max(latency.count(), int64_t{0}));
  if (!s.sampled || sample > s.estimate_ns) {
    s.estimate_ns = sample;
  } else {
    const double w = std::exp(-nanos_between(s.stamp, now) / decay_ns_);
    s.estimate_ns = s.estimate_ns * w + sample * (1 - w);
  }
  s.sampled = true;
  s.stamped = true;
  s.stamp = std::max(s.stamp, now);
}

std::optional<std::chrono::nanoseconds> peak_ewma::estimate(uint32_t id, steady_time now) const {
  auto i = ids_.find(id);
  if (!i)
    return std::nullopt;
  return std::chrono::nanoseconds{static_cast<int64_t>(decayed_estimate(states_[*i], now))};
}

uint32_t peak_ewma::in_flight(uint32_t id) const {
  auto i = ids_.find(id);
  return i ? states_[*i].in_flight : 0;
}

} // namespace meshlet::lb
