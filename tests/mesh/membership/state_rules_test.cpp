// state_rules: SWIM's incarnation and refutation rules, one table per rumour kind.
#include "mesh/membership/state_rules.hpp"

#include <doctest/doctest.h>

#include <optional>

using namespace meshlet::membership;
using S = member_state;

namespace {

const char *addr = "10.0.0.1:7946";
const char *other_addr = "10.0.0.2:7946";

std::optional<known_member> known(S s, std::uint64_t inc, bool timer = false,
                                  const char *a = addr) {
  return known_member{s, inc, a, timer};
}
const known_member *ptr(const std::optional<known_member> &k) {
  return k ? &*k : nullptr;
}

} // namespace

TEST_SUITE("membership") {

  TEST_CASE("alive rumours: newer incarnations win, ours are outbid, addresses are not stolen") {
    struct row {
      const char *what;
      std::optional<known_member> current;
      std::uint64_t inc;
      const char *addr;
      bool self, self_left;
      alive_verdict want;
    };
    const row rows[] = {
      {"unknown member joins", std::nullopt, 1, addr, false, false, alive_verdict::add},
      {"same incarnation is old news", known(S::alive, 3), 3, addr, false, false,
       alive_verdict::ignore},
      {"older incarnation", known(S::alive, 3), 2, addr, false, false, alive_verdict::ignore},
      {"newer incarnation", known(S::alive, 3), 4, addr, false, false, alive_verdict::update},
      {"refutes a suspicion", known(S::suspect, 3, true), 4, addr, false, false,
       alive_verdict::update},
      {"does not beat a suspicion at the same incarnation", known(S::suspect, 3, true), 3, addr,
       false, false, alive_verdict::ignore},
      {"dead at the same incarnation stays dead", known(S::dead, 3), 3, addr, false, false,
       alive_verdict::ignore},
      {"comes back from the dead with a newer incarnation", known(S::dead, 3), 4, addr, false,
       false, alive_verdict::update},
      {"comes back after leaving", known(S::left, 3), 4, addr, false, false, alive_verdict::update},
      {"a live member's address is not taken over", known(S::alive, 3), 9, other_addr, false, false,
       alive_verdict::ignore},
      {"a dead member may come back elsewhere", known(S::dead, 3), 1, other_addr, false, false,
       alive_verdict::update},
      {"about us, our own incarnation: nothing to do", known(S::alive, 5), 5, addr, true, false,
       alive_verdict::ignore},
      {"about us, older: ignore", known(S::alive, 5), 4, addr, true, false, alive_verdict::ignore},
      {"about us, newer (an earlier life): outbid it", known(S::alive, 5), 6, addr, true, false,
       alive_verdict::refute},
      {"about us at another address: a conflict, not ours to take", known(S::alive, 5), 9,
       other_addr, true, false, alive_verdict::ignore},
      {"about us after we left", known(S::left, 5), 9, addr, true, true, alive_verdict::ignore},
    };
    for (const auto &r : rows) {
      CAPTURE(r.what);
      alive m{"n", r.addr, r.inc};
      CHECK(judge_alive(ptr(r.current), m, r.self, r.self_left) == r.want);
    }
  }

  TEST_CASE("suspect rumours: start, confirm, or refute") {
    struct row {
      const char *what;
      std::optional<known_member> current;
      std::uint64_t inc;
      bool self;
      suspect_verdict want;
    };
    const row rows[] = {
      {"unknown member", std::nullopt, 1, false, suspect_verdict::ignore},
      {"alive at the same incarnation", known(S::alive, 3), 3, false, suspect_verdict::suspect},
      {"alive at an older incarnation than claimed", known(S::alive, 3), 5, false,
       suspect_verdict::suspect},
      {"stale: the member refuted since", known(S::alive, 3), 2, false, suspect_verdict::ignore},
      {"already suspect: a confirmation", known(S::suspect, 3, true), 3, false,
       suspect_verdict::confirm},
      {"already suspect, stale claim", known(S::suspect, 3, true), 2, false,
       suspect_verdict::ignore},
      {"dead already", known(S::dead, 3), 3, false, suspect_verdict::ignore},
      {"left already", known(S::left, 3), 3, false, suspect_verdict::ignore},
      {"about us: refute", known(S::alive, 3), 3, true, suspect_verdict::refute},
      {"about us, stale: ignore", known(S::alive, 3), 2, true, suspect_verdict::ignore},
      {"about us after we left", known(S::left, 3), 3, true, suspect_verdict::ignore},
    };
    for (const auto &r : rows) {
      CAPTURE(r.what);
      suspect m{"n", r.inc, "accuser"};
      CHECK(judge_suspect(ptr(r.current), m, r.self) == r.want);
    }
  }

  TEST_CASE("dead rumours: failure, graceful leave, or refutation") {
    struct row {
      const char *what;
      std::optional<known_member> current;
      std::uint64_t inc;
      const char *from;
      bool self, self_left;
      dead_verdict want;
    };
    const row rows[] = {
      {"unknown member", std::nullopt, 1, "x", false, false, dead_verdict::ignore},
      {"alive member fails", known(S::alive, 3), 3, "x", false, false, dead_verdict::dead},
      {"suspect member fails", known(S::suspect, 3, true), 3, "x", false, false,
       dead_verdict::dead},
      {"stale: it refuted since", known(S::alive, 4), 3, "x", false, false, dead_verdict::ignore},
      {"says so itself: it left", known(S::alive, 3), 3, "n", false, false, dead_verdict::left},
      {"dead already", known(S::dead, 3), 3, "x", false, false, dead_verdict::ignore},
      {"left already", known(S::left, 3), 4, "x", false, false, dead_verdict::ignore},
      {"about us: refute", known(S::alive, 3), 3, "x", true, false, dead_verdict::refute},
      {"about us after we left: that is our leave", known(S::left, 3), 3, "n", true, true,
       dead_verdict::ignore},
    };
    for (const auto &r : rows) {
      CAPTURE(r.what);
      dead m{"n", r.inc, r.from};
      CHECK(judge_dead(ptr(r.current), m, r.self, r.self_left) == r.want);
    }
  }

  TEST_CASE("a refutation outbids both our incarnation and the accusation") {
    const std::uint64_t rows[][3] = {{1, 1, 2}, {1, 5, 6}, {7, 5, 8}, {0, 0, 1}};
    for (const auto &r : rows)
      CHECK(refutation_incarnation(r[0], r[1]) == r[2]);
  }

} // TEST_SUITE
