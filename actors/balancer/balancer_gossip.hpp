// balancer_gossip: a balancer's side of the gossip mesh, kept apart from its own rules. Other
// sidecars' rumours (sent by the mesh actor) mark endpoints through gossip::rumour_marks; this
// sidecar's evidence (a passed health check, a successful call, a health transition to up)
// clears them; health-check transitions are told to the mesh to gossip. Marks are applied last,
// over the balancer's own overlays, every time it publishes.
#pragma once

#include "mesh/gossip/rumour_marks.hpp"
#include "mesh/lb/endpoint_table.hpp"
#include "transport/clock.hpp"

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace meshlet::actors {

struct balancer_state;

struct balancer_gossip_state {
  gossip::rumour_marks rumours;
  caf::actor mesh;                 // set by the mesh actor: (mesh, handle)
  std::optional<time_point> tick_at; // a (rumourtick) is pending for then
};

// The marks applied to a table whose eligibility reflects this sidecar's own evidence only.
lb::endpoint_table_ptr with_rumours(const balancer_state& s, lb::endpoint_table_ptr t);

// (rumour, address, reporter, unhealthy, ttl_ms)
void on_rumour(caf::event_based_actor* self, balancer_state& s, const std::string& address,
               const std::string& reporter, bool unhealthy, std::int64_t ttl_ms);
// (evidence, address)
void on_evidence(caf::event_based_actor* self, balancer_state& s, const std::string& address);
// (rumourtick): marks whose TTL ran out go.
void on_rumour_tick(caf::event_based_actor* self, balancer_state& s);
// From the (health) handler after a transition was published: gossip it; an "up" is local
// evidence that clears the endpoint's marks (republished when there were any).
void on_health_transition(balancer_state& s, const std::string& address, bool routable);

} // namespace meshlet::actors
