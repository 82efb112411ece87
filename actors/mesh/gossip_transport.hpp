// gossip_transport: membership::transport over real sockets, on one io_context (I/O thread 0).
// UDP: one datagram = one sealed Envelope around an encoded Packet (<= 1400 bytes). TCP (same
// port): one exchange per connection, each way one frame = 4-byte big-endian length + a sealed
// Envelope around an encoded StreamMessage; the client sends, the server answers, both close.
// Every datagram and frame is opened (size, format, MAC, replay window) before the core sees
// it; what fails is counted by reason and dropped. Not thread-safe: use it on its thread.
#pragma once

#include "mesh/gossip/envelope.hpp"
#include "mesh/gossip/gossip_counters.hpp"
#include "mesh/membership/transport.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace meshlet::actors {

struct gossip_limits {
  std::size_t max_packet = 1400;             // the core's packet_limit, envelope included
  std::size_t max_frame = 8 << 20;           // one stream frame (a push-pull of ~100K members)
  std::size_t max_inbound_streams = 32;      // concurrent TCP exchanges served
  std::chrono::milliseconds inbound_timeout{10000}; // a served exchange's whole life
};

class gossip_transport : public membership::transport {
public:
  using packet_fn = std::function<void(const std::string& from, membership::packet p)>;
  using stream_fn = std::function<std::optional<membership::stream_message>(
    const std::string& from, const membership::stream_message& request)>;
  // A datagram or frame was dropped (rate-limited logging is the owner's business).
  using drop_fn = std::function<void(const std::string& from, gossip::verdict why, bool stream)>;

  gossip_transport(asio::io_context& ctx, gossip::envelope env,
                   std::shared_ptr<gossip::gossip_counters> counters, gossip_limits limits = {});
  ~gossip_transport() override;
  gossip_transport(const gossip_transport&) = delete;
  gossip_transport& operator=(const gossip_transport&) = delete;

  // Binds UDP and TCP on ip:port (port 0: the OS picks the UDP port, TCP takes the same);
  // returns an error line, or "".
  std::string bind(const asio::ip::address& ip, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  // Starts receiving and accepting (on the io_context's thread).
  void start(packet_fn on_packet, stream_fn on_stream, drop_fn on_drop);
  // Closes the sockets; pending stream replies are dropped, never delivered.
  void close();

  // membership::transport
  void send_packet(const std::string& to_addr, membership::packet p) override;
  void send_stream(const std::string& to_addr, membership::stream_message request,
                   membership::millis timeout, reply_handler on_reply) override;

private:
  struct exchange; // an outbound stream exchange
  struct inbound;  // a served stream exchange

  void receive();
  void accept();
  void serve(std::shared_ptr<inbound> in);
  void answer(std::shared_ptr<inbound> in);
  std::optional<asio::ip::udp::endpoint> udp_target(const std::string& addr);
  void dropped(const std::string& from, gossip::verdict why, bool stream);

  asio::io_context& ctx_;
  gossip::envelope env_;
  std::shared_ptr<gossip::gossip_counters> counters_;
  gossip_limits limits_;
  asio::ip::udp::socket udp_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::array<char, 65536> datagram_{};
  asio::ip::udp::endpoint sender_;
  std::unordered_map<std::string, asio::ip::udp::endpoint> targets_;
  std::size_t inbound_count_ = 0;
  packet_fn on_packet_;
  stream_fn on_stream_;
  drop_fn on_drop_;
  // Cleared on close(): completions and posted replies check it before touching `this`.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace meshlet::actors
