// cluster: building, joining and inspecting a simulated cluster.
#include "mesh/membership/sim/cluster.hpp"

namespace meshlet::membership::sim {
namespace {

std::string address_of(int i) {
  return "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "."
         + std::to_string(i % 256) + ":7946";
}

} // namespace

cluster::cluster(cluster_config cfg)
  : cfg_(std::move(cfg)), net_(cfg_.net, cfg_.seed * 0x9e3779b97f4a7c15ULL + 1, time_point{}) {
  for (int i = 0; i < cfg_.nodes; ++i) {
    names_.push_back("n" + std::to_string(i));
    index_[names_.back()] = i;
    net_.add_host(address_of(i));
  }
  for (int i = 0; i < cfg_.nodes; ++i)
    make_node(i);
}

cluster::~cluster() = default;

void cluster::make_node(int i) {
  membership_config c = cfg_.node;
  c.name = names_[i];
  c.address = net_.address(i);
  std::uint64_t seed = cfg_.seed * 1000003ULL + static_cast<std::uint64_t>(i) + restarts_ * 7919ULL;
  auto n = std::make_unique<node>(c, net_.transport_of(i), seed, net_.now());
  n->set_observer(node_observer{[this, i](const member &m, std::optional<member_state> old) {
                                  if (on_member_change)
                                    on_member_change(i, m, old);
                                },
                                [this, i](const endpoint_rumour &r, bool removed) {
                                  if (on_endpoint_change)
                                    on_endpoint_change(i, r, removed);
                                },
                                {}});
  if (nodes_.size() <= static_cast<std::size_t>(i))
    nodes_.resize(i + 1);
  if (nodes_[i])
    retired_.push_back(std::move(nodes_[i]));
  nodes_[i] = std::move(n);
  net_.attach(i, nodes_[i].get());
}

int cluster::index_of(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

void cluster::preload() {
  push_pull all;
  for (int i = 0; i < size(); ++i)
    all.members.push_back(member_record{names_[i], net_.address(i), 1, member_state::alive});
  for (int i = 0; i < size(); ++i) {
    nodes_[i]->on_stream(net_.address((i + 1) % size()), all, now());
    net_.wake(i);
  }
}

void cluster::join_all(int seed, millis spread) {
  std::mt19937_64 rng{cfg_.seed};
  for (int i = 0; i < size(); ++i) {
    if (i == seed)
      continue;
    auto delay = millis{std::uniform_int_distribution<long long>{0, spread.count()}(rng)};
    net_.at(now() + delay, [this, i, seed] {
      nodes_[i]->join({net_.address(seed)}, now());
      net_.wake(i);
    });
  }
}

void cluster::restart(int i, int seed) {
  ++restarts_;
  net_.set_up(i, true);
  make_node(i);
  nodes_[i]->join({net_.address(seed)}, now());
  net_.wake(i);
}

int cluster::count_views(int target, const std::function<bool(const member *)> &pred) const {
  int n = 0;
  for (int i = 0; i < size(); ++i)
    if (i != target && net_.is_up(i) && pred(nodes_[i]->find_member(names_[target])))
      ++n;
  return n;
}

bool cluster::converged() const {
  for (int i = 0; i < size(); ++i) {
    if (!net_.is_up(i))
      continue;
    for (int j = 0; j < size(); ++j) {
      const member *m = nodes_[i]->find_member(names_[j]);
      if (net_.is_up(j)) {
        if (m == nullptr || m->state != member_state::alive)
          return false;
      } else if (m != nullptr && !dead_or_left(m->state)) {
        return false;
      }
    }
  }
  return true;
}

node_stats cluster::total_stats() const {
  node_stats t;
  auto add = [](traffic_stats &a, const traffic_stats &b) {
    a.packets += b.packets;
    a.bytes += b.bytes;
    for (std::size_t k = 0; k < a.messages.size(); ++k)
      a.messages[k] += b.messages[k];
  };
  auto sum = [&](const node &n) {
    const node_stats &s = n.stats();
    add(t.sent, s.sent);
    add(t.received, s.received);
    t.streams_sent += s.streams_sent;
    t.stream_bytes_sent += s.stream_bytes_sent;
    t.stream_bytes_received += s.stream_bytes_received;
    t.streams_failed += s.streams_failed;
    t.streams_served += s.streams_served;
    t.probes += s.probes;
    t.probes_failed += s.probes_failed;
    t.indirect_probes += s.indirect_probes;
    t.stream_probe_rescues += s.stream_probe_rescues;
    t.suspicions += s.suspicions;
    t.deaths += s.deaths;
    t.refutations += s.refutations;
    t.rumours_dropped += s.rumours_dropped;
    t.rejected += s.rejected;
  };
  for (const auto &n : nodes_)
    sum(*n);
  for (const auto &n : retired_)
    sum(*n);
  return t;
}

} // namespace meshlet::membership::sim
