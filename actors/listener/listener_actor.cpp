// listener_actor: binding (SO_REUSEPORT) and the accept loop.
#include "actors/listener/listener_actor.hpp"

#include "actors/connection/connection_actor.hpp"
#include "actors/io/io_worker.hpp"

#include <spdlog/spdlog.h>

#include <sys/socket.h>

namespace meshlet::actors {

listener_actor::listener_actor(io_worker& w, const std::string& name, const admin_context* admin)
  : hosted_actor(w.host()), worker_(w), name_(name), admin_(admin), acceptor_(w.context()) {
  set_behavior({[](caf::unit_t) {}});
}

std::string listener_actor::bind(const asio::ip::tcp::endpoint& ep) {
  asio::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && !admin_) {
    int one = 1;
    if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
      ec = asio::error_code{errno, asio::system_category()};
  }
  if (!ec)
    acceptor_.bind(ep, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return "cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port())
           + ": " + ec.message();
  return {};
}

uint16_t listener_actor::port() const {
  asio::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void listener_actor::start() {
  accept_next();
}

void listener_actor::stop() {
  stopped_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
}

void listener_actor::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket s) {
    if (stopped_)
      return;
    if (ec) {
      if (ec == asio::error::operation_aborted)
        return;
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      // A proxy connection goes to the thread with the fewest (exact accept balancing when
      // the threads share an accept_group); admin connections stay here.
      io_worker& to = admin_ ? worker_ : worker_.place_connection();
      if (&to == &worker_) {
        auto c = std::make_unique<connection_actor>(worker_, name_, std::move(s), admin_);
        auto* raw = c.get();
        worker_.adopt(std::move(c));
        raw->start();
      } else {
        asio::error_code ec;
        auto protocol = s.local_endpoint(ec).protocol();
        auto fd = ec ? -1 : s.release(ec);
        if (ec || fd < 0) {
          to.connection_closed();
          spdlog::warn("listener {}: could not hand a connection over: {}", name_, ec.message());
        } else {
          to.take_connection(fd, protocol, name_);
        }
      }
    }
    accept_next();
  });
}

} // namespace meshlet::actors
