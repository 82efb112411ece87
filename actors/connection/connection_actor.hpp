// connection_actor: one downstream client connection (h2c, prior knowledge). It owns the
// socket and the nghttp2 server session, turns each request's HEADERS into a stream actor,
// relays request bodies to it and writes what its streams answer. It rejects non-gRPC
// requests with 415, answers protocol violations with GOAWAY and closes, and drains with
// GOAWAY on shutdown.
#pragma once

#include "actors/host/hosted_actor.hpp"
#include "actors/io/io_worker.hpp"
#include "transport/h2/session.hpp"
#include "transport/io/timer.hpp"
#include "transport/net/tcp_channel.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshlet::actors {

struct admin_context;

class connection_actor : public hosted_actor, public net::tcp_channel::owner, public flushable {
public:
  // `listener` names the listener that accepted it (its routes apply); it outlives this.
  // On the admin listener `admin` is set and calls go to admin_call actors instead.
  connection_actor(io_worker& w, const std::string& listener, asio::ip::tcp::socket socket,
                   const admin_context* admin = nullptr);
  ~connection_actor() override;

  void start();
  // Graceful shutdown: GOAWAY, let open streams finish, then close.
  void drain();
  size_t streams() const { return streams_.size(); }
  bool is_admin() const { return admin_ != nullptr; }

  // tcp_channel::owner
  void on_bytes(const uint8_t* data, size_t n) override;
  void on_closed(const asio::error_code& ec) override;
  void on_drained() override;
  // flushable
  void flush() override;

private:
  void handle_events();
  // A request whose stream actor starts once the current read's events are gone through.
  struct fresh_request {
    int32_t sid;
    h2::header_block_ptr headers;
    std::string body;
    bool end;
  };
  fresh_request* find_fresh(int32_t sid);
  void start_fresh();
  // A new request: its headers and the body that arrived with them.
  void on_request(int32_t sid, h2::header_block_ptr h, std::string&& body, bool end);
  void reject(int32_t sid, const char* http_status, const char* message);
  void close();
  void maybe_finish_drain();
  void dirty() { worker_.request_flush(this); }

  io_worker& worker_;
  const std::string& listener_;
  h2::session session_;
  std::shared_ptr<net::tcp_channel> channel_;
  std::string peer_;
  const admin_context* admin_;
  std::string peer_ip_;
  // stream_actor (proxy listeners) or admin_call (the admin listener), by stream id
  std::unordered_map<int32_t, std::unique_ptr<hosted_actor>> streams_;
  std::vector<fresh_request> fresh_;
  size_t fresh_cursor_ = 0;
  std::string out_;
  io::timer goaway_timer_;
  bool draining_ = false;
  bool final_goaway_sent_ = false;
  bool closed_ = false;
  // meshlet_connections_active{side="downstream"} (admin connections are not counted)
  metrics::gauge_token counted_{admin_ ? nullptr : worker_.metrics().downstream_connections()};
};

} // namespace meshlet::actors
