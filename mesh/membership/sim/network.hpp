// network: an in-memory network on simulated time, for tests and the simulator. Hosts have
// addresses and a node each; datagrams are delayed (latency + jitter), lost at random, or cut
// by partitions; streams model TCP (retransmission timeouts under loss, refused by a downed
// host, silent across a partition). It also drives every node's tick at its next deadline.
#pragma once

#include "mesh/membership/node.hpp"
#include "mesh/membership/sim/event_queue.hpp"
#include "mesh/membership/transport.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace meshlet::membership::sim {

struct network_config {
  std::chrono::microseconds latency{500}; // one way, plus uniform jitter
  std::chrono::microseconds jitter{1000};
  double loss = 0.0;    // per datagram (and per TCP segment)
  millis syn_rto{1000}; // TCP's first SYN retransmission timeout
  millis rto{200};      // TCP's data retransmission timeout (doubling)
  std::size_t mss = 1400;
};

struct network_stats {
  std::uint64_t packets = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;
  std::uint64_t cut = 0; // partition
  std::uint64_t to_down = 0;
  std::uint64_t streams = 0;
  std::uint64_t streams_failed = 0;
};

class network {
public:
  network(network_config cfg, std::uint64_t seed, time_point start);
  ~network();
  network(const network &) = delete;
  network &operator=(const network &) = delete;

  int add_host(const std::string &addr);
  membership::transport &transport_of(int host);
  void attach(int host, node *n);
  // A downed host receives and sends nothing and is not ticked; events it started are void.
  void set_up(int host, bool up);
  bool is_up(int host) const;
  const std::string &address(int host) const;

  // Hosts in different groups cannot reach each other; heal() joins everything again.
  void set_groups(std::vector<int> group_of_host);
  void heal() { groups_.clear(); }
  void set_loss(double loss) { cfg_.loss = loss; }
  const network_config &config() const { return cfg_; }

  time_point now() const { return events_.now(); }
  void at(time_point t, std::function<void()> fn);
  void run_until(time_point t);
  // Tick `host`'s node at its next deadline (called after anything touches it).
  void wake(int host);

  const network_stats &stats() const { return stats_; }

  // For host_transport.
  void send_packet(int from, const std::string &to, packet p);
  void send_stream(int from, const std::string &to, stream_message req, millis timeout,
                   membership::transport::reply_handler on_reply);

private:
  struct host;
  struct deliver {
    int to;
    int from;
    std::uint32_t epoch;
    packet p;
  };
  struct wake_up {
    int host;
    std::uint32_t epoch;
  };
  struct call {
    std::function<void()> fn;
  };
  using event = std::variant<deliver, wake_up, call>;

  bool reachable(int a, int b) const;
  int lookup(const std::string &addr) const;
  duration one_way();
  duration leg(std::size_t bytes, bool connect);
  void fail_stream(time_point at, int from, std::uint32_t epoch,
                   membership::transport::reply_handler on_reply);

  network_config cfg_;
  std::mt19937_64 rng_;
  event_queue<event> events_;
  std::vector<std::unique_ptr<host>> hosts_;
  std::unordered_map<std::string, int> by_addr_;
  std::vector<int> groups_;
  network_stats stats_;
};

} // namespace meshlet::membership::sim
