// snapshot_collector: answers from every source are merged; a source that answers on another
// thread is waited for; one that never answers is skipped and named once the timeout passes.
#include "actors/metrics/snapshot_collector.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace meshlet::metrics;

namespace {
snapshot_source answering(int64_t streams) {
  return [streams](std::function<void(metrics_snapshot)> done) {
    metrics_snapshot s;
    s.threads = 1;
    s.streams_active = streams;
    done(std::move(s));
  };
}
} // namespace

TEST_CASE("snapshot_collector: every source answers: merged, none missing") {
  auto r = collect_all({answering(1), answering(2)}, std::chrono::seconds{5});
  CHECK(r.missing.empty());
  CHECK(r.merged.threads == 2);
  CHECK(r.merged.streams_active == 3);
}

TEST_CASE("snapshot_collector: an answer from another thread is waited for") {
  std::thread t;
  snapshot_source later = [&t](std::function<void(metrics_snapshot)> done) {
    t = std::thread{[done = std::move(done)] {
      metrics_snapshot s;
      s.threads = 1;
      s.streams_active = 5;
      done(std::move(s));
    }};
  };
  auto r = collect_all({answering(1), later}, std::chrono::seconds{30});
  t.join();
  CHECK(r.missing.empty());
  CHECK(r.merged.streams_active == 6);
}

TEST_CASE("snapshot_collector: a source that never answers is skipped after the timeout") {
  std::function<void(metrics_snapshot)> kept; // answers after the scrape gave up: harmless
  snapshot_source silent = [&kept](std::function<void(metrics_snapshot)> done) {
    kept = std::move(done);
  };
  auto r = collect_all({answering(1), silent, answering(2)}, std::chrono::milliseconds{1});
  CHECK(r.missing == std::vector<size_t>{1});
  CHECK(r.merged.threads == 2);
  CHECK(r.merged.streams_active == 3);
  kept(metrics_snapshot{});
}
