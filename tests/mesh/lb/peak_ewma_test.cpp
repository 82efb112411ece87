// Tests for the peak_ewma policy: slow endpoints shunned, a slowdown counted at once (peak),
// recovery after the endpoint speeds up and time passes, the default estimate, load in the cost,
// and estimates kept across snapshots by id. Time is only what the test passes in.
#include "mesh/lb/peak_ewma.hpp"

#include "tests/mesh/lb/policy_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

using namespace meshlet::lb;
using namespace meshlet::lb::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr auto rtt = milliseconds{30};
constexpr auto decay = seconds{10};

double ms_of(std::optional<std::chrono::nanoseconds> d) {
  REQUIRE(d.has_value());
  return std::chrono::duration<double, std::milli>{*d}.count();
}

} // namespace

TEST_SUITE_BEGIN("lb/peak_ewma");

TEST_CASE("peak_ewma: an endpoint at 50 ms among endpoints at 1 ms gets under 10% of picks, "
          "and its share back once it is fast again and time has passed") {
  auto t = table_of(4);
  peak_ewma p{rtt, decay, 31};
  p.update(t);
  int slow_ms = 50;
  auto latency = [&](size_t i) { return milliseconds{i == 0 ? slow_ms : 1}; };
  steady_time now{};
  auto slow = run_closed_loop(p, *t, 10000, 8, latency, now);
  CAPTURE(count_of(slow, 0));
  CHECK(count_of(slow, 0) < 1000);
  CHECK(ms_of(p.estimate(100, now)) > 40);

  slow_ms = 1; // recovered, but nothing tells the balancer until it sends it a call
  now += 6 * decay;
  auto recovered = run_closed_loop(p, *t, 10000, 8, latency, now);
  CAPTURE(count_of(recovered, 0));
  CHECK(count_of(recovered, 0) > 1750); // a fair share is 2,500
  CHECK(count_of(recovered, 0) < 3000);
  CHECK(ms_of(p.estimate(100, now)) < 1.5);
}

TEST_CASE("peak_ewma: a single slow sample raises the estimate at once; a fast one lowers it "
          "only as time passes") {
  auto t = table_of(2);
  peak_ewma p{rtt, decay, 1};
  p.update(t);
  for (int k = 0; k < 10; ++k) {
    p.on_finish(100, milliseconds{1}, at_ms(k));
    p.on_finish(101, milliseconds{1}, at_ms(k));
  }
  CHECK(ms_of(p.estimate(100, at_ms(9))) == doctest::Approx(1.0));
  // Both at 1 ms: the picks split.
  auto even = tally(p, *t, 1000, request(at_ms(9)));
  CHECK(count_of(even, 0) > 400);
  CHECK(count_of(even, 1) > 400);

  p.on_finish(100, milliseconds{100}, at_ms(10));
  CHECK(ms_of(p.estimate(100, at_ms(10))) == doctest::Approx(100.0));
  CHECK(tally(p, *t, 100, request(at_ms(10))) == std::map<size_t, int>{{1, 100}});

  // A fast sample 1 ms later barely moves it: w = exp(-1 ms / 10 s).
  p.on_finish(100, milliseconds{1}, at_ms(11));
  CHECK(ms_of(p.estimate(100, at_ms(11))) > 99.9);
  // One decay later, a fast sample takes it 1 - 1/e of the way down.
  p.on_finish(100, milliseconds{1}, at_ms(10011));
  const double w = std::exp(-1.0);
  CHECK(ms_of(p.estimate(100, at_ms(10011)))
        == doctest::Approx(100 * w + 1 * (1 - w)).epsilon(0.001));
}

TEST_CASE("peak_ewma: an endpoint with no sample costs default_rtt") {
  auto t = table_of(2);
  policy_config cfg;
  cfg.name = "peak_ewma";
  cfg.default_rtt = milliseconds{30};
  auto p = make_policy(cfg, 3);
  p->update(t);
  p->on_finish(100, milliseconds{40}, at_ms(0)); // sampled 40 ms vs unsampled 30 ms
  CHECK(tally(*p, *t, 100, request(at_ms(0))) == std::map<size_t, int>{{1, 100}});
  auto q = make_policy(cfg, 3);
  q->update(t);
  q->on_finish(100, milliseconds{20}, at_ms(0));
  CHECK(tally(*q, *t, 100, request(at_ms(0))) == std::map<size_t, int>{{0, 100}});
}

