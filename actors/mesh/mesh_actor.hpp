// mesh_actor: the gossip member of this sidecar. Hosted on an I/O thread (thread 0: gossip is
// a few packets a second, never on a call's path), it owns the gossip sockets
// (gossip_transport), the tick timer, and the SWIM + Lifeguard core (membership::node) it
// drives. It routes other sidecars' endpoint-health rumours to the cluster's balancer, gossips
// this sidecar's own verdicts (health-check transitions from balancers, outlier ejections from
// the I/O threads), answers (members) for the admin API, and leaves gracefully on drain.
// Messages: actors/mesh/mesh_protocol.hpp.
#pragma once

#include "actors/host/hosted_actor.hpp"
#include "actors/mesh/gossip_transport.hpp"
#include "actors/mesh/mesh_protocol.hpp"
#include "mesh/gossip/gossip_counters.hpp"
#include "mesh/gossip/keyring.hpp"
#include "mesh/membership/config.hpp"
#include "mesh/membership/node.hpp"
#include "transport/io/timer.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Collectable;
}

namespace meshlet::actors {

struct mesh_settings {
  asio::ip::address bind_ip;
  std::uint16_t bind_port = 0;
  std::string name;              // "" = hostname:port
  std::vector<std::string> seeds; // --gossip-join
  std::shared_ptr<const gossip::keyring> keys; // null: --gossip-insecure
  std::chrono::milliseconds replay_window{30000};
  std::chrono::milliseconds rumour_ttl{30000}; // how long a remote "unhealthy" marks an endpoint
  std::chrono::milliseconds join_retry{2000};  // until one join succeeded
  membership::membership_config tuning;        // name and address are filled in
};

class mesh_actor : public hosted_actor {
public:
  // Binds the gossip sockets (the caller's thread, before the loop runs); nullptr with `error`
  // set when that fails.
  static std::unique_ptr<mesh_actor> make(actor_host& host, asio::io_context& ctx,
                                          mesh_settings s, std::string& error);
  ~mesh_actor() override;

  const std::string& name() const { return cfg_.name; }
  const std::string& address() const { return cfg_.address; } // IP:PORT peers reach us on

  // Thread-safe: starts receiving, joins the seeds.
  void start();
  // Thread-safe: announces a graceful leave (once); returns at once.
  void begin_leave();
  // Thread-safe, blocking (never call it on an I/O thread): begins the leave if needed and
  // waits until it was sent or `max_wait` passed; true when it was sent.
  bool await_leave(std::chrono::milliseconds max_wait);

  // meshlet_gossip_members{state}, meshlet_gossip_packets_total{direction,result}, ...
  std::shared_ptr<prometheus::Collectable> metrics() const;
  const std::shared_ptr<gossip::gossip_counters>& counters() const { return counters_; }

private:
  mesh_actor(actor_host& host, asio::io_context& ctx, mesh_settings s,
             membership::membership_config cfg, std::shared_ptr<gossip::gossip_counters> counters,
             std::unique_ptr<gossip_transport> transport);

  caf::behavior behavior();
  void observe();
  void schedule();
  void on_tick();
  void on_dropped(const std::string& from, gossip::verdict why, bool stream);
  void publish(const std::string& cluster, const std::string& address, bool healthy);
  void route(const membership::endpoint_rumour& r, bool removed);
  void count_members();
  members_view view() const;

  asio::io_context& ctx_;
  mesh_settings settings_;
  membership::membership_config cfg_;
  std::shared_ptr<gossip::gossip_counters> counters_;
  std::unique_ptr<gossip_transport> transport_;
  std::unique_ptr<membership::node> node_;
  io::timer tick_timer_;
  std::map<std::string, caf::actor> balancers_; // cluster -> balancer
  std::map<std::string, time_point> last_ejection_published_; // cluster/address
  bool joined_ = false;
  std::uint64_t join_failures_ = 0;
  time_point next_join_at_{};
  // Rate-limited drop logging.
  time_point drop_log_at_{};
  std::uint64_t drops_unlogged_ = 0;
  // The graceful leave.
  bool leaving_ = false;
  bool leave_signalled_ = false;
  std::promise<void> left_;
  std::shared_future<void> left_future_;
};

} // namespace meshlet::actors
