// health_probe_actor: actively checks one endpoint with grpc.health.v1.Health/Check over its
// own h2c connection (meshlet's h2 stack), every `interval`, each check bounded by `timeout`.
// Results feed a health_state (thresholds); when the verdict changes the probe tells the
// cluster's balancer (health, address, routable), which republishes the snapshot. In Watch
// mode one long-lived Watch call replaces the periodic Checks: every status the server pushes
// is a result at once; a Watch that ends or breaks counts as a failure and is re-opened at the
// next interval.
// NOT_SERVING, SERVICE_UNKNOWN, a timeout or a failed connect count as failures;
// UNIMPLEMENTED means the server has no health service: healthy.
#pragma once

#include "actors/host/hosted_actor.hpp"
#include "actors/io/io_worker.hpp"
#include "mesh/config/config.hpp"
#include "mesh/health/health_state.hpp"
#include "mesh/lb/endpoint_table.hpp"
#include "transport/h2/session.hpp"
#include "transport/io/timer.hpp"
#include "transport/net/tcp_channel.hpp"

#include <memory>
#include <optional>
#include <string>

namespace meshlet::actors {

class health_probe_actor : public hosted_actor, public net::tcp_channel::owner {
public:
  health_probe_actor(io_worker& w, const lb::endpoint& ep, config::health_check cfg,
                     caf::actor balancer);
  ~health_probe_actor() override;

  // tcp_channel::owner
  void on_connected(const asio::error_code& ec) override;
  void on_bytes(const uint8_t* data, size_t n) override;
  void on_closed(const asio::error_code& ec) override;

private:
  void tick();
  void send_check();
  // Watch mode: every complete length-prefixed message in body_ is one result.
  void take_watch_messages();
  void finish(health::probe_result r);
  void drop_connection();
  void flush();

  io_worker& worker_;
  std::string address_;
  asio::ip::tcp::endpoint target_;
  config::health_check cfg_;
  caf::actor balancer_;
  health::health_state state_;
  bool reported_routable_ = true; // the balancer starts with every endpoint up
  io::timer interval_timer_;
  io::timer timeout_timer_;
  std::shared_ptr<net::tcp_channel> channel_;
  std::unique_ptr<h2::session> session_;
  bool connected_ = false;
  bool in_check_ = false;
  bool watching_ = false; // a Watch call is open
  int32_t sid_ = 0;
  std::string body_;
  std::optional<std::string> grpc_status_;
  std::string out_;
};

} // namespace meshlet::actors
