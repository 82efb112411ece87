// balancer_actor: owns one cluster's endpoint set and publishes immutable snapshots of it to
// the I/O threads (DESIGN.md rule 3: picks are local). DNS names are re-resolved every
// dns_refresh and every address they resolve to becomes an endpoint (like a headless
// Service); an endpoint that vanishes simply stops being picked while its calls finish.
// A control-plane actor on CAF's scheduler, never on a call's path.
#pragma once

#include "actors/balancer/balancer_gossip.hpp"
#include "mesh/config/config.hpp"
#include "mesh/lb/endpoint_table.hpp"

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <caf/actor.hpp>

#include <functional>
#include <memory>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace meshlet::actors {

using cluster_ptr = std::shared_ptr<const config::cluster>;
// Delivers a cluster's config and snapshot to every I/O thread (thread-safe).
using publish_fn = std::function<void(cluster_ptr, lb::endpoint_table_ptr)>;
// Starts/stops the cluster's health probes (on an I/O thread) to match the snapshot; the
// probes report to `balancer` with (health, address, routable).
using probe_fn = std::function<void(cluster_ptr, lb::endpoint_table_ptr, caf::actor balancer)>;

struct balancer_state {
  cluster_ptr cluster;
  publish_fn publish;
  probe_fn probes;
  std::map<std::string, bool> down; // address -> active health check says down
  lb::endpoint_table_ptr table;
  std::map<std::string, uint32_t> ids; // endpoint address -> stable id
  uint32_t next_id = 1;
  uint64_t version = 0;
  // Admin API overlays (SetEndpoint, AddEndpoint, RemoveEndpoint); weights, drains and added
  // endpoints survive reloads, removals of configured endpoints last until the next reload.
  std::map<std::string, uint32_t> weights; // address -> weight set at runtime
  std::set<std::string> draining;
  std::map<std::string, uint32_t> added; // runtime endpoints: address -> weight
  std::set<std::string> removed;
  std::set<std::string> passed; // endpoints that passed a health check at least once
  // Other sidecars' rumours and the mesh to tell ours to (balancer_gossip.hpp).
  balancer_gossip_state gossip;
  static inline const char* name = "balancer";
};

// `initial` is the snapshot the supervisor already published before the I/O threads started.
caf::behavior balancer_actor(caf::stateful_actor<balancer_state>* self, config::cluster cluster,
                             publish_fn publish, probe_fn probes, lb::endpoint_table_ptr initial);

// Resolves a cluster's endpoints into a snapshot, reusing ids from `ids` (and adding new ones).
// Endpoints given as IP:PORT are `config`, addresses a DNS name resolved to are `dns`.
lb::endpoint_table_ptr make_table(const config::cluster& c, std::map<std::string, uint32_t>& ids,
                                  uint32_t& next_id, uint64_t version);

} // namespace meshlet::actors
