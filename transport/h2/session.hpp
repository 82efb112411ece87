// transport/h2 session: nghttp2 without I/O. Bytes go in through recv(), frames come out
// of send(); nghttp2's callbacks only record typed events, which the owner drains after
// each recv(). Request/response bodies are queued per stream and pulled by nghttp2 as
// the peer's flow-control window allows. Windows are acknowledged by the owner
// (consume) only once the bytes were handed on: bounded buffering end to end.
#pragma once

#include "transport/h2/headers.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct nghttp2_session;

namespace meshlet::h2 {

enum class role { server, client };

struct settings {
  uint32_t max_concurrent_streams = 4096;
  uint32_t initial_window_size = 256 * 1024;     // per stream: what we buffer at most
  uint32_t connection_window_size = 16 << 20;    // acked on receipt (see consume)
  uint32_t max_frame_size = 16384;
  uint32_t max_header_list_size = 64 * 1024;
};

// A client's settings: the defaults, and no server push (SETTINGS_MAX_CONCURRENT_STREAMS 0
// toward the server).
inline settings client_settings() {
  settings s;
  s.max_concurrent_streams = 0;
  return s;
}

enum class ev : uint8_t {
  headers,      // request/response headers or trailers; `block`, `end_stream`
  data,         // `data` points into the buffer given to recv(); copy it before the next recv
  stream_close, // the stream is gone; `error_code` (0 = NO_ERROR)
  data_sent,    // `length` body bytes of stream were handed to the wire
  goaway,       // peer's GOAWAY: `stream_id` = last stream id, `error_code`
  settings,     // peer's SETTINGS arrived
};

struct event {
  ev kind;
  bool end_stream = false;
  int32_t stream_id = 0;
  uint32_t error_code = 0;
  size_t length = 0;
  std::string_view data;
  header_block_ptr block;
};

class session {
public:
  session(role r, const settings& s);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // -- input ------------------------------------------------------------------
  // Feeds bytes; returns false on a fatal error (no valid client preface, flooding):
  // send() what is pending and close. Other connection errors (the peer broke HTTP/2)
  // nghttp2 answers itself with a GOAWAY on the next send(), after which want_read() and
  // want_write() are both false and last_error() says why: close then.
  bool recv(const uint8_t* bytes, size_t n);
  // Events recorded since the last clear, in order.
  std::vector<event>& events() { return events_; }
  const std::string& last_error() const { return last_error_; }
  void note_error(std::string why) { last_error_ = std::move(why); }

  // -- output -----------------------------------------------------------------
  // Appends every frame nghttp2 wants to send to `out`. Returns false on a fatal error.
  bool send(std::string& out);
  bool want_read() const;
  bool want_write() const;
  // Nothing more to read or write: the connection is over (a GOAWAY went out or came in
  // and no stream is left). Close the socket.
  bool finished() const { return !want_read() && !want_write(); }

  // -- submitting -------------------------------------------------------------
  // Client: opens a stream; returns its id (> 0) or < 0 when no id can be had.
  int32_t submit_request(const header_block& h, bool end_stream);
  // Server: response headers; with end_stream they are a Trailers-Only response.
  bool submit_response(int32_t stream_id, const header_block& h, bool end_stream);
  // Queues body bytes (and the end of the body) for stream_id.
  void queue_data(int32_t stream_id, std::string&& bytes, bool end_stream);
  // Trailers: sent after all queued data, ending the stream.
  void submit_trailers(int32_t stream_id, header_block_ptr h);
  void submit_rst(int32_t stream_id, uint32_t error_code);
  // Graceful: a GOAWAY with the last stream id processed so far; immediate: error.
  void submit_shutdown_notice();
  void submit_goaway(uint32_t error_code);
  // Flow control: `n` bytes of stream_id's body were handed on; re-open its window.
  void consume(int32_t stream_id, size_t n);
  // Drops stream_id's queued body once the stream closed (after its stream_close event).
  void forget(int32_t stream_id);

  // -- state ------------------------------------------------------------------
  size_t queued_bytes(int32_t stream_id) const;
  uint32_t remote_max_concurrent_streams() const;
  nghttp2_session* raw() { return session_; }
  bool is_client() const { return role_ == role::client; }

  // nghttp2 callbacks (public for the C trampolines in session.cpp).
  struct outbound;
  outbound* find_out(int32_t stream_id);
  std::vector<event> events_;
  header_block_ptr pending_headers_;   // the block being received
  int32_t pending_headers_stream_ = 0; // its stream; 0: none
  // The size of the last block received per kind (request or response headers, trailers):
  // the next one is built with that room, so a connection's repeating calls get blocks of
  // exactly their size, in one allocation, without a copy.
  struct block_hint {
    uint32_t fields = 8;
    uint32_t bytes = 256;
  };
  block_hint hints_[3];
  int pending_kind_ = 0;

private:
  outbound& out_for(int32_t stream_id);
  void resume(int32_t stream_id, outbound& o);

  role role_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, outbound> out_; // node-based: references stay valid
  std::string last_error_;
};

// Body bytes queued for one stream, with the trailers that end it.
struct session::outbound {
  std::vector<std::string> chunks; // chunks[head..] are unsent
  size_t head = 0;
  size_t offset = 0; // into chunks[head]
  size_t bytes = 0;
  bool eof = false;
  bool provider_attached = false;
  bool deferred = false;
  bool reattach = false; // client: the DATA item ended drained, the next bytes need a new one
  header_block_ptr trailers;
};

} // namespace meshlet::h2
