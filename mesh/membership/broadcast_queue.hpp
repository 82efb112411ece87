// broadcast_queue: rumours waiting to be piggybacked, each sent a limited number of times
// (memberlist's TransmitLimitedQueue). A new rumour with the same key (about the same node, or
// the same endpoint by the same reporter) replaces the older one. Least-sent rumours go first,
// then larger ones, then newer ones.
#pragma once

#include "mesh/membership/messages.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshlet::membership {

class broadcast_queue {
public:
  // Queue `m` under `key`, dropping any queued rumour with the same key.
  void push(std::string key, message m);

  // Take rumours whose packet entries fit in `budget` bytes, counting one transmission each;
  // a rumour sent `transmit_limit` times is dropped.
  std::vector<message> take(std::size_t budget, int transmit_limit);

  // Transmissions so far of the rumour queued under `key`, or -1 when none is queued.
  int transmits(const std::string &key) const;
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear();
  // Drop the most-sent rumours until at most `max_retain` remain.
  void prune(std::size_t max_retain);

  static std::string member_key(const std::string &node) { return "m:" + node; }
  static std::string endpoint_key(const endpoint_rumour &r);

private:
  struct order { // least-sent, then largest, then newest first
    int transmits;
    std::size_t size;
    std::uint64_t id;
    bool operator<(const order &o) const {
      if (transmits != o.transmits)
        return transmits < o.transmits;
      if (size != o.size)
        return size > o.size;
      return id > o.id;
    }
  };
  struct item {
    std::string key;
    message msg;
  };
  void erase_key(const std::string &key);

  std::map<order, item> items_;
  std::unordered_map<std::string, order> by_key_;
  std::uint64_t next_id_ = 0;
};

} // namespace meshlet::membership
