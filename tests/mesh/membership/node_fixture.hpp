// node_fixture: one membership node on a recording transport, driven by hand (a byte script
// with structs): tests feed packets and stream replies, advance time, and read what it sent.
#pragma once

#include "mesh/membership/node.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace meshlet::membership::testing {

struct recording_transport final : transport {
  struct sent_packet {
    std::string to;
    packet p;
  };
  struct sent_stream {
    std::string to;
    stream_message request;
    millis timeout;
    reply_handler on_reply;
  };
  std::vector<sent_packet> packets;
  std::vector<sent_stream> streams;

  void send_packet(const std::string &to, packet p) override {
    packets.push_back({to, std::move(p)});
  }
  void send_stream(const std::string &to, stream_message req, millis timeout,
                   reply_handler on_reply) override {
    streams.push_back({to, std::move(req), timeout, std::move(on_reply)});
  }
};

inline std::string addr_of(const std::string &name) {
  return name + ":7946";
}

struct node_fixture {
  recording_transport net;
  time_point t{std::chrono::hours{1}};
  membership_config cfg;
  std::optional<node> n;
  bool auto_ack = false; // answer every ping at once, as live peers would
  std::size_t answered_ = 0;

  // "me" with the given peers, all alive at incarnation 1 (as after a join), queue drained.
  explicit node_fixture(const std::vector<std::string> &peers, membership_config c = {}) {
    cfg = std::move(c);
    cfg.name = "me";
    cfg.address = addr_of("me");
    n.emplace(cfg, net, 42, t);
    push_pull state;
    for (const auto &p : peers)
      state.members.push_back(member_record{p, addr_of(p), 1, member_state::alive});
    n->on_stream(addr_of(peers.front()), state, t);
  }

  // Tick at every deadline up to `until` (inclusive).
  void run_to(time_point until) {
    while (n->next_deadline() <= until) {
      t = std::max(t, n->next_deadline());
      n->tick(t);
      answer_pings();
    }
    t = std::max(t, until);
  }

  void answer_pings() {
    if (!auto_ack)
      return;
    for (; answered_ < net.packets.size(); ++answered_) {
      std::vector<ping> pings;
      for (const auto &m : net.packets[answered_].p.messages)
        if (const ping *p = std::get_if<ping>(&m))
          pings.push_back(*p);
      for (const auto &p : pings)
        n->on_packet(addr_of(p.target), packet{{ack{p.seq}}}, t);
    }
  }
  void run_for(millis d) { run_to(t + d); }

  // Run until the node sends a message of type T (up to `limit`); returns it and its packet.
  template <class T>
  std::optional<std::pair<T, std::string>> run_until_sent(millis limit = millis{5000}) {
    time_point end = t + limit;
    std::size_t seen = net.packets.size();
    while (t <= end) {
      for (; seen < net.packets.size(); ++seen)
        for (const auto &m : net.packets[seen].p.messages)
          if (const T *x = std::get_if<T>(&m))
            return std::make_pair(*x, net.packets[seen].to);
      if (n->next_deadline() > end)
        break;
      t = std::max(t, n->next_deadline());
      n->tick(t);
      answer_pings();
    }
    return std::nullopt;
  }

  // Every message of type T sent since packet index `from`, with its destination.
  template <class T>
  std::vector<std::pair<T, std::string>> sent(std::size_t from = 0) const {
    std::vector<std::pair<T, std::string>> out;
    for (std::size_t i = from; i < net.packets.size(); ++i)
      for (const auto &m : net.packets[i].p.messages)
        if (const T *x = std::get_if<T>(&m))
          out.emplace_back(*x, net.packets[i].to);
    return out;
  }

  void deliver(const std::string &from_name, std::vector<message> msgs) {
    n->on_packet(addr_of(from_name), packet{std::move(msgs)}, t);
  }

  member_state state_of(const std::string &name) const {
    const member *m = n->find_member(name);
    REQUIRE(m != nullptr);
    return m->state;
  }
};

} // namespace meshlet::membership::testing
