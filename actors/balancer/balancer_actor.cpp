// balancer_actor: building and publishing endpoint snapshots.
#include "actors/balancer/balancer_actor.hpp"

#include "actors/balancer/balancer_protocol.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

namespace meshlet::actors {

lb::endpoint_table_ptr make_table(const std::string& cluster,
                                  const std::vector<net::address>& endpoints, uint64_t version) {
  auto t = std::make_shared<lb::endpoint_table>();
  t->version = version;
  t->cluster = cluster;
  asio::io_context ctx;
  asio::ip::tcp::resolver resolver{ctx};
  for (auto& a : endpoints) {
    lb::endpoint ep;
    ep.address = a.to_string();
    ep.port = a.port;
    asio::error_code ec;
    auto ip = asio::ip::make_address(a.host, ec);
    if (!ec) {
      ep.ip = ip.to_string();
    } else {
      auto results = resolver.resolve(a.host, std::to_string(a.port), ec);
      if (ec || results.empty()) {
        spdlog::error("cluster {}: cannot resolve {}: {}", cluster, ep.address,
                      ec ? ec.message() : "no address");
        ep.eligible = false;
      } else {
        ep.ip = results.begin()->endpoint().address().to_string();
      }
    }
    t->endpoints.push_back(std::move(ep));
  }
  return t;
}

caf::behavior balancer_actor(caf::stateful_actor<balancer_state>* self, balancer_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.table = self->state.cfg.initial;
  if (!self->state.table) {
    self->state.table = make_table(self->state.cfg.cluster, self->state.cfg.endpoints, 1);
    self->state.cfg.publish(self->state.table);
  }
  return {
    [self](publish_atom) { self->state.cfg.publish(self->state.table); },
  };
}

} // namespace meshlet::actors
