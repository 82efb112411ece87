// Tests for the round_robin policy: each endpoint in turn, even spread over those that can take
// the call, a random first position per seed, and the turn kept across snapshots by endpoint id.
#include "mesh/lb/round_robin_policy.hpp"

#include "tests/mesh/lb/policy_test_support.hpp"

#include <doctest/doctest.h>

#include <set>
#include <vector>

using namespace meshlet::lb;
using namespace meshlet::lb::testing;

TEST_SUITE_BEGIN("lb/round_robin_policy");

TEST_CASE("round_robin visits the endpoints in table order, one each per round") {
  auto t = table_of(5);
  round_robin_policy p{11};
  p.update(t);
  std::vector<size_t> picked;
  for (int k = 0; k < 15; ++k)
    picked.push_back(*p.pick(request()));
  for (size_t k = 1; k < picked.size(); ++k)
    CHECK(picked[k] == (picked[k - 1] + 1) % 5);
}

TEST_CASE("round_robin spreads 10,000 picks exactly evenly") {
  auto t = table_of(4);
  round_robin_policy p{1};
  p.update(t);
  CHECK(tally(p, *t, 10000) == std::map<size_t, int>{{0, 2500}, {1, 2500}, {2, 2500}, {3, 2500}});
}

TEST_CASE("round_robin spreads evenly over the endpoints that are eligible and usable") {
  auto t = table_of(5);
  t->endpoints[1].eligible = false;
  round_robin_policy p{1};
  p.update(t);
  auto counts = tally(p, *t, 9000, request({}, {}, [](size_t i) { return i != 3; }));
  CHECK(counts == std::map<size_t, int>{{0, 3000}, {2, 3000}, {4, 3000}});
}

TEST_CASE("round_robin starts at a seed-dependent position") {
  auto t = table_of(8);
  std::set<size_t> firsts;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    round_robin_policy p{seed};
    p.update(t);
    firsts.insert(*p.pick(request()));
  }
  CHECK(firsts.size() >= 4); // threads do not all begin on endpoint 0
}

TEST_CASE("round_robin continues after the last endpoint picked when the snapshot changes") {
  auto t = table_of(4); // ids 100..103
  round_robin_policy p{1};
  p.update(t);
  while (t->endpoints[*p.pick(request())].id != 101) {
  }
  // A new endpoint (id 200) in front and 100 gone: the turn goes on from 101 to 102.
  auto next = std::make_shared<endpoint_table>();
  auto fresh = endpoint_at(9);
  fresh.id = 200;
  next->endpoints = {fresh, t->endpoints[1], t->endpoints[2], t->endpoints[3]};
  p.update(next);
  std::vector<uint32_t> ids;
  for (int k = 0; k < 4; ++k)
    ids.push_back(next->endpoints[*p.pick(request())].id);
  CHECK(ids == std::vector<uint32_t>{102, 103, 200, 101});
}

TEST_SUITE_END();
