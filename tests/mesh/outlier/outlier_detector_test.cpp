// outlier_detector and streak_tracker: streaks, ejection arithmetic (base × times, cap, decay),
// the max-ejection percent, the panic threshold and endpoint churn, on a manual time value.
#include "mesh/outlier/outlier_detector.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

using namespace meshlet::outlier;
using meshlet::grpc::status_code;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const time_point t0{seconds{1000}};

outlier_detector make_detector(std::vector<endpoint_id> ids, outlier_config config = {}) {
  outlier_detector d{config};
  for (auto id : ids)
    d.add_endpoint(id);
  return d;
}

// Reports n failures of one kind; returns the effect of the last one.
report_effect fail(outlier_detector &d, endpoint_id id, time_point now, int n = 5,
                   outcome o = outcome::from_status(status_code::unavailable)) {
  report_effect last = report_effect::none;
  for (int i = 0; i < n; ++i)
    last = d.report(id, o, now);
  return last;
}

} // namespace

TEST_SUITE("outlier_detector") {

  TEST_CASE("five consecutive UNAVAILABLE from trailers eject; four do not") {
    auto d = make_detector({1, 2, 3, 4});
    // A grpc-status read from trailers (after DATA) is the status code.
    auto trailers = outcome::from_status(status_code::unavailable);
    for (int i = 0; i < 4; ++i)
      CHECK(d.report(1, trailers, t0) == report_effect::none);
    CHECK(d.streak(1) == 4);
    CHECK_FALSE(d.is_ejected(1, t0));
    CHECK(d.report(1, trailers, t0) == report_effect::ejected);
    CHECK(d.is_ejected(1, t0));
    CHECK(d.streak(1) == 0);
    CHECK(d.counters().ejections_total == 1);
    CHECK(d.ejected_until(1, t0) == t0 + seconds{30});
  }

  TEST_CASE("RESOURCE_EXHAUSTED as Trailers-Only ejects the same way") {
    auto d = make_detector({1, 2, 3, 4});
    // A Trailers-Only response (HEADERS + END_STREAM with grpc-status) is the same input.
    auto trailers_only = outcome::from_status(status_code::resource_exhausted);
    CHECK(fail(d, 1, t0, 5, trailers_only) == report_effect::ejected);
    CHECK(d.is_ejected(1, t0));
  }

  TEST_CASE("connect failures, resets and timeouts always count; mixed kinds form one streak") {
    auto d = make_detector({1, 2, 3, 4});
    d.report(1, outcome::connect_failure(), t0);
    d.report(1, outcome::reset(), t0);
    d.report(1, outcome::timeout(), t0);
    d.report(1, outcome::from_status(status_code::unavailable), t0);
    CHECK(d.streak(1) == 4);
    CHECK(d.report(1, outcome::timeout(), t0) == report_effect::ejected);
  }

  TEST_CASE("a success, or any status outside the failure set, resets the streak") {
    auto d = make_detector({1, 2, 3, 4});
    for (auto reset_by : {status_code::ok, status_code::not_found, status_code::internal,
                          status_code::deadline_exceeded, status_code::cancelled}) {
      fail(d, 1, t0, 4);
      CHECK(d.streak(1) == 4);
      CHECK(d.report(1, outcome::from_status(reset_by), t0) == report_effect::none);
      CHECK(d.streak(1) == 0);
    }
    CHECK_FALSE(d.is_ejected(1, t0));
  }

  TEST_CASE("the failure status set is configurable") {
    outlier_config config;
    config.failure_statuses = {status_code::internal};
    auto d = make_detector({1, 2, 3, 4}, config);
    CHECK(fail(d, 1, t0, 10, outcome::from_status(status_code::unavailable))
          == report_effect::none);
    CHECK(fail(d, 1, t0, 5, outcome::from_status(status_code::internal)) == report_effect::ejected);
    // Transport failures count whatever the set says.
    CHECK(fail(d, 2, t0, 5, outcome::connect_failure()) == report_effect::ejected);
  }

  TEST_CASE("the ejection ends exactly at base × times; expire() returns the endpoint once") {
    auto d = make_detector({1, 2, 3, 4});
    fail(d, 1, t0);
    CHECK(d.next_expiry() == t0 + seconds{30});
    CHECK(d.is_ejected(1, t0 + seconds{30} - milliseconds{1}));
    CHECK(d.expire(t0 + seconds{29}).empty());
    CHECK_FALSE(d.is_ejected(1, t0 + seconds{30}));
    CHECK(d.expire(t0 + seconds{30}) == std::vector<endpoint_id>{1});
    CHECK(d.expire(t0 + seconds{31}).empty());
    CHECK_FALSE(d.next_expiry());
  }

  TEST_CASE("outcomes reported while ejected are ignored") {
    auto d = make_detector({1, 2, 3, 4});
    fail(d, 1, t0);
    CHECK(fail(d, 1, t0 + seconds{1}, 20) == report_effect::none);
    CHECK(d.streak(1) == 0);
    CHECK(d.counters().ejections_total == 1);
    CHECK(d.ejected_until(1, t0 + seconds{1}) == t0 + seconds{30});
  }

  TEST_CASE("repeat ejections last base × times ejected, capped at max_ejection") {
    auto d = make_detector({1, 2, 3, 4});
    // Each time it comes back it fails again at once: no decay.
    time_point now = t0;
    std::vector<long> durations;
    for (int i = 0; i < 13; ++i) {
      REQUIRE(fail(d, 1, now) == report_effect::ejected);
      auto until = *d.ejected_until(1, now);
      durations.push_back(std::chrono::duration_cast<seconds>(until - now).count());
      now = until;
      CHECK(d.expire(now) == std::vector<endpoint_id>{1});
    }
    CHECK(durations
          == std::vector<long>{30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300, 300});
    // times_ejected stops at ceil(300 / 30) = 10.
    CHECK(d.times_ejected(1, now) == 10);
  }

  TEST_CASE("a cap that is not a multiple of base caps the duration, not one step early") {
    outlier_config config;
    config.base_ejection = seconds{30};
    config.max_ejection = seconds{100};
    auto d = make_detector({1, 2, 3, 4}, config);
    time_point now = t0;
    std::vector<long> durations;
    for (int i = 0; i < 5; ++i) {
      fail(d, 1, now);
      auto until = *d.ejected_until(1, now);
      durations.push_back(std::chrono::duration_cast<seconds>(until - now).count());
      now = until;
    }
    CHECK(durations == std::vector<long>{30, 60, 90, 100, 100});
    CHECK(d.times_ejected(1, now) == 4);
  }

  TEST_CASE("times_ejected decays by one per ejection-free base period after the return") {
    auto d = make_detector({1, 2, 3, 4});
    fail(d, 1, t0);               // #1: 30 s, back at t0+30
    fail(d, 1, t0 + seconds{30}); // #2: 60 s, back at t0+90
    fail(d, 1, t0 + seconds{90}); // #3: 90 s, back at t0+180
    const auto back = t0 + seconds{180};
    CHECK(d.times_ejected(1, back - seconds{1}) == 3); // still ejected: no decay
    CHECK(d.times_ejected(1, back) == 3);
    CHECK(d.times_ejected(1, back + seconds{29}) == 3);
    CHECK(d.times_ejected(1, back + seconds{30}) == 2);
    CHECK(d.times_ejected(1, back + seconds{59}) == 2);
    CHECK(d.times_ejected(1, back + seconds{60}) == 1);
    CHECK(d.times_ejected(1, back + seconds{90}) == 0);
    CHECK(d.times_ejected(1, back + seconds{1000}) == 0);
    // Ejected again 45 s after the return: one period passed, times 3 → 2, this one is the 3rd.
    fail(d, 1, back + seconds{45});
    CHECK(d.ejected_until(1, back + seconds{45}) == back + seconds{45} + seconds{90});
  }

  TEST_CASE("decay does not depend on expire() being called") {
    auto d = make_detector({1, 2, 3, 4});
    fail(d, 1, t0);                // back at t0+30 s, nobody collects it
    fail(d, 1, t0 + seconds{100}); // 70 s quiet: 2 periods ≥ times 1 → 0, so this is #1 again
    CHECK(d.ejected_until(1, t0 + seconds{100}) == t0 + seconds{130});
  }

  TEST_CASE("max_ejection_percent: never more than 50% of the cluster") {
    auto d = make_detector({1, 2, 3, 4});
    CHECK(fail(d, 1, t0) == report_effect::ejected);
    CHECK(fail(d, 2, t0) == report_effect::ejected);
    // A third would be 75% > 50%.
    CHECK(fail(d, 3, t0) == report_effect::ejection_skipped_max_percent);
    CHECK_FALSE(d.is_ejected(3, t0));
    CHECK(d.counters().ejections_total == 2);
    CHECK(d.counters().ejections_skipped_max_percent == 1);
    // The streak is kept: each further failure tries again and is counted.
    CHECK(d.report(3, outcome::reset(), t0) == report_effect::ejection_skipped_max_percent);
    CHECK(d.counters().ejections_skipped_max_percent == 2);
    // A success ends a blocked streak as usual.
    CHECK(fail(d, 4, t0) == report_effect::ejection_skipped_max_percent);
    d.report(4, outcome::from_status(status_code::ok), t0);
    CHECK(d.streak(4) == 0);
    CHECK(d.report(4, outcome::reset(), t0) == report_effect::none);
    // Once room comes back (1 and 2 return at +30 s), 3's next failure ejects it at once.
    CHECK(d.report(3, outcome::reset(), t0 + seconds{30}) == report_effect::ejected);
    CHECK(d.is_ejected(3, t0 + seconds{30}));
    CHECK(d.ejected_count(t0 + seconds{30}) == 1);
  }

  TEST_CASE("max_ejection_percent rounds toward fewer ejections") {
    struct row {
      std::size_t endpoints;
      std::uint32_t percent;
      std::size_t max_ejected;
    };
    for (auto r : {row{3, 50, 1}, row{1, 50, 0}, row{2, 50, 1}, row{10, 50, 5}, row{10, 0, 0},
                   row{10, 100, 10}, row{5, 20, 1}, row{4, 99, 3}}) {
      CAPTURE(r.endpoints);
      CAPTURE(r.percent);
      outlier_config config;
      config.max_ejection_percent = r.percent;
      outlier_detector d{config};
      for (endpoint_id id = 0; id < r.endpoints; ++id)
        d.add_endpoint(id);
      for (endpoint_id id = 0; id < r.endpoints; ++id)
        fail(d, id, t0);
      CHECK(d.ejected_count(t0) == r.max_ejected);
      CHECK(d.counters().ejections_skipped_max_percent == r.endpoints - r.max_ejected);
    }
  }

  TEST_CASE("panic: balance over all when fewer than 50% are eligible") {
    outlier_detector d{outlier_config{}};
    CHECK_FALSE(d.balance_over_all(0, 0));
    CHECK(d.balance_over_all(0, 4));
    CHECK(d.balance_over_all(1, 4));
    CHECK_FALSE(d.balance_over_all(2, 4)); // exactly 50% is enough
    CHECK_FALSE(d.balance_over_all(4, 4));
    CHECK(d.balance_over_all(4, 9)); // 44%
    CHECK_FALSE(d.balance_over_all(5, 9));
    CHECK(d.balance_over_all(0, 1));
    outlier_config strict;
    strict.panic_threshold_percent = 0; // never panic
    CHECK_FALSE(outlier_detector{strict}.balance_over_all(0, 4));
  }

  TEST_CASE(
    "endpoints come and go: removal forgets, a later add starts fresh, unknown ids ignored") {
    auto d = make_detector({1, 2, 3, 4});
    CHECK(d.endpoint_count() == 4);
    fail(d, 1, t0);
    fail(d, 2, t0, 3);
    d.remove_endpoint(1);
    d.remove_endpoint(2);
    CHECK_FALSE(d.contains(1));
    CHECK_FALSE(d.is_ejected(1, t0));
    CHECK(d.ejected_count(t0) == 0);
    CHECK_FALSE(d.next_expiry());
    CHECK(fail(d, 1, t0) == report_effect::none); // unknown now
    d.add_endpoint(2);
    CHECK(d.streak(2) == 0);
    d.add_endpoint(3); // known: a no-op that keeps state
    fail(d, 3, t0, 2);
    d.add_endpoint(3);
    CHECK(d.streak(3) == 2);
    // The percentage follows the current set: {2, 3, 4} at 50% allow one ejection.
    CHECK(fail(d, 3, t0, 3) == report_effect::ejected);
    CHECK(fail(d, 4, t0) == report_effect::ejection_skipped_max_percent);
    // Growing the cluster to 5 makes room for a second.
    d.add_endpoint(5);
    d.add_endpoint(6);
    CHECK(d.report(4, outcome::reset(), t0) == report_effect::ejected);
  }

  TEST_CASE("next_expiry is the earliest ejection end; expire returns every ended one sorted") {
    auto d = make_detector({1, 2, 3, 4, 5, 6});
    fail(d, 5, t0 + seconds{10});
    fail(d, 2, t0);
    CHECK(d.next_expiry() == t0 + seconds{30});
    CHECK(d.expire(t0 + seconds{45}) == std::vector<endpoint_id>{2, 5});
  }

} // TEST_SUITE

