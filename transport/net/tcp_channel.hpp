// A TCP connection on one I/O thread: reads in large chunks and hands bytes to its owner,
// writes the owner's batched output with one send per turn (a direct non-blocking write
// first, the rest asynchronously). close() detaches the owner: no callback after it.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace meshlet::net {

class tcp_channel : public std::enable_shared_from_this<tcp_channel> {
public:
  struct owner {
    virtual ~owner() = default;
    virtual void on_connected(const asio::error_code& ec) { (void)ec; }
    virtual void on_bytes(const uint8_t* data, size_t n) = 0;
    // The peer closed or the socket failed; the channel is closed already.
    virtual void on_closed(const asio::error_code& ec) = 0;
    // Everything written so far reached the kernel.
    virtual void on_drained() {}
  };

  static std::shared_ptr<tcp_channel> make(asio::ip::tcp::socket s, owner* o);
  static std::shared_ptr<tcp_channel> make(asio::io_context& ctx, owner* o);

  // Connects (for upstreams); on_connected reports the outcome, a timeout as timed_out.
  void connect(const asio::ip::tcp::endpoint& ep, std::chrono::milliseconds timeout);
  void start_reading();
  // Takes the bytes out of `out` (leaves it empty) and sends them.
  void write(std::string& out);
  bool writing() const { return writing_; }
  size_t pending_bytes() const { return wbuf_.size() - woff_ + pending_.size(); }
  void close();
  bool is_open() const { return owner_ != nullptr; }
  std::string peer() const;

private:
  tcp_channel(asio::ip::tcp::socket s, owner* o);
  void read_some();
  void write_async();
  void fail(const asio::error_code& ec);

  asio::ip::tcp::socket socket_;
  asio::steady_timer connect_timer_;
  owner* owner_;
  std::array<uint8_t, 65536> rbuf_;
  std::string wbuf_;
  size_t woff_ = 0;
  std::string pending_;
  bool writing_ = false;
};

} // namespace meshlet::net
