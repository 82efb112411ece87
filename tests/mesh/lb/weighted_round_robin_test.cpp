// Tests for the weighted_round_robin policy (nginx's smooth weighted round robin): exact,
// interleaved proportions, weights 1..1000, proportions kept while endpoints are skipped and
// after they return, and each endpoint's place kept across snapshots by id.
#include "mesh/lb/weighted_round_robin.hpp"

#include "tests/mesh/lb/policy_test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

using namespace meshlet::lb;
using namespace meshlet::lb::testing;

TEST_SUITE_BEGIN("lb/weighted_round_robin");

TEST_CASE("weighted_round_robin with weights 3:1 interleaves A A B A") {
  auto t = table_of(2, {3, 1});
  weighted_round_robin p;
  p.update(t);
  std::string seq;
  for (int k = 0; k < 12; ++k)
    seq += *p.pick(request()) == 0 ? 'A' : 'B';
  CHECK(seq == "AABAAABAAABA");
}

TEST_CASE("weighted_round_robin with weights 3:1 gives 75% of 10,000 picks to the first") {
  auto t = table_of(2, {3, 1});
  weighted_round_robin p;
  p.update(t);
  auto counts = tally(p, *t, 10000);
  CHECK(counts == std::map<size_t, int>{{0, 7500}, {1, 2500}});
}

TEST_CASE("weighted_round_robin honours weights 1..1000 exactly over one period") {
  auto t = table_of(5, {1, 10, 100, 1000, 7});
  weighted_round_robin p;
  p.update(t);
  const int period = 1 + 10 + 100 + 1000 + 7;
  auto counts = tally(p, *t, 3 * period);
  CHECK(counts == std::map<size_t, int>{{0, 3}, {1, 30}, {2, 300}, {3, 3000}, {4, 21}});
}

TEST_CASE("weighted_round_robin spreads a heavy endpoint's turns: weight 1 vs 1000") {
  auto t = table_of(2, {1000, 1});
  weighted_round_robin p;
  p.update(t);
  std::vector<int> light_at;
  for (int k = 0; k < 3003; ++k)
    if (*p.pick(request()) == 1)
      light_at.push_back(k);
  REQUIRE(light_at.size() == 3);
  CHECK(light_at[1] - light_at[0] == 1001);
  CHECK(light_at[2] - light_at[1] == 1001);
}

TEST_CASE("weighted_round_robin clamps weights outside 1..1000") {
  auto t = table_of(3, {0, 5000, 1000});
  weighted_round_robin p;
  p.update(t);
  auto counts = tally(p, *t, 2001 * 2);
  CHECK(counts == std::map<size_t, int>{{0, 2}, {1, 2000}, {2, 2000}});
}

TEST_CASE("weighted_round_robin keeps proportions among the others while one is skipped, "
          "and resumes them without a burst when it returns") {
  auto t = table_of(3, {3, 1, 2});
  weighted_round_robin p;
  p.update(t);
  for (int k = 0; k < 5; ++k) // somewhere mid-period
    p.pick(request());
  // C unusable for 4,000 picks: A and B share 3:1.
  auto without_c = tally(p, *t, 4000, request({}, {}, [](size_t i) { return i != 2; }));
  CHECK(std::abs(count_of(without_c, 0) - 3000) <= 3);
  CHECK(std::abs(count_of(without_c, 1) - 1000) <= 3);
  // Back: every prefix of the next 6,000 picks stays within a few picks of 3:1:2.
  int seen[3] = {0, 0, 0};
  int worst = 0;
  for (int k = 1; k <= 6000; ++k) {
    ++seen[*p.pick(request())];
    for (size_t i = 0; i < 3; ++i) {
      const double ideal = k * (i == 0 ? 3.0 : i == 1 ? 1.0 : 2.0) / 6.0;
      worst = std::max(worst, static_cast<int>(std::abs(seen[i] - ideal) + 0.999));
    }
  }
  CHECK(worst <= 3);
  CHECK(seen[0] == 3000);
  CHECK(seen[1] == 1000);
  CHECK(seen[2] == 2000);
}

TEST_CASE("weighted_round_robin keeps proportions when retries rule out the endpoint just "
          "tried") {
  auto t = table_of(3, {3, 1, 2});
  weighted_round_robin p;
  p.update(t);
  std::map<size_t, int> counts;
  for (int call = 0; call < 10000; ++call) {
    size_t first = *p.pick(request());
    ++counts[first];
    if (call % 5 == 0) { // every fifth call fails and is retried elsewhere
      size_t retry = *p.pick(request({}, {}, [&](size_t i) { return i != first; }));
      CHECK(retry != first);
      ++counts[retry];
    }
  }
  const double total = 12000;
  CHECK(count_of(counts, 0) / total == doctest::Approx(0.5).epsilon(0.04));
  CHECK(count_of(counts, 1) / total == doctest::Approx(1 / 6.0).epsilon(0.12));
  CHECK(count_of(counts, 2) / total == doctest::Approx(1 / 3.0).epsilon(0.06));
}

TEST_CASE("weighted_round_robin skips ineligible endpoints and never picks them") {
  auto t = table_of(3, {3, 5, 1});
  t->endpoints[1].eligible = false;
  weighted_round_robin p;
  p.update(t);
  CHECK(tally(p, *t, 4000) == std::map<size_t, int>{{0, 3000}, {2, 1000}});
}

TEST_CASE("weighted_round_robin keeps each endpoint's place across snapshots by id") {
  auto t = table_of(2, {3, 1}); // A = id 100, B = id 101
  weighted_round_robin p;
  p.update(t);
  CHECK(*p.pick(request()) == 0); // A
  CHECK(*p.pick(request()) == 0); // A; next in the cycle is B
  auto swapped = std::make_shared<endpoint_table>();
  swapped->endpoints = {t->endpoints[1], t->endpoints[0]}; // B now first
  p.update(swapped);
  std::string seq;
  for (int k = 0; k < 9; ++k)
    seq += swapped->endpoints[*p.pick(request())].id == 100 ? 'A' : 'B';
  // The cycle goes on with B (started afresh, A would come first), then 3:1 again; ties between
  // equal `current`s go to the first in table order, so the order within a cycle may differ.
  CHECK(seq[0] == 'B');
  CHECK(std::count(seq.begin() + 1, seq.end(), 'A') == 6);
  CHECK(seq.find("BB") == std::string::npos);
}

TEST_SUITE_END();
