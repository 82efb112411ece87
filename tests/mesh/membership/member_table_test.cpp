// member_table: round-robin probing over live members, reshuffled each round; random picks.
#include "mesh/membership/member_table.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace meshlet::membership;

namespace {

member_table make(int n, rng_type &rng) {
  member_table t;
  for (int i = 0; i < n; ++i)
    t.add(member{"n" + std::to_string(i), "a" + std::to_string(i), member_state::alive, 1, {}},
          rng);
  return t;
}

} // namespace

TEST_SUITE("membership") {

  TEST_CASE("probing visits every live member once per round, never self or the dead") {
    rng_type rng{7};
    member_table t = make(20, rng);
    t.find("n3")->m.state = member_state::dead;
    t.find("n4")->m.state = member_state::left;
    t.find("n5")->m.state = member_state::suspect; // suspects are still probed
    for (int round = 0; round < 3; ++round) {
      std::multiset<std::string> seen;
      for (int i = 0; i < 17; ++i)
        seen.insert(t.next_probe_target("n0", rng)->m.name);
      CHECK(seen.size() == 17);
      CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 17);
      CHECK(seen.count("n0") == 0);
      CHECK(seen.count("n3") == 0);
      CHECK(seen.count("n4") == 0);
      CHECK(seen.count("n5") == 1);
    }
  }

  TEST_CASE("probing has nobody to probe when alone or surrounded by the dead") {
    rng_type rng{1};
    member_table t = make(1, rng);
    CHECK(t.next_probe_target("n0", rng) == nullptr);
    t.add(member{"n1", "a1", member_state::dead, 1, {}}, rng);
    CHECK(t.next_probe_target("n0", rng) == nullptr);
  }

  TEST_CASE("random picks are distinct, eligible, and spread") {
    rng_type rng{3};
    member_table t = make(50, rng);
    std::map<std::string, int> hits;
    for (int i = 0; i < 2000; ++i) {
      auto picked =
        t.random_members(3, rng, [](const member_entry &e) { return e.m.name != "n0"; });
      REQUIRE(picked.size() == 3);
      CHECK(picked[0] != picked[1]);
      CHECK(picked[1] != picked[2]);
      CHECK(picked[0] != picked[2]);
      for (auto *e : picked)
        hits[e->m.name]++;
    }
    CHECK(hits.count("n0") == 0);
    CHECK(hits.size() == 49);
    for (const auto &[name, n] : hits) {
      CAPTURE(name);
      CHECK(n > 60); // about 122 each
      CHECK(n < 200);
    }
    // Small tables are scanned exhaustively: two eligible of three, both found.
    member_table small = make(3, rng);
    auto two = small.random_members(3, rng, [](const member_entry &e) { return e.m.name != "n1"; });
    CHECK(two.size() == 2);
  }

  TEST_CASE("erase keeps lookup and probing consistent") {
    rng_type rng{5};
    member_table t = make(5, rng);
    t.next_probe_target("n0", rng);
    t.erase("n2");
    CHECK(t.find("n2") == nullptr);
    CHECK(t.size() == 4);
    std::set<std::string> seen;
    for (int i = 0; i < 8; ++i)
      seen.insert(t.next_probe_target("n0", rng)->m.name);
    CHECK(seen == std::set<std::string>{"n1", "n3", "n4"});
  }

} // TEST_SUITE
