// node: failure detection. One probe per (awareness-scaled) interval: a direct ping; after the
// probe timeout, ping-reqs through k random members (Lifeguard: they nack if the target is
// silent) and a ping over the stream transport; no ack by the end of the interval makes the
// target suspect. Missed nacks raise the local health score, a successful probe lowers it.
#include "mesh/membership/node.hpp"

#include "mesh/membership/message_size.hpp"

#include <algorithm>

namespace meshlet::membership {

void node::probe(time_point now) {
  millis interval = awareness_.scale(cfg_.probe_interval);
  // A node in poor local health (Lifeguard) skips rounds on the staggered schedule too.
  next_probe_at_ = staggered() ? staggered_tick(now, awareness_.score() + 1) : now + interval;
  if (probe_)
    return; // the previous probe is still running (its deadline is handled first by tick)
  member_entry *target = staggered() ? table_.ring_target(cfg_.name, probe_round(now))
                                     : table_.next_probe_target(cfg_.name, rng_);
  if (target == nullptr)
    return;
  stats_.probes++;
  probe_ = probe_state{next_seq(), target->m.name, now + awareness_.scale(cfg_.probe_timeout),
                       now + interval};
  std::vector<message> msgs{ping{probe_->seq, target->m.name, cfg_.name, cfg_.address}};
  // A suspect hears why we probe it, so it can refute at once (memberlist does the same).
  if (target->m.state == member_state::suspect)
    msgs.push_back(suspect{target->m.name, target->m.incarnation, cfg_.name});
  send_with_piggyback(target->m.addr, std::move(msgs));
}

void node::probe_timed_out(time_point now) {
  probe_->indirect_sent = true;
  const member_entry *target = table_.find(probe_->target);
  if (target == nullptr) {
    probe_.reset();
    return;
  }
  auto peers = table_.random_members(static_cast<std::size_t>(cfg_.indirect_checks), rng_,
                                     [&](const member_entry &e) {
                                       return e.m.name != cfg_.name && e.m.name != target->m.name
                                              && e.m.state == member_state::alive;
                                     });
  for (auto *peer : peers) {
    stats_.indirect_probes++;
    probe_->expected_nacks++;
    send_with_piggyback(peer->m.addr, {ping_req{probe_->seq, target->m.name, target->m.addr,
                                                cfg_.name, cfg_.address, true}});
  }
  if (!cfg_.stream_fallback_ping)
    return;
  auto left = std::chrono::duration_cast<millis>(probe_->deadline - now);
  if (left <= millis{0})
    return;
  stream_message req = ping{probe_->seq, target->m.name, cfg_.name, cfg_.address};
  stats_.streams_sent++;
  stats_.stream_bytes_sent += stream_message_size(req);
  net_.send_stream(target->m.addr, std::move(req), left,
                   [this, seq = probe_->seq](std::optional<stream_message> reply, time_point) {
                     const ack *a = reply ? std::get_if<ack>(&*reply) : nullptr;
                     if (a == nullptr) {
                       stats_.streams_failed++;
                       return;
                     }
                     stats_.stream_bytes_received += stream_message_size(*reply);
                     if (a->seq == seq && probe_ && probe_->seq == seq) {
                       stats_.stream_probe_rescues++;
                       probe_succeeded();
                     }
                   });
}

void node::probe_failed(time_point now) {
  // Lifeguard: peers that did not even nack suggest the problem is on our side.
  int delta = probe_->expected_nacks > 0 ? std::max(0, probe_->expected_nacks - probe_->nacks) : 1;
  awareness_.apply_delta(delta);
  stats_.probes_failed++;
  std::string target = std::move(probe_->target);
  probe_.reset();
  if (const member_entry *e = table_.find(target))
    handle_suspect(suspect{target, e->m.incarnation, cfg_.name}, now);
}

void node::probe_succeeded() {
  awareness_.apply_delta(-1);
  probe_.reset();
}

void node::handle_ping(const std::string &from, const ping &m) {
  if (!m.target.empty() && m.target != cfg_.name) {
    stats_.rejected++; // meant for a node that used to live at this address
    return;
  }
  send_with_piggyback(m.source_addr.empty() ? from : m.source_addr, {ack{m.seq}});
}

void node::handle_ping_req(const std::string &from, const ping_req &m, time_point now) {
  if (m.target_addr.empty() || m.target == cfg_.name) {
    stats_.rejected++;
    return;
  }
  std::uint32_t local = next_seq();
  relays_[local] = relay{m.seq, m.source_addr.empty() ? from : m.source_addr};
  // The nack goes out at 80% of the probe timeout, so that it reaches the prober before its
  // deadline (the prober sent the ping-req a probe timeout into its interval); a late ack is
  // still relayed until the full timeout.
  if (m.want_nack)
    timers_.schedule(now + cfg_.probe_timeout * 4 / 5,
                     timer{timer::kind::relay_nack, {}, 0, local});
  timers_.schedule(now + cfg_.probe_timeout, timer{timer::kind::relay_expire, {}, 0, local});
  send_with_piggyback(m.target_addr, {ping{local, m.target, cfg_.name, cfg_.address}});
}

void node::handle_ack(const ack &m) {
  if (probe_ && probe_->seq == m.seq) {
    probe_succeeded();
    return;
  }
  auto it = relays_.find(m.seq);
  if (it == relays_.end())
    return; // late or unknown: harmless
  relay r = std::move(it->second);
  relays_.erase(it);
  send_with_piggyback(r.origin_addr, {ack{r.origin_seq}});
}

void node::handle_nack(const nack &m) {
  if (probe_ && probe_->seq == m.seq)
    probe_->nacks++;
}

void node::relay_nack(std::uint32_t seq) {
  auto it = relays_.find(seq);
  if (it != relays_.end())
    send_with_piggyback(it->second.origin_addr, {nack{it->second.origin_seq}});
}

void node::relay_expired(std::uint32_t seq) {
  relays_.erase(seq);
}

} // namespace meshlet::membership
