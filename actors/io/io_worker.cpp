// io_worker: the I/O thread's loop, its snapshot, pools, connections and flush batching.
#include "actors/io/io_worker.hpp"

#include "actors/admin/admin_protocol.hpp"
#include "actors/connection/connection_actor.hpp"
#include "actors/health/health_probe_actor.hpp"
#include "actors/listener/listener_actor.hpp"
#include "actors/upstream/upstream_pool.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>

namespace meshlet::actors {

io_worker::io_worker(caf::actor_system& sys, size_t index, worker_config cfg)
  : sys_(sys), index_(index), cfg_(std::move(cfg)), metrics_(cfg_.count_calls), host_(sys, ctx_),
    rng_(index * 1000003 + 7) {
  for (auto& l : cfg_.listeners)
    listeners_.push_back(std::make_unique<listener_actor>(*this, l.name, l.admin.get()));
}

io_worker::~io_worker() {
  stop();
  join();
}

std::string io_worker::bind() {
  for (size_t i = 0; i < listeners_.size(); ++i)
    if (auto err = listeners_[i]->bind(cfg_.listeners[i].address); !err.empty())
      return "listener " + cfg_.listeners[i].name + ": " + err;
  return {};
}

uint16_t io_worker::bound_port(size_t i) const {
  return listeners_[i]->port();
}

void io_worker::set_listener_port(size_t i, uint16_t port) {
  cfg_.listeners[i].address.port(port);
}

void io_worker::start() {
  for (auto& l : listeners_)
    l->start();
  thread_ = std::thread{[this] {
    auto guard = asio::make_work_guard(ctx_);
    ctx_.run();
  }};
}

namespace {
bool same_policy(const lb::policy_config& a, const lb::policy_config& b) {
  return a.name == b.name && a.choice_count == b.choice_count && a.default_rtt == b.default_rtt
         && a.decay == b.decay && a.hash_header == b.hash_header && a.ring_size == b.ring_size;
}
} // namespace

static bool same_outlier(const outlier::outlier_config& a, const outlier::outlier_config& b) {
  return a.failure_statuses == b.failure_statuses
         && a.consecutive_failures == b.consecutive_failures
         && a.base_ejection == b.base_ejection && a.max_ejection == b.max_ejection
         && a.max_ejection_percent == b.max_ejection_percent
         && a.panic_threshold_percent == b.panic_threshold_percent;
}

void io_worker::publish(std::shared_ptr<const config::cluster> c, lb::endpoint_table_ptr table) {
  asio::post(ctx_, [this, c = std::move(c), table = std::move(table)]() mutable {
    auto& rt = clusters_[c->name];
    if (!rt || !same_policy(rt->cfg, c->lb)) {
      // A new policy instance; calls in flight keep the old one (and its load counts).
      auto fresh = std::make_shared<cluster_runtime>();
      fresh->name = c->name;
      fresh->cfg = c->lb;
      fresh->policy = lb::make_policy(c->lb, rng_());
      if (!fresh->policy) // names are validated where config is read; never run without one
        fresh->policy = lb::make_policy(lb::policy_config{}, rng_());
      if (rt) {
        fresh->outlier = rt->outlier;
        fresh->budget = rt->budget;
        fresh->active_calls = rt->active_calls;
      }
      rt = std::move(fresh);
    }
    rt->retry = std::make_shared<retry::retry_policy>(c->retry);
    if (!rt->budget)
      rt->budget = std::make_shared<retry::windowed_budget>(c->retry_budget);
    if (!c->outlier_enabled)
      rt->outlier.reset();
    else if (!rt->outlier || !same_outlier(rt->outlier->config(), c->outlier))
      rt->outlier = std::make_shared<outlier::outlier_detector>(c->outlier);
    if (rt->outlier) {
      for (auto& ep : table->endpoints)
        if (!rt->outlier->contains(ep.id))
          rt->outlier->add_endpoint(ep.id);
      if (rt->table)
        for (auto& old : rt->table->endpoints) {
          bool kept = false;
          for (auto& ep : table->endpoints)
            kept = kept || ep.id == old.id;
          if (!kept)
            rt->outlier->remove_endpoint(old.id);
        }
    }
    rt->config = std::move(c);
    rt->table = table;
    rt->policy->update(std::move(table));
  });
}

void io_worker::sync_probes(std::shared_ptr<const config::cluster> c, lb::endpoint_table_ptr table,
                            caf::actor balancer) {
  asio::post(ctx_, [this, c = std::move(c), table = std::move(table),
                    balancer = std::move(balancer)]() mutable {
    auto& mine = probes_[c->name];
    if (!c->health.enabled) {
      mine.clear();
      return;
    }
    std::unordered_map<std::string, std::unique_ptr<health_probe_actor>> next;
    for (auto& ep : table->endpoints) {
      auto i = mine.find(ep.address);
      if (i != mine.end())
        next.emplace(ep.address, std::move(i->second));
      else
        next.emplace(ep.address,
                     std::make_unique<health_probe_actor>(*this, ep, c->health, balancer));
    }
    mine = std::move(next);
  });
}

void io_worker::remove_cluster(const std::string& cluster) {
  asio::post(ctx_, [this, cluster] {
    clusters_.erase(cluster);
    probes_.erase(cluster);
  });
}

void io_worker::publish_routes(route_state_ptr routes) {
  asio::post(ctx_, [this, routes = std::move(routes)]() mutable { routes_ = std::move(routes); });
}

cluster_runtime_ptr io_worker::cluster(const std::string& name) const {
  auto i = clusters_.find(name);
  return i == clusters_.end() ? nullptr : i->second;
}

const routing::router* io_worker::router(const std::string& listener) const {
  if (!routes_)
    return nullptr;
  auto i = routes_->routers.find(listener);
  return i == routes_->routers.end() ? nullptr : &i->second;
}

void io_worker::drain(std::function<void()> on_idle) {
  asio::post(ctx_, [this, on_idle = std::move(on_idle)]() mutable {
    draining_ = true;
    on_idle_ = std::move(on_idle);
    // The admin API keeps answering while the proxy drains (health says NOT_SERVING).
    for (auto& l : listeners_)
      if (!l->is_admin())
        l->stop();
    for (auto& [raw, c] : connections_)
      if (!c->is_admin())
        c->drain();
    check_idle();
  });
}

void io_worker::report(std::function<void(worker_report)> done) {
  asio::post(ctx_, [this, done = std::move(done)] {
    worker_report r;
    for (auto& [raw, c] : connections_)
      if (!c->is_admin()) { // the admin API's own calls are not the proxy's
        ++r.connections;
        r.streams += c->streams();
      }
    auto counters = metrics_.snapshot();
    auto t = now();
    for (auto& [name, rt] : clusters_) {
      if (!rt || !rt->table)
        continue;
      r.cluster_active[name] = *rt->active_calls;
      auto cs = counters.clusters.find(name);
      if (cs != counters.clusters.end()) {
        uint64_t n = cs->second.unattempted.requests;
        for (auto& [address, es] : cs->second.endpoints)
          n += es.stats.requests;
        r.cluster_requests[name] = n;
      }
      auto& eps = r.endpoints[name];
      for (auto& ep : rt->table->endpoints) {
        auto& e = eps[ep.address];
        e.ejected = rt->outlier && rt->outlier->is_ejected(ep.id, t);
        if (cs == counters.clusters.end())
          continue;
        auto i = cs->second.endpoints.find(ep.address);
        if (i == cs->second.endpoints.end())
          continue;
        auto& st = i->second.stats;
        e.ejections = st.ejections;
        e.in_flight = static_cast<uint64_t>(std::max<int64_t>(0, st.in_flight()));
        e.calls = st.ended;
        e.errors = st.errors;
        e.latency_ewma_ms = st.latency_ewma_ms;
      }
    }
    done(std::move(r));
  });
}

void io_worker::collect(std::function<void(metrics::metrics_snapshot)> done) {
  asio::post(ctx_, [this, done = std::move(done)] {
    auto s = metrics_.snapshot();
    s.thread_connections.emplace_back(static_cast<uint32_t>(index_), open_connections());
    auto t = now();
    for (auto& [name, rt] : clusters_)
      if (rt && rt->table)
        s.add_table(name, *rt->table, rt->outlier.get(), t);
    done(std::move(s));
  });
}

void io_worker::stop() {
  ctx_.stop();
}

void io_worker::join() {
  if (thread_.joinable())
    thread_.join();
  // The thread's actors die on this thread's watch, while the actor system lives.
  dirty_.clear();
  connections_.clear();
  probes_.clear();
  pools_.clear();
  listeners_.clear();
}

upstream_pool& io_worker::pool_for(const lb::endpoint& ep) {
  auto& p = pools_[ep.address];
  if (!p)
    p = std::make_unique<upstream_pool>(*this, ep);
  return *p;
}

void io_worker::request_flush(flushable* f) {
  if (f->flush_scheduled_)
    return;
  f->flush_scheduled_ = true;
  dirty_.push_back(f);
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(ctx_, [this] { flush_all(); });
  }
}

