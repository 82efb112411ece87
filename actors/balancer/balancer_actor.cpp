// balancer_actor: resolving endpoints, keeping ids stable, publishing snapshots.
#include "actors/balancer/balancer_actor.hpp"

#include "actors/balancer/balancer_protocol.hpp"
#include "transport/net/address.hpp"

#include <asio/io_context.hpp>
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
    if (x.address != y.address || x.weight != y.weight || x.eligible != y.eligible)
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
  auto add = [&](const std::string& ip, uint16_t port, uint32_t weight) {
    lb::endpoint ep;
    ep.ip = ip;
    ep.port = port;
    ep.address = net::address{ip, port}.to_string();
    ep.weight = weight;
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
      add(ip.to_string(), a.value->port, e.weight);
      continue;
    }
    auto results = resolver.resolve(a.value->host, std::to_string(a.value->port), ec);
    if (ec || results.empty()) {
      spdlog::warn("cluster {}: cannot resolve {}: {}", c.name, e.address,
                   ec ? ec.message() : "no address");
      continue;
    }
    for (auto& r : results)
      add(r.endpoint().address().to_string(), a.value->port, e.weight);
  }
  return t;
}

namespace {

// Marks what active health checks took down; a new table object when anything changed.
lb::endpoint_table_ptr with_health(lb::endpoint_table_ptr t, const std::map<std::string, bool>& down) {
  if (down.empty())
    return t;
  auto copy = std::make_shared<lb::endpoint_table>(*t);
  for (auto& ep : copy->endpoints) {
    auto i = down.find(ep.address);
    ep.eligible = i == down.end() || !i->second;
  }
  return copy;
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
  // Publishes the resolved table with health marks applied.
  auto republish = [self](lb::endpoint_table_ptr resolved) {
    auto& s = self->state;
    s.table = with_health(std::move(resolved), s.down);
    s.publish(s.cluster, s.table);
  };
  auto refresh = [self, republish] {
    auto& s = self->state;
    auto t = make_table(*s.cluster, s.ids, s.next_id, s.version + 1);
    auto marked = with_health(t, s.down);
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
      republish(make_table(*s.cluster, s.ids, s.next_id, ++s.version));
      s.probes(s.cluster, s.table, caf::actor_cast<caf::actor>(self));
    },
    [self](health_atom, const std::string& address, bool routable) {
      auto& s = self->state;
      bool was_down = s.down.count(address) && s.down[address];
      if (was_down == !routable)
        return;
      s.down[address] = !routable;
      spdlog::info("cluster {}: endpoint {} is {} (health check)", s.cluster->name, address,
                   routable ? "up" : "down");
      auto t = std::make_shared<lb::endpoint_table>(*s.table);
      t->version = ++s.version;
      for (auto& ep : t->endpoints)
        if (ep.address == address)
          ep.eligible = routable;
      s.table = t;
      s.publish(s.cluster, s.table);
    },
  };
}

} // namespace meshlet::actors
