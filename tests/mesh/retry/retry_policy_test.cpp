// retry_policy: the A6 decision table (failure × phase × config → outcome), method patterns and
// backoff bounds. retry_budget: the ratio, the 3/s minimum bucket, exactly, on a manual time value.
#include "mesh/retry/retry_policy.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

using namespace meshlet::retry;
using meshlet::grpc::status_code;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

retry_config with_retry_on(std::set<status_code> codes, std::vector<std::string> methods = {}) {
  retry_config c;
  c.retry_on = std::move(codes);
  c.methods = std::move(methods);
  return c;
}

constexpr std::uint32_t h2_internal_error = 0x2;
constexpr std::uint32_t h2_refused_stream = 0x7;
constexpr std::uint32_t h2_cancel = 0x8;
constexpr std::uint32_t h2_enhance_your_calm = 0xb;

} // namespace

TEST_SUITE("retry_policy") {

  TEST_CASE("decision table: failure × phase × config → retry or not, and why") {
    const retry_config none{}; // retry_on empty
    const auto on_unavailable = with_retry_on({status_code::unavailable});
    const auto scoped = with_retry_on({status_code::unavailable, status_code::resource_exhausted},
                                      {"/pkg.Echo/Say", "/pkg.Admin/*"});
    const auto on_cancelled = with_retry_on({status_code::cancelled});
    const auto on_exhausted = with_retry_on({status_code::resource_exhausted});
    const auto on_deadline = with_retry_on({status_code::deadline_exceeded});
    using af = attempt_failure;
    const auto before = phase::before_headers_sent;
    const auto after = phase::after_headers_sent;
    const std::optional<std::chrono::nanoseconds> no_deadline;

    struct row {
      const char *name;
      const retry_config &config;
      phase when;
      attempt_failure failure;
      std::string_view method;
      std::uint32_t attempt;
      std::size_t buffered;
      bool exceeded;
      std::optional<std::chrono::nanoseconds> deadline_left;
      bool retry;
      std::string_view why;
    };
    const std::string_view say = "/pkg.Echo/Say";
    const auto ms = [](long n) { return std::optional<std::chrono::nanoseconds>{milliseconds{n}}; };
    // clang-format off: one row per line reads as the table it is.
    const std::vector<row> rows = {
      // Nothing processed: retried whatever retry_on and methods say.
      {"connect failure", none, before, af::connect_failure(), say, 1, 100, false, no_deadline,
       true, reason::not_processed},
      {"REFUSED_STREAM", none, before, af::refused_stream(), say, 1, 100, false, no_deadline, true,
       reason::not_processed},
      {"above GOAWAY last-stream-id", none, before, af::goaway_above_last_stream(), say, 1, 100,
       false, no_deadline, true, reason::not_processed},
      {"RST_STREAM(REFUSED_STREAM)", none, before, af::reset(h2_refused_stream), say, 1, 100, false,
       no_deadline, true, reason::not_processed},
      {"connect failure, method outside the policy", scoped, before, af::connect_failure(),
       "/other.Svc/M", 1, 100, false, no_deadline, true, reason::not_processed},
      // Status codes: only in retry_on, only for covered methods, never OK.
      {"UNAVAILABLE, retry_on empty", none, before, af::from_status(status_code::unavailable), say,
       1, 100, false, no_deadline, false, reason::status_not_retryable},
      {"UNAVAILABLE in retry_on", on_unavailable, before, af::from_status(status_code::unavailable),
       say, 1, 100, false, no_deadline, true, reason::retryable_status},
      {"RESOURCE_EXHAUSTED not in retry_on", on_unavailable, before,
       af::from_status(status_code::resource_exhausted), say, 1, 100, false, no_deadline, false,
       reason::status_not_retryable},
      {"OK", on_unavailable, before, af::from_status(status_code::ok), say, 1, 100, false,
       no_deadline, false, reason::succeeded},
      {"exact method", scoped, before, af::from_status(status_code::resource_exhausted),
       "/pkg.Echo/Say", 1, 100, false, no_deadline, true, reason::retryable_status},
      {"other method of the service", scoped, before, af::from_status(status_code::unavailable),
       "/pkg.Echo/Shout", 1, 100, false, no_deadline, false, reason::method_not_covered},
      {"service wildcard", scoped, before, af::from_status(status_code::unavailable),
       "/pkg.Admin/Drain", 1, 100, false, no_deadline, true, reason::retryable_status},
      {"wildcard needs a method", scoped, before, af::from_status(status_code::unavailable),
       "/pkg.Admin/", 1, 100, false, no_deadline, false, reason::method_not_covered},
      {"wildcard is one path segment", scoped, before, af::from_status(status_code::unavailable),
       "/pkg.Admin/a/b", 1, 100, false, no_deadline, false, reason::method_not_covered},
      {"wildcard is not a name prefix", scoped, before, af::from_status(status_code::unavailable),
       "/pkg.Adminx/A", 1, 100, false, no_deadline, false, reason::method_not_covered},
      {"status outside retry_on beats method", scoped, before,
       af::from_status(status_code::internal), "/x/y", 1, 100, false, no_deadline, false,
       reason::status_not_retryable},
      // Resets other than REFUSED_STREAM and timeouts follow the status rule.
      {"RST_STREAM(CANCEL), retry_on empty", none, before, af::reset(h2_cancel), say, 1, 100, false,
       no_deadline, false, reason::status_not_retryable},
      {"RST_STREAM(CANCEL) → CANCELLED in retry_on", on_cancelled, before, af::reset(h2_cancel),
       say, 1, 100, false, no_deadline, true, reason::retryable_status},
      {"RST_STREAM(ENHANCE_YOUR_CALM) → RESOURCE_EXHAUSTED", on_exhausted, before,
       af::reset(h2_enhance_your_calm), say, 1, 100, false, no_deadline, true,
       reason::retryable_status},
      {"RST_STREAM(INTERNAL_ERROR) → INTERNAL", on_unavailable, before,
       af::reset(h2_internal_error), say, 1, 100, false, no_deadline, false,
       reason::status_not_retryable},
      {"timeout, retry_on empty", none, before, af::timeout(), say, 1, 100, false, ms(500), false,
       reason::status_not_retryable},
      {"timeout, DEADLINE_EXCEEDED in retry_on", on_deadline, before, af::timeout(), say, 1, 100,
       false, ms(500), true, reason::retryable_status},
      // Never after response headers reached the client.
      {"after headers: connect failure", none, after, af::connect_failure(), say, 1, 100, false,
       no_deadline, false, reason::headers_sent},
      {"after headers: REFUSED_STREAM", none, after, af::refused_stream(), say, 1, 100, false,
       no_deadline, false, reason::headers_sent},
      {"after headers: UNAVAILABLE in retry_on", on_unavailable, after,
       af::from_status(status_code::unavailable), say, 1, 100, false, no_deadline, false,
       reason::headers_sent},
      {"after headers beats everything", on_unavailable, after,
       af::from_status(status_code::unavailable), say, 9, 1 << 20, true, ms(0), false,
       reason::headers_sent},
      // The buffer limit.
      {"exactly 64 KiB buffered", none, before, af::connect_failure(), say, 1, 65536, false,
       no_deadline, true, reason::not_processed},
      {"64 KiB + 1 buffered", none, before, af::connect_failure(), say, 1, 65537, false,
       no_deadline, false, reason::request_too_large},
      {"stream stopped buffering", on_unavailable, before,
       af::from_status(status_code::unavailable), say, 1, 10, true, no_deadline, false,
       reason::request_too_large},
      {"not retryable beats too large", none, before, af::from_status(status_code::unavailable),
       say, 1, 1 << 20, true, no_deadline, false, reason::status_not_retryable},
      // max_attempts (3 = the original + 2 retries).
      {"after attempt 2 of 3", none, before, af::connect_failure(), say, 2, 100, false, no_deadline,
       true, reason::not_processed},
      {"after attempt 3 of 3", none, before, af::connect_failure(), say, 3, 100, false, no_deadline,
       false, reason::max_attempts},
      {"after attempt 3 of 3, status", on_unavailable, before,
       af::from_status(status_code::unavailable), say, 3, 100, false, no_deadline, false,
       reason::max_attempts},
      {"too large beats max_attempts", none, before, af::connect_failure(), say, 3, 65537, false,
       no_deadline, false, reason::request_too_large},
      // The deadline (u = 0.5: the first retry waits 12.5 ms).
      {"deadline gone", none, before, af::connect_failure(), say, 1, 100, false, ms(0), false,
       reason::deadline_passed},
      {"deadline negative", none, before, af::connect_failure(), say, 1, 100, false, ms(-5), false,
       reason::deadline_passed},
      {"backoff would pass the deadline", none, before, af::connect_failure(), say, 1, 100, false,
       ms(12), false, reason::deadline_too_close},
      {"deadline with room", none, before, af::connect_failure(), say, 1, 100, false, ms(13), true,
       reason::not_processed},
      {"max_attempts beats the deadline", none, before, af::connect_failure(), say, 3, 100, false,
       ms(0), false, reason::max_attempts},
    };
    // clang-format on
    for (const auto &r : rows) {
      CAPTURE(r.name);
      retry_policy policy{r.config};
      attempt_info info;
      info.when = r.when;
      info.failure = r.failure;
      info.method = r.method;
      info.attempt = r.attempt;
      info.request_bytes_buffered = r.buffered;
      info.request_exceeded_limit = r.exceeded;
      info.deadline_left = r.deadline_left;
      auto d = policy.decide(info, 0.5);
      CHECK(d.retry == r.retry);
      CHECK(d.reason == r.why);
      if (d.retry)
        CHECK(d.backoff == policy.backoff(r.attempt, 0.5));
      else
        CHECK(d.backoff == microseconds{0});
    }
  }

  TEST_CASE("a configured max_attempts and buffer limit are honoured") {
    retry_config c;
    c.max_attempts = 5;
    c.buffer_limit = 10;
    retry_policy p{c};
    attempt_info info;
    info.failure = attempt_failure::refused_stream();
    info.request_bytes_buffered = 10;
    for (std::uint32_t attempt = 1; attempt <= 6; ++attempt) {
      info.attempt = attempt;
      CHECK(p.decide(info, 0.0).retry == (attempt < 5));
    }
    info.attempt = 1;
    info.request_bytes_buffered = 11;
    CHECK(p.decide(info, 0.0).reason == reason::request_too_large);
    retry_config one;
    one.max_attempts = 1; // no retries at all
    info.request_bytes_buffered = 0;
    CHECK(retry_policy{one}.decide(info, 0.0).reason == reason::max_attempts);
  }

  TEST_CASE("method_matches: empty list matches all") {
    retry_policy all{retry_config{}};
    CHECK(all.method_matches("/a.B/C"));
    CHECK(all.method_matches(""));
    retry_policy some{with_retry_on({}, {"/a.B/C", "/d.E/*"})};
    CHECK(some.method_matches("/a.B/C"));
    CHECK_FALSE(some.method_matches("/a.B/CC"));
    CHECK_FALSE(some.method_matches("/a.B/"));
    CHECK(some.method_matches("/d.E/x"));
    CHECK_FALSE(some.method_matches("/d.E"));
    CHECK_FALSE(some.method_matches("d.E/x"));
    CHECK_FALSE(some.method_matches(""));
  }

  TEST_CASE("backoff: full jitter under 25, 50, 100, 200, then 250 ms") {
    retry_policy p{retry_config{}};
    const std::vector<long> ceilings_ms = {25, 50, 100, 200, 250, 250, 250};
    for (std::uint32_t n = 1; n <= ceilings_ms.size(); ++n) {
      CAPTURE(n);
      const microseconds ceiling = milliseconds{ceilings_ms[n - 1]};
      CHECK(p.backoff(n, 0.0) == microseconds{0});
      CHECK(p.backoff(n, 0.5) == ceiling / 2);
      CHECK(p.backoff(n, 0.999999) < ceiling);
      CHECK(p.backoff(n, 0.999999) >= ceiling - microseconds{1});
    }
    CHECK(p.backoff(1'000'000, 0.5) == microseconds{125'000}); // huge attempt counts stay capped
    CHECK(p.backoff(0, 0.5) == microseconds{12'500});          // 0 is treated as the first retry
  }

  TEST_CASE("backoff from a seeded engine stays in [0, ceiling) and uses the band") {
    retry_policy p{retry_config{}};
    std::mt19937_64 engine{42};
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    for (std::uint32_t n = 1; n <= 5; ++n) {
      const microseconds ceiling = milliseconds{std::min(25L << (n - 1), 250L)};
      microseconds lo = ceiling, hi{0};
      for (int i = 0; i < 2000; ++i) {
        auto d = p.backoff(n, uniform(engine));
        REQUIRE(d >= microseconds{0});
        REQUIRE(d < ceiling);
        lo = std::min(lo, d);
        hi = std::max(hi, d);
      }
      CHECK(lo < ceiling / 10);
      CHECK(hi > ceiling * 9 / 10);
    }
  }

  TEST_CASE("a different schedule: initial 100 ms, ×3, max 1 s") {
    retry_config c;
    c.initial_backoff = milliseconds{100};
    c.backoff_multiplier = 3.0;
    c.max_backoff = milliseconds{1000};
    retry_policy p{c};
    CHECK(p.backoff(1, 0.5) == milliseconds{50});
    CHECK(p.backoff(2, 0.5) == milliseconds{150});
    CHECK(p.backoff(3, 0.5) == milliseconds{450});
    CHECK(p.backoff(4, 0.5) == milliseconds{500});
  }

} // TEST_SUITE

