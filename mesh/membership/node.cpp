// node: construction, the public API, the tick that drives every timer, packet dispatch,
// gossip (piggybacked broadcasts), push-pull anti-entropy and Serf-style reconnects.
#include "mesh/membership/node.hpp"

#include "mesh/membership/message_size.hpp"
#include "mesh/membership/scaling.hpp"

#include <algorithm>

namespace meshlet::membership {
namespace {

time_point advance(time_point next, millis interval, time_point now) {
  next += interval;
  return next <= now ? now + interval : next; // missed ticks are skipped, not replayed
}

} // namespace

node::node(membership_config cfg, transport &net, std::uint64_t seed, time_point now)
  : cfg_(std::move(cfg)), net_(net), rng_(seed), awareness_(cfg_.awareness_max_multiplier) {
  table_.add(member{cfg_.name, cfg_.address, member_state::alive, incarnation_, now}, rng_);
  queue_.push(broadcast_queue::member_key(cfg_.name), alive{cfg_.name, cfg_.address, incarnation_});
  // Random phases, so a cluster started at once does not probe and gossip in lockstep.
  next_probe_at_ = staggered() ? staggered_tick(now, 1)
                               : now + millis{random_stagger(cfg_.probe_interval)};
  next_gossip_at_ = now + millis{random_stagger(cfg_.gossip_interval)};
  next_push_pull_at_ = now + millis{random_stagger(cfg_.push_pull_interval)};
  next_reconnect_at_ = now + millis{random_stagger(cfg_.reconnect_interval)};
}

std::uint64_t node::probe_round(time_point now) const {
  auto ms = std::chrono::duration_cast<millis>(now.time_since_epoch()).count()
            + cfg_.round_clock_offset.count();
  auto interval = std::max<long long>(1, cfg_.probe_interval.count());
  return static_cast<std::uint64_t>(std::max<long long>(0, ms) / interval);
}

time_point node::staggered_tick(time_point now, int rounds_ahead) const {
  auto interval = std::max<long long>(1, cfg_.probe_interval.count());
  auto spread = std::clamp<long long>(cfg_.probe_phase_spread.count(), 1, interval);
  auto phase = static_cast<long long>(ring_key(cfg_.name) % static_cast<std::uint64_t>(spread));
  auto at = static_cast<long long>(probe_round(now) + rounds_ahead) * interval + phase
            - cfg_.round_clock_offset.count();
  auto t = time_point{std::chrono::duration_cast<time_point::duration>(millis{at})};
  return t > now ? t : now + cfg_.probe_interval;
}

int node::random_stagger(millis interval) {
  if (interval.count() <= 0)
    return 0;
  return static_cast<int>(std::uniform_int_distribution<long long>{0, interval.count() - 1}(rng_));
}

void node::join(const std::vector<std::string> &seeds, time_point) {
  for (const auto &seed : seeds)
    if (seed != cfg_.address)
      push_pull_with(seed, true, seed);
}

void node::leave(time_point now) {
  if (left_)
    return;
  left_ = true;
  probe_.reset();
  if (auto *self = table_.find(cfg_.name))
    set_state(*self, member_state::left, incarnation_, now);
  queue_.push(broadcast_queue::member_key(cfg_.name), dead{cfg_.name, incarnation_, cfg_.name});
}

bool node::leave_announced() const {
  return left_ && queue_.transmits(broadcast_queue::member_key(cfg_.name)) != 0;
}

std::vector<member> node::members() const {
  std::vector<member> out;
  out.reserve(table_.size());
  table_.for_each([&](const member_entry &e) { out.push_back(e.m); });
  return out;
}

const member *node::find_member(const std::string &name) const {
  const auto *e = table_.find(name);
  return e ? &e->m : nullptr;
}

void node::publish_endpoint_health(const std::string &cluster, const std::string &endpoint,
                                   endpoint_state state, std::int64_t observed_at_ms,
                                   time_point now) {
  const auto *current = views_.find(cluster, endpoint, cfg_.name);
  std::uint64_t version = current ? current->rumour.version + 1 : 1;
  // Versions follow the reporter's wall clock when given, so a restarted reporter's new
  // rumours still win over its old ones.
  if (observed_at_ms > 0)
    version = std::max(version, static_cast<std::uint64_t>(observed_at_ms));
  endpoint_rumour r{cluster, endpoint, state, version, cfg_.name, observed_at_ms};
  views_.apply(r, now);
  queue_.push(broadcast_queue::endpoint_key(r), r);
  if (observer_.on_endpoint_change)
    observer_.on_endpoint_change(r, false);
  // Endpoint health is urgent and local publishes are rare: start spreading it now rather
  // than at the next gossip tick (up to a gossip interval away).
  gossip(now);
}

// --- time ------------------------------------------------------------------------------------

void node::tick(time_point now) {
  while (auto t = timers_.pop_due(now))
    fire_timer(*t, now);
  if (probe_ && !probe_->indirect_sent && now >= probe_->timeout_at)
    probe_timed_out(now);
  if (probe_ && now >= probe_->deadline)
    probe_failed(now);
  if (!left_ && now >= next_probe_at_)
    probe(now);
  if (now >= next_gossip_at_) {
    gossip(now);
    next_gossip_at_ = advance(next_gossip_at_, cfg_.gossip_interval, now);
  }
  if (!left_ && now >= next_push_pull_at_) {
    push_pull_with_random_member();
    millis interval = cfg_.scale_push_pull
                        ? push_pull_scale(cfg_.push_pull_interval, static_cast<int>(table_.size()))
                        : cfg_.push_pull_interval;
    next_push_pull_at_ = advance(next_push_pull_at_, interval, now);
  }
  if (!left_ && next_resync_at_ && now >= *next_resync_at_) {
    push_pull_with_random_member();
    next_resync_at_.reset();
    if (--resync_rounds_left_ > 0)
      next_resync_at_ = now + cfg_.resync_spacing + millis{random_stagger(cfg_.resync_delay)};
  }
  if (!left_ && now >= next_reconnect_at_) {
    reconnect(now);
    next_reconnect_at_ = advance(next_reconnect_at_, cfg_.reconnect_interval, now);
  }
}

time_point node::next_deadline() const {
  time_point t = next_gossip_at_;
  if (!left_)
    t = std::min({t, next_probe_at_, next_push_pull_at_, next_reconnect_at_});
  if (!left_ && next_resync_at_)
    t = std::min(t, *next_resync_at_);
  if (probe_)
    t = std::min(t, probe_->indirect_sent ? probe_->deadline : probe_->timeout_at);
  if (auto next = timers_.next())
    t = std::min(t, *next);
  return t;
}

void node::fire_timer(const timer &t, time_point now) {
  switch (t.what) {
  case timer::kind::suspicion:
    suspicion_expired(t.name, t.generation, now);
    break;
  case timer::kind::reap:
    reap(t.name, t.generation);
    break;
  case timer::kind::relay_nack:
    relay_nack(t.seq);
    break;
  case timer::kind::relay_expire:
    relay_expired(t.seq);
    break;
  }
}

// --- packets ---------------------------------------------------------------------------------

std::size_t node::packet_budget() const {
  return cfg_.packet_limit > cfg_.envelope_overhead ? cfg_.packet_limit - cfg_.envelope_overhead
                                                    : 0;
}

int node::transmit_limit() const {
  return retransmit_limit(cfg_.retransmit_mult, static_cast<int>(table_.size()));
}

void node::send(const std::string &to, packet p) {
  stats_.sent.packets++;
  stats_.sent.bytes += packet_size(p);
  for (const auto &m : p.messages)
    stats_.sent.messages[m.index()]++;
  net_.send_packet(to, std::move(p));
}

void node::send_with_piggyback(const std::string &to, std::vector<message> primary) {
  std::size_t used = 0;
  for (const auto &m : primary)
    used += packet_entry_size(m);
  packet p{std::move(primary)};
  std::size_t budget = packet_budget();
  if (used < budget) {
    auto extra = queue_.take(budget - used, transmit_limit());
    std::move(extra.begin(), extra.end(), std::back_inserter(p.messages));
  }
  send(to, std::move(p));
}

void node::on_packet(const std::string &from, packet p, time_point now) {
  stats_.received.packets++;
  stats_.received.bytes += packet_size(p);
  for (auto &m : p.messages) {
    stats_.received.messages[m.index()]++;
    handle(from, m, now);
  }
}

void node::handle(const std::string &from, message &m, time_point now) {
  struct visitor {
    node &n;
    const std::string &from;
    time_point now;
    void operator()(const ping &x) { n.handle_ping(from, x); }
    void operator()(const ack &x) { n.handle_ack(x); }
    void operator()(const nack &x) { n.handle_nack(x); }
    void operator()(const ping_req &x) { n.handle_ping_req(from, x, now); }
    void operator()(const alive &x) { n.handle_alive(x, now); }
    void operator()(const suspect &x) { n.handle_suspect(x, now); }
    void operator()(const dead &x) { n.handle_dead(x, now); }
    void operator()(const endpoint_rumour &x) { n.handle_rumour(x, now); }
  };
  std::visit(visitor{*this, from, now}, m);
}

void node::gossip(time_point now) {
  if (queue_.empty())
    return;
  auto targets = table_.random_members(
    static_cast<std::size_t>(cfg_.gossip_nodes), rng_, [&](const member_entry &e) {
      if (e.m.name == cfg_.name)
        return false;
      switch (e.m.state) {
      case member_state::alive:
      case member_state::suspect:
        return true;
      case member_state::dead: // so the dead hear of it, and refute if they can
        return now - e.m.state_change < cfg_.gossip_to_the_dead;
      case member_state::left:
        return false;
      }
      return false;
    });
  for (auto *t : targets) {
    auto msgs = queue_.take(packet_budget(), transmit_limit());
    if (msgs.empty())
      return;
    send(t->m.addr, packet{std::move(msgs)});
  }
}

// --- streams: push-pull, join, reconnect -----------------------------------------------------

push_pull node::local_state(bool join) const {
  push_pull s;
  s.join = join;
  s.members.reserve(table_.size());
  table_.for_each([&](const member_entry &e) {
    s.members.push_back(member_record{e.m.name, e.m.addr, e.m.incarnation, e.m.state});
  });
  s.rumours = views_.all();
  return s;
}

void node::push_pull_with(const std::string &addr, bool join, const std::string &seed) {
  returned_since_push_pull_ = 0;
  stream_message req = local_state(join);
  stats_.streams_sent++;
  stats_.stream_bytes_sent += stream_message_size(req);
  net_.send_stream(addr, std::move(req), cfg_.stream_timeout,
                   [this, seed, join](std::optional<stream_message> reply, time_point now) {
                     auto *state = reply ? std::get_if<push_pull>(&*reply) : nullptr;
                     if (state == nullptr) {
                       stats_.streams_failed++;
                     } else {
                       stats_.stream_bytes_received += stream_message_size(*reply);
                       merge(*state, now);
                     }
                     if (join && !seed.empty() && observer_.on_join)
                       observer_.on_join(seed, state != nullptr);
                   });
}

std::optional<stream_message> node::on_stream(const std::string & /*from*/,
                                              const stream_message &req, time_point now) {
  stats_.streams_served++;
  stats_.stream_bytes_received += stream_message_size(req);
  std::optional<stream_message> reply;
  if (const auto *p = std::get_if<ping>(&req)) {
    if (p->target.empty() || p->target == cfg_.name)
      reply = ack{p->seq};
    else
      stats_.rejected++;
  } else if (const auto *s = std::get_if<push_pull>(&req)) {
    // Merge first, then answer: a peer that thought us dead gets our refutation in the reply.
    merge(*s, now);
    reply = local_state(false);
  } else {
    stats_.rejected++;
  }
  if (reply)
    stats_.stream_bytes_sent += stream_message_size(*reply);
  return reply;
}

void node::failed_member_returned(const std::string &name, time_point now) {
  if (failed_.erase(name) == 0 || left_)
    return;
  int enough = std::max(cfg_.resync_returns, static_cast<int>(table_.size() / 100));
  if (++returned_since_push_pull_ < enough || next_resync_at_)
    return; // a restarted member or two is no reason to resync the whole cluster
  resync_rounds_left_ = cfg_.resync_rounds;
  if (resync_rounds_left_ > 0)
    next_resync_at_ = now + cfg_.resync_delay + millis{random_stagger(cfg_.resync_delay)};
}

void node::push_pull_with_random_member() {
  auto peers = table_.random_members(1, rng_, [&](const member_entry &e) {
    return e.m.name != cfg_.name && e.m.state == member_state::alive;
  });
  if (!peers.empty())
    push_pull_with(peers.front()->m.addr, false, {});
}

void node::reconnect(time_point now) {
  for (auto it = failed_.begin(); it != failed_.end();)
    it = now - it->second.since > cfg_.reconnect_timeout ? failed_.erase(it) : std::next(it);
  if (failed_.empty())
    return;
  std::size_t live = 0;
  table_.for_each([&](const member_entry &e) { live += dead_or_left(e.m.state) ? 0 : 1; });
  // Like Serf: the more of the cluster has failed, the likelier a reconnect attempt.
  double p =
    static_cast<double>(failed_.size()) / static_cast<double>(std::max<std::size_t>(1, live));
  if (std::uniform_real_distribution<double>{0.0, 1.0}(rng_) > p)
    return;
  auto it = failed_.begin();
  std::advance(it, std::uniform_int_distribution<std::size_t>{0, failed_.size() - 1}(rng_));
  push_pull_with(it->second.addr, true, {});
}

} // namespace meshlet::membership
