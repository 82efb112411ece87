// upstream_pool: connection reuse, MAX_CONCURRENT_STREAMS overflow and connect backoff.
#include "actors/upstream/upstream_pool.hpp"

#include "actors/io/io_worker.hpp"
#include "actors/upstream/upstream_actor.hpp"

#include <asio/post.hpp>

#include <algorithm>

namespace meshlet::actors {

namespace {
constexpr size_t max_connections = 64;
}

upstream_pool::upstream_pool(io_worker& w, lb::endpoint ep)
  : worker_(w), ep_(std::move(ep)),
    backoff_(w.config().backoff_base, w.config().backoff_max), rng_(static_cast<unsigned>(w.index() * 7919 + 17)) {}

upstream_pool::~upstream_pool() = default;

bool upstream_pool::available() const {
  return failures_ == 0 || now() >= retry_at_;
}

upstream_actor* upstream_pool::acquire() {
  upstream_actor* best = nullptr;
  for (auto& c : conns_)
    if (c->has_room() && (best == nullptr || c->load() < best->load()))
      best = c.get();
  if (best == nullptr) {
    if (!available() || conns_.size() >= max_connections)
      return nullptr;
    conns_.push_back(std::make_unique<upstream_actor>(worker_, *this, ep_));
    best = conns_.back().get();
    best->connect();
  }
  best->reserve();
  return best;
}

void upstream_pool::on_connected() {
  failures_ = 0;
  last_error_.clear();
}

void upstream_pool::on_connect_failed(upstream_actor* c, const std::string& why) {
  last_error_ = why;
  ++failures_;
  // Jittered so threads and sidecars do not reconnect in lockstep.
  std::uniform_real_distribution<double> uniform{0.0, 1.0};
  auto ms = backoff_.delay(failures_, uniform(rng_));
  retry_at_ = now() + ms;
  remove_later(c);
}

void upstream_pool::on_closed(upstream_actor* c) {
  remove_later(c);
}

void upstream_pool::remove_later(upstream_actor* c) {
  auto i = std::find_if(conns_.begin(), conns_.end(), [c](auto& p) { return p.get() == c; });
  if (i == conns_.end())
    return;
  // The connection is inside its own callback: destroy it once that returns.
  std::shared_ptr<upstream_actor> doomed{std::move(*i)};
  conns_.erase(i);
  asio::post(worker_.context(), [doomed] {});
}

} // namespace meshlet::actors
