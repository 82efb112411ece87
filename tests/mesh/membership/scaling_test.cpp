// scaling: suspicion timeouts, retransmit limits, Lifeguard's shrinking timer and push-pull
// pacing, from tables.
#include "mesh/membership/scaling.hpp"

#include <doctest/doctest.h>

using namespace meshlet::membership;
using ms = std::chrono::milliseconds;

TEST_SUITE("membership") {

  TEST_CASE("suspicion timeout is mult x log10(n) x probe interval, never below mult x interval") {
    struct row {
      int mult, n;
      ms interval, want;
    };
    const row rows[] = {
      {4, 0, ms{1000}, ms{4000}},   {4, 1, ms{1000}, ms{4000}},      {4, 5, ms{1000}, ms{4000}},
      {4, 10, ms{1000}, ms{4000}},  {4, 50, ms{1000}, ms{6792}},     {4, 100, ms{1000}, ms{8000}},
      {4, 200, ms{1000}, ms{9204}}, {4, 1000, ms{1000}, ms{12000}},  {3, 1000, ms{1000}, ms{9000}},
      {4, 1000, ms{200}, ms{2400}}, {4, 10000, ms{1000}, ms{16000}},
    };
    for (const auto &r : rows) {
      CAPTURE(r.n);
      CAPTURE(r.mult);
      CHECK(suspicion_timeout(r.mult, r.n, r.interval) == r.want);
    }
  }

  TEST_CASE("retransmit limit is mult x ceil(log10(n + 1))") {
    const int rows[][3] = {{4, 0, 0},     {4, 1, 4},     {4, 9, 4},     {4, 10, 8},
                           {4, 99, 8},    {4, 100, 12},  {4, 200, 12},  {4, 999, 12},
                           {4, 1000, 16}, {3, 1000, 12}, {4, 9999, 16}, {4, 10000, 20}};
    for (const auto &r : rows) {
      CAPTURE(r[1]);
      CHECK(retransmit_limit(r[0], r[1]) == r[2]);
    }
  }

  TEST_CASE("Lifeguard: the suspicion timer shrinks from max to min with log(confirmations)") {
    struct row {
      int n, k;
      ms elapsed, want;
    };
    // min 2 s, max 30 s: k confirmations take it from 30 s down to 2 s.
    const row rows[] = {
      {0, 3, ms{0}, ms{30000}},    // none yet: the maximum
      {1, 3, ms{2000}, ms{14000}}, // 30 - (log 2 / log 4) * 28 = 16 s, 2 s gone
      {2, 3, ms{3000}, ms{4810}},  // 30 - (log 3 / log 4) * 28 = 7.81 s, 3 s gone
      {3, 3, ms{4000}, ms{-2000}}, // all k: the minimum, already overdue
      {4, 3, ms{5000}, ms{-3000}}, // more than k never goes below the minimum
      {0, 0, ms{0}, ms{2000}},     // no confirmations expected: the minimum
    };
    for (const auto &r : rows) {
      CAPTURE(r.n);
      CAPTURE(r.k);
      CHECK(remaining_suspicion_time(r.n, r.k, r.elapsed, ms{2000}, ms{30000}) == r.want);
    }
  }

  TEST_CASE("push-pull interval stretches with log2(n) beyond 32 nodes") {
    const int rows[][2] = {{1, 1},  {32, 1},  {33, 2},   {64, 2},
                           {65, 3}, {128, 3}, {1000, 6}, {4096, 8}};
    for (const auto &r : rows) {
      CAPTURE(r[0]);
      CHECK(push_pull_scale(ms{30000}, r[0]) == ms{30000} * r[1]);
    }
  }

} // TEST_SUITE
