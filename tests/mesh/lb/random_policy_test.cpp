// Tests for the random policy: uniform over the endpoints that can take the call, reproducible
// per seed.
#include "mesh/lb/random_policy.hpp"

#include "tests/mesh/lb/policy_test_support.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace meshlet::lb;
using namespace meshlet::lb::testing;

TEST_SUITE_BEGIN("lb/random_policy");

TEST_CASE("random spreads 10,000 picks evenly over 4 endpoints (within 10%)") {
  auto t = table_of(4, {1, 1000, 3, 1}); // weights are not random's business
  random_policy p{5};
  p.update(t);
  auto counts = tally(p, *t, 10000);
  for (size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(count_of(counts, i) >= 2250);
    CHECK(count_of(counts, i) <= 2750);
  }
}

TEST_CASE("random is uniform over what is eligible and usable, whatever the table order") {
  auto t = table_of(6);
  t->endpoints[0].eligible = false;
  t->endpoints[5].eligible = false;
  random_policy p{9};
  p.update(t);
  auto counts = tally(p, *t, 9000, request({}, {}, [](size_t i) { return i != 2; }));
  CHECK(counts.size() == 3);
  for (size_t i : {1, 3, 4}) {
    CAPTURE(i);
    CHECK(count_of(counts, i) >= 2700);
    CHECK(count_of(counts, i) <= 3300);
  }
}

TEST_CASE("random repeats its sequence for a seed and differs between seeds") {
  auto t = table_of(10);
  auto sequence = [&](uint64_t seed) {
    random_policy p{seed};
    p.update(t);
    std::vector<size_t> out;
    for (int k = 0; k < 50; ++k)
      out.push_back(*p.pick(request()));
    return out;
  };
  CHECK(sequence(3) == sequence(3));
  CHECK(sequence(3) != sequence(4));
}

TEST_SUITE_END();
