// windowed_budget: the retry budget of one cluster on one I/O thread, Linkerd's model. Every
// call deposits ratio_percent/100 of a token, every retry withdraws one; both expire after
// `ttl` (kept in one-second buckets), and min_retries_per_second × ttl tokens are always
// there as a floor for quiet clusters. So retries stay within ratio_percent of the recent
// calls (plus the floor), however bursty the failures: a backend killed with 30 calls in
// flight gets its 30 retries when the cluster has been busy, and a cluster where every call
// fails never sees more than 1.2x its load. Time is a parameter.
#pragma once

#include "mesh/retry/retry_policy.hpp"

#include <array>
#include <chrono>
#include <cstdint>

namespace meshlet::retry {

class windowed_budget {
public:
  static constexpr int ttl_seconds = 10;

  explicit windowed_budget(budget_config config = {}) : config_(config) {}

  // A call started (deposits its share).
  void deposit(time_point now);
  // A retry wants to go: true (and withdraws one token) when the budget holds one.
  bool try_withdraw(time_point now);
  // Tokens available now, × 100.
  int64_t available_x100(time_point now);

  const budget_counters& counters() const { return counters_; }

private:
  struct bucket {
    int64_t second = -1;
    uint64_t deposits = 0;
    uint64_t withdrawals = 0;
  };
  bucket& current(time_point now);

  budget_config config_;
  std::array<bucket, ttl_seconds> ring_{};
  budget_counters counters_;
};

} // namespace meshlet::retry
