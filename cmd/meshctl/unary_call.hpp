// unary_call: one gRPC unary call over a fresh h2c connection, as a state machine over
// h2::session with no I/O: the owner writes take_output() to the socket and feeds what it reads to
// on_bytes() until done(). Byte-script testable like the session itself.
#pragma once

#include "cmd/meshctl/call_result.hpp"
#include "transport/h2/headers.hpp"
#include "transport/h2/session.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace meshlet::meshctl {

// The largest response meshctl accepts (the effective config is the biggest by far).
inline constexpr std::size_t max_response_bytes = 64u << 20;

struct call_request {
  std::string authority;            // :authority, the --admin HOST:PORT
  std::string path;                 // /meshlet.admin.v1.Admin/<Method>
  std::string token;                // "" = no authorization header
  std::string message;              // the serialized request
  std::chrono::milliseconds timeout{5000}; // sent as grpc-timeout
};

class unary_call {
public:
  explicit unary_call(const call_request& r);

  // Bytes to write now: the preface, SETTINGS, the request, window updates, acks.
  std::string take_output();
  void on_bytes(const uint8_t* data, size_t n);
  // The connection closed (or failed) under the call.
  void on_closed(const std::string& why);
  bool done() const { return result_.outcome != call_outcome::pending; }
  const call_result& result() const { return result_; }

private:
  void handle_events();
  void on_stream_closed(uint32_t h2_error);
  // Nothing more can be read or written (a GOAWAY either way) and the call has no outcome yet.
  void check_finished();
  void fail(std::string why);

  h2::session session_;
  int32_t sid_ = 0;
  bool received_ = false;
  h2::header_block_ptr headers_;
  h2::header_block_ptr trailers_;
  std::string body_;
  call_result result_;
};

} // namespace meshlet::meshctl
