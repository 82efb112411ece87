// tcp_channel: the socket read loop and batched writes.
#include "transport/net/tcp_channel.hpp"

#include <asio/connect.hpp>
#include <asio/write.hpp>

namespace meshlet::net {

tcp_channel::tcp_channel(asio::ip::tcp::socket s, owner* o)
  : socket_(std::move(s)), connect_timer_(socket_.get_executor()), owner_(o) {}

std::shared_ptr<tcp_channel> tcp_channel::make(asio::ip::tcp::socket s, owner* o) {
  std::shared_ptr<tcp_channel> ch{new tcp_channel(std::move(s), o)};
  asio::error_code ec;
  ch->socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  ch->socket_.non_blocking(true, ec);
  return ch;
}

std::shared_ptr<tcp_channel> tcp_channel::make(asio::io_context& ctx, owner* o) {
  return std::shared_ptr<tcp_channel>{new tcp_channel(asio::ip::tcp::socket{ctx}, o)};
}

void tcp_channel::connect(const asio::ip::tcp::endpoint& ep, std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  connect_timer_.expires_after(timeout);
  connect_timer_.async_wait([self](const asio::error_code& ec) {
    if (!ec)
      self->socket_.close(); // completes the connect with operation_aborted
  });
  socket_.async_connect(ep, [self](asio::error_code ec) {
    bool timed_out = self->connect_timer_.expiry() <= asio::steady_timer::clock_type::now();
    self->connect_timer_.cancel();
    if (!self->owner_)
      return;
    if (ec == asio::error::operation_aborted && timed_out)
      ec = asio::error::timed_out;
    if (!ec) {
      asio::error_code ignored;
      self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
      self->socket_.non_blocking(true, ignored);
    }
    self->owner_->on_connected(ec);
  });
}

void tcp_channel::start_reading() {
  read_some();
}

void tcp_channel::read_some() {
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(rbuf_), [self](const asio::error_code& ec, size_t n) {
    if (!self->owner_)
      return;
    if (ec) {
      self->fail(ec);
      return;
    }
    self->owner_->on_bytes(self->rbuf_.data(), n);
    if (self->owner_)
      self->read_some();
  });
}

void tcp_channel::write(std::string& out) {
  if (out.empty() || !owner_)
    return;
  if (writing_) {
    pending_.append(out);
    out.clear();
    return;
  }
  // Try at once: most writes fit in the socket buffer and need no async round.
  asio::error_code ec;
  size_t n = socket_.write_some(asio::buffer(out), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    out.clear();
    fail(ec);
    return;
  }
  if (n == out.size()) {
    out.clear();
    return;
  }
  wbuf_.swap(out);
  out.clear();
  woff_ = n;
  write_async();
}

void tcp_channel::write_async() {
  writing_ = true;
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(wbuf_.data() + woff_, wbuf_.size() - woff_),
                    [self](const asio::error_code& ec, size_t) {
                      self->writing_ = false;
                      self->wbuf_.clear();
                      self->woff_ = 0;
                      if (!self->owner_)
                        return;
                      if (ec) {
                        self->fail(ec);
                        return;
                      }
                      if (!self->pending_.empty()) {
                        self->wbuf_.swap(self->pending_);
                        self->write_async();
                        return;
                      }
                      self->owner_->on_drained();
                    });
}

void tcp_channel::fail(const asio::error_code& ec) {
  auto* o = owner_;
  close();
  if (o)
    o->on_closed(ec);
}

void tcp_channel::close() {
  owner_ = nullptr;
  asio::error_code ignored;
  connect_timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

std::string tcp_channel::peer() const {
  asio::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (ec)
    return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

} // namespace meshlet::net
