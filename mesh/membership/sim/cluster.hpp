// cluster: N membership nodes on one simulated network, with the operations scenarios need
// (preload or join, crash, restart, partition, heal) and per-observer change hooks.
#pragma once

#include "mesh/membership/config.hpp"
#include "mesh/membership/node.hpp"
#include "mesh/membership/sim/network.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshlet::membership::sim {

struct cluster_config {
  int nodes = 100;
  std::uint64_t seed = 1;
  network_config net;
  membership_config node; // name and address are set per node
};

class cluster {
public:
  explicit cluster(cluster_config cfg);
  ~cluster();

  int size() const { return static_cast<int>(nodes_.size()); }
  node &at(int i) { return *nodes_[i]; }
  const node &at(int i) const { return *nodes_[i]; }
  network &net() { return net_; }
  time_point now() const { return net_.now(); }
  const std::string &name(int i) const { return names_[i]; }
  int index_of(const std::string &name) const;
  bool is_up(int i) const { return net_.is_up(i); }

  // Every node merges the full member list, as a completed join would leave it.
  void preload();
  // Node i > 0 joins through node `seed` at a random moment within `spread`.
  void join_all(int seed, millis spread);
  void run_for(duration d) { net_.run_until(now() + d); }
  void run_until(time_point t) { net_.run_until(t); }

  void crash(int i) { net_.set_up(i, false); }
  // A fresh node (same name and address, new process) starts and joins through `seed`.
  void restart(int i, int seed);
  void partition(std::vector<int> group_of_node) { net_.set_groups(std::move(group_of_node)); }
  void heal() { net_.heal(); }

  // Observer hooks: `observer` is the index of the node whose view changed.
  std::function<void(int observer, const member &m, std::optional<member_state> old)>
    on_member_change;
  std::function<void(int observer, const endpoint_rumour &r, bool removed)> on_endpoint_change;

  // Up nodes (other than `target`) whose view of `target` satisfies `pred` (null: unknown).
  int count_views(int target, const std::function<bool(const member *)> &pred) const;
  // Every up node sees every up node alive, and no down node alive or suspect.
  bool converged() const;
  node_stats total_stats() const;

private:
  void make_node(int i);

  cluster_config cfg_;
  network net_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> index_;
  std::vector<std::unique_ptr<node>> nodes_;
  std::vector<std::unique_ptr<node>> retired_; // crashed-then-restarted nodes' old selves
  std::uint64_t restarts_ = 0;
};

} // namespace meshlet::membership::sim
