// Test peers for transport/h2/session: hand-made frames (preface, SETTINGS, HEADERS with an
// HPACK block, DATA, RST_STREAM), a frame parser, and `side`/`link`: one session, or a client
// and a server session pumping bytes to each other, recording their events.
#pragma once

#include "header_fields.hpp"
#include "transport/h2/session.hpp"

#include <doctest/doctest.h>
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshlet::h2::test {

using namespace std::string_literals;

constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Frame types, flags and error codes as RFC 9113 numbers them.
constexpr uint8_t data_frame = 0x0, headers_frame = 0x1, rst_stream_frame = 0x3,
                  settings_frame = 0x4, ping_frame = 0x6, goaway_frame = 0x7,
                  window_update_frame = 0x8;
constexpr uint8_t end_stream_flag = 0x1, ack_flag = 0x1, end_headers_flag = 0x4;
constexpr uint32_t no_error = 0x0, protocol_error = 0x1, refused_stream = 0x7, cancel = 0x8;
constexpr uint16_t settings_max_concurrent_streams = 0x3, settings_initial_window_size = 0x4;

inline std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

inline uint32_t read_be32(std::string_view p) {
  return (uint32_t{static_cast<uint8_t>(p[0])} << 24) | (uint32_t{static_cast<uint8_t>(p[1])} << 16)
         | (uint32_t{static_cast<uint8_t>(p[2])} << 8) | uint32_t{static_cast<uint8_t>(p[3])};
}

// A frame: the 9-byte header (24-bit length, type, flags, 31-bit stream id) and its payload.
inline std::string frame(uint8_t type, uint8_t flags, uint32_t stream_id, std::string_view payload) {
  const auto len = static_cast<uint32_t>(payload.size());
  std::string f{static_cast<char>(len >> 16), static_cast<char>(len >> 8), static_cast<char>(len),
                static_cast<char>(type), static_cast<char>(flags)};
  f += be32(stream_id & 0x7fffffffu);
  f.append(payload);
  return f;
}

struct wire_frame {
  uint8_t type;
  uint8_t flags;
  int32_t stream_id;
  std::string payload;
};

// Splits bytes a session sent into frames (after the client preface, if there is one).
inline std::vector<wire_frame> parse_frames(std::string_view bytes) {
  if (bytes.substr(0, client_preface.size()) == client_preface)
    bytes.remove_prefix(client_preface.size());
  std::vector<wire_frame> frames;
  while (!bytes.empty()) {
    REQUIRE(bytes.size() >= 9);
    const size_t len = (size_t{static_cast<uint8_t>(bytes[0])} << 16)
                       | (size_t{static_cast<uint8_t>(bytes[1])} << 8)
                       | size_t{static_cast<uint8_t>(bytes[2])};
    REQUIRE(bytes.size() >= 9 + len);
    frames.push_back(wire_frame{static_cast<uint8_t>(bytes[3]), static_cast<uint8_t>(bytes[4]),
                                static_cast<int32_t>(read_be32(bytes.substr(5)) & 0x7fffffffu),
                                std::string{bytes.substr(9, len)}});
    bytes.remove_prefix(9 + len);
  }
  return frames;
}

inline std::vector<wire_frame> frames_of_type(const std::vector<wire_frame>& frames, uint8_t type) {
  std::vector<wire_frame> out;
  for (auto& f : frames)
    if (f.type == type)
      out.push_back(f);
  return out;
}

// The value a SETTINGS payload gives `id`, or -1.
inline int64_t setting(const wire_frame& f, uint16_t id) {
  for (size_t i = 0; i + 6 <= f.payload.size(); i += 6) {
    auto entry_id = static_cast<uint16_t>((static_cast<uint8_t>(f.payload[i]) << 8)
                                          | static_cast<uint8_t>(f.payload[i + 1]));
    if (entry_id == id)
      return read_be32(std::string_view{f.payload}.substr(i + 2));
  }
  return -1;
}

// An HPACK header block, from nghttp2's own deflater.
inline std::string hpack(const fields& fs) {
  nghttp2_hd_deflater* deflater = nullptr;
  REQUIRE(nghttp2_hd_deflate_new(&deflater, 4096) == 0);
  std::vector<nghttp2_nv> nva;
  for (auto& [name, value] : fs)
    nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                             reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
                             name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  std::string out(nghttp2_hd_deflate_bound(deflater, nva.data(), nva.size()), '\0');
  auto n = nghttp2_hd_deflate_hd(deflater, reinterpret_cast<uint8_t*>(out.data()), out.size(),
                                 nva.data(), nva.size());
  nghttp2_hd_deflate_del(deflater);
  REQUIRE(n >= 0);
  out.resize(static_cast<size_t>(n));
  return out;
}

const fields grpc_request_fields = {
  {":method", "POST"},
  {":scheme", "http"},
  {":path", "/echo.Echo/Say"},
  {":authority", "backend"},
  {"content-type", "application/grpc"},
  {"te", "trailers"},
};

// An event as recorded, its data copied out of the recv() buffer.
struct seen {
  ev kind;
  int32_t stream_id = 0;
  bool end_stream = false;
  uint32_t error_code = 0;
  size_t length = 0;
  std::string data;
  header_block_ptr block;
};

// One end of a connection: the session, every event it recorded, every byte it sent.
struct side {
  session s;
  std::vector<seen> events;
  std::string wire;

  side(role r, const settings& st) : s(r, st) {}

  void collect() {
    for (auto& e : s.events())
      events.push_back(seen{e.kind, e.stream_id, e.end_stream, e.error_code, e.length,
                            std::string{e.data}, e.block});
    s.events().clear();
  }
  bool feed(std::string_view bytes) {
    bool ok = s.recv(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    collect();
    return ok;
  }
  std::string drain() {
    std::string out;
    REQUIRE(s.send(out));
    collect();
    wire += out;
    return out;
  }

  std::vector<seen> of(ev kind, int32_t stream_id = -1) const {
    std::vector<seen> out;
    for (auto& e : events)
      if (e.kind == kind && (stream_id < 0 || e.stream_id == stream_id))
        out.push_back(e);
    return out;
  }
  std::string body(int32_t stream_id) const {
    std::string b;
    for (auto& e : of(ev::data, stream_id))
      b += e.data;
    return b;
  }
  bool body_ended(int32_t stream_id) const {
    for (auto& e : of(ev::data, stream_id))
      if (e.end_stream)
        return true;
    return false;
  }
  size_t sent(int32_t stream_id) const {
    size_t n = 0;
    for (auto& e : of(ev::data_sent, stream_id))
      n += e.length;
    return n;
  }
};

// A client and a server session wired back to back.
struct link {
  side client;
  side server;

  explicit link(const settings& server_settings = settings{},
                const settings& client_settings = settings{})
    : client(role::client, client_settings), server(role::server, server_settings) {}

  // Moves bytes both ways until neither side has anything to send.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      auto c = client.drain();
      if (!c.empty())
        REQUIRE(server.feed(c));
      auto s = server.drain();
      if (!s.empty())
        REQUIRE(client.feed(s));
      if (c.empty() && s.empty())
        return;
    }
    FAIL("the sessions never went quiet");
  }

  // Client: a gRPC request on a new stream, its body queued (and ended) when given.
  int32_t request(std::string body = {}, bool end = true) {
    int32_t sid = client.s.submit_request(block_of(grpc_request_fields), false);
    REQUIRE(sid > 0);
    if (!body.empty() || end)
      client.s.queue_data(sid, std::move(body), end);
    return sid;
  }
};

inline std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>('a' + i % 26);
  return s;
}

inline std::string valid_request_bytes() {
  return std::string{client_preface} + frame(settings_frame, 0, 0, "")
         + frame(headers_frame, end_headers_flag, 1, hpack(grpc_request_fields))
         + frame(data_frame, end_stream_flag, 1, "hello grpc");
}

} // namespace meshlet::h2::test
