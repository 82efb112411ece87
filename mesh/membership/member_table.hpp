// member_table: what this node knows of every member, in probe order (shuffled each round,
// newcomers at a random place, memberlist-style), with name lookup and random picks.
#pragma once

#include "mesh/membership/messages.hpp"
#include "mesh/membership/suspicion.hpp"
#include "transport/clock.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshlet::membership {

using rng_type = std::mt19937_64;

struct member {
  std::string name;
  std::string addr;
  member_state state = member_state::alive;
  std::uint64_t incarnation = 0;
  time_point state_change{};
};

struct member_entry {
  member m;
  std::optional<suspicion> suspect_timer;
  std::uint64_t generation = 0; // the owner's stamp, renewed on every state change and timer reset
  std::uint64_t ring = 0;       // ring_key(m.name)
};

// A member's place on the staggered schedule's ring: FNV-1a of its name, the same in every
// build (std::hash is not), so every node orders the ring alike.
std::uint64_t ring_key(const std::string &name);

class member_table {
public:
  member_entry *find(const std::string &name);
  const member_entry *find(const std::string &name) const;

  // Insert a new member at a random place in the probe order.
  member_entry &add(member m, rng_type &rng);
  void erase(const std::string &name);

  std::size_t size() const { return entries_.size(); }

  // The next member to probe in round-robin order (the order is reshuffled on each wrap),
  // skipping `self` and anyone dead or left; null when there is nobody to probe.
  member_entry *next_probe_target(const std::string &self, rng_type &rng);
  // The staggered schedule's target in round `round` (membership_config::probe_schedule):
  // the member 1 + round mod (N - 1) places after `self` on the ring of the N members that are
  // neither dead nor left (self included); null when there is nobody to probe.
  member_entry *ring_target(const std::string &self, std::uint64_t round);

  // Up to k distinct members for which `eligible` holds, picked at random.
  std::vector<member_entry *>
  random_members(std::size_t k, rng_type &rng,
                 const std::function<bool(const member_entry &)> &eligible);

  template <class F>
  void for_each(F &&f) const {
    for (const auto &e : entries_)
      f(*e);
  }

private:
  std::vector<std::unique_ptr<member_entry>> entries_; // probe order
  std::vector<member_entry *> ring_;                   // by ring_key(name)
  std::vector<member_entry *> live_;                   // ring_target's scratch
  std::unordered_map<std::string, member_entry *> by_name_;
  std::size_t probe_index_ = 0;
};

} // namespace meshlet::membership
