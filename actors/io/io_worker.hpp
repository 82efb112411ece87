// io_worker: one I/O thread. It owns the thread's io_context, the actor_host that runs
// the thread's actors (listener, downstream connections, streams, upstream connections),
// the endpoint snapshot the balancer published to it, the round-robin state, and the
// upstream connection pools. Nothing here is shared with another thread except publish(),
// drain() and stop(), which post to the thread.
#pragma once

#include "actors/host/actor_host.hpp"
#include "mesh/lb/endpoint_table.hpp"
#include "mesh/lb/round_robin.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace meshlet::actors {

class connection_actor;
class listener_actor;
class upstream_pool;

// Something that batches output: flushed once per loop turn, after the turn's messages.
class flushable {
public:
  virtual ~flushable() = default;
  virtual void flush() = 0;
  bool flush_scheduled_ = false;
};

struct worker_config {
  asio::ip::tcp::endpoint listen;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_max{10000};
};

class io_worker {
public:
  io_worker(caf::actor_system& sys, size_t index, worker_config cfg);
  ~io_worker();

  // Binds this thread's listening socket (SO_REUSEPORT) or returns the error.
  std::string bind();
  uint16_t bound_port() const;
  void start();
  // Thread-safe: replaces the snapshot this thread picks from.
  void publish(lb::endpoint_table_ptr table);
  // Thread-safe: stop accepting, GOAWAY every connection; `on_idle` runs (on this
  // thread) once no connection is left.
  void drain(std::function<void()> on_idle);
  // Thread-safe: stops the loop; join() waits for it and destroys the thread's actors.
  void stop();
  void join();

  // -- used by this thread's actors ---------------------------------------------
  actor_host& host() { return host_; }
  asio::io_context& context() { return ctx_; }
  const worker_config& config() const { return cfg_; }
  const lb::endpoint_table_ptr& table() const { return table_; }
  lb::round_robin& picker() { return rr_; }
  upstream_pool& pool_for(const lb::endpoint& ep);
  void request_flush(flushable* f);
  void cancel_flush(flushable* f);
  void adopt(std::unique_ptr<connection_actor> c);
  // Destroys a connection after the current handler returns.
  void release(connection_actor* c);
  size_t index() const { return index_; }

private:
  void flush_all();
  void check_idle();

  caf::actor_system& sys_;
  size_t index_;
  worker_config cfg_;
  // host_ before ctx_: handlers still queued in ctx_ when it dies may own hosted actors.
  actor_host host_;
  asio::io_context ctx_;
  std::thread thread_;
  lb::endpoint_table_ptr table_;
  lb::round_robin rr_;
  std::unordered_map<std::string, std::unique_ptr<upstream_pool>> pools_;
  std::unordered_map<connection_actor*, std::unique_ptr<connection_actor>> connections_;
  std::unique_ptr<listener_actor> listener_;
  std::vector<flushable*> dirty_;
  bool flush_posted_ = false;
  bool draining_ = false;
  std::function<void()> on_idle_;
};

} // namespace meshlet::actors
