// awareness: Lifeguard's local health score. A node that misses acks and nacks it should have
// had (or must refute suspicions of itself) is probably the slow one, so it probes less eagerly:
// timeouts scale by (score + 1), with 0 <= score < max.
#pragma once

#include <algorithm>
#include <chrono>

namespace meshlet::membership {

class awareness {
public:
  explicit awareness(int max_multiplier) : max_(std::max(1, max_multiplier)) {}

  void apply_delta(int delta) { score_ = std::clamp(score_ + delta, 0, max_ - 1); }
  int score() const { return score_; }

  template <class Duration>
  Duration scale(Duration d) const {
    return d * (score_ + 1);
  }

private:
  int max_;
  int score_ = 0;
};

} // namespace meshlet::membership
