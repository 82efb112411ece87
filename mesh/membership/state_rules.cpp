// state_rules: memberlist's aliveNode / suspectNode / deadNode decisions without the state.
#include "mesh/membership/state_rules.hpp"

#include <algorithm>

namespace meshlet::membership {

alive_verdict judge_alive(const known_member *current, const alive &m, bool is_self,
                          bool self_left) {
  if (is_self && self_left)
    return alive_verdict::ignore;
  if (current == nullptr)
    return is_self ? alive_verdict::ignore : alive_verdict::add;
  bool moved = current->addr != m.addr;
  if (moved) {
    // A member may come back from another address only once it is dead or gone; a live
    // member's address is not up for grabs (a name conflict, or a forged rumour).
    if (is_self || !dead_or_left(current->state))
      return alive_verdict::ignore;
    return alive_verdict::update;
  }
  if (is_self) // someone speaks of a newer us (an earlier life of this node): outbid it
    return m.incarnation > current->incarnation ? alive_verdict::refute : alive_verdict::ignore;
  return m.incarnation > current->incarnation ? alive_verdict::update : alive_verdict::ignore;
}

suspect_verdict judge_suspect(const known_member *current, const suspect &m, bool is_self) {
  if (current == nullptr || m.incarnation < current->incarnation)
    return suspect_verdict::ignore;
  if (current->suspicion_running)
    return suspect_verdict::confirm;
  if (current->state != member_state::alive)
    return suspect_verdict::ignore;
  return is_self ? suspect_verdict::refute : suspect_verdict::suspect;
}

dead_verdict judge_dead(const known_member *current, const dead &m, bool is_self, bool self_left) {
  if (current == nullptr || m.incarnation < current->incarnation)
    return dead_verdict::ignore;
  if (dead_or_left(current->state))
    return dead_verdict::ignore;
  if (is_self)
    return self_left ? dead_verdict::ignore : dead_verdict::refute;
  return m.from == m.node ? dead_verdict::left : dead_verdict::dead;
}

std::uint64_t refutation_incarnation(std::uint64_t own, std::uint64_t accused) {
  return std::max(own, accused) + 1;
}

} // namespace meshlet::membership
