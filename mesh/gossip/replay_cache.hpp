// replay_cache: the MACs of the authenticated envelopes accepted within the replay window, so
// a captured packet sent again while its timestamp is still inside the window is refused too.
// Bounded: past `capacity` the entry closest to expiry is forgotten first (only key holders
// can add entries, so the bound guards against bugs rather than attackers).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace meshlet::gossip {

class replay_cache {
public:
  replay_cache(std::chrono::milliseconds window, std::size_t capacity = 8192)
    : window_ms_(window.count()), capacity_(capacity) {}

  // True the first time `mac` is seen (it is remembered until sent_at_ms + window); false when
  // it was seen before, i.e. a replay.
  bool first_sighting(std::string_view mac, std::int64_t sent_at_ms, std::int64_t now_ms);
  std::size_t size() const { return seen_.size(); }

private:
  void expire(std::int64_t now_ms);

  std::int64_t window_ms_;
  std::size_t capacity_;
  std::unordered_map<std::string, std::int64_t> seen_; // mac -> forget after (unix ms)
  std::multimap<std::int64_t, std::string> by_expiry_;
};

} // namespace meshlet::gossip
