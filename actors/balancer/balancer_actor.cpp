// balancer_actor: resolving endpoints, keeping ids stable, publishing snapshots.
#include "actors/balancer/balancer_actor.hpp"

#include "actors/balancer/balancer_protocol.hpp"
#include "actors/mesh/mesh_protocol.hpp"
#include "transport/net/address.hpp"

#include <asio/io_context.hpp>
#include <algorithm>
#include <asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

namespace meshlet::actors {

namespace {

bool same_endpoints(const lb::endpoint_table& a, const lb::endpoint_table& b) {
  if (a.endpoints.size() != b.endpoints.size())
    return false;
  for (size_t i = 0; i < a.endpoints.size(); ++i) {
    auto& x = a.endpoints[i];
    auto& y = b.endpoints[i];
    if (x.address != y.address || x.weight != y.weight || x.eligible != y.eligible
        || x.draining != y.draining || x.source != y.source)
      return false;
  }
  return true;
}

} // namespace

lb::endpoint_table_ptr make_table(const config::cluster& c, std::map<std::string, uint32_t>& ids,
                                  uint32_t& next_id, uint64_t version) {
  auto t = std::make_shared<lb::endpoint_table>();
  t->version = version;
  t->cluster = c.name;
  asio::io_context ctx;
  asio::ip::tcp::resolver resolver{ctx};
  auto add = [&](const std::string& ip, uint16_t port, uint32_t weight, lb::endpoint_source src) {
    lb::endpoint ep;
    ep.ip = ip;
    ep.port = port;
    ep.address = net::address{ip, port}.to_string();
    ep.weight = weight;
    ep.source = src;
    for (auto& have : t->endpoints)
      if (have.address == ep.address)
        return; // a name resolving to an address listed already
    auto [it, fresh] = ids.emplace(ep.address, next_id);
    if (fresh)
      ++next_id;
    ep.id = it->second;
    t->endpoints.push_back(std::move(ep));
  };
  for (auto& e : c.endpoints) {
    auto a = net::parse_address(e.address);
    if (!a.value) {
      spdlog::error("cluster {}: {}", c.name, a.error);
      continue;
    }
    asio::error_code ec;
    auto ip = asio::ip::make_address(a.value->host, ec);
    if (!ec) {
      add(ip.to_string(), a.value->port, e.weight, lb::endpoint_source::config);
      continue;
    }
    auto results = resolver.resolve(a.value->host, std::to_string(a.value->port), ec);
    if (ec || results.empty()) {
      spdlog::warn("cluster {}: cannot resolve {}: {}", c.name, e.address,
                   ec ? ec.message() : "no address");
      continue;
    }
    for (auto& r : results)
      add(r.endpoint().address().to_string(), a.value->port, e.weight, lb::endpoint_source::dns);
  }
  return t;
}

namespace {

// The cluster as the balancer resolves it: the configured endpoints plus the runtime ones.
lb::endpoint_table_ptr resolve(balancer_state& s, uint64_t version) {
  if (s.added.empty())
    return make_table(*s.cluster, s.ids, s.next_id, version);
  config::cluster c = *s.cluster;
  for (auto& [address, weight] : s.added)
    c.endpoints.push_back(config::endpoint{address, weight});
  auto t = make_table(c, s.ids, s.next_id, version);
  auto copy = std::make_shared<lb::endpoint_table>(*t);
  for (auto& ep : copy->endpoints)
    if (s.added.count(ep.address))
      ep.source = lb::endpoint_source::admin;
  return copy;
}

// Applies the overlays to a resolved table: removals, runtime weights, drains and what active
// health checks took down. A new table object when anything applies.
lb::endpoint_table_ptr decorate(lb::endpoint_table_ptr t, const balancer_state& s) {
  if (s.down.empty() && s.weights.empty() && s.draining.empty() && s.removed.empty()
      && s.passed.empty())
    return t;
  auto copy = std::make_shared<lb::endpoint_table>(*t);
  auto& eps = copy->endpoints;
  eps.erase(std::remove_if(eps.begin(), eps.end(),
                           [&](const lb::endpoint& ep) { return s.removed.count(ep.address) != 0; }),
            eps.end());
  for (auto& ep : eps) {
    auto d = s.down.find(ep.address);
    ep.health_down = d != s.down.end() && d->second;
    ep.draining = s.draining.count(ep.address) != 0;
    ep.health_passed = s.passed.count(ep.address) != 0;
    if (auto w = s.weights.find(ep.address); w != s.weights.end())
      ep.weight = w->second;
    ep.eligible = !ep.health_down && !ep.draining;
  }
  return copy;
}

using admin_reply = caf::result<int32_t, std::string, lb::endpoint_table_ptr>;

admin_reply reply(int32_t code, std::string message, lb::endpoint_table_ptr t) {
  return admin_reply{code, std::move(message), std::move(t)};
}

const lb::endpoint* find_endpoint(const lb::endpoint_table& t, const std::string& address) {
  for (auto& ep : t.endpoints)
    if (ep.address == address)
      return &ep;
  return nullptr;
}

} // namespace

caf::behavior balancer_actor(caf::stateful_actor<balancer_state>* self, config::cluster cluster,
                             publish_fn publish, probe_fn probes, lb::endpoint_table_ptr initial) {
  auto& st = self->state;
  st.cluster = std::make_shared<const config::cluster>(std::move(cluster));
  st.publish = std::move(publish);
  st.probes = std::move(probes);
  if (initial) {
    st.table = initial;
    st.version = initial->version;
    for (auto& ep : initial->endpoints) {
      st.ids[ep.address] = ep.id;
      st.next_id = std::max(st.next_id, ep.id + 1);
    }
  } else {
    st.table = make_table(*st.cluster, st.ids, st.next_id, ++st.version);
    st.publish(st.cluster, st.table);
  }
  st.probes(st.cluster, st.table, caf::actor_cast<caf::actor>(self));
  // Publishes the resolved table with the overlays and health marks applied.
  auto republish = [self](lb::endpoint_table_ptr resolved) {
    auto& s = self->state;
    s.table = with_rumours(s, decorate(std::move(resolved), s)); // gossip marks go last
    s.publish(s.cluster, s.table);
  };
  // After an admin change: a new version, published, the probes in step.
  auto changed = [self, republish] {
    auto& s = self->state;
    republish(resolve(s, ++s.version));
    s.probes(s.cluster, s.table, caf::actor_cast<caf::actor>(self));
  };
  // An endpoint's first passed health check: readiness (grpc.health.v1 on --admin) counts it.
  auto mark_passed = [self](const std::string& address) {
    auto& s = self->state;
    if (!s.passed.insert(address).second)
      return;
    auto t = std::make_shared<lb::endpoint_table>(*s.table);
    t->version = ++s.version;
    for (auto& ep : t->endpoints)
      if (ep.address == address)
        ep.health_passed = true;
    s.table = t;
    s.publish(s.cluster, s.table);
  };
  auto refresh = [self, republish] {
    auto& s = self->state;
    auto t = resolve(s, s.version + 1);
    auto marked = with_rumours(s, decorate(t, s));
    if (same_endpoints(*marked, *s.table))
      return;
    s.version = t->version;
    spdlog::info("cluster {}: {} endpoint(s) (was {})", s.cluster->name, t->endpoints.size(),
                 s.table->endpoints.size());
    republish(t);
    s.probes(s.cluster, s.table, caf::actor_cast<caf::actor>(self));
  };
  self->delayed_send(self, st.cluster->dns_refresh, resolve_atom::value);
  return {
    [self](publish_atom) {
      auto& s = self->state;
      s.publish(s.cluster, s.table);
    },
    [self, refresh](resolve_atom) {
      refresh();
      self->delayed_send(self, self->state.cluster->dns_refresh, resolve_atom::value);
    },
    [self, republish](update_atom, config::cluster& c) {
      auto& s = self->state;
      s.cluster = std::make_shared<const config::cluster>(std::move(c));
      if (!s.cluster->health.enabled)
        s.down.clear();
      s.removed.clear(); // the file says which configured endpoints exist now
      republish(resolve(s, ++s.version));
      s.probes(s.cluster, s.table, caf::actor_cast<caf::actor>(self));
    },
    [self, mark_passed](health_atom, const std::string& address, bool routable) {
      auto& s = self->state;
      if (routable)
        mark_passed(address);
      bool was_down = s.down.count(address) && s.down[address];
      if (was_down == !routable)
        return;
      s.down[address] = !routable;
      spdlog::info("cluster {}: endpoint {} is {} (health check)", s.cluster->name, address,
                   routable ? "up" : "down");
      auto t = std::make_shared<lb::endpoint_table>(*s.table);
      t->version = ++s.version;
      for (auto& ep : t->endpoints)
        if (ep.address == address) {
          ep.health_down = !routable;
          ep.eligible = routable && !ep.draining;
        }
      s.table = t;
      s.publish(s.cluster, s.table);
      on_health_transition(s, address, routable); // gossip it (balancer_gossip.hpp)
    },
    // Gossip (balancer_gossip.hpp): the mesh, other sidecars' rumours, local evidence.
    [self](mesh_atom, caf::actor& mesh) { self->state.gossip.mesh = std::move(mesh); },
    [self](rumour_atom, const std::string& address, const std::string& reporter, bool unhealthy,
           int64_t ttl_ms) { on_rumour(self, self->state, address, reporter, unhealthy, ttl_ms); },
    [self, mark_passed](evidence_atom, const std::string& address) {
      mark_passed(address);
      on_evidence(self, self->state, address);
    },
    [self](rumour_tick_atom) { on_rumour_tick(self, self->state); },
    [self, changed](set_ep_atom, const std::string& address, int64_t weight,
                    int32_t drain) -> admin_reply {
      auto& s = self->state;
      if (!find_endpoint(*s.table, address))
        return reply(5, "cluster " + s.cluster->name + " has no endpoint " + address, s.table);
      if (weight >= 0) {
        s.weights[address] = static_cast<uint32_t>(weight);
        if (auto a = s.added.find(address); a != s.added.end())
          a->second = static_cast<uint32_t>(weight);
      }
      if (drain == 1)
        s.draining.insert(address);
      else if (drain == 0)
        s.draining.erase(address);
      spdlog::info("cluster {}: endpoint {}{}{} (admin)", s.cluster->name, address,
                   weight >= 0 ? " weight " + std::to_string(weight) : "",
                   drain == 1 ? " draining" : drain == 0 ? " undrained" : "");
      changed();
      return reply(0, {}, s.table);
    },
    [self, changed](add_ep_atom, const std::string& address, uint32_t weight) -> admin_reply {
      auto& s = self->state;
      if (!s.cluster->runtime_endpoints)
        return reply(9, "cluster " + s.cluster->name + " does not allow runtime endpoints "
                          "(set runtime_endpoints: true in its config)", s.table);
      if (find_endpoint(*s.table, address))
        return reply(6, "cluster " + s.cluster->name + " already has endpoint " + address, s.table);
      s.removed.erase(address);
      if (!find_endpoint(*resolve(s, s.version), address)) {
        s.added[address] = weight;
        s.weights.erase(address);
      } else if (weight != 1) {
        s.weights[address] = weight; // a configured endpoint, removed earlier, comes back
      }
      spdlog::info("cluster {}: endpoint {} added, weight {} (admin)", s.cluster->name, address,
                   weight);
      changed();
      return reply(0, {}, s.table);
    },
    [self, changed](remove_ep_atom, const std::string& address) -> admin_reply {
      auto& s = self->state;
      if (!find_endpoint(*s.table, address))
        return reply(5, "cluster " + s.cluster->name + " has no endpoint " + address, s.table);
      if (s.added.erase(address) == 0)
        s.removed.insert(address);
      s.weights.erase(address);
      s.draining.erase(address);
      s.down.erase(address);
      spdlog::info("cluster {}: endpoint {} removed (admin)", s.cluster->name, address);
      changed();
      return reply(0, {}, s.table);
    },
  };
}

} // namespace meshlet::actors
