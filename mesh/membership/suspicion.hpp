// suspicion: one suspect member's timer under Lifeguard. It starts at the maximum timeout and
// shrinks towards the minimum as independent peers confirm the suspicion. A value with a
// deadline, not a timer: the node checks the deadline when it ticks.
#pragma once

#include "mesh/membership/scaling.hpp"
#include "transport/clock.hpp"

#include <string>
#include <vector>

namespace meshlet::membership {

class suspicion {
public:
  // `from` started the suspicion and never counts as a confirmation; k <= 0 means no
  // confirmations are expected, so the timer runs for `min` alone.
  suspicion(std::string from, int k, millis min, millis max, time_point start);

  // A peer also suspects the member. True when this is a new confirmation that shortened the
  // timer (false for repeats and once k confirmations were seen).
  bool confirm(const std::string &from);

  time_point deadline() const { return deadline_; }
  int confirmations() const { return n_; }
  int wanted() const { return k_; }

private:
  int k_;
  millis min_;
  millis max_;
  time_point start_;
  time_point deadline_;
  int n_ = 0;
  std::vector<std::string> seen_; // who started or confirmed it (a handful at most)
};

} // namespace meshlet::membership
