// backoff: doubling from the base, the cap, and the jitter band.
#include "transport/net/backoff.hpp"

#include <doctest/doctest.h>

using meshlet::net::backoff;
using ms = std::chrono::milliseconds;

TEST_CASE("backoff doubles from the base without jitter at the band's middle") {
  backoff b{ms{100}, ms{10000}};
  CHECK(b.delay(1, 0.5) == ms{100});
  CHECK(b.delay(2, 0.5) == ms{200});
  CHECK(b.delay(3, 0.5) == ms{400});
  CHECK(b.delay(7, 0.5) == ms{6400});
}

TEST_CASE("backoff is capped, even with jitter and huge failure counts") {
  backoff b{ms{100}, ms{10000}};
  CHECK(b.delay(8, 0.5) == ms{10000});
  CHECK(b.delay(1000, 0.999) == ms{10000});
  CHECK(b.delay(1000, 0.0) == ms{8000});
}

TEST_CASE("backoff jitter spreads +-20%") {
  backoff b{ms{1000}, ms{60000}};
  CHECK(b.delay(1, 0.0) == ms{800});
  CHECK(b.delay(1, 0.999999) == ms{1199});
  for (double u = 0; u < 1; u += 0.01) {
    auto d = b.delay(2, u);
    CHECK(d >= ms{1600});
    CHECK(d < ms{2400});
  }
}
