// gossip_transport: UDP datagrams and one-shot TCP exchanges for the membership core, sealed
// and opened with the gossip envelope.
#include "actors/mesh/gossip_transport.hpp"

#include "mesh/membership/wire_codec.hpp"
#include "transport/clock.hpp"
#include "transport/io/timer.hpp"
#include "transport/net/address.hpp"

#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

namespace meshlet::actors {

namespace {

std::string framed(const std::string& sealed) {
  std::string out(4, '\0');
  auto n = static_cast<std::uint32_t>(sealed.size());
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<char>(n >> (24 - 8 * i));
  return out + sealed;
}

std::string peer_of(const asio::ip::tcp::socket& sock) {
  asio::error_code ec;
  auto peer = sock.remote_endpoint(ec);
  return ec ? std::string{"?"} : net::address{peer.address().to_string(), peer.port()}.to_string();
}

std::uint32_t frame_length(const std::array<unsigned char, 4>& h) {
  return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8)
         | std::uint32_t{h[3]};
}

} // namespace

struct gossip_transport::exchange {
  explicit exchange(asio::io_context& ctx) : sock(ctx), resolver(ctx), deadline(ctx) {}
  asio::ip::tcp::socket sock;
  asio::ip::tcp::resolver resolver;
  io::timer deadline;
  std::string out;
  std::array<unsigned char, 4> head{};
  std::string in;
  reply_handler on_reply;
  bool done = false;
};

struct gossip_transport::inbound {
  explicit inbound(asio::ip::tcp::socket s, asio::io_context& ctx)
    : sock(std::move(s)), deadline(ctx) {}
  asio::ip::tcp::socket sock;
  io::timer deadline;
  std::array<unsigned char, 4> head{};
  std::string in;
  std::string out;
  std::string from;
  bool done = false;
};

gossip_transport::gossip_transport(asio::io_context& ctx, gossip::envelope env,
                                   std::shared_ptr<gossip::gossip_counters> counters,
                                   gossip_limits limits)
  : ctx_(ctx), env_(std::move(env)), counters_(std::move(counters)), limits_(limits), udp_(ctx),
    acceptor_(ctx) {}

gossip_transport::~gossip_transport() {
  close();
}

