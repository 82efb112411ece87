// Byte-script tests for transport/h2/session: hand-made frames fed to a server session, and a
// client and a server session pumping bytes to each other, asserting events and emitted frames.
#include "transport/h2/session.hpp"

#include <doctest/doctest.h>
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using meshlet::h2::ev;
using meshlet::h2::header_block;
using meshlet::h2::header_block_ptr;
using meshlet::h2::make_headers;
using meshlet::h2::role;
using meshlet::h2::session;
using meshlet::h2::settings;

using namespace std::string_literals;

namespace {

constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Frame types, flags and error codes as RFC 9113 numbers them.
constexpr uint8_t data_frame = 0x0, headers_frame = 0x1, rst_stream_frame = 0x3,
                  settings_frame = 0x4, ping_frame = 0x6, goaway_frame = 0x7,
                  window_update_frame = 0x8;
constexpr uint8_t end_stream_flag = 0x1, ack_flag = 0x1, end_headers_flag = 0x4;
constexpr uint32_t no_error = 0x0, protocol_error = 0x1, refused_stream = 0x7, cancel = 0x8;
constexpr uint16_t settings_max_concurrent_streams = 0x3, settings_initial_window_size = 0x4;

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

uint32_t read_be32(std::string_view p) {
  return (uint32_t{static_cast<uint8_t>(p[0])} << 24) | (uint32_t{static_cast<uint8_t>(p[1])} << 16)
         | (uint32_t{static_cast<uint8_t>(p[2])} << 8) | uint32_t{static_cast<uint8_t>(p[3])};
}

// A frame: the 9-byte header (24-bit length, type, flags, 31-bit stream id) and its payload.
std::string frame(uint8_t type, uint8_t flags, uint32_t stream_id, std::string_view payload) {
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
std::vector<wire_frame> parse_frames(std::string_view bytes) {
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

std::vector<wire_frame> frames_of_type(const std::vector<wire_frame>& frames, uint8_t type) {
  std::vector<wire_frame> out;
  for (auto& f : frames)
    if (f.type == type)
      out.push_back(f);
  return out;
}

// The value a SETTINGS payload gives `id`, or -1.
int64_t setting(const wire_frame& f, uint16_t id) {
  for (size_t i = 0; i + 6 <= f.payload.size(); i += 6) {
    auto entry_id = static_cast<uint16_t>((static_cast<uint8_t>(f.payload[i]) << 8)
                                          | static_cast<uint8_t>(f.payload[i + 1]));
    if (entry_id == id)
      return read_be32(std::string_view{f.payload}.substr(i + 2));
  }
  return -1;
}

using fields = std::vector<std::pair<std::string, std::string>>;

// An HPACK header block, from nghttp2's own deflater.
std::string hpack(const fields& fs) {
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

header_block block_of(const fields& fs) {
  header_block h;
  for (auto& [name, value] : fs)
    h.add(name, value);
  return h;
}

fields fields_of(const header_block& h) {
  fields out;
  for (auto f : h)
    out.emplace_back(std::string{f.name}, std::string{f.value});
  return out;
}

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

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>('a' + i % 26);
  return s;
}

std::string valid_request_bytes() {
  return std::string{client_preface} + frame(settings_frame, 0, 0, "")
         + frame(headers_frame, end_headers_flag, 1, hpack(grpc_request_fields))
         + frame(data_frame, end_stream_flag, 1, "hello grpc");
}

} // namespace

// -- receiving a request --------------------------------------------------------------------

TEST_CASE("server: preface, SETTINGS, HEADERS and DATA(END_STREAM) yield settings, headers, data+end") {
  settings st;
  st.initial_window_size = 12345;
  side server{role::server, st};
  REQUIRE(server.feed(valid_request_bytes()));

  REQUIRE(server.events.size() == 3); // the frame's END_STREAM rides on its last chunk
  CHECK(server.events[0].kind == ev::settings);

  auto& h = server.events[1];
  CHECK(h.kind == ev::headers);
  CHECK(h.stream_id == 1);
  CHECK_FALSE(h.end_stream);
  REQUIRE(h.block.get() != nullptr);
  REQUIRE(h.block->find(":method"));
  CHECK(*h.block->find(":method") == "POST");
  REQUIRE(h.block->find(":path"));
  CHECK(*h.block->find(":path") == "/echo.Echo/Say");
  REQUIRE(h.block->find("content-type"));
  CHECK(*h.block->find("content-type") == "application/grpc");
  REQUIRE(h.block->find("te"));
  CHECK(*h.block->find("te") == "trailers");

  CHECK(server.events[2].kind == ev::data);
  CHECK(server.events[2].stream_id == 1);
  CHECK(server.events[2].data == "hello grpc");
  CHECK(server.events[2].end_stream);
}

TEST_CASE("server: its first frame is SETTINGS advertising the configured limits") {
  settings st;
  st.initial_window_size = 12345;
  st.max_concurrent_streams = 77;
  side server{role::server, st};
  REQUIRE(server.feed(valid_request_bytes()));
  auto frames = parse_frames(server.drain());

  REQUIRE_FALSE(frames.empty());
  CHECK(frames[0].type == settings_frame);
  CHECK(frames[0].flags == 0);
  CHECK(frames[0].stream_id == 0);
  CHECK(setting(frames[0], settings_initial_window_size) == 12345);
  CHECK(setting(frames[0], settings_max_concurrent_streams) == 77);

  // The client's SETTINGS are acknowledged.
  bool acked = false;
  for (auto& f : frames_of_type(frames, settings_frame))
    acked = acked || (f.flags & ack_flag) != 0;
  CHECK(acked);
}

TEST_CASE("server: the same request delivered one byte at a time yields the same request") {
  side server{role::server, settings{}};
  for (char c : valid_request_bytes())
    REQUIRE(server.feed(std::string_view{&c, 1}));

  auto headers = server.of(ev::headers, 1);
  REQUIRE(headers.size() == 1);
  CHECK(*headers[0].block->find(":path") == "/echo.Echo/Say");
  CHECK(server.body(1) == "hello grpc");
  CHECK(server.body_ended(1));
}

TEST_CASE("client to server: a large header block arrives field for field, in order") {
  link l;
  fields fs = grpc_request_fields;
  fs.emplace_back("x-empty", "");
  for (size_t i = 0; i < 100; ++i)
    fs.emplace_back("x-meta-" + std::to_string(i), pattern(i));
  fs.emplace_back("x-big", pattern(20000)); // HEADERS and CONTINUATION frames
  int32_t sid = l.client.s.submit_request(block_of(fs), true);
  REQUIRE(sid > 0);
  l.pump();
  auto big = l.server.of(ev::headers, sid);
  REQUIRE(big.size() == 1);
  CHECK(fields_of(*big[0].block) == fs);

  // A block is built with the room the previous block of its kind needed, capped: after a
  // block this large the next is right and bounded, and the one after it exactly its size.
  size_t bytes = 0;
  for (auto& [name, value] : grpc_request_fields)
    bytes += name.size() + value.size();
  int32_t next = l.request();
  l.pump();
  auto small = l.server.of(ev::headers, next);
  REQUIRE(small.size() == 1);
  CHECK(fields_of(*small[0].block) == grpc_request_fields);
  CHECK(small[0].block->bytes_used() == bytes);
  CHECK(small[0].block->buffer_size() <= 32 * 12 + 4096);
  int32_t third = l.request();
  l.pump();
  auto exact = l.server.of(ev::headers, third);
  REQUIRE(exact.size() == 1);
  CHECK(fields_of(*exact[0].block) == grpc_request_fields);
  CHECK(exact[0].block->buffer_size() == grpc_request_fields.size() * 12 + bytes);
}

// -- bad prefaces and protocol violations ---------------------------------------------------

TEST_CASE("server: an HTTP/1.1 request instead of the preface is a connection error") {
  side server{role::server, settings{}};
  CHECK_FALSE(server.feed("GET / HTTP/1.1\r\nHost: backend\r\n\r\n"));
  CHECK_FALSE(server.s.last_error().empty());
  CHECK(server.of(ev::headers).empty());
  CHECK(server.of(ev::data).empty());
}

TEST_CASE("server: random bytes instead of the preface are a connection error") {
  std::mt19937 rng{20240611};
  std::string junk(64, '\0');
  for (auto& c : junk)
    c = static_cast<char>(rng() & 0xff);
  REQUIRE(junk[0] != 'P');
  side server{role::server, settings{}};
  CHECK_FALSE(server.feed(junk));
  CHECK_FALSE(server.s.last_error().empty());
  CHECK(server.events.empty());
}

TEST_CASE("server: a preface that goes wrong after its first bytes is a connection error") {
  side server{role::server, settings{}};
  CHECK_FALSE(server.feed("PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n"));
  CHECK(server.events.empty());
}

TEST_CASE("server: half a preface waits for the rest, which then completes it") {
  side server{role::server, settings{}};
  REQUIRE(server.feed(client_preface.substr(0, 10)));
  CHECK(server.events.empty());
  CHECK(server.s.want_read());

  REQUIRE(server.feed(std::string{client_preface.substr(10)} + frame(settings_frame, 0, 0, "")));
  REQUIRE(server.events.size() == 1);
  CHECK(server.events[0].kind == ev::settings);
}

TEST_CASE("server: a frame violating HTTP/2 after the preface brings a PROTOCOL_ERROR GOAWAY") {
  struct row {
    std::string what;
    std::string bytes;
  };
  const std::string start = std::string{client_preface} + frame(settings_frame, 0, 0, "");
  const std::vector<row> rows = {
    {"DATA on stream 0", start + frame(data_frame, 0, 0, "x")},
    {"HEADERS on an even (server-initiated) stream id",
     start
       + frame(headers_frame, end_headers_flag | end_stream_flag, 2, hpack(grpc_request_fields))},
    {"WINDOW_UPDATE with a zero increment on the connection",
     start + frame(window_update_frame, 0, 0, be32(0))},
    {"SETTINGS on a stream", start + frame(settings_frame, 0, 1, "")},
    {"a PING instead of the first SETTINGS",
     std::string{client_preface} + frame(ping_frame, 0, 0, "12345678")},
  };
  for (auto& r : rows) {
    CAPTURE(r.what);
    side server{role::server, settings{}};
    server.feed(r.bytes); // recv's verdict is checked below; the GOAWAY must go out regardless
    auto goaways = frames_of_type(parse_frames(server.drain()), goaway_frame);
    REQUIRE(goaways.size() == 1);
    CHECK(goaways[0].stream_id == 0);
    REQUIRE(goaways[0].payload.size() >= 8);
    CHECK(read_be32(std::string_view{goaways[0].payload}.substr(4)) == protocol_error);
    CHECK_FALSE(server.s.want_read()); // the connection is over
    CHECK(server.of(ev::headers).empty());
  }
}

// session.hpp: a connection error nghttp2 handles itself goes out as GOAWAY on the next
// send(); then the session is finished() and last_error() names the reason. Both the
// connection and the upstream actor close on that (only a bad preface fails recv itself).
TEST_CASE("a protocol violation after a valid preface finishes the session with a reason") {
  SUBCASE("server: DATA on stream 0 from the client") {
    side server{role::server, settings{}};
    server.feed(std::string{client_preface} + frame(settings_frame, 0, 0, "")
                + frame(data_frame, 0, 0, "x"));
    CHECK_FALSE(server.s.finished()); // not before the GOAWAY is out
    server.drain();
    CHECK(server.s.finished());
    CHECK(server.s.last_error().find("PROTOCOL_ERROR") != std::string::npos);
  }
  SUBCASE("server: HEADERS on an even stream id from the client") {
    side server{role::server, settings{}};
    server.feed(
      std::string{client_preface} + frame(settings_frame, 0, 0, "")
      + frame(headers_frame, end_headers_flag | end_stream_flag, 2, hpack(grpc_request_fields)));
    server.drain();
    CHECK(server.s.finished());
    CHECK(server.s.last_error().find("PROTOCOL_ERROR") != std::string::npos);
  }
  SUBCASE("client: DATA on stream 0 from the server") {
    link l;
    l.pump();
    l.client.feed(frame(data_frame, 0, 0, "x"));
    auto goaways = frames_of_type(parse_frames(l.client.drain()), goaway_frame);
    REQUIRE(goaways.size() == 1);
    CHECK(read_be32(std::string_view{goaways[0].payload}.substr(4)) == protocol_error);
    CHECK(l.client.s.finished());
    CHECK(l.client.s.last_error().find("PROTOCOL_ERROR") != std::string::npos);
  }
}

// -- sending a response ---------------------------------------------------------------------

TEST_CASE("response headers, data and trailers reach the client in order") {
  link l;
  int32_t sid = l.request("ping");
  l.pump();
  REQUIRE(l.server.of(ev::headers, sid).size() == 1);
  CHECK(l.server.body(sid) == "ping");
  CHECK(l.server.body_ended(sid));

  REQUIRE(l.server.s.submit_response(
    sid, block_of({{":status", "200"}, {"content-type", "application/grpc"}}), false));
  l.server.s.queue_data(sid, "pong"s, false);
  auto trailers = make_headers();
  trailers->add("grpc-status", "0");
  l.server.s.submit_trailers(sid, trailers);
  l.pump();

  auto headers = l.client.of(ev::headers, sid);
  REQUIRE(headers.size() == 2);
  CHECK_FALSE(headers[0].end_stream);
  CHECK(*headers[0].block->find(":status") == "200");
  CHECK(headers[1].end_stream);
  REQUIRE(headers[1].block->find("grpc-status"));
  CHECK(*headers[1].block->find("grpc-status") == "0");
  CHECK(l.client.body(sid) == "pong");
  CHECK_FALSE(l.client.body_ended(sid)); // the trailers, not the DATA, end the stream

  // Order: headers, data, trailers, close.
  std::vector<ev> order;
  for (auto& e : l.client.events)
    if (e.stream_id == sid && e.kind != ev::data_sent)
      order.push_back(e.kind);
  CHECK(order == std::vector<ev>{ev::headers, ev::data, ev::headers, ev::stream_close});
  REQUIRE(l.client.of(ev::stream_close, sid).size() == 1);
  CHECK(l.client.of(ev::stream_close, sid)[0].error_code == no_error);

  // On the wire: the DATA does not carry END_STREAM, the trailing HEADERS does.
  auto frames = parse_frames(l.server.wire);
  auto data = frames_of_type(frames, data_frame);
  REQUIRE(data.size() == 1);
  CHECK(data[0].payload == "pong");
  CHECK((data[0].flags & end_stream_flag) == 0);
  auto hs = frames_of_type(frames, headers_frame);
  REQUIRE(hs.size() == 2);
  CHECK((hs[1].flags & end_stream_flag) != 0);
}

TEST_CASE("body queued before the response headers is sent after them") {
  link l;
  int32_t sid = l.request();
  l.pump();
  l.server.s.queue_data(sid, "early"s, false);
  REQUIRE(l.server.s.submit_response(sid, block_of({{":status", "200"}}), false));
  l.server.s.queue_data(sid, " and late"s, true);
  l.pump();
  CHECK(l.client.body(sid) == "early and late");
  CHECK(l.client.body_ended(sid));
}

TEST_CASE("response headers then trailers with no body in between reach the client") {
  link l;
  int32_t sid = l.request();
  l.pump();
  REQUIRE(l.server.s.submit_response(sid, block_of({{":status", "200"}}), false));
  l.pump(); // nothing queued yet: the body waits
  auto trailers = make_headers();
  trailers->add("grpc-status", "5");
  l.server.s.submit_trailers(sid, trailers);
  l.pump();

  auto headers = l.client.of(ev::headers, sid);
  REQUIRE(headers.size() == 2);
  CHECK_FALSE(headers[0].end_stream);
  CHECK(headers[1].end_stream);
  CHECK(*headers[1].block->find("grpc-status") == "5");
  CHECK(l.client.body(sid).empty());
  CHECK(l.client.of(ev::stream_close, sid).size() == 1);
}

TEST_CASE("Trailers-Only: submit_response with end_stream is one HEADERS frame with END_STREAM") {
  link l;
  int32_t sid = l.request();
  l.pump();
  const size_t before = l.server.wire.size();
  REQUIRE(l.server.s.submit_response(
    sid,
    block_of({{":status", "200"}, {"content-type", "application/grpc"}, {"grpc-status", "12"}}),
    true));
  l.pump();

  std::vector<wire_frame> on_stream;
  for (auto& f : parse_frames(std::string_view{l.server.wire}.substr(before)))
    if (f.stream_id == sid)
      on_stream.push_back(f);
  REQUIRE(on_stream.size() == 1);
  CHECK(on_stream[0].type == headers_frame);
  CHECK((on_stream[0].flags & end_stream_flag) != 0);

  auto headers = l.client.of(ev::headers, sid);
  REQUIRE(headers.size() == 1);
  CHECK(headers[0].end_stream);
  CHECK(*headers[0].block->find("grpc-status") == "12");
  CHECK(l.client.of(ev::data, sid).empty());
}

// -- flow control ---------------------------------------------------------------------------

TEST_CASE("a stream the receiver never consumes gets at most initial_window_size bytes") {
  settings st;
  st.initial_window_size = 1000;
  link l{st};
  l.pump(); // SETTINGS exchanged: until then the client may use the default window of 65535
  int32_t sid = l.request(pattern(3000));
  l.pump();
  CHECK(l.server.body(sid) == pattern(1000));
  CHECK_FALSE(l.server.body_ended(sid));
  CHECK(l.client.s.queued_bytes(sid) == 2000);
  CHECK(l.client.sent(sid) == 1000);

  l.pump(); // nothing new: the window stays shut
  CHECK(l.server.body(sid).size() == 1000);
  CHECK(l.client.s.queued_bytes(sid) == 2000);

  l.server.s.consume(sid, 1000);
  l.pump();
  CHECK(l.server.body(sid) == pattern(2000));
  CHECK(l.client.s.queued_bytes(sid) == 1000);

  l.server.s.consume(sid, 600);
  l.pump();
  CHECK(l.server.body(sid) == pattern(2600));
  CHECK(l.client.s.queued_bytes(sid) == 400);
  CHECK_FALSE(l.server.body_ended(sid));

  l.server.s.consume(sid, 1000);
  l.pump();
  CHECK(l.server.body(sid) == pattern(3000));
  CHECK(l.server.body_ended(sid));
  CHECK(l.client.s.queued_bytes(sid) == 0);
}

TEST_CASE("the connection window is acked on receipt: unconsumed streams do not block others") {
  settings st;
  st.initial_window_size = 50000;
  st.connection_window_size = 65535; // the protocol's initial window: no WINDOW_UPDATE up front
  link l{st};
  l.pump();
  // 150000 bytes, more than twice the connection window, none of them consumed.
  std::vector<int32_t> sids = {l.request(pattern(50000)), l.request(pattern(50000)),
                               l.request(pattern(50000))};
  l.pump();
  for (int32_t sid : sids) {
    CAPTURE(sid);
    CHECK(l.server.body(sid) == pattern(50000));
    CHECK(l.server.body_ended(sid));
    CHECK(l.client.s.queued_bytes(sid) == 0);
  }
  // Only the connection's window was re-opened: no stream was ever consumed.
  auto updates = frames_of_type(parse_frames(l.server.wire), window_update_frame);
  CHECK_FALSE(updates.empty());
  for (auto& u : updates)
    CHECK(u.stream_id == 0);
}

TEST_CASE("padding is not reported as data and does not eat the stream window") {
  settings st;
  st.initial_window_size = 1000;
  side server{role::server, st};
  REQUIRE(server.feed(std::string{client_preface} + frame(settings_frame, 0, 0, "")
                      + frame(settings_frame, ack_flag, 0, "") + // the server's 1000 applies
                      frame(headers_frame, end_headers_flag, 1, hpack(grpc_request_fields))));
  server.drain();
  // Five PADDED DATA frames: pad length 99, 100 data bytes, 99 zeros: 200 window bytes each.
  const std::string padded =
    std::string(1, static_cast<char>(99)) + pattern(100) + std::string(99, '\0');
  for (int k = 0; k < 5; ++k)
    REQUIRE(server.feed(frame(data_frame, 0x8, 1, padded)));
  std::string expected;
  for (int k = 0; k < 5; ++k)
    expected += pattern(100);
  CHECK(server.body(1) == expected);

  server.s.consume(1, server.body(1).size()); // the owner consumes only what it was given
  uint32_t reopened = 0;
  for (auto& f : frames_of_type(parse_frames(server.drain()), window_update_frame))
    if (f.stream_id == 1)
      reopened += read_be32(f.payload);
  CHECK(reopened == 1000);
}

// -- events ---------------------------------------------------------------------------------

namespace {

// Lengths of the non-empty DATA frames `wire` carries on stream_id.
std::vector<size_t> data_frame_lengths(const std::string& wire, int32_t stream_id) {
  std::vector<size_t> out;
  for (auto& f : frames_of_type(parse_frames(wire), data_frame))
    if (f.stream_id == stream_id && !f.payload.empty())
      out.push_back(f.payload.size());
  return out;
}

std::vector<size_t> data_sent_lengths(const side& s, int32_t stream_id) {
  std::vector<size_t> out;
  for (auto& e : s.of(ev::data_sent, stream_id))
    out.push_back(e.length);
  return out;
}

} // namespace

TEST_CASE("data_sent events report exactly the DATA frames sent, frame by frame") {
  link l;
  int32_t sid = l.request(pattern(40000));
  l.pump();
  CHECK(data_frame_lengths(l.client.wire, sid) == std::vector<size_t>{16384, 16384, 7232});
  CHECK(data_sent_lengths(l.client, sid) == data_frame_lengths(l.client.wire, sid));
  CHECK(l.client.sent(sid) == 40000);

  REQUIRE(l.server.s.submit_response(sid, block_of({{":status", "200"}}), false));
  l.server.s.queue_data(sid, pattern(20000), false);
  l.server.s.queue_data(sid, pattern(5), true);
  l.pump();
  CHECK(data_sent_lengths(l.server, sid) == data_frame_lengths(l.server.wire, sid));
  CHECK(l.server.sent(sid) == 20005);
  CHECK(l.client.body(sid) == pattern(20000) + pattern(5));

  // A body ended later by an empty DATA frame: that frame carries no bytes to report.
  int32_t sid2 = l.request("abc", false);
  l.pump();
  const size_t before = l.client.wire.size();
  l.client.s.queue_data(sid2, std::string{}, true);
  l.pump();
  auto tail =
    frames_of_type(parse_frames(std::string_view{l.client.wire}.substr(before)), data_frame);
  REQUIRE(tail.size() == 1);
  CHECK(tail[0].payload.empty());
  CHECK((tail[0].flags & end_stream_flag) != 0);
  CHECK(data_sent_lengths(l.client, sid2) == std::vector<size_t>{3});
  CHECK(l.server.body_ended(sid2));
}

TEST_CASE("client: a request body sent in pieces with pauses arrives whole, with no empty "
          "DATA frames before its end") {
  // A drained request gives its DATA item back (read_body); each later piece gets a new one.
  link l;
  int32_t sid = l.request("first", false);
  l.pump();
  CHECK(l.server.body(sid) == "first");
  CHECK_FALSE(l.server.body_ended(sid));
  l.client.s.queue_data(sid, pattern(30000), false);
  l.pump();
  l.client.s.queue_data(sid, "", false); // nothing: no frame
  l.pump();
  l.client.s.queue_data(sid, "last", true);
  l.pump();
  CHECK(l.server.body(sid) == "first" + pattern(30000) + "last");
  CHECK(l.server.body_ended(sid));
  auto data = frames_of_type(parse_frames(l.client.wire), data_frame);
  size_t empty = 0, ends = 0;
  for (auto& f : data)
    if (f.stream_id == sid) {
      empty += f.payload.empty() ? 1 : 0;
      ends += (f.flags & end_stream_flag) != 0 ? 1 : 0;
    }
  CHECK(empty == 0);
  CHECK(ends == 1);
  CHECK(l.client.sent(sid) == 5 + 30000 + 4);

  // The same for a request whose HEADERS went out alone and whose body starts later.
  int32_t sid2 = l.request({}, false);
  l.pump();
  l.client.s.queue_data(sid2, "late", false);
  l.pump();
  l.client.s.queue_data(sid2, "", true);
  l.pump();
  CHECK(l.server.body(sid2) == "late");
  CHECK(l.server.body_ended(sid2));
}

TEST_CASE("stream_close carries the RST_STREAM error code of a peer's reset") {
  link l;
  int32_t sid = l.request("part", false);
  l.pump();
  REQUIRE(l.server.of(ev::headers, sid).size() == 1);
  CHECK(l.server.of(ev::stream_close, sid).empty());

  l.client.s.submit_rst(sid, cancel);
  l.pump();
  auto closes = l.server.of(ev::stream_close, sid);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].error_code == cancel);

