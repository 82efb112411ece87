// network: datagram delivery, the TCP-ish stream model and the per-host tick schedule.
#include "mesh/membership/sim/network.hpp"

#include "mesh/membership/message_size.hpp"

#include <algorithm>

namespace meshlet::membership::sim {

class host_transport final : public membership::transport {
public:
  host_transport(network &net, int host) : net_(net), host_(host) {}
  void send_packet(const std::string &to, packet p) override {
    net_.send_packet(host_, to, std::move(p));
  }
  void send_stream(const std::string &to, stream_message req, millis timeout,
                   reply_handler on_reply) override {
    net_.send_stream(host_, to, std::move(req), timeout, std::move(on_reply));
  }

private:
  network &net_;
  int host_;
};

struct network::host {
  std::string addr;
  host_transport transport;
  node *n = nullptr;
  bool up = true;
  std::uint32_t epoch = 0;
  time_point wake_at = time_point::max();
};

network::network(network_config cfg, std::uint64_t seed, time_point start)
  : cfg_(cfg), rng_(seed), events_(start) {}

network::~network() = default;

int network::add_host(const std::string &addr) {
  int id = static_cast<int>(hosts_.size());
  hosts_.push_back(std::unique_ptr<host>(new host{addr, host_transport{*this, id}}));
  by_addr_[addr] = id;
  return id;
}

membership::transport &network::transport_of(int h) {
  return hosts_[h]->transport;
}

void network::attach(int h, node *n) {
  hosts_[h]->n = n;
  hosts_[h]->epoch++;
  hosts_[h]->wake_at = time_point::max();
  wake(h);
}

void network::set_up(int h, bool up) {
  if (hosts_[h]->up == up)
    return;
  hosts_[h]->up = up;
  hosts_[h]->epoch++;
  hosts_[h]->wake_at = time_point::max();
  wake(h);
}

bool network::is_up(int h) const {
  return hosts_[h]->up;
}

const std::string &network::address(int h) const {
  return hosts_[h]->addr;
}

void network::set_groups(std::vector<int> group_of_host) {
  groups_ = std::move(group_of_host);
}

bool network::reachable(int a, int b) const {
  if (groups_.empty())
    return true;
  return groups_[a] == groups_[b];
}

int network::lookup(const std::string &addr) const {
  auto it = by_addr_.find(addr);
  return it == by_addr_.end() ? -1 : it->second;
}

duration network::one_way() {
  auto j = cfg_.jitter.count() > 0
             ? std::uniform_int_distribution<long long>{0, cfg_.jitter.count() - 1}(rng_)
             : 0;
  return cfg_.latency + std::chrono::microseconds{j};
}

duration network::leg(std::size_t bytes, bool connect) {
  // One way for `bytes` of data (or a SYN / SYN-ACK): every lost segment costs a retransmission
  // timeout, doubling while losses repeat.
  std::bernoulli_distribution lost{cfg_.loss};
  std::size_t segments = connect ? 1 : std::max<std::size_t>(1, (bytes + cfg_.mss - 1) / cfg_.mss);
  duration t = one_way();
  duration rto = connect ? duration{cfg_.syn_rto} : duration{cfg_.rto};
  while (segments > 0 && cfg_.loss > 0) {
    std::size_t again = 0;
    for (std::size_t i = 0; i < segments; ++i)
      again += lost(rng_) ? 1 : 0;
    if (again == 0)
      break;
    t += rto;
    rto *= 2;
    segments = again;
  }
  return t;
}

void network::at(time_point t, std::function<void()> fn) {
  events_.push(t, call{std::move(fn)});
}

void network::wake(int h) {
  host &x = *hosts_[h];
  if (!x.up || x.n == nullptr)
    return;
  // A deadline already past (a suspicion that confirmations made overdue) is due now.
  time_point t = std::max(x.n->next_deadline(), now());
  if (t < x.wake_at) {
    x.wake_at = t;
    events_.push(t, wake_up{h, x.epoch});
  }
}

void network::send_packet(int from, const std::string &to, packet p) {
  stats_.packets++;
  int dst = lookup(to);
  if (dst < 0 || !hosts_[from]->up) {
    stats_.to_down++;
    return;
  }
  if (!reachable(from, dst)) {
    stats_.cut++;
    return;
  }
  if (cfg_.loss > 0 && std::bernoulli_distribution{cfg_.loss}(rng_)) {
    stats_.lost++;
    return;
  }
  events_.push(now() + one_way(), deliver{dst, from, hosts_[dst]->epoch, std::move(p)});
}

void network::fail_stream(time_point at, int from, std::uint32_t epoch,
                          membership::transport::reply_handler on_reply) {
  stats_.streams_failed++;
  events_.push(at, call{[this, from, epoch, h = std::move(on_reply)]() {
                 if (!hosts_[from]->up || hosts_[from]->epoch != epoch)
                   return;
                 h(std::nullopt, now());
                 wake(from);
               }});
}

void network::send_stream(int from, const std::string &to, stream_message req, millis timeout,
                          membership::transport::reply_handler on_reply) {
  stats_.streams++;
  const time_point start = now();
  const time_point deadline = start + timeout;
  const std::uint32_t epoch = hosts_[from]->epoch;
  int dst = lookup(to);
  if (dst < 0 || !reachable(from, dst)) { // nobody answers the SYN
    fail_stream(deadline, from, epoch, std::move(on_reply));
    return;
  }
  if (!hosts_[dst]->up) { // the machine answers with a reset
    fail_stream(start + 2 * one_way(), from, epoch, std::move(on_reply));
    return;
  }
  time_point arrive = start + leg(0, true) + leg(0, true) + leg(stream_message_size(req), false);
  if (arrive > deadline) {
    fail_stream(deadline, from, epoch, std::move(on_reply));
    return;
  }
  auto shared_req = std::make_shared<stream_message>(std::move(req));
  events_.push(
    arrive, call{[this, from, dst, epoch, deadline, shared_req, h = std::move(on_reply)]() mutable {
      if (!hosts_[from]->up || hosts_[from]->epoch != epoch)
        return;
      host &d = *hosts_[dst];
      if (!reachable(from, dst) || !d.up || d.n == nullptr) {
        fail_stream(deadline, from, epoch, std::move(h));
        return;
      }
      auto reply = d.n->on_stream(hosts_[from]->addr, *shared_req, now());
      wake(dst);
      if (!reply) {
        fail_stream(now() + one_way(), from, epoch, std::move(h));
        return;
      }
      time_point back = now() + leg(stream_message_size(*reply), false);
      if (back > deadline) {
        fail_stream(deadline, from, epoch, std::move(h));
        return;
      }
      auto shared_reply = std::make_shared<stream_message>(std::move(*reply));
      events_.push(back, call{[this, from, epoch, shared_reply, h = std::move(h)]() {
                     if (!hosts_[from]->up || hosts_[from]->epoch != epoch)
                       return;
                     h(std::move(*shared_reply), now());
                     wake(from);
                   }});
    }});
}

void network::run_until(time_point t) {
  while (!events_.empty() && events_.next_time() <= t) {
    event e = events_.pop();
    if (auto *d = std::get_if<deliver>(&e)) {
      host &x = *hosts_[d->to];
      if (!x.up || x.epoch != d->epoch || x.n == nullptr) {
        stats_.to_down++;
        continue;
      }
      stats_.delivered++;
      x.n->on_packet(hosts_[d->from]->addr, std::move(d->p), now());
      wake(d->to);
    } else if (auto *w = std::get_if<wake_up>(&e)) {
      host &x = *hosts_[w->host];
      if (!x.up || x.epoch != w->epoch || x.n == nullptr || x.wake_at != now())
        continue; // stale
      x.wake_at = time_point::max();
      x.n->tick(now());
      wake(w->host);
    } else {
      std::get<call>(e).fn();
    }
  }
  events_.advance_to(t);
}

} // namespace meshlet::membership::sim
