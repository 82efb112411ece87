// state_rules: SWIM's incarnation rules as pure functions. Given what this node knows of a
// member and a rumour about it, decide: ignore it, apply it, or (when the rumour is about this
// node) refute it with a higher incarnation. Tested from tables.
#pragma once

#include "mesh/membership/messages.hpp"

#include <cstdint>
#include <string_view>

namespace meshlet::membership {

struct known_member {
  member_state state = member_state::alive;
  std::uint64_t incarnation = 0;
  std::string_view addr;
  bool suspicion_running = false;
};

enum class alive_verdict { ignore, add, update, refute };
enum class suspect_verdict { ignore, confirm, suspect, refute };
enum class dead_verdict { ignore, dead, left, refute };

// `current` is null for a member this node has never heard of; `is_self` says the rumour is
// about this node; `self_left` that this node has left the cluster.
alive_verdict judge_alive(const known_member *current, const alive &m, bool is_self,
                          bool self_left);
suspect_verdict judge_suspect(const known_member *current, const suspect &m, bool is_self);
dead_verdict judge_dead(const known_member *current, const dead &m, bool is_self, bool self_left);

// The incarnation a refutation claims: above both our own and the accusation's.
std::uint64_t refutation_incarnation(std::uint64_t own, std::uint64_t accused);

inline bool dead_or_left(member_state s) {
  return s == member_state::dead || s == member_state::left;
}

} // namespace meshlet::membership
