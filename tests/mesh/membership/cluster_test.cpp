// Small simulated clusters: join through a seed, crash and restart with a higher incarnation,
// graceful leave, rumours dying with their reporter, joining under loss.
#include "mesh/membership/sim/cluster.hpp"

#include <doctest/doctest.h>

using namespace meshlet::membership;
using namespace meshlet::membership::sim;
using std::chrono::seconds;

namespace {

cluster_config small(int n, std::uint64_t seed = 3) {
  cluster_config c;
  c.nodes = n;
  c.seed = seed;
  return c;
}

template <class Pred>
bool run_until(cluster &c, seconds limit, Pred done) {
  auto end = c.now() + limit;
  while (c.now() < end && !done())
    c.run_for(std::chrono::milliseconds{100});
  return done();
}

} // namespace

TEST_SUITE("membership") {

  TEST_CASE("cluster: five nodes join through one seed; a crashed one is found dead, and "
            "comes back with a higher incarnation") {
    cluster c{small(5)};
    c.join_all(0, std::chrono::milliseconds{500});
    REQUIRE(run_until(c, seconds{10}, [&] { return c.converged(); }));

    int false_deaths = 0;
    c.on_member_change = [&](int, const member &m, std::optional<member_state>) {
      if (m.state == member_state::dead && m.name != "n3")
        ++false_deaths;
    };
    const auto crashed_at = c.now();
    c.crash(3);
    auto dead_everywhere = [&] {
      return c.count_views(3, [](const member *m) { return m && m->state == member_state::dead; })
             == 4;
    };
    REQUIRE(run_until(c, seconds{40}, dead_everywhere));
    // Five members: 4 s minimum, 24 s maximum suspicion; confirmations come from the other
    // three probers, so it lands well before the maximum.
    CHECK(c.now() - crashed_at < seconds{15});
    const std::uint64_t buried_at = c.at(0).find_member("n3")->incarnation;

    c.restart(3, 0);
    REQUIRE(run_until(c, seconds{20}, [&] { return c.converged(); }));
    CHECK(c.at(3).incarnation() > buried_at);
    for (int i = 0; i < 5; ++i) {
      CAPTURE(i);
      CHECK(c.at(i).find_member("n3")->incarnation == c.at(3).incarnation());
    }
    CHECK(false_deaths == 0);
  }

  TEST_CASE("cluster: a graceful leave is seen as left, never as a failure") {
    cluster c{small(8)};
    c.preload();
    c.run_for(seconds{10});
    int deaths = 0;
    c.on_member_change = [&](int, const member &m, std::optional<member_state>) {
      deaths += m.state == member_state::dead ? 1 : 0;
    };
    c.at(5).leave(c.now());
    c.net().wake(5);
    REQUIRE(run_until(c, seconds{5}, [&] { return c.at(5).leave_announced(); }));
    c.run_for(seconds{1});
    c.crash(5); // the process exits after its announcement went out
    auto left_everywhere = [&] {
      return c.count_views(5, [](const member *m) {
        return m == nullptr || m->state == member_state::left;
      }) == 7;
    };
    REQUIRE(run_until(c, seconds{10}, left_everywhere));
    c.run_for(seconds{60});
    CHECK(deaths == 0);
    CHECK(c.total_stats().deaths == 0);
  }

  TEST_CASE("cluster: endpoint rumours reach everyone and die with their reporter") {
    cluster c{small(20)};
    c.preload();
    c.run_for(seconds{10});
    c.at(4).publish_endpoint_health("pay", "10.1.0.9:50051", endpoint_state::unhealthy, 5, c.now());
    c.net().wake(4);
    auto holders = [&] {
      int n = 0;
      for (int i = 0; i < c.size(); ++i)
        for (const auto &r : c.at(i).endpoint_views())
          n += (r.reporter == "n4" && c.is_up(i)) ? 1 : 0;
      return n;
    };
    REQUIRE(run_until(c, seconds{3}, [&] { return holders() == 20; }));
    c.crash(4);
    REQUIRE(run_until(c, seconds{60}, [&] { return holders() == 0; }));
    // Anti-entropy does not bring them back.
    c.run_for(seconds{60});
    CHECK(holders() == 0);
  }

  TEST_CASE("cluster: thirty nodes join through one seed despite 10% loss") {
    cluster_config cfg = small(30, 11);
    cfg.net.loss = 0.10;
    cluster c{cfg};
    c.join_all(0, std::chrono::milliseconds{2000});
    CHECK(run_until(c, seconds{60}, [&] { return c.converged(); }));
  }

} // TEST_SUITE
