// member_table: probe order, lookup and random selection.
#include "mesh/membership/member_table.hpp"

#include "mesh/membership/state_rules.hpp"

#include <algorithm>

namespace meshlet::membership {

std::uint64_t ring_key(const std::string &name) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace {
bool ring_less(const member_entry *a, const member_entry *b) {
  return a->ring != b->ring ? a->ring < b->ring : a->m.name < b->m.name;
}
} // namespace

member_entry *member_table::find(const std::string &name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const member_entry *member_table::find(const std::string &name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

member_entry &member_table::add(member m, rng_type &rng) {
  auto e = std::make_unique<member_entry>();
  e->m = std::move(m);
  e->ring = ring_key(e->m.name);
  member_entry &ref = *e;
  by_name_[ref.m.name] = &ref;
  entries_.push_back(std::move(e));
  std::size_t n = entries_.size();
  std::size_t at = std::uniform_int_distribution<std::size_t>{0, n - 1}(rng);
  std::swap(entries_[at], entries_[n - 1]);
  ring_.insert(std::upper_bound(ring_.begin(), ring_.end(), &ref, ring_less), &ref);
  return ref;
}

void member_table::erase(const std::string &name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end())
    return;
  auto pos = std::find_if(entries_.begin(), entries_.end(),
                          [&](const auto &e) { return e.get() == it->second; });
  ring_.erase(std::find(ring_.begin(), ring_.end(), it->second));
  by_name_.erase(it);
  std::size_t index = static_cast<std::size_t>(pos - entries_.begin());
  entries_.erase(pos);
  if (index < probe_index_)
    --probe_index_;
}

member_entry *member_table::next_probe_target(const std::string &self, rng_type &rng) {
  for (std::size_t checked = 0; checked <= entries_.size(); ++checked) {
    if (probe_index_ >= entries_.size()) {
      std::shuffle(entries_.begin(), entries_.end(), rng);
      probe_index_ = 0;
      if (entries_.empty())
        return nullptr;
    }
    member_entry *e = entries_[probe_index_++].get();
    if (e->m.name != self && !dead_or_left(e->m.state))
      return e;
  }
  return nullptr;
}

member_entry *member_table::ring_target(const std::string &self, std::uint64_t round) {
  // The ring of those still probed (the dead and the departed stay in the table a while for
  // gossip, but hold no place): with agreeing views the targets of a round are a permutation
  // of the live members, even right after crashes.
  live_.clear();
  std::size_t me = ring_.size();
  for (member_entry *e : ring_) {
    if (e->m.name == self)
      me = live_.size();
    else if (dead_or_left(e->m.state))
      continue;
    live_.push_back(e);
  }
  std::size_t n = live_.size();
  if (me == ring_.size() || n < 2)
    return nullptr;
  return live_[(me + 1 + static_cast<std::size_t>(round % (n - 1))) % n];
}

std::vector<member_entry *>
member_table::random_members(std::size_t k, rng_type &rng,
                             const std::function<bool(const member_entry &)> &eligible) {
  std::vector<member_entry *> out;
  std::size_t n = entries_.size();
  if (k == 0 || n == 0)
    return out;
  auto taken = [&](member_entry *e) { return std::find(out.begin(), out.end(), e) != out.end(); };
  if (n < k * 3) { // small tables: an exhaustive shuffled scan never misses anyone
    std::vector<member_entry *> all;
    for (auto &e : entries_)
      all.push_back(e.get());
    std::shuffle(all.begin(), all.end(), rng);
    for (auto *e : all) {
      if (out.size() == k)
        break;
      if (eligible(*e))
        out.push_back(e);
    }
    return out;
  }
  std::uniform_int_distribution<std::size_t> pick{0, n - 1};
  for (std::size_t tries = 0; tries < 3 * n && out.size() < k; ++tries) {
    member_entry *e = entries_[pick(rng)].get();
    if (!taken(e) && eligible(*e))
      out.push_back(e);
  }
  return out;
}

} // namespace meshlet::membership
