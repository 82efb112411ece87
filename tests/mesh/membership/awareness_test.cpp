// awareness: the local health score is clamped to [0, max) and scales timeouts by score + 1.
#include "mesh/membership/awareness.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace meshlet::membership;
using ms = std::chrono::milliseconds;

TEST_SUITE("membership") {

  TEST_CASE("awareness score follows its deltas within [0, max)") {
    struct row {
      std::vector<int> deltas;
      int score;
      ms probe_interval; // 1 s scaled
    };
    const row rows[] = {
      {{}, 0, ms{1000}},         {{1}, 1, ms{2000}},
      {{3, -1}, 2, ms{3000}},    {{-1}, 0, ms{1000}}, // floor at 0
      {{5, 5}, 7, ms{8000}},                          // ceiling at max - 1: at most 8 x
      {{5, 5, -2}, 5, ms{6000}}, {{1, 1, 1, -1, -1, -1}, 0, ms{1000}},
    };
    for (const auto &r : rows) {
      awareness a{8};
      for (int d : r.deltas)
        a.apply_delta(d);
      CHECK(a.score() == r.score);
      CHECK(a.scale(ms{1000}) == r.probe_interval);
    }
  }

} // TEST_SUITE
