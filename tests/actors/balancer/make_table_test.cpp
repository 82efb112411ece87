// make_table: the balancer's snapshot of a cluster: literal addresses, DNS names (every
// address becomes an endpoint), weights, and ids that stay stable across refreshes.
#include "actors/balancer/balancer_actor.hpp"

#include <doctest/doctest.h>

using meshlet::actors::make_table;

namespace {
meshlet::config::cluster cluster_of(std::vector<meshlet::config::endpoint> eps) {
  meshlet::config::cluster c;
  c.name = "c";
  c.endpoints = std::move(eps);
  return c;
}
} // namespace

TEST_CASE("make_table: literal addresses keep their order and weights, ids from 1") {
  std::map<std::string, uint32_t> ids;
  uint32_t next = 1;
  auto t = make_table(cluster_of({{"127.0.0.1:5001", 3}, {"127.0.0.2:5002", 1}}), ids, next, 7);
  REQUIRE(t->endpoints.size() == 2);
  CHECK(t->version == 7);
  CHECK(t->endpoints[0].address == "127.0.0.1:5001");
  CHECK(t->endpoints[0].weight == 3);
  CHECK(t->endpoints[0].source == meshlet::lb::endpoint_source::config);
  CHECK(t->endpoints[0].id == 1);
  CHECK(t->endpoints[1].ip == "127.0.0.2");
  CHECK(t->endpoints[1].port == 5002);
  CHECK(t->endpoints[1].id == 2);
}

TEST_CASE("make_table: ids survive a refresh; a vanished endpoint's id is never reused") {
  std::map<std::string, uint32_t> ids;
  uint32_t next = 1;
  make_table(cluster_of({{"127.0.0.1:1", 1}, {"127.0.0.1:2", 1}}), ids, next, 1);
  auto t = make_table(cluster_of({{"127.0.0.1:2", 1}, {"127.0.0.1:3", 1}}), ids, next, 2);
  REQUIRE(t->endpoints.size() == 2);
  CHECK(t->endpoints[0].id == 2); // 127.0.0.1:2 keeps its id
  CHECK(t->endpoints[1].id == 3); // a newcomer gets a fresh one
  auto back = make_table(cluster_of({{"127.0.0.1:1", 1}}), ids, next, 3);
  CHECK(back->endpoints[0].id == 1);
}

TEST_CASE("make_table: a DNS name becomes one endpoint per address it resolves to") {
  std::map<std::string, uint32_t> ids;
  uint32_t next = 1;
  // localhost resolves through the system resolver (/etc/hosts) without any network.
  auto t = make_table(cluster_of({{"localhost:5001", 2}}), ids, next, 1);
  for (auto& ep : t->endpoints)
    CHECK(ep.source == meshlet::lb::endpoint_source::dns);
  REQUIRE_FALSE(t->endpoints.empty());
  for (auto& ep : t->endpoints) {
    CHECK((ep.ip == "127.0.0.1" || ep.ip == "::1"));
    CHECK(ep.port == 5001);
    CHECK(ep.weight == 2);
  }
  // A literal listed beside the name it resolves to is one endpoint, not two.
  auto both = make_table(cluster_of({{"127.0.0.1:5001", 1}, {"localhost:5001", 1}}), ids, next, 2);
  size_t v4 = 0;
  for (auto& ep : both->endpoints)
    v4 += ep.ip == "127.0.0.1";
  CHECK(v4 == 1);
}
