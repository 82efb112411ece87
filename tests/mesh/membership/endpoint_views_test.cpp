// endpoint_views: newest version per (cluster, endpoint, reporter) wins; reporters drop out.
#include "mesh/membership/endpoint_views.hpp"

#include <doctest/doctest.h>

using namespace meshlet::membership;
using E = endpoint_state;

TEST_SUITE("membership") {

  TEST_CASE("endpoint views keep the newest version per (cluster, endpoint, reporter)") {
    endpoint_views v;
    const meshlet::time_point t{};
    struct row {
      endpoint_rumour r;
      bool kept;
    };
    const row rows[] = {
      {{"c", "e1", E::unhealthy, 5, "a", 0}, true},
      {{"c", "e1", E::healthy, 4, "a", 0}, false},  // older
      {{"c", "e1", E::healthy, 5, "a", 0}, false},  // same version: first one stays
      {{"c", "e1", E::healthy, 6, "a", 0}, true},   // newer
      {{"c", "e1", E::unhealthy, 1, "b", 0}, true}, // another reporter
      {{"d", "e1", E::unhealthy, 1, "a", 0}, true}, // another cluster
    };
    for (const auto &r : rows)
      CHECK(v.apply(r.r, t) == r.kept);
    CHECK(v.size() == 3);
    const auto *e = v.find("c", "e1", "a");
    REQUIRE(e);
    CHECK(e->rumour.version == 6);
    CHECK(e->rumour.state == E::healthy);
    auto all = v.all();
    REQUIRE(all.size() == 3);
    CHECK(all[0].reporter == "a"); // sorted by cluster, endpoint, reporter
    CHECK(all[1].reporter == "b");
    CHECK(all[2].cluster == "d");
  }

  TEST_CASE("a reporter's rumours can be dropped all at once") {
    endpoint_views v;
    v.apply({"c", "e1", E::unhealthy, 1, "a", 0}, {});
    v.apply({"c", "e2", E::unhealthy, 1, "a", 0}, {});
    v.apply({"c", "e1", E::unhealthy, 1, "b", 0}, {});
    auto dropped = v.drop_reporter("a");
    CHECK(dropped.size() == 2);
    CHECK(v.size() == 1);
    CHECK(v.find("c", "e1", "a") == nullptr);
    CHECK(v.drop_reporter("zzz").empty());
  }

} // TEST_SUITE