TEST_SUITE("outlier_streak_tracker") {

  TEST_CASE("streak_tracker fires once when the local streak reaches the threshold") {
    streak_tracker t{outlier_config{}};
    auto fail = outcome::from_status(status_code::unavailable);
    for (int i = 0; i < 4; ++i)
      CHECK_FALSE(t.report(7, fail));
    CHECK(t.report(7, fail));
    CHECK_FALSE(t.report(7, fail)); // not again within the same streak
    CHECK(t.streak(7) == 6);
    CHECK(t.streak(8) == 0);
    CHECK_FALSE(t.report(7, outcome::from_status(status_code::ok)));
    CHECK(t.streak(7) == 0);
    for (int i = 0; i < 4; ++i)
      CHECK_FALSE(t.report(7, outcome::connect_failure()));
    CHECK(t.report(7, outcome::timeout()));
  }

  TEST_CASE("streak_tracker: per endpoint, configurable set, forget") {
    outlier_config config;
    config.consecutive_failures = 2;
    config.failure_statuses = {status_code::resource_exhausted};
    streak_tracker t{config};
    CHECK_FALSE(t.report(1, outcome::from_status(status_code::unavailable)));
    CHECK(t.streak(1) == 0);
    CHECK_FALSE(t.report(1, outcome::from_status(status_code::resource_exhausted)));
    CHECK_FALSE(t.report(2, outcome::reset()));
    CHECK(t.report(1, outcome::from_status(status_code::resource_exhausted)));
    CHECK(t.report(2, outcome::reset()));
    t.forget(1);
    CHECK(t.streak(1) == 0);
    CHECK(t.streak(2) == 2);
    t.clear();
    CHECK(t.streak(2) == 0);
  }

} // TEST_SUITE