  int32_t sid2 = l.request("part", false);
  l.pump();
  l.server.s.submit_rst(sid2, refused_stream);
  l.pump();
  auto client_closes = l.client.of(ev::stream_close, sid2);
  REQUIRE(client_closes.size() == 1);
  CHECK(client_closes[0].error_code == refused_stream);
}

TEST_CASE("server: a hand-made RST_STREAM(CANCEL) closes the stream with code 8") {
  side server{role::server, settings{}};
  REQUIRE(server.feed(std::string{client_preface} + frame(settings_frame, 0, 0, "")
                      + frame(headers_frame, end_headers_flag, 1, hpack(grpc_request_fields))
                      + frame(rst_stream_frame, 0, 1, be32(cancel))));
  auto closes = server.of(ev::stream_close, 1);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].error_code == cancel);
}

// -- shutting down --------------------------------------------------------------------------

TEST_CASE("shutdown notice then GOAWAY(NO_ERROR) names the last stream the server processed") {
  link l;
  int32_t first = l.request("a");
  int32_t last = l.request("b");
  l.pump();
  REQUIRE(l.server.of(ev::headers).size() == 2);

  l.server.s.submit_shutdown_notice();
  l.pump();
  auto goaways = l.client.of(ev::goaway);
  REQUIRE(goaways.size() == 1);
  CHECK(goaways[0].stream_id == 0x7fffffff); // "stop opening streams soon"
  CHECK(goaways[0].error_code == no_error);

  l.server.s.submit_goaway(no_error);
  l.pump();
  goaways = l.client.of(ev::goaway);
  REQUIRE(goaways.size() == 2);
  CHECK(goaways[1].stream_id == last);
  CHECK(goaways[1].stream_id > first);
  CHECK(goaways[1].error_code == no_error);
}

TEST_CASE("client: remote_max_concurrent_streams follows the server's SETTINGS") {
  settings st;
  st.max_concurrent_streams = 7;
  link l{st};
  CHECK(l.client.s.remote_max_concurrent_streams() == 100); // assumed until SETTINGS arrive
  l.pump();
  CHECK(l.client.of(ev::settings).size() == 1);
  CHECK(l.client.s.remote_max_concurrent_streams() == 7);
}
