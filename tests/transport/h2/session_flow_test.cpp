// Byte-script tests for transport/h2/session, sending and flow: responses, trailers,
// Trailers-Only, flow control, data_sent events, request bodies in pieces, resets, shutdown
// (session_peers.hpp has the peers).
#include "session_peers.hpp"

#include <doctest/doctest.h>

using namespace meshlet::h2;
using namespace meshlet::h2::test;
using namespace std::string_literals;
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
