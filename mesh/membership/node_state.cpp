// node: state transitions. Rumours about members go through state_rules' verdicts; applied ones
// are re-broadcast; rumours about this node are refuted with a higher incarnation. Suspicion
// timers (Lifeguard) end in "dead"; the dead are gossiped to for a while, then forgotten but
// remembered for reconnects. Endpoint rumours from dead reporters are dropped.
#include "mesh/membership/node.hpp"

#include "mesh/membership/scaling.hpp"

namespace meshlet::membership {

known_member node::view_of(const member_entry &e) const {
  return known_member{e.m.state, e.m.incarnation, e.m.addr, e.suspect_timer.has_value()};
}

void node::notify_member(const member &m, std::optional<member_state> old) const {
  if (observer_.on_member_change)
    observer_.on_member_change(m, old);
}

void node::set_state(member_entry &e, member_state s, std::uint64_t incarnation, time_point now) {
  e.m.incarnation = incarnation;
  if (e.m.state != s) {
    e.m.state = s;
    e.m.state_change = now;
  }
  e.suspect_timer.reset();
  e.generation = ++generation_; // pending suspicion and reap timers no longer apply
}

void node::handle_alive(const alive &m, time_point now) {
  if (m.node.empty() || m.addr.empty()) {
    stats_.rejected++;
    return;
  }
  member_entry *e = table_.find(m.node);
  known_member k = e ? view_of(*e) : known_member{};
  switch (judge_alive(e ? &k : nullptr, m, m.node == cfg_.name, left_)) {
  case alive_verdict::ignore:
    return;
  case alive_verdict::refute:
    refute(m.incarnation);
    return;
  case alive_verdict::add: {
    member_entry &added =
      table_.add(member{m.node, m.addr, member_state::alive, m.incarnation, now}, rng_);
    added.generation = ++generation_;
    failed_member_returned(m.node, now);
    queue_.push(broadcast_queue::member_key(m.node), m);
    notify_member(added.m, std::nullopt);
    return;
  }
  case alive_verdict::update: {
    member_state old = e->m.state;
    e->m.addr = m.addr;
    set_state(*e, member_state::alive, m.incarnation, now);
    failed_member_returned(m.node, now);
    queue_.push(broadcast_queue::member_key(m.node), m);
    if (old != member_state::alive)
      notify_member(e->m, old);
    return;
  }
  }
}

void node::handle_suspect(const suspect &m, time_point now) {
  if (m.node.empty() || m.from.empty()) {
    stats_.rejected++;
    return;
  }
  member_entry *e = table_.find(m.node);
  known_member k = e ? view_of(*e) : known_member{};
  switch (judge_suspect(e ? &k : nullptr, m, m.node == cfg_.name)) {
  case suspect_verdict::ignore:
    return;
  case suspect_verdict::refute:
    refute(m.incarnation);
    return;
  case suspect_verdict::confirm:
    if (e->suspect_timer->confirm(m.from)) {
      e->generation = ++generation_;
      timers_.schedule(e->suspect_timer->deadline(),
                       timer{timer::kind::suspicion, m.node, e->generation});
      queue_.push(broadcast_queue::member_key(m.node), m);
    }
    return;
  case suspect_verdict::suspect: {
    set_state(*e, member_state::suspect, m.incarnation, now);
    int n = static_cast<int>(table_.size());
    int k_wanted = cfg_.suspicion_mult - 2;
    if (n - 2 < k_wanted) // too few members to expect that many confirmations
      k_wanted = 0;
    millis min = suspicion_timeout(cfg_.suspicion_mult, n, cfg_.probe_interval);
    millis max = min * cfg_.suspicion_max_timeout_mult;
    e->suspect_timer.emplace(m.from, k_wanted, min, max, now);
    timers_.schedule(e->suspect_timer->deadline(),
                     timer{timer::kind::suspicion, m.node, e->generation});
    queue_.push(broadcast_queue::member_key(m.node), m);
    if (m.from == cfg_.name)
      stats_.suspicions++;
    notify_member(e->m, member_state::alive);
    return;
  }
  }
}

void node::suspicion_expired(const std::string &name, std::uint64_t generation, time_point now) {
  member_entry *e = table_.find(name);
  if (e == nullptr || e->generation != generation || e->m.state != member_state::suspect)
    return;
  stats_.deaths++;
  handle_dead(dead{name, e->m.incarnation, cfg_.name}, now);
}

void node::handle_dead(const dead &m, time_point now) {
  if (m.node.empty() || m.from.empty()) {
    stats_.rejected++;
    return;
  }
  member_entry *e = table_.find(m.node);
  known_member k = e ? view_of(*e) : known_member{};
  auto verdict = judge_dead(e ? &k : nullptr, m, m.node == cfg_.name, left_);
  if (verdict == dead_verdict::ignore)
    return;
  if (verdict == dead_verdict::refute) {
    refute(m.incarnation);
    return;
  }
  member_state old = e->m.state;
  member_state now_state = verdict == dead_verdict::left ? member_state::left : member_state::dead;
  set_state(*e, now_state, m.incarnation, now);
  queue_.push(broadcast_queue::member_key(m.node), m);
  if (now_state == member_state::dead)
    failed_[m.node] = failed_member{e->m.addr, now};
  else
    failed_.erase(m.node);
  timers_.schedule(now + cfg_.gossip_to_the_dead, timer{timer::kind::reap, m.node, e->generation});
  for (const auto &r : views_.drop_reporter(m.node))
    if (observer_.on_endpoint_change)
      observer_.on_endpoint_change(r, true);
  notify_member(e->m, old);
}

void node::reap(const std::string &name, std::uint64_t generation) {
  member_entry *e = table_.find(name);
  if (e && e->generation == generation && dead_or_left(e->m.state) && name != cfg_.name)
    table_.erase(name);
}

void node::refute(std::uint64_t accused) {
  incarnation_ = refutation_incarnation(incarnation_, accused);
  if (member_entry *self = table_.find(cfg_.name))
    self->m.incarnation = incarnation_;
  // Lifeguard: being suspected hints that we are the slow one.
  awareness_.apply_delta(1);
  stats_.refutations++;
  queue_.push(broadcast_queue::member_key(cfg_.name), alive{cfg_.name, cfg_.address, incarnation_});
}

void node::handle_rumour(const endpoint_rumour &r, time_point now) {
  if (r.cluster.empty() || r.endpoint.empty() || r.reporter.empty()) {
    stats_.rejected++;
    return;
  }
  if (r.reporter == cfg_.name)
    return; // this node speaks for itself
  if (const member_entry *e = table_.find(r.reporter); e && dead_or_left(e->m.state)) {
    stats_.rumours_dropped++;
    return;
  }
  if (!views_.apply(r, now))
    return;
  queue_.push(broadcast_queue::endpoint_key(r), r);
  if (observer_.on_endpoint_change)
    observer_.on_endpoint_change(r, false);
}

void node::merge(const push_pull &remote, time_point now) {
  for (const auto &r : remote.members) {
    switch (r.state) {
    case member_state::alive:
      handle_alive(alive{r.name, r.addr, r.incarnation}, now);
      break;
    case member_state::suspect:
    case member_state::dead: // another's verdict is only a suspicion here (memberlist)
      handle_suspect(suspect{r.name, r.incarnation, cfg_.name}, now);
      break;
    case member_state::left:
      handle_dead(dead{r.name, r.incarnation, r.name}, now);
      break;
    }
  }
  for (const auto &r : remote.rumours)
    handle_rumour(r, now);
}

} // namespace meshlet::membership
