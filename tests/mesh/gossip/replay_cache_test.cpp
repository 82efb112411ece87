// replay_cache: a MAC is accepted once within its window, forgotten after, and the cache is
// bounded.
#include "mesh/gossip/replay_cache.hpp"

#include <doctest/doctest.h>

using namespace meshlet::gossip;
using namespace std::chrono_literals;

TEST_SUITE("gossip") {

  TEST_CASE("replay_cache: once per window, then forgotten") {
    replay_cache c{30s};
    CHECK(c.first_sighting("m1", 1000, 1000));
    CHECK_FALSE(c.first_sighting("m1", 1000, 2000));
    CHECK(c.first_sighting("m2", 1000, 2000));
    CHECK(c.size() == 2);
    CHECK(c.first_sighting("m3", 40'000, 40'000)); // m1, m2 expired at 31 s
    CHECK(c.size() == 1);
  }

  TEST_CASE("replay_cache: bounded, the entry closest to expiry goes first") {
    replay_cache c{30s, 3};
    CHECK(c.first_sighting("a", 1000, 1000));
    CHECK(c.first_sighting("b", 2000, 2000));
    CHECK(c.first_sighting("c", 3000, 3000));
    CHECK(c.first_sighting("d", 4000, 4000)); // evicts a
    CHECK(c.size() == 3);
    CHECK_FALSE(c.first_sighting("b", 2000, 4000));
    CHECK(c.first_sighting("a", 1000, 4000));
  }

} // TEST_SUITE
