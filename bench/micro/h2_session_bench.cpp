// h2 frames in and out: a client and a server transport/h2 session back to back in memory,
// exchanging unary gRPC calls (HEADERS+DATA -> HEADERS+DATA+trailers) the way a connection and
// an upstream actor drive them: recv, drain events, consume what was handed on, send.
#include "bench/micro/sample_headers.hpp"
#include "transport/h2/session.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using meshlet::h2::ev;
using meshlet::h2::header_block;
using meshlet::h2::header_block_ptr;
using meshlet::h2::make_headers;
using meshlet::h2::role;
using meshlet::h2::session;
using meshlet::h2::settings;

header_block request_headers() {
  return meshlet::bench::grpc_unary_request();
}

header_block response_headers() {
  header_block h;
  h.add(":status", "200");
  h.add("content-type", "application/grpc");
  h.add("grpc-accept-encoding", "identity, deflate, gzip");
  return h;
}

// A gRPC message frame (flag, 4-byte length) around `n` payload bytes.
std::string grpc_frame(size_t n) {
  std::string f(5 + n, 'p');
  f[0] = 0;
  f[1] = static_cast<char>(n >> 24);
  f[2] = static_cast<char>(n >> 16);
  f[3] = static_cast<char>(n >> 8);
  f[4] = static_cast<char>(n);
  return f;
}

// Two sessions wired back to back; the server answers each request once its body ended.
struct h2_pair {
  session client{role::client, settings{}};
  session server{role::server, settings{}};
  header_block request = request_headers();
  header_block response = response_headers();
  std::string request_body;
  std::string reply_body;
  std::string wire;         // reused buffer for bytes in flight
  uint64_t bytes_moved = 0; // both directions
  int calls_done = 0;
  std::vector<int32_t> to_answer;

  explicit h2_pair(size_t payload)
    : request_body(grpc_frame(payload)), reply_body(grpc_frame(payload)) {
    wire.reserve(64 * 1024);
    pump(); // prefaces and SETTINGS, outside the measured loop
  }

  void server_events() {
    for (auto &e : server.events()) {
      switch (e.kind) {
      case ev::headers:
        benchmark::DoNotOptimize(*e.block);
        break;
      case ev::data:
        benchmark::DoNotOptimize(e.data.data());
        server.consume(e.stream_id, e.data.size()); // handed on at once
        if (e.end_stream)
          to_answer.push_back(e.stream_id);
        break;
      case ev::stream_close:
        server.forget(e.stream_id);
        break;
      default:
        break;
      }
    }
    server.events().clear();
    for (int32_t sid : to_answer) {
      server.submit_response(sid, response, false);
      server.queue_data(sid, std::string{reply_body}, false);
      auto trailers = make_headers();
      trailers->add("grpc-status", "0");
      server.submit_trailers(sid, std::move(trailers));
    }
    to_answer.clear();
  }

  void client_events() {
    for (auto &e : client.events()) {
      switch (e.kind) {
      case ev::headers:
        benchmark::DoNotOptimize(*e.block);
        break;
      case ev::data:
        benchmark::DoNotOptimize(e.data.data());
        client.consume(e.stream_id, e.data.size());
        break;
      case ev::stream_close:
        client.forget(e.stream_id);
        ++calls_done;
        break;
      default:
        break;
      }
    }
    client.events().clear();
  }

  // Moves bytes both ways until neither side has anything to send.
  void pump() {
    for (;;) {
      wire.clear();
      client.send(wire);
      client_events(); // data_sent, stream_close of the client's own frames
      bool moved = !wire.empty();
      bytes_moved += wire.size();
      if (!wire.empty())
        server.recv(reinterpret_cast<const uint8_t *>(wire.data()), wire.size());
      server_events();
      wire.clear();
      server.send(wire);
      server_events();
      moved = moved || !wire.empty();
      bytes_moved += wire.size();
      if (!wire.empty())
        client.recv(reinterpret_cast<const uint8_t *>(wire.data()), wire.size());
      client_events();
      if (!moved)
        return;
    }
  }
};

// `batch` unary calls per iteration, in flight together (one pump for the batch, as a loop turn
// of a busy connection flushes many streams at once). call_time is the time per call.
void BM_h2_unary_round_trip(benchmark::State &state) {
  const auto payload = static_cast<size_t>(state.range(0));
  const auto batch = static_cast<int>(state.range(1));
  h2_pair p{payload};
  const uint64_t start_bytes = p.bytes_moved;
  int64_t calls = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      int32_t sid = p.client.submit_request(p.request, false);
      p.client.queue_data(sid, std::string{p.request_body}, true);
    }
    p.pump();
    calls += batch;
  }
  if (p.calls_done != calls)
    state.SkipWithError("not every call completed");
  state.SetItemsProcessed(calls);
  state.SetBytesProcessed(static_cast<int64_t>(p.bytes_moved - start_bytes));
  state.counters["call_time"] = benchmark::Counter(
    static_cast<double>(calls), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["wire_B/call"] =
    calls ? static_cast<double>(p.bytes_moved - start_bytes) / static_cast<double>(calls) : 0;
}
BENCHMARK(BM_h2_unary_round_trip)
  ->ArgNames({"payload", "batch"})
  ->Args({64, 1})
  ->Args({64, 100})
  ->Args({16384, 1});

} // namespace
