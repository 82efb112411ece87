// io_worker: one I/O thread. It owns the thread's io_context, the actor_host that runs
// the thread's actors (listener, downstream connections, streams, upstream connections),
// the endpoint snapshot the balancer published to it, the round-robin state, and the
// upstream connection pools. Nothing here is shared with another thread except publish(),
// drain() and stop(), which post to the thread.
#pragma once

#include "actors/host/actor_host.hpp"
#include "actors/metrics/thread_metrics.hpp"
#include "mesh/config/config.hpp"
#include "mesh/lb/endpoint_table.hpp"
#include "mesh/lb/policy.hpp"
#include "mesh/outlier/outlier_detector.hpp"
#include "mesh/retry/retry_policy.hpp"
#include "mesh/retry/windowed_budget.hpp"
#include "mesh/routing/router.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace meshlet::actors {

class connection_actor;
class io_worker;
class health_probe_actor;
class listener_actor;
class upstream_pool;

// Something that batches output: flushed once per loop turn, after the turn's messages.
class flushable {
public:
  virtual ~flushable() = default;
  virtual void flush() = 0;
  bool flush_scheduled_ = false;
};

// One cluster as this thread sees it: the balancer's latest snapshot and this thread's
// instance of the cluster's policy (its load state is thread-local). Calls in flight keep
// the instance they picked from, so a reload never disturbs them.
struct cluster_runtime {
  std::string name;
  std::shared_ptr<const config::cluster> config;
  lb::endpoint_table_ptr table;
  lb::policy_config cfg;
  std::unique_ptr<lb::policy> policy;
  // Passive outlier detection from this thread's calls (null when disabled): a failure
  // streak ejects at once here, without a round trip through the balancer.
  std::shared_ptr<outlier::outlier_detector> outlier;
  // Retries (gRPC A6) and this thread's share of the retry budget.
  std::shared_ptr<retry::retry_policy> retry;
  std::shared_ptr<retry::windowed_budget> budget;
  std::shared_ptr<size_t> active_calls = std::make_shared<size_t>(0);
};
using cluster_runtime_ptr = std::shared_ptr<cluster_runtime>;

// The routers of every listener (by listener name), replaced whole on reload.
struct route_state {
  std::unordered_map<std::string, routing::router> routers;
};
using route_state_ptr = std::shared_ptr<const route_state>;

struct admin_context;
struct worker_report;

struct listener_spec {
  std::string name;
  asio::ip::tcp::endpoint address;
  // Set on the admin listener (I/O thread 0 only): its calls go to the admin service, not
  // upstream, and its port is bound without SO_REUSEPORT (a second meshlet must fail to bind).
  std::shared_ptr<const admin_context> admin;
};

struct worker_config {
  std::vector<listener_spec> listeners;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_max{10000};
  bool count_calls = true; // thread_metrics on (for /metrics and the admin API)
};

// The I/O threads that share listeners, for exact accept balancing: a listener hands each
// accepted connection to the thread with the fewest open proxy connections (ties: the
// accepting thread), like Envoy's exact_balance. The kernel's SO_REUSEPORT hash alone split
// 16 connections 73/27 over two threads in a benchmark run; one thread then carries most of
// the load whatever the core count. One lock per accepted connection; nothing on the data path.
struct accept_group {
  std::mutex mtx;
  std::vector<io_worker*> workers;
};

class io_worker {
public:
  io_worker(caf::actor_system& sys, size_t index, worker_config cfg);
  ~io_worker();

  // Binds this thread's listening sockets (SO_REUSEPORT) or returns the error.
  std::string bind();
  // The port listener i is bound to (the OS picks one for port 0).
  uint16_t bound_port(size_t i) const;
  void set_listener_port(size_t i, uint16_t port);
  void start();
  // Thread-safe: a cluster's config and new snapshot.
  void publish(std::shared_ptr<const config::cluster> cluster, lb::endpoint_table_ptr table);
  // Thread-safe: runs the cluster's health probes on this thread, one per endpoint of
  // `table` (none when health checks are off); they report to `balancer`.
  void sync_probes(std::shared_ptr<const config::cluster> cluster, lb::endpoint_table_ptr table,
                   caf::actor balancer);
  // Thread-safe: clusters no longer configured.
  void remove_cluster(const std::string& cluster);
  // Thread-safe: the routes of every listener.
  void publish_routes(route_state_ptr routes);
  // Thread-safe: stop accepting, GOAWAY every connection; `on_idle` runs (on this
  // thread) once no connection is left.
  void drain(std::function<void()> on_idle);
  // Thread-safe: this thread's report for the admin API, handed to `done` on this thread.
  void report(std::function<void(worker_report)> done);
  // Thread-safe: a copy of this thread's call counters and of what its tables say of each
  // endpoint (metrics_snapshot.hpp), handed to `done` on this thread.
  void collect(std::function<void(metrics::metrics_snapshot)> done);
  // Thread-safe: stops the loop; join() waits for it and destroys the thread's actors.
  void stop();
  void join();

