// upstream_actor: one h2c connection from this I/O thread to an endpoint. It opens a
// stream per call for the stream actors that ask, relays request bodies, and hands
// response headers, data and trailers back to each call's stream actor. A lost connection
// fails its calls with up_lost; a failed connect answers open_fail (retryable).
#pragma once

#include "actors/host/hosted_actor.hpp"
#include "actors/io/io_worker.hpp"
#include "mesh/lb/endpoint_table.hpp"
#include "transport/h2/session.hpp"
#include "transport/net/tcp_channel.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshlet::actors {

class upstream_pool;

class upstream_actor : public hosted_actor, public net::tcp_channel::owner, public flushable {
public:
  upstream_actor(io_worker& w, upstream_pool& pool, const lb::endpoint& ep);
  ~upstream_actor() override;

  void connect();
  bool has_room() const;
  size_t load() const { return streams_.size() + reserved_ + pending_.size(); }
  void reserve() { ++reserved_; }

  // tcp_channel::owner
  void on_connected(const asio::error_code& ec) override;
  void on_bytes(const uint8_t* data, size_t n) override;
  void on_closed(const asio::error_code& ec) override;
  void on_drained() override;
  // flushable
  void flush() override;

private:
  struct call {
    caf::actor stream;
    uint64_t token = 0;         // the stream's name for this attempt
    bool headers_seen = false;
    bool ended = false;         // the response ended
    bool request_ended = false; // the request body ended: its window needs no more acks
  };
  struct pending_open {
    caf::actor stream;
    uint64_t token;
    h2::header_block_ptr headers;
    std::string body;
    bool end;
  };
  enum class state { connecting, ready, closed };

  void open(const caf::actor& stream, uint64_t token, const h2::header_block_ptr& h,
            std::string&& body, bool end);
  void handle_events();
  void lose_all(uint32_t h2_code, const std::string& why);
  void close(uint32_t h2_code, const std::string& why);
  void dirty() { worker_.request_flush(this); }

  io_worker& worker_;
  upstream_pool& pool_;
  std::string address_;
  asio::ip::tcp::endpoint target_;
  state state_ = state::connecting;
  h2::session session_;
  std::shared_ptr<net::tcp_channel> channel_;
  std::unordered_map<int32_t, call> streams_;   // by HTTP/2 stream id
  std::unordered_map<uint64_t, int32_t> sids_;  // call token -> HTTP/2 stream id
  std::vector<pending_open> pending_;
  size_t reserved_ = 0;
  bool goaway_ = false;
  bool settings_seen_ = false; // calls wait for the endpoint's SETTINGS (its stream limit)
  std::string out_;
  // meshlet_connections_active{side="upstream"}: from the connect until destroyed
  metrics::gauge_token counted_{worker_.metrics().upstream_connections()};
};

} // namespace meshlet::actors