std::string gossip_transport::bind(const asio::ip::address& ip, std::uint16_t port) {
  asio::error_code ec;
  auto where = [&](const char* what) {
    return std::string{"gossip "} + what + " " + net::address{ip.to_string(), port}.to_string()
           + ": " + ec.message();
  };
  udp_.open(ip.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), ec);
  if (!ec)
    udp_.bind(asio::ip::udp::endpoint{ip, port}, ec);
  if (!ec)
    udp_.non_blocking(true, ec); // a full send buffer drops a datagram, never blocks the thread
  if (ec)
    return where("UDP");
  port = udp_.local_endpoint(ec).port();
  acceptor_.open(ip.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
  if (!ec)
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(asio::ip::tcp::endpoint{ip, port}, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return where("TCP");
  port_ = port;
  return {};
}

void gossip_transport::start(packet_fn on_packet, stream_fn on_stream, drop_fn on_drop) {
  on_packet_ = std::move(on_packet);
  on_stream_ = std::move(on_stream);
  on_drop_ = std::move(on_drop);
  receive();
  accept();
}

void gossip_transport::close() {
  if (!*alive_)
    return;
  *alive_ = false;
  asio::error_code ec;
  udp_.close(ec);
  acceptor_.close(ec);
}

void gossip_transport::dropped(const std::string& from, gossip::verdict why, bool stream) {
  if (stream)
    counters_->count_stream(gossip::direction::in, why);
  else
    counters_->count_packet(gossip::direction::in, why);
  if (on_drop_)
    on_drop_(from, why, stream);
}

// --- datagrams --------------------------------------------------------------------------------

void gossip_transport::receive() {
  udp_.async_receive_from(
    asio::buffer(datagram_), sender_, [this, alive = alive_](const asio::error_code& ec, size_t n) {
      if (!*alive || ec == asio::error::operation_aborted)
        return;
      if (!ec) {
        auto from = net::address{sender_.address().to_string(), sender_.port()}.to_string();
        auto o = env_.open(gossip::channel::packet, std::string_view{datagram_.data(), n},
                           limits_.max_packet, wall_clock_ms());
        if (o.result != gossip::verdict::ok) {
          dropped(from, o.result, false);
        } else {
          std::string error;
          auto p = membership::decode_packet(o.payload, error);
          if (!p) {
            dropped(from, gossip::verdict::malformed, false);
          } else {
            counters_->count_packet(gossip::direction::in, gossip::verdict::ok);
            on_packet_(from, std::move(*p));
          }
        }
      }
      if (*alive)
        receive();
    });
}

std::optional<asio::ip::udp::endpoint> gossip_transport::udp_target(const std::string& addr) {
  auto i = targets_.find(addr);
  if (i != targets_.end())
    return i->second;
  auto a = net::parse_address(addr);
  if (!a.value)
    return std::nullopt;
  asio::error_code ec;
  auto ip = asio::ip::make_address(a.value->host, ec);
  if (ec)
    return std::nullopt; // members advertise IP:PORT; names are for --gossip-join seeds only
  if (targets_.size() > 4096)
    targets_.clear();
  asio::ip::udp::endpoint ep{ip, a.value->port};
  targets_.emplace(addr, ep);
  return ep;
}

void gossip_transport::send_packet(const std::string& to_addr, membership::packet p) {
  if (!*alive_)
    return;
  auto sealed = env_.seal(gossip::channel::packet, membership::encode_packet(p), wall_clock_ms());
  if (sealed.size() > limits_.max_packet) {
    counters_->count_packet(gossip::direction::out, gossip::verdict::oversize);
    return;
  }
  auto target = udp_target(to_addr);
  if (!target)
    return;
  asio::error_code ec;
  udp_.send_to(asio::buffer(sealed), *target, 0, ec);
  if (!ec)
    counters_->count_packet(gossip::direction::out, gossip::verdict::ok);
}

// --- outbound streams -------------------------------------------------------------------------

void gossip_transport::send_stream(const std::string& to_addr, membership::stream_message request,
                                   membership::millis timeout, reply_handler on_reply) {
  auto x = std::make_shared<exchange>(ctx_);
  x->on_reply = std::move(on_reply);
  auto alive = alive_;
  // Ends the exchange once; the reply handler always runs later, from the loop.
  auto finish = [&ctx = ctx_, counters = counters_, alive](
                  const std::shared_ptr<exchange>& x,
                  std::optional<membership::stream_message> reply) {
    if (x->done)
      return;
    x->done = true;
    x->deadline.cancel();
    asio::error_code ignored;
    x->sock.close(ignored);
    x->resolver.cancel();
    if (!reply)
      counters->stream_failures.fetch_add(1, std::memory_order_relaxed);
    asio::post(ctx, [alive, h = std::move(x->on_reply), reply = std::move(reply)]() mutable {
      if (*alive && h)
        h(std::move(reply), meshlet::now());
    });
  };
  auto a = net::parse_address(to_addr);
  if (!*alive_ || !a.value) {
    finish(x, std::nullopt);
    return;
  }
  auto sealed = env_.seal(gossip::channel::stream, membership::encode_stream(request),
                          wall_clock_ms());
  x->out = framed(sealed);
  x->deadline.arm(timeout, [x, finish] { finish(x, std::nullopt); });

  auto read_reply = [this, x, finish, alive] {
    asio::async_read(x->sock, asio::buffer(x->head), [this, x, finish, alive](
                                                         const asio::error_code& ec, size_t) {
      if (!*alive || x->done)
        return;
      if (ec)
        return finish(x, std::nullopt);
      auto len = frame_length(x->head);
      if (len > limits_.max_frame) {
        dropped(peer_of(x->sock), gossip::verdict::oversize, true);
        return finish(x, std::nullopt);
      }
      x->in.resize(len);
      asio::async_read(x->sock, asio::buffer(x->in), [this, x, finish, alive](
                                                         const asio::error_code& ec, size_t) {
        if (!*alive || x->done)
          return;
        if (ec)
          return finish(x, std::nullopt);
        auto o = env_.open(gossip::channel::stream, x->in, limits_.max_frame, wall_clock_ms());
        if (o.result != gossip::verdict::ok) {
          dropped(peer_of(x->sock), o.result, true);
          return finish(x, std::nullopt);
        }
        std::string error;
        auto reply = membership::decode_stream(o.payload, error, limits_.max_frame);
        if (!reply) {
          dropped(peer_of(x->sock), gossip::verdict::malformed, true);
          return finish(x, std::nullopt);
        }
        counters_->count_stream(gossip::direction::in, gossip::verdict::ok);
        finish(x, std::move(reply));
      });
    });
  };
  auto send = [x, finish, alive, read_reply, counters = counters_](const asio::error_code& ec) {
    if (!*alive || x->done)
      return;
    if (ec)
      return finish(x, std::nullopt);
    asio::async_write(x->sock, asio::buffer(x->out),
                      [x, finish, alive, read_reply, counters](const asio::error_code& ec, size_t) {
                        if (!*alive || x->done)
                          return;
                        if (ec)
                          return finish(x, std::nullopt);
                        counters->count_stream(gossip::direction::out, gossip::verdict::ok);
                        read_reply();
                      });
  };
  asio::error_code ec;
  auto ip = asio::ip::make_address(a.value->host, ec);
  if (!ec) {
    x->sock.async_connect(asio::ip::tcp::endpoint{ip, a.value->port}, send);
    return;
  }
  // A --gossip-join seed given by name.
  x->resolver.async_resolve(
    a.value->host, std::to_string(a.value->port),
    [x, finish, alive, send](const asio::error_code& ec,
                             asio::ip::tcp::resolver::results_type results) {
      if (!*alive || x->done)
        return;
      if (ec || results.empty())
        return finish(x, std::nullopt);
      asio::async_connect(x->sock, results,
                          [send](const asio::error_code& ec, const asio::ip::tcp::endpoint&) {
                            send(ec);
                          });
    });
}

// --- served streams ---------------------------------------------------------------------------

void gossip_transport::accept() {
  acceptor_.async_accept([this, alive = alive_](const asio::error_code& ec,
                                                asio::ip::tcp::socket sock) {
    if (!*alive || ec == asio::error::operation_aborted)
      return;
    if (!ec) {
      if (inbound_count_ >= limits_.max_inbound_streams) {
        asio::error_code ignored;
        sock.close(ignored); // over the limit: the peer retries at its next push-pull
      } else {
        auto in = std::make_shared<inbound>(std::move(sock), ctx_);
        in->from = peer_of(in->sock);
        serve(std::move(in));
      }
    }
    if (ec && ec != asio::error::operation_aborted) {
      // Out of descriptors or similar: try again on the next loop turn, not in a tight loop.
      asio::post(ctx_, [this, alive] {
        if (*alive)
          accept();
      });
      return;
    }
    accept();
  });
}

void gossip_transport::serve(std::shared_ptr<inbound> in) {
  ++inbound_count_;
  auto alive = alive_;
  auto end = [this, alive](const std::shared_ptr<inbound>& in) {
    if (in->done)
      return;
    in->done = true;
    in->deadline.cancel();
    asio::error_code ignored;
    in->sock.close(ignored);
    if (*alive)
      --inbound_count_;
  };
  in->deadline.arm(limits_.inbound_timeout, [in, end] { end(in); });
  asio::async_read(in->sock, asio::buffer(in->head), [this, in, end,
                                                      alive](const asio::error_code& ec, size_t) {
    if (!*alive || in->done)
      return;
    if (ec)
      return end(in);
    auto len = frame_length(in->head);
    if (len > limits_.max_frame) {
      dropped(in->from, gossip::verdict::oversize, true);
      return end(in);
    }
    in->in.resize(len);
    asio::async_read(in->sock, asio::buffer(in->in), [this, in, end, alive](
                                                       const asio::error_code& ec, size_t) {
      if (!*alive || in->done)
        return;
      if (ec)
        return end(in);
      auto o = env_.open(gossip::channel::stream, in->in, limits_.max_frame, wall_clock_ms());
      if (o.result != gossip::verdict::ok) {
        dropped(in->from, o.result, true);
        return end(in);
      }
      std::string error;
      auto request = membership::decode_stream(o.payload, error, limits_.max_frame);
      if (!request) {
        dropped(in->from, gossip::verdict::malformed, true);
        return end(in);
      }
      counters_->count_stream(gossip::direction::in, gossip::verdict::ok);
      auto reply = on_stream_(in->from, *request);
      if (!reply)
        return end(in);
      in->out = framed(env_.seal(gossip::channel::stream, membership::encode_stream(*reply),
                                 wall_clock_ms()));
      counters_->count_stream(gossip::direction::out, gossip::verdict::ok);
      asio::async_write(in->sock, asio::buffer(in->out),
                        [in, end](const asio::error_code&, size_t) { end(in); });
    });
  });
}

} // namespace meshlet::actors
