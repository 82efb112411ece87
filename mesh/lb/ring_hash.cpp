// ring_hash: consistent hashing over a ring of virtual nodes.
#include "mesh/lb/ring_hash.hpp"

#include "mesh/lb/stable_hash.hpp"
#include "mesh/lb/usable.hpp"

#include <algorithm>

namespace meshlet::lb {

namespace {

// The e of 2^e, the smallest power of two with total_weight × 2^e >= ring_size.
int ring_scale(uint64_t total_weight, uint64_t ring_size) {
  int e = 0;
  if (total_weight >= ring_size) {
    // floor(total / 2^k) >= ring  <=>  total × 2^-k >= ring, ring being an integer.
    while (e > -40 && (total_weight >> -(e - 1)) >= ring_size)
      --e;
  } else {
    while ((total_weight << e) < ring_size)
      ++e;
  }
  return e;
}

uint64_t node_count(uint32_t weight, int e) {
  if (e >= 0)
    return uint64_t{weight} << e;
  const uint64_t unit = uint64_t{1} << -e;
  return std::max<uint64_t>(1, (weight + unit - 1) / unit);
}

} // namespace

ring_hash::ring_hash(unsigned ring_size, uint64_t seed)
  : ring_size_{std::clamp(ring_size, 1u, max_ring_size)}, rng_{seed} {}

void ring_hash::update(endpoint_table_ptr table) {
  table_ = std::move(table);
  const size_t n = table_ ? table_->endpoints.size() : 0;
  sampler_.resize(n);
  seen_.assign(n, 0);
  generation_ = 0;
  std::vector<std::pair<std::string, uint32_t>> ring_of;
  ring_of.reserve(n);
  for (size_t i = 0; i < n; ++i)
    ring_of.emplace_back(table_->endpoints[i].address, effective_weight(table_->endpoints[i]));
  if (ring_of == ring_of_)
    return; // same endpoints, same order, same weights: same ring (eligibility is not in it)
  ring_of_ = std::move(ring_of);
  build_ring();
}

void ring_hash::build_ring() {
  ring_.clear();
  uint64_t total = 0;
  for (const auto& [address, weight] : ring_of_)
    total += weight;
  if (total == 0)
    return;
  const int e = ring_scale(total, ring_size_);
  uint64_t nodes = 0;
  for (const auto& [address, weight] : ring_of_)
    nodes += node_count(weight, e);
  ring_.reserve(nodes);
  for (uint32_t i = 0; i < ring_of_.size(); ++i) {
    const uint64_t base = fnv1a64(ring_of_[i].first);
    const uint64_t count = node_count(ring_of_[i].second, e);
    for (uint64_t k = 0; k < count; ++k)
      ring_.push_back({stable_hash(base, k), i});
  }
  // Ties (astronomically rare) are broken by address, then index, never by table order alone.
  std::sort(ring_.begin(), ring_.end(), [this](const vnode& a, const vnode& b) {
    if (a.hash != b.hash)
      return a.hash < b.hash;
    const auto& aa = ring_of_[a.index].first;
    const auto& ba = ring_of_[b.index].first;
    return aa != ba ? aa < ba : a.index < b.index;
  });
}

std::optional<size_t> ring_hash::pick(const pick_request& r) {
  if (!table_ || ring_.empty())
    return std::nullopt;
  const auto& t = *table_;
  if (r.hash_key.empty()) {
    std::optional<size_t> picked;
    sampler_.draw(t, r, rng_, 1, [&](size_t i) { picked = i; });
    return picked;
  }
  if (++generation_ == 0) { // wrapped: forget every mark
    std::fill(seen_.begin(), seen_.end(), 0);
    generation_ = 1;
  }
  const uint64_t h = stable_hash(r.hash_key);
  auto it = std::lower_bound(ring_.begin(), ring_.end(), h,
                             [](const vnode& v, uint64_t key) { return v.hash < key; });
  size_t pos = static_cast<size_t>(it - ring_.begin());
  size_t asked = 0;
  for (size_t step = 0; step < ring_.size() && asked < t.endpoints.size(); ++step) {
    if (pos == ring_.size())
      pos = 0;
    const uint32_t i = ring_[pos++].index;
    if (seen_[i] == generation_)
      continue;
    seen_[i] = generation_;
    ++asked;
    if (can_take(t, r, i))
      return i;
  }
  return std::nullopt;
}

} // namespace meshlet::lb
