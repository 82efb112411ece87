// listener_actor: the accept loop of one I/O thread (every thread binds the same address
// with SO_REUSEPORT and the kernel spreads connections). Each accepted socket becomes a
// connection actor on this thread.
#pragma once

#include "actors/host/hosted_actor.hpp"

#include <asio/ip/tcp.hpp>

#include <string>

namespace meshlet::actors {

class io_worker;
struct admin_context;

class listener_actor : public hosted_actor {
public:
  // `admin` is set for the admin listener (it outlives this).
  listener_actor(io_worker& w, const std::string& name, const admin_context* admin = nullptr);
  // Binds and listens; returns an error message or "".
  std::string bind(const asio::ip::tcp::endpoint& ep);
  void start();
  void stop();
  uint16_t port() const;
  bool is_admin() const { return admin_ != nullptr; }

private:
  void accept_next();

  io_worker& worker_;
  const std::string& name_; // lives in the worker's config
  const admin_context* admin_;
  asio::ip::tcp::acceptor acceptor_;
  bool stopped_ = false;
};

} // namespace meshlet::actors
