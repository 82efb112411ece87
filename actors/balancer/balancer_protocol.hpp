// Messages the balancer actor (one per cluster, on CAF's scheduler) accepts.
//   (publish)                 re-send the current snapshot to every I/O thread
//   (resolve)                 re-resolve DNS names (sent to itself every dns_refresh)
//   (update, config::cluster) a reloaded config for this cluster
//   (health, address, routable) a health probe's verdict changed
// Admin API (each answers (int32 grpc status code, message, snapshot after the change)):
//   (set_ep, address, weight or -1, drain 0/1 or -1)
//   (add_ep, address, weight)
//   (remove_ep, address)
#pragma once

#include "mesh/config/config.hpp"
#include "mesh/lb/endpoint_table.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace meshlet::actors {

using publish_atom = caf::atom_constant<caf::atom("publish")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using set_ep_atom = caf::atom_constant<caf::atom("set_ep")>;
using add_ep_atom = caf::atom_constant<caf::atom("add_ep")>;
using remove_ep_atom = caf::atom_constant<caf::atom("remove_ep")>;

} // namespace meshlet::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::config::cluster)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::lb::endpoint_table_ptr)
