// timer_queue: deadlines with payloads, earliest first (ties in insertion order). No
// cancellation: the owner checks, when a timer fires, whether it still means anything.
#pragma once

#include "transport/clock.hpp"

#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

namespace meshlet::membership {

template <class T>
class timer_queue {
public:
  void schedule(time_point at, T payload) { heap_.push(entry{at, next_++, std::move(payload)}); }

  std::optional<time_point> next() const {
    if (heap_.empty())
      return std::nullopt;
    return heap_.top().at;
  }

  // Remove and return the earliest timer due at `now`, if any.
  std::optional<T> pop_due(time_point now) {
    if (heap_.empty() || heap_.top().at > now)
      return std::nullopt;
    T payload = std::move(const_cast<entry &>(heap_.top()).payload);
    heap_.pop();
    return payload;
  }

  std::size_t size() const { return heap_.size(); }

private:
  struct entry {
    time_point at;
    std::uint64_t order;
    T payload;
    bool operator>(const entry &o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  std::priority_queue<entry, std::vector<entry>, std::greater<entry>> heap_;
  std::uint64_t next_ = 0;
};

} // namespace meshlet::membership
