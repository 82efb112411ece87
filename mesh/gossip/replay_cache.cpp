// replay_cache: seen MACs with their expiry, oldest first.
#include "mesh/gossip/replay_cache.hpp"

namespace meshlet::gossip {

void replay_cache::expire(std::int64_t now_ms) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now_ms) {
    seen_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

bool replay_cache::first_sighting(std::string_view mac, std::int64_t sent_at_ms,
                                  std::int64_t now_ms) {
  expire(now_ms);
  std::string key{mac};
  if (seen_.count(key) != 0)
    return false;
  while (!by_expiry_.empty() && seen_.size() >= capacity_) {
    seen_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  std::int64_t forget_after = sent_at_ms + window_ms_;
  seen_.emplace(key, forget_after);
  by_expiry_.emplace(forget_after, std::move(key));
  return true;
}

} // namespace meshlet::gossip
