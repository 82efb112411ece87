// upstream_pool: one endpoint's h2c connections on one I/O thread. Streams multiplex over
// a connection until the endpoint's SETTINGS_MAX_CONCURRENT_STREAMS is reached, then
// another connection opens. A failed connect puts the endpoint in reconnect backoff
// (capped exponential, jittered): picks skip it until the backoff ends.
#pragma once

#include "mesh/lb/endpoint_table.hpp"
#include "transport/clock.hpp"
#include "transport/net/backoff.hpp"

#include <memory>
#include <random>
#include <string>
#include <vector>

namespace meshlet::actors {

class io_worker;
class upstream_actor;

class upstream_pool {
public:
  upstream_pool(io_worker& w, lb::endpoint ep);
  ~upstream_pool();

  // A connection with room for one more stream (the room is reserved), or nullptr while
  // the endpoint is in reconnect backoff.
  upstream_actor* acquire();
  bool available() const;
  const lb::endpoint& endpoint() const { return ep_; }
  const std::string& last_error() const { return last_error_; }

  // -- reports from this pool's connections (same thread) -------------------------
  void on_connected();
  void on_connect_failed(upstream_actor* c, const std::string& why);
  void on_closed(upstream_actor* c);

private:
  void remove_later(upstream_actor* c);

  io_worker& worker_;
  lb::endpoint ep_;
  std::vector<std::unique_ptr<upstream_actor>> conns_;
  unsigned failures_ = 0;
  time_point retry_at_{};
  std::string last_error_;
  net::backoff backoff_;
  std::minstd_rand rng_;
};

} // namespace meshlet::actors
