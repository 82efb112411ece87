// broadcast_queue: ordering, invalidation by key and the transmit limit.
#include "mesh/membership/broadcast_queue.hpp"

#include "mesh/membership/message_size.hpp"

#include <limits>

namespace meshlet::membership {

std::string broadcast_queue::endpoint_key(const endpoint_rumour &r) {
  std::string k = "e:";
  k.append(r.cluster).push_back('\0');
  k.append(r.endpoint).push_back('\0');
  k.append(r.reporter);
  return k;
}

void broadcast_queue::erase_key(const std::string &key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return;
  items_.erase(it->second);
  by_key_.erase(it);
}

void broadcast_queue::push(std::string key, message m) {
  erase_key(key);
  order o{0, packet_entry_size(m), ++next_id_};
  by_key_.emplace(key, o);
  items_.emplace(o, item{std::move(key), std::move(m)});
}

std::vector<message> broadcast_queue::take(std::size_t budget, int transmit_limit) {
  std::vector<message> out;
  if (items_.empty())
    return out;
  std::vector<std::pair<order, item>> reinsert;
  std::size_t used = 0;
  int tier = items_.begin()->first.transmits;
  const int last_tier = items_.rbegin()->first.transmits;
  while (tier <= last_tier && used < budget) {
    std::size_t free = budget - used;
    // The largest rumour of this tier that still fits.
    auto it = items_.lower_bound(order{tier, free, std::numeric_limits<std::uint64_t>::max()});
    if (it == items_.end() || it->first.transmits != tier) {
      ++tier;
      continue;
    }
    order o = it->first;
    item i = std::move(it->second);
    items_.erase(it);
    used += o.size;
    out.push_back(i.msg);
    if (o.transmits + 1 >= transmit_limit) {
      by_key_.erase(i.key);
    } else {
      ++o.transmits;
      by_key_[i.key] = o;
      reinsert.emplace_back(o, std::move(i));
    }
  }
  for (auto &[o, i] : reinsert)
    items_.emplace(o, std::move(i));
  return out;
}

int broadcast_queue::transmits(const std::string &key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? -1 : it->second.transmits;
}

void broadcast_queue::clear() {
  items_.clear();
  by_key_.clear();
}

void broadcast_queue::prune(std::size_t max_retain) {
  while (items_.size() > max_retain) {
    auto last = std::prev(items_.end());
    by_key_.erase(last->second.key);
    items_.erase(last);
  }
}

} // namespace meshlet::membership
