// Tests for transport/grpc/timeout: strict grpc-timeout parsing, saturation, and formatting that
// never shortens the forwarded deadline.
#include "transport/grpc/timeout.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using meshlet::grpc::format_timeout;
using meshlet::grpc::max_timeout;
using meshlet::grpc::parse_timeout;

using namespace std::chrono_literals;
using namespace std::string_literals;
using std::chrono::nanoseconds;

namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

// The nanoseconds of one unit of an encoded value's unit character.
std::int64_t unit_of(const std::string& encoded) {
  switch (encoded.back()) {
    case 'n':
      return 1;
    case 'u':
      return 1'000;
    case 'm':
      return 1'000'000;
    case 'S':
      return second_ns;
    case 'M':
      return 60 * second_ns;
    case 'H':
      return 3'600 * second_ns;
    default:
      return 0;
  }
}

}  // namespace

TEST_CASE("parse_timeout accepts every unit") {
  struct row {
    std::string in;
    nanoseconds out;
  };
  const std::vector<row> rows = {
      {"1n", 1ns},
      {"1u", 1us},
      {"1m", 1ms},
      {"1S", 1s},
      {"1M", 1min},
      {"1H", 1h},
      {"0n", 0ns},
      {"0H", 0ns},
      {"250m", 250ms},
      {"30S", 30s},
      {"5M", 5min},
      {"12H", 12h},
      {"00000001S", 1s},  // eight digits with leading zeros
      {"99999999n", 99'999'999ns},
      {"99999999u", 99'999'999us},
      {"99999999m", 99'999'999ms},
      {"99999999S", nanoseconds{99'999'999 * second_ns}},
      {"99999999M", nanoseconds{second_ns * 60 * 99'999'999}},
      {"1000000H", nanoseconds{second_ns * 3'600 * 1'000'000}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    auto parsed = parse_timeout(r.in);
    REQUIRE(parsed.has_value());
    CHECK(parsed->count() == r.out.count());
  }
}

TEST_CASE("parse_timeout rejects malformed values") {
  const std::vector<std::string> rejected = {
      "",
      "1",         // no unit
      "12345678",  // eight digits, no unit
      "n",         // no digits
      "H",
      "123456789n",  // nine digits
      "000000000S",  // nine digits, even as zeros
      "1s",          // units are case-sensitive: 's' is not a unit
      "1h",         "1x",
      "1 S",  // space inside
      " 1S",  // leading space
      "1S ",  // trailing space
      "+1S",  // sign
      "-1S",        "1.5S", "1e3n", "0x1S",
      "1SS",  // two units
      "1S1",        "S1",   "\t1S", "1S\r\n", "1\0S"s, "1S\0"s,
      "\xd9\xa1S",  // non-ASCII digit
  };
  for (const auto& value : rejected) {
    CAPTURE(value);
    CHECK_FALSE(parse_timeout(value).has_value());
  }
}

TEST_CASE("parse_timeout saturates instead of overflowing") {
  CHECK(parse_timeout("99999999H") == max_timeout);
  CHECK(parse_timeout("2562048H") == max_timeout);  // would overflow int64 nanoseconds
  CHECK(parse_timeout("1666667H") == max_timeout);  // first whole hour above the cap
  auto below_cap = parse_timeout("1666666H");
  REQUIRE(below_cap.has_value());
  CHECK(below_cap->count() == nanoseconds{second_ns * 3'600 * 1'666'666}.count());
  CHECK(below_cap->count() < max_timeout.count());
  CHECK(parse_timeout("99999999M") == max_timeout);  // exactly the cap
  // The cap leaves room to add it to a clock reading of a century of uptime or Unix time.
  const std::int64_t century = 100LL * 365 * 24 * 3'600 * second_ns;
  CHECK(max_timeout.count() <= std::numeric_limits<std::int64_t>::max() - century);
}

TEST_CASE("parse_timeout is monotonic across units near the cap") {
  // A larger encoded value never parses to a smaller duration.
  const std::vector<std::string> ascending = {"99999999S", "1666667M", "27778H",   "1666666H",
                                              "99999999M", "1666667H", "99999999H"};
  for (std::size_t i = 1; i < ascending.size(); ++i) {
    CAPTURE(ascending[i]);
    CHECK(parse_timeout(ascending[i - 1])->count() <= parse_timeout(ascending[i])->count());
  }
}

TEST_CASE("format_timeout chooses the finest unit that fits and rounds up") {
  struct row {
    nanoseconds in;
    std::string out;
  };
  const std::vector<row> rows = {
      {1ns, "1n"},
      {999ns, "999n"},
      {99'999'999ns, "99999999n"},
      {100'000'000ns, "100000u"},  // 9 digits of n no longer fit
      {100'000'001ns, "100001u"},  // rounded up
      {1s, "1000000u"},
      {30s, "30000000u"},
      {99'999'999us, "99999999u"},
      {nanoseconds{99'999'999'001}, "100000m"},  // one ns over: the next unit, rounded up
      {100s, "100000m"},
      {1h, "3600000m"},
      {99'999'999ms, "99999999m"},
      {100'000s, "100000S"},
      {nanoseconds{100'000 * second_ns + 1}, "100001S"},
      {99'999'999s, "99999999S"},
      {100'000'000s, "1666667M"},
      {99'999'999min, "99999999M"},
      {100'000'000min, "1666667H"},
      {nanoseconds{std::numeric_limits<std::int64_t>::max()}, "2562048H"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in.count());
    CHECK(format_timeout(r.in) == r.out);
  }
}

TEST_CASE("format_timeout encodes zero and negative durations as 1n") {
  CHECK(format_timeout(0ns) == "1n");
  CHECK(format_timeout(-1ns) == "1n");
  CHECK(format_timeout(-1h) == "1n");
  CHECK(format_timeout(nanoseconds{std::numeric_limits<std::int64_t>::min()}) == "1n");
}

TEST_CASE("format_timeout round-trips: never shorter, never a whole unit longer") {
  std::vector<std::int64_t> values;
  // Powers of ten and their neighbours cover every unit boundary.
  constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t p = 1; p <= int64_max / 10; p *= 10) {
    for (std::int64_t v : {p - 1, p, p + 1}) {
      if (v > 0) values.push_back(v);
    }
    if (p <= (int64_max - 1) / 99'999'999) {  // the largest 8-digit count of p, and one past it
      values.push_back(99'999'999 * p);
      values.push_back(99'999'999 * p + 1);
    }
  }
  // Unit boundaries of S, M and H and their 8-digit limits.
  for (std::int64_t unit : {second_ns, 60 * second_ns, 3'600 * second_ns}) {
    for (std::int64_t k :
         {std::int64_t{1}, std::int64_t{59}, std::int64_t{60}, std::int64_t{99'999'999}}) {
      if (k > std::numeric_limits<std::int64_t>::max() / unit) continue;
      values.push_back(k * unit - 1);
      values.push_back(k * unit);
      values.push_back(k * unit + 1);
    }
  }
  values.push_back(std::numeric_limits<std::int64_t>::max());
  values.push_back(std::numeric_limits<std::int64_t>::max() - 1);
  // Deterministic pseudo-random values spread over every magnitude.
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 20'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    int shift = static_cast<int>(state >> 58);  // 0..63
    auto v = static_cast<std::int64_t>((state >> 1) >> (shift % 63));
    if (v > 0) values.push_back(v);
  }

  for (std::int64_t v : values) {
    CAPTURE(v);
    const std::string encoded = format_timeout(nanoseconds{v});
    CAPTURE(encoded);
    REQUIRE(encoded.size() >= 2);
    REQUIRE(encoded.size() <= 9);  // at most 8 digits + unit
    auto parsed = parse_timeout(encoded);
    REQUIRE(parsed.has_value());
    const std::int64_t unit = unit_of(encoded);
    if (*parsed == max_timeout && v > max_timeout.count()) {
      continue;  // beyond the cap, only saturation can be promised
    }
    CHECK(parsed->count() >= v);
    CHECK(parsed->count() - v < unit);
    // The finest unit was chosen: the next finer one would need more than 8 digits.
    if (unit > 1) {
      const std::int64_t finer = encoded.back() == 'u'   ? 1
                                 : encoded.back() == 'm' ? 1'000
                                 : encoded.back() == 'S' ? 1'000'000
                                 : encoded.back() == 'M' ? second_ns
                                                         : 60 * second_ns;
      CHECK((v - 1) / finer + 1 > 99'999'999);
    }
  }
}

TEST_CASE("format_timeout of a parsed value reproduces an equal or finer encoding") {
  for (const std::string in : {"1n", "7u", "250m", "30S", "5M", "12H", "99999999n", "99999999S"}) {
    CAPTURE(in);
    auto parsed = parse_timeout(in);
    REQUIRE(parsed.has_value());
    CHECK(parse_timeout(format_timeout(*parsed)) == parsed);
  }
}
