// transport: how the membership core reaches peers. Datagrams (UDP) for probes and gossip, a
// request/reply stream (TCP) for push-pull and the fallback ping. Implementations: the mesh
// actor's sockets, and sim::network (in memory, simulated time) for tests and the simulator.
#pragma once

#include "mesh/membership/messages.hpp"
#include "mesh/membership/scaling.hpp"
#include "transport/clock.hpp"

#include <functional>
#include <optional>
#include <string>

namespace meshlet::membership {

class transport {
public:
  // Gets the peer's reply, or nullopt when the exchange failed or timed out.
  using reply_handler = std::function<void(std::optional<stream_message> reply, time_point now)>;

  virtual ~transport() = default;

  // Fire and forget; may be lost.
  virtual void send_packet(const std::string &to_addr, packet p) = 0;

  // Deliver `request` to the peer's node::on_stream and hand its reply to `on_reply`, later
  // (never from inside this call), within `timeout`. `on_reply` calls back into the node that
  // sent the request: drop pending handlers before that node goes away.
  virtual void send_stream(const std::string &to_addr, stream_message request, millis timeout,
                           reply_handler on_reply) = 0;
};

} // namespace meshlet::membership
