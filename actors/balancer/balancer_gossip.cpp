// balancer_gossip: rumour marks in, health transitions out, republishing when marks change.
#include "actors/balancer/balancer_gossip.hpp"

#include "actors/balancer/balancer_actor.hpp"
#include "actors/mesh/mesh_protocol.hpp"

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

namespace meshlet::actors {
namespace {

// The current snapshot, eligibility recomputed from its own overlays (as decorate() sets it:
// not health-down, not draining) and then the marks: republished under a new version.
void remark(balancer_state& s) {
  auto t = std::make_shared<lb::endpoint_table>(*s.table);
  t->version = ++s.version;
  for (auto& ep : t->endpoints) {
    ep.eligible = !ep.health_down && !ep.draining;
    ep.gossip_unhealthy = false;
    ep.gossip_reporter.clear();
  }
  s.table = s.gossip.rumours.apply(std::move(t));
  s.publish(s.cluster, s.table);
}

void arm_tick(caf::event_based_actor* self, balancer_state& s) {
  auto next = s.gossip.rumours.next_expiry();
  if (!next || (s.gossip.tick_at && *s.gossip.tick_at <= *next))
    return;
  s.gossip.tick_at = *next;
  auto wait = *next - now();
  self->delayed_send(self, wait > duration::zero() ? wait : duration::zero(),
                     rumour_tick_atom::value);
}

} // namespace

lb::endpoint_table_ptr with_rumours(const balancer_state& s, lb::endpoint_table_ptr t) {
  return s.gossip.rumours.apply(std::move(t));
}

void on_rumour(caf::event_based_actor* self, balancer_state& s, const std::string& address,
               const std::string& reporter, bool unhealthy, std::int64_t ttl_ms) {
  bool known = false;
  for (auto& ep : s.table->endpoints)
    known = known || ep.address == address;
  if (!known && unhealthy)
    return; // not an endpoint of ours (a peer's config differs): nothing to mark
  if (!s.gossip.rumours.on_rumour(address, reporter, unhealthy,
                                  now() + std::chrono::milliseconds{ttl_ms})) {
    arm_tick(self, s);
    return;
  }
  spdlog::info("cluster {}: endpoint {} {} (gossip, {})", s.cluster->name, address,
               unhealthy ? "marked unhealthy" : "no longer marked", reporter);
  remark(s);
  arm_tick(self, s);
}

void on_evidence(caf::event_based_actor*, balancer_state& s, const std::string& address) {
  if (!s.gossip.rumours.on_local_evidence(address))
    return;
  spdlog::info("cluster {}: endpoint {} answers here: gossip marks cleared", s.cluster->name,
               address);
  remark(s);
}

void on_rumour_tick(caf::event_based_actor* self, balancer_state& s) {
  s.gossip.tick_at.reset();
  if (s.gossip.rumours.expire(now())) {
    spdlog::info("cluster {}: gossip marks expired", s.cluster->name);
    remark(s);
  }
  arm_tick(self, s);
}

void on_health_transition(balancer_state& s, const std::string& address, bool routable) {
  if (s.gossip.mesh)
    caf::anon_send(s.gossip.mesh, local_health_atom::value, s.cluster->name, address, routable);
  if (routable && s.gossip.rumours.on_local_evidence(address))
    remark(s);
}

} // namespace meshlet::actors
