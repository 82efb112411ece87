// gossip_metrics: the counters as Prometheus families, with the labels the dashboards and the
// integration tests read.
#include "actors/mesh/gossip_metrics.hpp"

#include <doctest/doctest.h>
#include <prometheus/metric_family.h>

#include <map>
#include <string>

using namespace meshlet;

namespace {

// "name{k=v,k=v}" -> value, for every sample of every family.
std::map<std::string, double> samples(const prometheus::Collectable& c) {
  std::map<std::string, double> out;
  for (const auto& fam : c.Collect())
    for (const auto& m : fam.metric) {
      std::string key = fam.name + "{";
      for (const auto& l : m.label)
        key += l.name + "=" + l.value + ",";
      key += "}";
      out[key] = fam.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
  return out;
}

} // namespace

TEST_SUITE("gossip") {

  TEST_CASE("gossip metrics: members by state, datagrams by direction and result") {
    auto c = std::make_shared<gossip::gossip_counters>();
    auto metrics = actors::make_gossip_metrics(c);
    c->members[0] = 4; // alive
    c->members[2] = 1; // dead
    c->count_packet(gossip::direction::in, gossip::verdict::ok);
    c->count_packet(gossip::direction::in, gossip::verdict::bad_mac);
    c->count_packet(gossip::direction::in, gossip::verdict::bad_mac);
    c->count_packet(gossip::direction::out, gossip::verdict::ok);
    auto s = samples(*metrics);
    CHECK(s["meshlet_gossip_members{state=alive,}"] == 4);
    CHECK(s["meshlet_gossip_members{state=dead,}"] == 1);
    CHECK(s["meshlet_gossip_members{state=suspect,}"] == 0);
    CHECK(s["meshlet_gossip_packets_total{direction=in,result=bad_mac,}"] == 2);
    CHECK(s["meshlet_gossip_packets_total{direction=in,result=ok,}"] == 1);
    CHECK(s["meshlet_gossip_packets_total{direction=in,result=replay,}"] == 0);
    CHECK(s["meshlet_gossip_packets_total{direction=out,result=ok,}"] == 1);
    CHECK(s.count("meshlet_gossip_packets_total{direction=out,result=bad_mac,}") == 0);
  }

} // TEST_SUITE
