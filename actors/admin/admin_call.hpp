// admin_call: one call on the admin listener (I/O thread 0), in the place a stream_actor takes
// on a proxy listener and speaking the same messages with its connection. It collects the
// request (one gRPC message), checks access, asks the admin service actor and writes the
// answer; a grpc.health.v1 Watch stays open and writes every serving-status change.
#pragma once

#include "actors/stream/stream_protocol.hpp"

#include "actors/host/hosted_actor.hpp"
#include "actors/io/io_worker.hpp"
#include "transport/grpc/status.hpp"
#include "transport/h2/headers.hpp"

#include <string>

namespace meshlet::actors {

// What every admin connection shares: the service actor and the configured bearer token.
struct admin_context {
  caf::actor service;
  std::string token; // "" = none: loopback peers may mutate
};

class admin_call : public hosted_actor {
public:
  admin_call(io_worker& w, const admin_context& ctx, caf::actor connection, int32_t sid,
             h2::header_block_ptr request, std::string&& body, bool end, std::string peer_ip);
  ~admin_call() override;

  // Request bodies above this end the call with RESOURCE_EXHAUSTED.
  static constexpr size_t max_request = 1 << 20;

private:
  void on_body(std::string&& chunk, bool end);
  void on_request_end();
  // Sends a response part; with `end` it is this call's last word to its connection.
  void respond(response_part&& p);
  void start_watch(const std::string& body);
  void answer(int32_t code, const std::string& message, const std::string& body);
  void fail(grpc::status_code code, const std::string& message);
  void finish();

  const admin_context& ctx_;
  caf::actor connection_;
  int32_t sid_;
  h2::header_block_ptr request_;
  std::string peer_ip_;
  std::string body_;
  bool ended_ = false;
  bool headers_sent_ = false;
  bool watching_ = false;
  bool finished_ = false;
};

} // namespace meshlet::actors
