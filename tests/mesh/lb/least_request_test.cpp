// Tests for the least_request policy: power of two choices steering away from loaded endpoints,
// join-the-shortest-queue when every endpoint is sampled, random tie breaks, load per weight, and
// in-flight counts kept across snapshots by id.
#include "mesh/lb/least_request.hpp"

#include "tests/mesh/lb/policy_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace meshlet::lb;
using namespace meshlet::lb::testing;
using std::chrono::milliseconds;

TEST_SUITE_BEGIN("lb/least_request");

TEST_CASE("least_request spreads unloaded picks evenly (ties broken at random)") {
  auto t = table_of(4);
  least_request p{2, 17};
  p.update(t);
  auto counts = tally(p, *t, 10000);
  for (size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(count_of(counts, i) >= 2250);
    CHECK(count_of(counts, i) <= 2750);
  }
}

TEST_CASE("least_request with choice_count >= endpoints is join-the-shortest-queue") {
  auto t = table_of(4);
  least_request p{8, 3};
  p.update(t);
  // in flight: 3, 1, 2, 1
  for (auto [id, n] : {std::pair{100u, 3}, {101u, 1}, {102u, 2}, {103u, 1}})
    for (int k = 0; k < n; ++k)
      p.on_start(id);
  auto counts = tally(p, *t, 1000);
  CHECK(counts.size() == 2); // only the two least loaded, split at random
  CHECK(count_of(counts, 1) > 400);
  CHECK(count_of(counts, 3) > 400);
}

TEST_CASE("least_request P2C: an endpoint held at high in-flight gets under 10% of picks") {
  auto t = table_of(4);
  least_request p{2, 23};
  p.update(t);
  for (int k = 0; k < 20; ++k) // twenty stuck calls on endpoint 0
    p.on_start(100);
  steady_time now{};
  auto counts = run_closed_loop(
    p, *t, 10000, 16, [](size_t) { return milliseconds{1}; }, now);
  CHECK(count_of(counts, 0) < 1000);
  for (size_t i = 1; i < 4; ++i) {
    CAPTURE(i);
    CHECK(count_of(counts, i) > 2800);
  }
  CHECK(p.in_flight(100) == 20);
  CHECK(p.in_flight(101) == 0);
}

TEST_CASE("least_request: an abandoned call leaves the in-flight count") {
  auto t = table_of(2);
  least_request p{2, 5};
  p.update(t);
  p.on_start(100);
  p.on_start(100);
  p.on_abandon(100);
  CHECK(p.in_flight(100) == 1);
  p.on_abandon(100);
  p.on_abandon(100);
  CHECK(p.in_flight(100) == 0);
}

TEST_CASE("least_request P2C: a slow endpoint, hence more in flight, gets a small share") {
  auto t = table_of(4);
  least_request p{2, 29};
  p.update(t);
  steady_time now{};
  auto counts = run_closed_loop(
    p, *t, 10000, 32, [](size_t i) { return milliseconds{i == 2 ? 20 : 1}; }, now);
  CHECK(count_of(counts, 2) < 1000);
}

TEST_CASE("least_request compares (in_flight + 1) / weight when weights differ") {
  auto t = table_of(2, {3, 1});
  least_request p{2, 5};
  p.update(t);
  p.on_start(100);
  p.on_start(100); // A: (2 + 1) / 3 = 1
  p.on_start(101); // B: (1 + 1) / 1 = 2
  CHECK(tally(p, *t, 100) == std::map<size_t, int>{{0, 100}});
  p.on_start(100); // A: 4 / 3 < 2 still
  CHECK(tally(p, *t, 100) == std::map<size_t, int>{{0, 100}});
  p.on_start(100);
  p.on_start(100); // A: 6 / 3 = 2 = B: a tie
  auto counts = tally(p, *t, 1000);
  CHECK(count_of(counts, 0) > 400);
  CHECK(count_of(counts, 1) > 400);
  p.on_start(100); // A: 7 / 3 > 2
  CHECK(tally(p, *t, 100) == std::map<size_t, int>{{1, 100}});
}

TEST_CASE("least_request keeps in-flight counts across snapshots by id") {
  auto t = table_of(3);
  least_request p{2, 1};
  p.update(t);
  for (int k = 0; k < 5; ++k)
    p.on_start(101);
  p.on_start(102);
  // 100 leaves, 101 moves to index 0, 102 to index 1, 103 is new.
  auto next = std::make_shared<endpoint_table>();
  next->endpoints = {t->endpoints[1], t->endpoints[2], endpoint_at(3)};
  p.update(next);
  CHECK(p.in_flight(101) == 5);
  CHECK(p.in_flight(102) == 1);
  CHECK(p.in_flight(103) == 0);
  CHECK(p.in_flight(100) == 0);
  p.on_finish(100, milliseconds{1}, {}); // gone: ignored
  p.on_finish(102, milliseconds{1}, {});
  p.on_finish(102, milliseconds{1}, {}); // more finishes than starts: stays at 0
  CHECK(p.in_flight(102) == 0);
  auto counts = tally(p, *next, 1000);
  CHECK(count_of(counts, 0) == 0); // 101 still has 5 in flight: never the lower of two
}

TEST_CASE("least_request with choice_count 0 samples two") {
  auto t = table_of(3);
  least_request p{0, 1};
  p.update(t);
  for (int k = 0; k < 3; ++k)
    p.on_start(100);
  // With one choice endpoint 0 would get a third; with two it never wins against an idle one.
  CHECK(count_of(tally(p, *t, 1000), 0) == 0);
}

TEST_SUITE_END();
