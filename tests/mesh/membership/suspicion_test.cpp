// suspicion: the deadline starts at max and shrinks with each new, independent confirmation.
#include "mesh/membership/suspicion.hpp"

#include <doctest/doctest.h>

using namespace meshlet::membership;
using ms = std::chrono::milliseconds;

TEST_SUITE("membership") {

  TEST_CASE("suspicion counts only new, independent confirmations, up to k") {
    const meshlet::time_point t0{std::chrono::hours{1}};
    suspicion s{"origin", 3, ms{2000}, ms{30000}, t0};
    CHECK(s.deadline() == t0 + ms{30000});
    CHECK_FALSE(s.confirm("origin")); // whoever started it is not a confirmation
    CHECK(s.confirm("a"));
    CHECK(s.deadline() == t0 + ms{16000});
    CHECK_FALSE(s.confirm("a")); // one vote each
    CHECK(s.confirm("b"));
    CHECK(s.deadline() == t0 + ms{7810});
    CHECK(s.confirm("c"));
    CHECK(s.deadline() == t0 + ms{2000});
    CHECK_FALSE(s.confirm("d")); // k reached: already at the minimum
    CHECK(s.confirmations() == 3);
  }

  TEST_CASE("suspicion with no confirmations expected runs for the minimum") {
    const meshlet::time_point t0{};
    suspicion s{"origin", 0, ms{4000}, ms{24000}, t0};
    CHECK(s.deadline() == t0 + ms{4000});
    CHECK_FALSE(s.confirm("a"));
    CHECK(s.deadline() == t0 + ms{4000});
  }

} // TEST_SUITE
