// windowed_budget: one-second buckets over the ttl window.
#include "mesh/retry/windowed_budget.hpp"

namespace meshlet::retry {

namespace {
int64_t second_of(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
} // namespace

windowed_budget::bucket& windowed_budget::current(time_point now) {
  auto sec = second_of(now);
  auto& b = ring_[static_cast<size_t>(sec % ttl_seconds + ttl_seconds) % ttl_seconds];
  if (b.second != sec)
    b = bucket{sec, 0, 0};
  return b;
}

void windowed_budget::deposit(time_point now) {
  ++current(now).deposits;
}

int64_t windowed_budget::available_x100(time_point now) {
  auto sec = second_of(now);
  int64_t deposits = 0;
  int64_t withdrawals = 0;
  for (auto& b : ring_)
    if (b.second > sec - ttl_seconds && b.second <= sec) {
      deposits += static_cast<int64_t>(b.deposits);
      withdrawals += static_cast<int64_t>(b.withdrawals);
    }
  return static_cast<int64_t>(config_.ratio_percent) * deposits
         + 100 * static_cast<int64_t>(config_.min_retries_per_second) * ttl_seconds
         - 100 * withdrawals;
}

bool windowed_budget::try_withdraw(time_point now) {
  auto avail = available_x100(now);
  if (avail < 100) {
    ++counters_.denied;
    return false;
  }
  ++current(now).withdrawals;
  ++counters_.allowed;
  return true;
}

} // namespace meshlet::retry
