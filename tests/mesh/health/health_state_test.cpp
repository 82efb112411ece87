// health_state: the first result decides, then the unhealthy (2) / healthy (1) thresholds;
// UNIMPLEMENTED is healthy and flagged; every result kind is classified.
#include "mesh/health/health_state.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace meshlet::health;

TEST_SUITE("health_state") {

  TEST_CASE("results: SERVING and UNIMPLEMENTED succeed, everything else fails") {
    CHECK(is_success(probe_result::serving));
    CHECK(is_success(probe_result::unimplemented));
    CHECK_FALSE(is_success(probe_result::not_serving));
    CHECK_FALSE(is_success(probe_result::service_unknown));
    CHECK_FALSE(is_success(probe_result::timeout));
    CHECK_FALSE(is_success(probe_result::connect_failure));
    CHECK(name(probe_result::not_serving) == "NOT_SERVING");
    CHECK(name(endpoint_health::down) == "down");
  }

  TEST_CASE("unknown at first, routable; the first result decides at once") {
    health_state up;
    CHECK(up.state() == endpoint_health::unknown);
    CHECK(up.routable());
    CHECK_FALSE(up.last_result());
    CHECK(up.record(probe_result::serving));
    CHECK(up.state() == endpoint_health::up);
    CHECK_FALSE(up.record(probe_result::serving));

    for (auto failure : {probe_result::not_serving, probe_result::service_unknown,
                         probe_result::timeout, probe_result::connect_failure}) {
      CAPTURE(name(failure));
      health_state s;
      CHECK(s.record(failure)); // one failure, not two: a new endpoint is not trusted yet
      CHECK(s.state() == endpoint_health::down);
      CHECK_FALSE(s.routable());
    }
  }

  TEST_CASE("up → down after 2 consecutive failures; a success in between restarts the count") {
    health_state s;
    s.record(probe_result::serving);
    CHECK_FALSE(s.record(probe_result::not_serving));
    CHECK(s.state() == endpoint_health::up);
    CHECK(s.consecutive_failures() == 1);
    CHECK_FALSE(s.record(probe_result::serving));
    CHECK(s.consecutive_failures() == 0);
    CHECK_FALSE(s.record(probe_result::timeout));
    CHECK(s.record(probe_result::connect_failure));
    CHECK(s.state() == endpoint_health::down);
    CHECK_FALSE(s.record(probe_result::not_serving)); // already down
    CHECK(s.consecutive_failures() == 3);
  }

  TEST_CASE("down → up after 1 success") {
    health_state s;
    s.record(probe_result::not_serving);
    REQUIRE(s.state() == endpoint_health::down);
    CHECK(s.record(probe_result::serving));
    CHECK(s.state() == endpoint_health::up);
    CHECK(s.routable());
  }

  TEST_CASE("configured thresholds: 3 to go down, 2 to come up; 0 means 1") {
    health_state s{health_thresholds{3, 2}};
    s.record(probe_result::serving);
    std::vector<bool> changed;
    for (auto r : {probe_result::timeout, probe_result::timeout, probe_result::timeout,
                   probe_result::serving, probe_result::timeout, probe_result::serving,
                   probe_result::serving, probe_result::serving}) {
      changed.push_back(s.record(r));
    }
    CHECK(changed == std::vector<bool>{false, false, true, false, false, false, true, false});
    CHECK(s.state() == endpoint_health::up);

    health_state z{health_thresholds{0, 0}};
    z.record(probe_result::serving);
    CHECK(z.record(probe_result::timeout));
    CHECK(z.record(probe_result::serving));
  }

  TEST_CASE("UNIMPLEMENTED: healthy, flagged as having no health service while it lasts") {
    health_state s;
    CHECK(s.record(probe_result::unimplemented));
    CHECK(s.state() == endpoint_health::up);
    CHECK(s.no_health_service());
    CHECK_FALSE(s.record(probe_result::unimplemented));
    CHECK_FALSE(s.record(probe_result::serving)); // the server gained a health service
    CHECK_FALSE(s.no_health_service());
    s.record(probe_result::not_serving);
    CHECK(s.record(probe_result::not_serving));
    CHECK(s.record(probe_result::unimplemented)); // down → up by an UNIMPLEMENTED answer
    CHECK(s.no_health_service());
    CHECK(s.last_result() == probe_result::unimplemented);
  }

} // TEST_SUITE
