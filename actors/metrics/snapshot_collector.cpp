// snapshot_collector: fan out to the threads, wait (bounded), merge what came back.
#include "actors/metrics/snapshot_collector.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

namespace meshlet::metrics {

namespace {
// Shared with the callbacks: a thread that answers after the timeout writes into this, which
// outlives the scrape that gave up on it.
struct pending {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<metrics_snapshot>> parts;
  size_t left = 0;
};
} // namespace

collect_result collect_all(const std::vector<snapshot_source>& sources,
                           std::chrono::milliseconds timeout) {
  auto p = std::make_shared<pending>();
  p->parts.resize(sources.size());
  p->left = sources.size();
  for (size_t i = 0; i < sources.size(); ++i)
    sources[i]([p, i](metrics_snapshot s) {
      std::lock_guard<std::mutex> lock{p->mu};
      if (p->parts[i])
        return;
      p->parts[i] = std::move(s);
      if (--p->left == 0)
        p->cv.notify_all();
    });
  collect_result r;
  std::unique_lock<std::mutex> lock{p->mu};
  p->cv.wait_for(lock, timeout, [&] { return p->left == 0; });
  for (size_t i = 0; i < p->parts.size(); ++i) {
    if (p->parts[i])
      r.merged.merge(*p->parts[i]);
    else
      r.missing.push_back(i);
  }
  return r;
}

} // namespace meshlet::metrics
