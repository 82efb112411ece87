// node: one member of the SWIM + Lifeguard cluster, as a plain class. It does no I/O and reads
// no clock: the owner passes time into every call, delivers packets and stream requests, and
// calls tick() by next_deadline(). What it sends goes through the injected transport.
//   node.cpp        construction, API, tick, dispatch, gossip, push-pull, reconnect
//   node_probe.cpp  failure detection: probes, indirect probes, relays, fallback pings
//   node_state.cpp  alive / suspect / dead / left transitions, refutation, rumours, merge
#pragma once

#include "mesh/membership/awareness.hpp"
#include "mesh/membership/broadcast_queue.hpp"
#include "mesh/membership/config.hpp"
#include "mesh/membership/endpoint_views.hpp"
#include "mesh/membership/member_table.hpp"
#include "mesh/membership/messages.hpp"
#include "mesh/membership/state_rules.hpp"
#include "mesh/membership/stats.hpp"
#include "mesh/membership/timer_queue.hpp"
#include "mesh/membership/transport.hpp"

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshlet::membership {

struct node_observer {
  // A member appeared (old == nullopt) or changed state.
  std::function<void(const member &m, std::optional<member_state> old)> on_member_change;
  // An endpoint rumour was learnt or replaced (removed == false), or dropped with its reporter.
  std::function<void(const endpoint_rumour &r, bool removed)> on_endpoint_change;
  // A join attempt through `seed` finished.
  std::function<void(const std::string &seed, bool ok)> on_join;
};

class node {
public:
  node(membership_config cfg, transport &net, std::uint64_t seed, time_point now);
  node(const node &) = delete;
  node &operator=(const node &) = delete;

  void set_observer(node_observer o) { observer_ = std::move(o); }

  // Push-pull with every seed address; replies merge in as they arrive.
  void join(const std::vector<std::string> &seeds, time_point now);
  // Announce a graceful leave (dead with from == self) and stop probing. Keep ticking until
  // leave_announced() so the announcement goes out, then stop.
  void leave(time_point now);
  bool has_left() const { return left_; }
  bool leave_announced() const;

  void tick(time_point now);
  time_point next_deadline() const;

  void on_packet(const std::string &from_addr, packet p, time_point now);
  std::optional<stream_message> on_stream(const std::string &from_addr, const stream_message &req,
                                          time_point now);

  // Report an endpoint's health as this node saw it; gossiped to every member, starting with a
  // gossip round right away.
  void publish_endpoint_health(const std::string &cluster, const std::string &endpoint,
                               endpoint_state state, std::int64_t observed_at_ms, time_point now);
  std::vector<endpoint_rumour> endpoint_views() const { return views_.all(); }

  std::vector<member> members() const;
  const member *find_member(const std::string &name) const;
  std::size_t member_count() const { return table_.size(); }

  const membership_config &config() const { return cfg_; }
  const node_stats &stats() const { return stats_; }
  int health_score() const { return awareness_.score(); }
  std::uint64_t incarnation() const { return incarnation_; }
  std::size_t queued_broadcasts() const { return queue_.size(); }

private:
  struct probe_state {
    std::uint32_t seq;
    std::string target;
    time_point timeout_at; // no ack by then: indirect probes
    time_point deadline;   // no ack by then: suspect
    bool indirect_sent = false;
    int expected_nacks = 0;
    int nacks = 0;
  };
  struct relay { // a ping we send for someone else's ping-req
    std::uint32_t origin_seq;
    std::string origin_addr;
  };
  struct timer {
    enum class kind { suspicion, reap, relay_nack, relay_expire } what;
    std::string name;         // suspicion, reap
    std::uint64_t generation; // suspicion, reap: still meant if the member's generation matches
    std::uint32_t seq = 0;    // relay
  };
  struct failed_member {
    std::string addr;
    time_point since;
  };

  // node.cpp
  void send(const std::string &to, packet p);
  void send_with_piggyback(const std::string &to, std::vector<message> primary);
  std::size_t packet_budget() const;
  int transmit_limit() const;
  void gossip(time_point now);
  void push_pull_with(const std::string &addr, bool join, const std::string &seed_for_observer);
  void reconnect(time_point now);
  void failed_member_returned(const std::string &name, time_point now);
  void push_pull_with_random_member();
  push_pull local_state(bool join) const;
  void fire_timer(const timer &t, time_point now);
  void handle(const std::string &from, message &m, time_point now);
  std::uint32_t next_seq() { return ++seq_; }
  int random_stagger(millis interval);
  // The staggered probe schedule (membership_config::probe_schedule): the round `now` is in,
  // and this node's tick `rounds_ahead` rounds later (its round start plus its phase).
  bool staggered() const { return cfg_.schedule == membership_config::probe_schedule::staggered; }
  std::uint64_t probe_round(time_point now) const;
  time_point staggered_tick(time_point now, int rounds_ahead) const;

  // node_probe.cpp
  void probe(time_point now);
  void probe_timed_out(time_point now);
  void probe_failed(time_point now);
  void probe_succeeded();
  void handle_ping(const std::string &from, const ping &m);
  void handle_ping_req(const std::string &from, const ping_req &m, time_point now);
  void handle_ack(const ack &m);
  void handle_nack(const nack &m);
  void relay_nack(std::uint32_t seq);
  void relay_expired(std::uint32_t seq);

  // node_state.cpp
  void handle_alive(const alive &m, time_point now);
  void handle_suspect(const suspect &m, time_point now);
  void handle_dead(const dead &m, time_point now);
  void handle_rumour(const endpoint_rumour &r, time_point now);
  void refute(std::uint64_t accused);
  void set_state(member_entry &e, member_state s, std::uint64_t incarnation, time_point now);
  void merge(const push_pull &remote, time_point now);
  void suspicion_expired(const std::string &name, std::uint64_t generation, time_point now);
  void reap(const std::string &name, std::uint64_t generation);
  known_member view_of(const member_entry &e) const;
  void notify_member(const member &m, std::optional<member_state> old) const;

  membership_config cfg_;
  transport &net_;
  rng_type rng_;
  awareness awareness_;
  broadcast_queue queue_;
  member_table table_;
  membership::endpoint_views views_;
  node_stats stats_;
  node_observer observer_;

  std::uint64_t incarnation_ = 1;
  std::uint32_t seq_ = 0;
  std::uint64_t generation_ = 0; // node-wide, so a stale timer never matches a re-added member
  bool left_ = false;

  time_point next_probe_at_;
  time_point next_gossip_at_;
  time_point next_push_pull_at_;
  time_point next_reconnect_at_;
  std::optional<time_point> next_resync_at_;
  int resync_rounds_left_ = 0;
  int returned_since_push_pull_ = 0; // failed members back since our last push-pull
  std::optional<probe_state> probe_;
  std::unordered_map<std::uint32_t, relay> relays_;
  timer_queue<timer> timers_;
  std::unordered_map<std::string, failed_member> failed_;
};

} // namespace meshlet::membership
