// event_queue: simulated time. Events run in time order (ties in scheduling order), one at a
// time, on the caller's thread; time jumps from event to event. No threads, no sleeps.
#pragma once

#include "transport/clock.hpp"

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace meshlet::membership::sim {

template <class Event>
class event_queue {
public:
  explicit event_queue(time_point start) : now_(start) {}

  time_point now() const { return now_; }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  time_point next_time() const { return heap_.top().at; }

  void push(time_point at, Event e) {
    heap_.push(entry{at < now_ ? now_ : at, seq_++, std::move(e)});
  }

  // Take the earliest event and advance the clock to it.
  Event pop() {
    auto &top = const_cast<entry &>(heap_.top());
    now_ = top.at;
    Event e = std::move(top.event);
    heap_.pop();
    return e;
  }

  void advance_to(time_point t) {
    if (t > now_)
      now_ = t;
  }

private:
  struct entry {
    time_point at;
    std::uint64_t seq;
    Event event;
    bool operator>(const entry &o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<entry, std::vector<entry>, std::greater<entry>> heap_;
  std::uint64_t seq_ = 0;
  time_point now_;
};

} // namespace meshlet::membership::sim
