// Messages of the admin API.
//   admin_call (I/O thread 0)  --(admin_req, method, body, may_mutate)-->  admin service
//   admin service              --(admin_resp, code, message, body)-->      admin_call
//   admin_call  --(watch, service)--> / --(unwatch)-->                     admin service
//   admin service --(health_update, serving_status)-->                     watching admin_call
// The supervisor keeps the service current:
//   (config, config::config, source)          the effective config after a load or reload
//   (balancers, map cluster -> balancer actor)  after every apply
//   (table, cluster config, snapshot)         every snapshot a balancer publishes
//   (listeners, name/address list, admin address, metrics URL, gossip node name)  once bound
//   (draining)                                a drain began (signal or admin)
//   (mesh, actor)                             the gossip actor, when gossip runs
#pragma once

#include "actors/balancer/balancer_protocol.hpp"
#include "mesh/config/config.hpp"
#include "mesh/lb/endpoint_table.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace meshlet::actors {

using admin_req_atom = caf::atom_constant<caf::atom("admin_req")>;
using admin_resp_atom = caf::atom_constant<caf::atom("admin_resp")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using unwatch_atom = caf::atom_constant<caf::atom("unwatch")>;
using health_update_atom = caf::atom_constant<caf::atom("hupdate")>;
using config_atom = caf::atom_constant<caf::atom("config")>;
using balancers_atom = caf::atom_constant<caf::atom("balancers")>;
using table_atom = caf::atom_constant<caf::atom("table")>;
using listeners_atom = caf::atom_constant<caf::atom("listeners")>;
using draining_atom = caf::atom_constant<caf::atom("draining")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using mesh_atom = caf::atom_constant<caf::atom("mesh")>;
using reloaded_atom = caf::atom_constant<caf::atom("reloaded")>;

using balancer_map = std::map<std::string, caf::actor>;
using listener_list = std::vector<std::pair<std::string, std::string>>; // name, IP:PORT
using cluster_cptr = std::shared_ptr<const config::cluster>;

// One endpoint as one I/O thread sees it; merged over threads for the admin API.
struct endpoint_report {
  bool ejected = false;    // this thread's outlier detector has it ejected now
  uint64_t ejections = 0;  // outlier ejections
  uint64_t in_flight = 0;
  uint64_t calls = 0;      // calls that ended on it
  uint64_t errors = 0;     // of which failed
  double latency_ewma_ms = 0;
};

// What one I/O thread reports (or several, merged).
struct worker_report {
  uint64_t connections = 0; // downstream connections
  uint64_t streams = 0;     // calls open now
  // cluster -> endpoint address -> report
  std::map<std::string, std::map<std::string, endpoint_report>> endpoints;
  std::map<std::string, uint64_t> cluster_requests; // calls routed to the cluster
  std::map<std::string, uint64_t> cluster_active;   // of which open now
};

void merge_into(worker_report& into, const worker_report& part);

// Reload outcome, from the control thread.
struct reload_result {
  std::vector<std::string> errors; // empty on success
  size_t clusters = 0;
  size_t routes = 0;
};

} // namespace meshlet::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::config::config)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::actors::balancer_map)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::actors::listener_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::actors::cluster_cptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::actors::worker_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::actors::reload_result)
