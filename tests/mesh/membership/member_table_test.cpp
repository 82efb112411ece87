// member_table: round-robin probing over live members, reshuffled each round; the staggered
// schedule's ring; random picks.
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

  TEST_CASE("staggered schedule: in every round the members' targets are a permutation") {
    // Every member holds the same view: round r's targets, one per member, probe every member
    // exactly once (nobody twice, nobody left out), and nobody probes itself.
    rng_type rng{11};
    const int n = 37;
    member_table t = make(n, rng);
    for (std::uint64_t round : {0ull, 1ull, 2ull, 35ull, 36ull, 1000003ull}) {
      CAPTURE(round);
      std::map<std::string, int> probed;
      for (int i = 0; i < n; ++i) {
        std::string self = "n" + std::to_string(i);
        auto *e = t.ring_target(self, round);
        REQUIRE(e != nullptr);
        CHECK(e->m.name != self);
        probed[e->m.name]++;
      }
      CHECK(probed.size() == static_cast<std::size_t>(n));
      for (auto &[name, count] : probed)
        CHECK(count == 1);
    }
    // Over n - 1 consecutive rounds a member probes every other member once.
    std::set<std::string> by_n0;
    for (std::uint64_t round = 500; round < 500 + n - 1; ++round)
      by_n0.insert(t.ring_target("n0", round)->m.name);
    CHECK(by_n0.size() == static_cast<std::size_t>(n - 1));
    CHECK(by_n0.count("n0") == 0);
  }

  TEST_CASE("staggered schedule: the dead and the departed are passed over; alone, nobody") {
    rng_type rng{3};
    member_table t = make(6, rng);
    for (const char *gone : {"n1", "n2", "n3", "n4"})
      t.find(gone)->m.state = std::string{gone} == "n4" ? member_state::left : member_state::dead;
    for (std::uint64_t round = 0; round < 20; ++round) {
      auto *e = t.ring_target("n0", round);
      REQUIRE(e != nullptr);
      CHECK(e->m.name == "n5");
    }
    t.find("n5")->m.state = member_state::dead;
    CHECK(t.ring_target("n0", 7) == nullptr);
    CHECK(t.ring_target("stranger", 7) == nullptr); // not a member: no place on the ring
    member_table alone = make(1, rng);
    CHECK(alone.ring_target("n0", 1) == nullptr);
  }

  TEST_CASE("staggered schedule: the ring order is a fixed hash of the name (FNV-1a)") {
    CHECK(ring_key("") == 14695981039346656037ull);
    CHECK(ring_key("a") == 0xaf63dc4c8601ec8cull);
    // Insertion order does not matter: two tables built in opposite orders agree.
    rng_type rng{5};
    member_table a, b;
    for (int i = 0; i < 10; ++i)
      a.add(member{"m" + std::to_string(i), "x", member_state::alive, 1, {}}, rng);
    for (int i = 9; i >= 0; --i)
      b.add(member{"m" + std::to_string(i), "x", member_state::alive, 1, {}}, rng);
    for (std::uint64_t round = 0; round < 12; ++round)
      for (int i = 0; i < 10; ++i) {
        std::string self = "m" + std::to_string(i);
        CHECK(a.ring_target(self, round)->m.name == b.ring_target(self, round)->m.name);
      }
    a.erase("m3");
    b.erase("m3");
    for (int i = 0; i < 10; ++i) {
      if (i == 3)
        continue;
      std::string self = "m" + std::to_string(i);
      CHECK(a.ring_target(self, 4)->m.name == b.ring_target(self, 4)->m.name);
      CHECK(a.ring_target(self, 4)->m.name != "m3");
    }
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