void io_worker::cancel_flush(flushable* f) {
  if (!f->flush_scheduled_)
    return;
  f->flush_scheduled_ = false;
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), f), dirty_.end());
}

void io_worker::flush_all() {
  flush_posted_ = false;
  // flush() may schedule more (a closing connection wakes others): take the list first.
  auto batch = std::move(dirty_);
  dirty_.clear();
  for (auto* f : batch)
    f->flush_scheduled_ = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    // A flush may destroy a later entry's owner only through release(), which defers.
    batch[i]->flush();
  }
}

io_worker& io_worker::place_connection() {
  if (!accept_group_ || accept_group_->workers.size() < 2) {
    open_connections_.fetch_add(1, std::memory_order_relaxed);
    return *this;
  }
  std::lock_guard<std::mutex> guard{accept_group_->mtx};
  io_worker* best = this;
  for (auto* w : accept_group_->workers)
    if (w->open_connections() < best->open_connections())
      best = w;
  best->open_connections_.fetch_add(1, std::memory_order_relaxed);
  return *best;
}

void io_worker::take_connection(asio::ip::tcp::socket::native_handle_type fd,
                                asio::ip::tcp protocol, std::string listener) {
  asio::post(ctx_, [this, fd, protocol, listener = std::move(listener)] {
    asio::ip::tcp::socket s{ctx_};
    asio::error_code ec;
    s.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      connection_closed();
      spdlog::warn("listener {}: could not take over a connection: {}", listener, ec.message());
      return;
    }
    // The connection keeps a reference to its listener's name: this thread's copy.
    const std::string* name = nullptr;
    for (auto& l : cfg_.listeners)
      if (l.name == listener && !l.admin)
        name = &l.name;
    if (name == nullptr) {
      connection_closed(); // the socket closes with s
      spdlog::warn("listener {}: not on this thread; connection closed", listener);
      return;
    }
    auto c = std::make_unique<connection_actor>(*this, *name, std::move(s), nullptr);
    auto* raw = c.get();
    adopt(std::move(c));
    raw->start();
  });
}

void io_worker::adopt(std::unique_ptr<connection_actor> c) {
  auto* raw = c.get();
  connections_.emplace(raw, std::move(c));
  if (draining_ && !raw->is_admin())
    raw->drain();
}

void io_worker::release(connection_actor* c) {
  asio::post(ctx_, [this, c] {
    auto i = connections_.find(c);
    if (i == connections_.end())
      return;
    auto doomed = std::move(i->second);
    connections_.erase(i);
    doomed.reset();
    check_idle();
  });
}

void io_worker::check_idle() {
  if (!draining_ || !on_idle_)
    return;
  // Idle once no proxy connection is left; admin connections answer until the process exits.
  for (auto& [raw, c] : connections_)
    if (!c->is_admin())
      return;
  auto f = std::move(on_idle_);
  on_idle_ = nullptr;
  f();
}

} // namespace meshlet::actors