TEST_CASE("peak_ewma: the first sample replaces the default outright") {
  auto t = table_of(1);
  peak_ewma p{rtt, decay, 1};
  p.update(t);
  CHECK(ms_of(p.estimate(100, at_ms(0))) == doctest::Approx(30.0));
  p.on_finish(100, milliseconds{2}, at_ms(0));
  CHECK(ms_of(p.estimate(100, at_ms(0))) == doctest::Approx(2.0));
}

TEST_CASE("peak_ewma: cost grows with calls in flight") {
  auto t = table_of(2);
  peak_ewma p{rtt, decay, 1};
  p.update(t);
  p.on_finish(100, milliseconds{10}, at_ms(0));
  p.on_finish(101, milliseconds{25}, at_ms(0));
  CHECK(tally(p, *t, 50, request(at_ms(0))) == std::map<size_t, int>{{0, 50}}); // 10 < 25
  p.on_start(100);
  p.on_start(100); // 10 x 3 = 30 > 25 x 1
  CHECK(tally(p, *t, 50, request(at_ms(0))) == std::map<size_t, int>{{1, 50}});
  CHECK(p.in_flight(100) == 2);
}

TEST_CASE("peak_ewma: an abandoned call leaves the in-flight count without a latency sample") {
  auto t = table_of(1);
  peak_ewma p{rtt, decay, 1};
  p.update(t);
  p.on_finish(100, milliseconds{10}, at_ms(0));
  p.on_start(100);
  CHECK(p.in_flight(100) == 1);
  p.on_abandon(100); // e.g. its connection was refused after a few microseconds
  CHECK(p.in_flight(100) == 0);
  CHECK(ms_of(p.estimate(100, at_ms(0))) == doctest::Approx(10.0));
  p.on_abandon(100); // never below zero
  CHECK(p.in_flight(100) == 0);
}

TEST_CASE("peak_ewma: a new endpoint is held at default_rtt at first, then gets its share once "
          "that estimate has decayed") {
  auto t = table_of(3);
  peak_ewma p{rtt, decay, 37};
  p.update(t);
  steady_time now{};
  for (uint32_t id = 100; id < 103; ++id)
    p.on_finish(id, milliseconds{1}, now);
  auto latency = [](size_t) { return milliseconds{1}; };
  run_closed_loop(p, *t, 2000, 4, latency, now);
  auto grown = table_of(4); // 103 is new
  p.update(grown);
  // The others cost 1 ms × (1..5 in flight); the newcomer's 30 ms keeps it out for now...
  auto early = run_closed_loop(p, *grown, 8000, 4, latency, now); // 2 s
  CHECK(count_of(early, 3) == 0);
  // ...until it decays below them (~30 s), it takes a call, and its first sample replaces it.
  auto late = run_closed_loop(p, *grown, 400000, 4, latency, now); // 100 s
  CAPTURE(count_of(late, 3));
  CHECK(count_of(late, 3) > 40000);
  CHECK(ms_of(p.estimate(103, now)) == doctest::Approx(1.0).epsilon(0.01));
}

TEST_CASE("peak_ewma keeps estimates and in-flight counts across snapshots by id") {
  auto t = table_of(3);
  peak_ewma p{rtt, decay, 1};
  p.update(t);
  p.on_finish(100, milliseconds{7}, at_ms(0));
  p.on_finish(101, milliseconds{9}, at_ms(0));
  p.on_start(101);
  auto next = std::make_shared<endpoint_table>();
  next->endpoints = {t->endpoints[1], endpoint_at(5)}; // 101 stays (now index 0), 100 leaves
  p.update(next);
  CHECK(ms_of(p.estimate(101, at_ms(0))) == doctest::Approx(9.0));
  CHECK(p.in_flight(101) == 1);
  CHECK_FALSE(p.estimate(100, at_ms(0)).has_value());
  CHECK(ms_of(p.estimate(105, at_ms(0))) == doctest::Approx(30.0));
  p.on_finish(100, milliseconds{1}, at_ms(1)); // gone: ignored
  p.update(t);                                 // 100 back: a fresh start
  CHECK(ms_of(p.estimate(100, at_ms(0))) == doctest::Approx(30.0));
  CHECK(ms_of(p.estimate(101, at_ms(0))) == doctest::Approx(9.0));
}

TEST_SUITE_END();
