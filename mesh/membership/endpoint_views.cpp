// endpoint_views: newest-version-wins storage of endpoint-health rumours.
#include "mesh/membership/endpoint_views.hpp"

#include "mesh/membership/broadcast_queue.hpp"

#include <algorithm>
#include <tuple>

namespace meshlet::membership {

bool endpoint_views::apply(const endpoint_rumour &r, time_point now) {
  auto key = broadcast_queue::endpoint_key(r);
  auto it = by_key_.find(key);
  if (it != by_key_.end() && it->second.rumour.version >= r.version)
    return false;
  by_key_[key] = entry{r, now};
  return true;
}

std::vector<endpoint_rumour> endpoint_views::drop_reporter(const std::string &reporter) {
  std::vector<endpoint_rumour> dropped;
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    if (it->second.rumour.reporter == reporter) {
      dropped.push_back(std::move(it->second.rumour));
      it = by_key_.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

const endpoint_views::entry *endpoint_views::find(const std::string &cluster,
                                                  const std::string &endpoint,
                                                  const std::string &reporter) const {
  endpoint_rumour probe;
  probe.cluster = cluster;
  probe.endpoint = endpoint;
  probe.reporter = reporter;
  auto it = by_key_.find(broadcast_queue::endpoint_key(probe));
  return it == by_key_.end() ? nullptr : &it->second;
}

std::vector<endpoint_rumour> endpoint_views::all() const {
  std::vector<endpoint_rumour> out;
  out.reserve(by_key_.size());
  for (const auto &[key, e] : by_key_)
    out.push_back(e.rumour);
  std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
    return std::tie(a.cluster, a.endpoint, a.reporter)
           < std::tie(b.cluster, b.endpoint, b.reporter);
  });
  return out;
}

} // namespace meshlet::membership
