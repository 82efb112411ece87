// windowed_budget: ratio of recent calls, the floor, expiry after the window.
#include "mesh/retry/windowed_budget.hpp"

#include <doctest/doctest.h>

using meshlet::retry::budget_config;
using meshlet::retry::windowed_budget;
using namespace std::chrono_literals;

namespace {
meshlet::retry::time_point at(std::chrono::milliseconds ms) {
  return meshlet::retry::time_point{} + 1000s + ms;
}
} // namespace

TEST_SUITE_BEGIN("retry_budget");

TEST_CASE("windowed budget: an idle cluster has the floor, min/s x ttl") {
  windowed_budget b{budget_config{20, 3}};
  int allowed = 0;
  for (int i = 0; i < 100; ++i)
    allowed += b.try_withdraw(at(0ms)) ? 1 : 0;
  CHECK(allowed == 30); // 3/s x 10 s
  CHECK(b.counters().denied == 70);
}

TEST_CASE("windowed budget: retries stay within 20% of recent calls plus the floor") {
  windowed_budget b{budget_config{20, 3}};
  for (int i = 0; i < 1000; ++i)
    b.deposit(at(std::chrono::milliseconds{i}));
  int allowed = 0;
  for (int i = 0; i < 1000; ++i)
    allowed += b.try_withdraw(at(1500ms)) ? 1 : 0;
  CHECK(allowed == 200 + 30);
}

TEST_CASE("windowed budget: a burst of failures is covered by earlier traffic") {
  windowed_budget b{budget_config{20, 3}};
  for (int i = 0; i < 500; ++i)
    b.deposit(at(std::chrono::milliseconds{i * 4}));
  int allowed = 0;
  for (int i = 0; i < 40; ++i) // a backend dies with 40 calls in flight
    allowed += b.try_withdraw(at(2000ms)) ? 1 : 0;
  CHECK(allowed == 40);
}

TEST_CASE("windowed budget: deposits and withdrawals expire after the window") {
  windowed_budget b{budget_config{20, 0}};
  for (int i = 0; i < 100; ++i)
    b.deposit(at(0ms));
  CHECK(b.available_x100(at(0ms)) == 2000);
  CHECK(b.try_withdraw(at(500ms)));
  CHECK(b.available_x100(at(9500ms)) == 1900);
  CHECK(b.available_x100(at(10500ms)) == 0); // the second of the deposits has left the window
  CHECK_FALSE(b.try_withdraw(at(10500ms)));
}

TEST_CASE("windowed budget: when every call fails, attempts stay within 1.2x the calls") {
  windowed_budget b{budget_config{20, 3}};
  int calls = 0, retries = 0;
  for (int ms = 0; ms < 60000; ms += 10) { // 100 calls/s for a minute, each retried at will
    b.deposit(at(std::chrono::milliseconds{ms}));
    ++calls;
    for (int k = 0; k < 2 && b.try_withdraw(at(std::chrono::milliseconds{ms})); ++k)
      ++retries;
  }
  // 20% of the calls, plus the floor: 3/s over the minute (the first window starts full).
  CHECK(retries <= calls * 20 / 100 + 3 * 60 + 30);
  CHECK(retries >= calls * 20 / 100);
}

TEST_SUITE_END();
