// rumour_marks: the balancer's rules for remote endpoint-health rumours (mark, TTL, per-reporter
// withdrawal, dead reporters, local evidence, never the last eligible endpoint).
#include "mesh/gossip/rumour_marks.hpp"

#include <doctest/doctest.h>

using namespace meshlet;
using namespace meshlet::gossip;
using namespace std::chrono_literals;

namespace {

lb::endpoint_table_ptr table(std::vector<std::pair<std::string, bool>> eps) {
  auto t = std::make_shared<lb::endpoint_table>();
  uint32_t id = 1;
  for (auto &[address, eligible] : eps) {
    lb::endpoint ep;
    ep.id = id++;
    ep.address = address;
    ep.eligible = eligible;
    t->endpoints.push_back(ep);
  }
  return t;
}

std::vector<bool> eligibility(const lb::endpoint_table_ptr &t) {
  std::vector<bool> out;
  for (auto &ep : t->endpoints)
    out.push_back(ep.eligible);
  return out;
}

const time_point t0{std::chrono::seconds{1000}};

} // namespace

TEST_SUITE("gossip") {

  TEST_CASE("an unhealthy rumour marks until its TTL; healthy from the same reporter unmarks") {
    rumour_marks m;
    auto t = table({{"a:1", true}, {"b:1", true}, {"c:1", true}});
    CHECK(m.on_rumour("b:1", "n2", true, t0 + 30s));
    CHECK_FALSE(m.on_rumour("b:1", "n3", true, t0 + 10s)); // already marked
    CHECK(m.reporter_of("b:1") == "n2");
    CHECK(eligibility(m.apply(t)) == std::vector<bool>{true, false, true});
    CHECK(m.next_expiry() == t0 + 10s);

    CHECK_FALSE(m.on_rumour("b:1", "n2", false, {})); // n3's mark remains
    CHECK(m.marked("b:1"));
    CHECK_FALSE(m.expire(t0 + 9s));
    CHECK(m.expire(t0 + 10s));
    CHECK_FALSE(m.marked("b:1"));
    CHECK((m.apply(t) == t)); // no marks: the same table object
  }

  TEST_CASE("a dead reporter's marks go; local evidence clears every reporter's") {
    rumour_marks m;
    m.on_rumour("a:1", "n2", true, t0 + 30s);
    m.on_rumour("b:1", "n2", true, t0 + 30s);
    m.on_rumour("b:1", "n3", true, t0 + 30s);
    CHECK(m.drop_reporter("n2"));
    CHECK_FALSE(m.marked("a:1"));
    CHECK(m.marked("b:1"));
    CHECK(m.on_local_evidence("b:1"));
    CHECK_FALSE(m.on_local_evidence("b:1"));
    CHECK(m.size() == 0);
  }

  TEST_CASE("marks only take eligibility away, and never the last eligible endpoints") {
    rumour_marks m;
    // A locally-down endpoint stays down whatever is said about it.
    auto t = table({{"a:1", false}, {"b:1", true}, {"c:1", true}});
    m.on_rumour("a:1", "n2", false, {});
    CHECK((m.apply(t) == t));
    m.on_rumour("b:1", "n2", true, t0 + 30s);
    CHECK(eligibility(m.apply(t)) == std::vector<bool>{false, false, true});
    auto marked = m.apply(t);
    CHECK(marked->endpoints[1].gossip_unhealthy);
    CHECK(marked->endpoints[1].gossip_reporter == "n2");
    CHECK_FALSE(marked->endpoints[2].gossip_unhealthy);
    // Marking c too would leave nothing eligible: the rumours are only flagged, not applied.
    m.on_rumour("c:1", "n3", true, t0 + 30s);
    auto all = m.apply(t);
    CHECK(eligibility(all) == std::vector<bool>{false, true, true});
    CHECK(all->endpoints[1].gossip_unhealthy);
    CHECK(all->endpoints[2].gossip_unhealthy);
  }

} // TEST_SUITE
