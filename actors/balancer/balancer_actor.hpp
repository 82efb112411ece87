// balancer_actor: owns a cluster's endpoint set and publishes immutable snapshots of it
// to the I/O threads (DESIGN.md rule 3: picks are local). A control-plane actor on CAF's
// scheduler, never on a call's path.
#pragma once

#include "mesh/lb/endpoint_table.hpp"
#include "transport/net/address.hpp"

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace meshlet::actors {

struct balancer_config {
  std::string cluster;
  std::vector<net::address> endpoints;
  lb::endpoint_table_ptr initial; // already published by the supervisor before start
  // Delivers a snapshot to every I/O thread (thread-safe).
  std::function<void(lb::endpoint_table_ptr)> publish;
};

struct balancer_state {
  balancer_config cfg;
  lb::endpoint_table_ptr table;
  static inline const char* name = "balancer";
};

caf::behavior balancer_actor(caf::stateful_actor<balancer_state>* self, balancer_config cfg);

// Resolves endpoint addresses into a snapshot (names through the system resolver).
lb::endpoint_table_ptr make_table(const std::string& cluster,
                                  const std::vector<net::address>& endpoints, uint64_t version);

} // namespace meshlet::actors
