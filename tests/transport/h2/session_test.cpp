// Byte-script tests for transport/h2/session, receiving: prefaces, requests (whole, byte by
// byte, large header blocks) and protocol violations (session_peers.hpp has the peers).
#include "session_peers.hpp"

#include <doctest/doctest.h>

using namespace meshlet::h2;
using namespace meshlet::h2::test;
using namespace std::string_literals;

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
