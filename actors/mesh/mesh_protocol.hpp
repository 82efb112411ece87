// Messages of the mesh actor (one per process, hosted on I/O thread 0; see mesh_actor.hpp).
// Others ask it:
//   (members)                          -> members_view        the gossip membership (admin)
//   (balancers, balancer_map)          the control plane's cluster -> balancer map, after every
//                                      apply(); the mesh routes rumours by cluster with it
//   (localhlth, cluster, address, healthy)  a balancer's health-check verdict changed: gossip it
//   (ejected, cluster, address)        an I/O thread's outlier detector ejected the endpoint
//   (callok, cluster, address)         an I/O thread saw a call succeed on an endpoint its
//                                      current snapshot marks ineligible (local evidence)
// It tells each balancer (handled by the balancer actor):
//   (mesh, caf::actor)                 the mesh to report health-check verdicts to
//   (rumour, address, reporter, unhealthy, ttl_ms)  a live reporter's fresh verdict; unhealthy
//                                      marks the endpoint for ttl_ms; healthy (or the reporter's
//                                      death, sent as healthy) takes the reporter's mark back
//   (evidence, address)                local evidence that the endpoint serves: clear its marks
// Health probes also send (evidence, address) to their balancer after each successful check.
// (balancers) and (mesh) are the admin protocol's own atoms and balancer_map its map type: the
// control plane sends the mesh the same (balancers, map) it sends the admin service.
#pragma once

#include "actors/admin/admin_protocol.hpp"
#include "mesh/membership/messages.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace meshlet::actors {

using members_atom = caf::atom_constant<caf::atom("members")>;
using local_health_atom = caf::atom_constant<caf::atom("localhlth")>;
using ejected_atom = caf::atom_constant<caf::atom("ejected")>;
using call_ok_atom = caf::atom_constant<caf::atom("callok")>;
using rumour_atom = caf::atom_constant<caf::atom("rumour")>;
using evidence_atom = caf::atom_constant<caf::atom("evidence")>;
using rumour_tick_atom = caf::atom_constant<caf::atom("rumourtick")>;

struct member_info {
  std::string name;
  std::string address; // gossip IP:PORT
  membership::member_state state = membership::member_state::alive;
  std::uint64_t incarnation = 0;
  bool is_self = false;
};

struct members_view {
  std::string self; // this node's name
  std::string address;
  std::vector<member_info> members; // this node included
};

} // namespace meshlet::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::actors::members_view)
