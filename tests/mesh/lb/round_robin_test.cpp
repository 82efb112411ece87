// Tests for mesh/lb/round_robin over an endpoint_table: even rotation, skipping ineligible and
// unusable endpoints, and no pick when nothing can take the call.
#include "mesh/lb/round_robin.hpp"

#include "mesh/lb/endpoint_table.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

using meshlet::lb::endpoint;
using meshlet::lb::endpoint_table;
using meshlet::lb::round_robin;

namespace {

endpoint_table table_of(size_t n) {
  endpoint_table t;
  t.version = 1;
  t.cluster = "echo";
  for (size_t i = 0; i < n; ++i) {
    endpoint e;
    e.address = "10.0.0." + std::to_string(i + 1) + ":50051";
    e.ip = "10.0.0." + std::to_string(i + 1);
    e.port = 50051;
    t.endpoints.push_back(e);
  }
  return t;
}

const auto any = [](size_t) { return true; };

// How often each index is picked over `picks` calls; a nullopt pick fails the test.
template <class Usable>
std::map<size_t, int> tally(round_robin& rr, const endpoint_table& t, int picks, Usable usable) {
  std::map<size_t, int> counts;
  for (int k = 0; k < picks; ++k) {
    auto i = rr.pick(t, usable);
    REQUIRE(i.has_value());
    REQUIRE(*i < t.endpoints.size());
    ++counts[*i];
  }
  return counts;
}

} // namespace

TEST_CASE("round_robin cycles 0,1,2,3 in order") {
  auto t = table_of(4);
  round_robin rr;
  std::vector<size_t> picked;
  for (int k = 0; k < 8; ++k) {
    auto i = rr.pick(t, any);
    REQUIRE(i.has_value());
    picked.push_back(*i);
  }
  CHECK(picked == std::vector<size_t>{0, 1, 2, 3, 0, 1, 2, 3});
}

TEST_CASE("round_robin spreads 1000 picks over 4 endpoints as 250 each") {
  auto t = table_of(4);
  round_robin rr;
  CHECK(tally(rr, t, 1000, any) == std::map<size_t, int>{{0, 250}, {1, 250}, {2, 250}, {3, 250}});
}

TEST_CASE("round_robin never picks an ineligible endpoint and spreads evenly over the rest") {
  for (size_t bad = 0; bad < 4; ++bad) {
    CAPTURE(bad);
    auto t = table_of(4);
    t.endpoints[bad].eligible = false;
    round_robin rr;
    auto counts = tally(rr, t, 999, any);
    CHECK(counts.count(bad) == 0);
    CHECK(counts.size() == 3);
    for (auto& [i, n] : counts) {
      CAPTURE(i);
      CHECK(n == 333);
    }
  }
}

TEST_CASE("round_robin with two ineligible endpoints alternates between the other two") {
  auto t = table_of(4);
  t.endpoints[0].eligible = false;
  t.endpoints[2].eligible = false;
  round_robin rr;
  CHECK(tally(rr, t, 1000, any) == std::map<size_t, int>{{1, 500}, {3, 500}});
}

TEST_CASE("round_robin skips what `usable` rules out and spreads evenly over the others") {
  for (size_t excluded = 0; excluded < 4; ++excluded) {
    CAPTURE(excluded);
    auto t = table_of(4);
    round_robin rr;
    std::vector<size_t> asked;
    auto counts = tally(rr, t, 999, [&](size_t i) {
      asked.push_back(i);
      return i != excluded;
    });
    CHECK(counts.count(excluded) == 0);
    CHECK(counts.size() == 3);
    for (auto& [i, n] : counts) {
      CAPTURE(i);
      CHECK(n == 333);
    }
    for (size_t i : asked)
      CHECK(i < 4);
  }
}

TEST_CASE("round_robin does not ask `usable` about ineligible endpoints") {
  auto t = table_of(3);
  t.endpoints[1].eligible = false;
  round_robin rr;
  for (int k = 0; k < 30; ++k)
    rr.pick(t, [](size_t i) {
      CHECK(i != 1);
      return true;
    });
}

TEST_CASE("round_robin returns nullopt when no endpoint is usable") {
  auto t = table_of(4);
  round_robin rr;
  CHECK_FALSE(rr.pick(t, [](size_t) { return false; }).has_value());

  SUBCASE("usable but all ineligible") {
    for (auto& e : t.endpoints)
      e.eligible = false;
    CHECK_FALSE(rr.pick(t, any).has_value());
  }
  SUBCASE("eligible ones unusable, usable ones ineligible") {
    t.endpoints[0].eligible = false;
    t.endpoints[1].eligible = false;
    CHECK_FALSE(rr.pick(t, [](size_t i) { return i < 2; }).has_value());
  }
}

TEST_CASE("round_robin returns nullopt for an empty table") {
  endpoint_table t;
  round_robin rr;
  CHECK_FALSE(rr.pick(t, any).has_value());
  CHECK_FALSE(rr.pick(t, any).has_value());
}

TEST_CASE("round_robin asks `usable` about each endpoint at most once per pick") {
  auto t = table_of(5);
  round_robin rr;
  std::vector<size_t> asked;
  CHECK_FALSE(rr.pick(t,
                      [&](size_t i) {
                        asked.push_back(i);
                        return false;
                      })
                .has_value());
  std::sort(asked.begin(), asked.end());
  CHECK(asked == std::vector<size_t>{0, 1, 2, 3, 4});
}