  // -- used by this thread's actors ---------------------------------------------
  actor_host& host() { return host_; }
  asio::io_context& context() { return ctx_; }
  const worker_config& config() const { return cfg_; }
  // The cluster's runtime on this thread, or nullptr before the balancer published it.
  cluster_runtime_ptr cluster(const std::string& name) const;
  // The router of a listener, or nullptr.
  const routing::router* router(const std::string& listener) const;
  // Uniform in [0, 1): weighted route splits.
  double uniform() { return uniform_(rng_); }
  upstream_pool& pool_for(const lb::endpoint& ep);
  void request_flush(flushable* f);
  void cancel_flush(flushable* f);
  void adopt(std::unique_ptr<connection_actor> c);
  // Destroys a connection after the current handler returns.
  void release(connection_actor* c);
  size_t index() const { return index_; }
  // Exact accept balancing (set before start(); without it each thread keeps what its listener
  // accepts). The thread a listener should hand its new connection to, counted as open there.
  void join_accept_group(std::shared_ptr<accept_group> g) { accept_group_ = std::move(g); }
  io_worker& place_connection();
  // Thread-safe: adopts a proxy connection accepted by another thread's listener of this name
  // (place_connection() counted it here already).
  void take_connection(asio::ip::tcp::socket::native_handle_type fd, asio::ip::tcp protocol,
                       std::string listener);
  // Open proxy (not admin) client connections of this thread, including ones handed to it
  // and not yet adopted.
  int64_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }
  void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  // A token naming one call attempt on this thread (stream_protocol.hpp), never 0.
  uint64_t next_call() { return ++calls_; }
  // Rare endpoint events from this thread's calls, for the gossip mesh (set before start();
  // unset without gossip): an outlier ejection (ejected = true), or a call that succeeded on
  // an endpoint the thread's current snapshot marks ineligible (ejected = false: local evidence
  // against a rumour). See actors/mesh/endpoint_events.hpp.
  using endpoint_event_fn =
    std::function<void(const std::string& cluster, const std::string& address, bool ejected)>;
  void set_endpoint_events(endpoint_event_fn f) { endpoint_events_ = std::move(f); }
  const endpoint_event_fn& endpoint_events() const { return endpoint_events_; }
  // This thread's call counters (written by this thread only).
  metrics::thread_metrics& metrics() { return metrics_; }

private:
  void flush_all();
  void check_idle();

  caf::actor_system& sys_;
  size_t index_;
  worker_config cfg_;
  // Before host_ and ctx_: the actors that die with them count themselves out of it.
  metrics::thread_metrics metrics_;
  // host_ before ctx_: handlers still queued in ctx_ when it dies may own hosted actors.
  actor_host host_;
  asio::io_context ctx_;
  std::thread thread_;
  std::unordered_map<std::string, cluster_runtime_ptr> clusters_;
  route_state_ptr routes_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  uint64_t calls_ = 0;
  std::unordered_map<std::string, std::unique_ptr<upstream_pool>> pools_;
  std::unordered_map<connection_actor*, std::unique_ptr<connection_actor>> connections_;
  std::shared_ptr<accept_group> accept_group_;
  std::atomic<int64_t> open_connections_{0};
  std::vector<std::unique_ptr<listener_actor>> listeners_;
  // cluster -> endpoint address -> probe
  std::unordered_map<std::string,
                     std::unordered_map<std::string, std::unique_ptr<health_probe_actor>>>
    probes_;
  std::vector<flushable*> dirty_;
  bool flush_posted_ = false;
  bool draining_ = false;
  std::function<void()> on_idle_;
  endpoint_event_fn endpoint_events_;
};

} // namespace meshlet::actors
