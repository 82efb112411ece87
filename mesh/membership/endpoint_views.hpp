// endpoint_views: the endpoint-health rumours this node holds, one per (cluster, endpoint,
// reporter); the newest version wins. Dropping a reporter's rumours (it died) is the caller's
// call; what a balancer does with them (TTL, local evidence wins) is the balancer's.
#pragma once

#include "mesh/membership/messages.hpp"
#include "transport/clock.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace meshlet::membership {

class endpoint_views {
public:
  struct entry {
    endpoint_rumour rumour;
    time_point received_at;
  };

  // Keep `r` if it is newer than what we hold for its key; true when it was kept.
  bool apply(const endpoint_rumour &r, time_point now);

  // Remove every rumour `reporter` made; returns them.
  std::vector<endpoint_rumour> drop_reporter(const std::string &reporter);

  const entry *find(const std::string &cluster, const std::string &endpoint,
                    const std::string &reporter) const;
  std::vector<endpoint_rumour> all() const;
  std::size_t size() const { return by_key_.size(); }

private:
  std::unordered_map<std::string, entry> by_key_;
};

} // namespace meshlet::membership
