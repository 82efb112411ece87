// gRPC status and metadata handling on a call's path (transport/grpc): request validation,
// hop-by-hop filtering of a realistic header block, grpc-timeout parse and re-encode,
// grpc-status parsing from trailers, grpc-message percent-encoding and decoding.
#include "bench/micro/sample_headers.hpp"
#include "transport/grpc/headers.hpp"
#include "transport/grpc/status.hpp"
#include "transport/grpc/timeout.hpp"
#include "transport/h2/headers.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace {

using meshlet::h2::header_block;
using meshlet::h2::header_view;
namespace grpc = meshlet::grpc;

// A unary request as grpc++ 1.51 sends it, with a deadline and metadata.
header_block grpc_request_block() {
  return meshlet::bench::grpc_unary_request(true);
}

// connection_actor's check of a new stream's HEADERS: method, content-type, path.
void BM_check_grpc_request(benchmark::State &state) {
  const auto h = grpc_request_block();
  for (auto _ : state) {
    auto method = h.find(":method");
    auto ct = h.find("content-type");
    auto path = h.find(":path");
    auto r = grpc::check_grpc_request(method.value_or(std::string_view{}),
                                      ct.value_or(std::string_view{}),
                                      path.value_or(std::string_view{}));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_check_grpc_request);

// stream_actor's strip_hop_by_hop (erase_if over is_hop_by_hop) on the request block. A
// gRPC client sends no hop-by-hop header, so the block is unchanged and reused.
void BM_strip_hop_by_hop(benchmark::State &state) {
  auto h = grpc_request_block();
  for (auto _ : state) {
    h.erase_if([](const header_view &x) { return grpc::is_hop_by_hop(x.name); });
    benchmark::DoNotOptimize(h);
  }
  if (h.size() != grpc_request_block().size())
    state.SkipWithError("a gRPC header was stripped");
}
BENCHMARK(BM_strip_hop_by_hop);

// The same on a block carrying two hop-by-hop headers (a misbehaving client); the copy of the
// block each iteration is part of the figure (compare BM_copy_header_block).
void BM_strip_hop_by_hop_two_present(benchmark::State &state) {
  auto src = grpc_request_block();
  src.add("connection", "keep-alive");
  src.add("transfer-encoding", "chunked");
  for (auto _ : state) {
    auto h = src;
    h.erase_if([](const header_view &x) { return grpc::is_hop_by_hop(x.name); });
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_strip_hop_by_hop_two_present);

void BM_copy_header_block(benchmark::State &state) {
  auto src = grpc_request_block();
  src.add("connection", "keep-alive");
  src.add("transfer-encoding", "chunked");
  for (auto _ : state) {
    auto h = src;
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_copy_header_block);

// grpc-timeout: parsed once per call, re-encoded with the time left when the call is opened.
void BM_grpc_timeout_parse_format(benchmark::State &state) {
  const std::string values[] = {"999828u", "5S", "250m", "30000000n"};
  size_t k = 0;
  for (auto _ : state) {
    auto d = grpc::parse_timeout(values[k++ & 3]);
    auto s =
      grpc::format_timeout(d ? *d - std::chrono::microseconds{37} : std::chrono::nanoseconds{});
    benchmark::DoNotOptimize(s.data());
  }
}
BENCHMARK(BM_grpc_timeout_parse_format);

// A response's trailers: find grpc-status and parse it, as stream_actor::report_status does.
void BM_trailers_parse_status(benchmark::State &state) {
  header_block ok;
  ok.add("grpc-status", "0");
  header_block failed;
  failed.add("grpc-status", "14");
  failed.add("grpc-message", "upstream connect error: connection refused");
  const header_block *blocks[] = {&ok, &ok, &ok, &failed};
  size_t k = 0;
  for (auto _ : state) {
    const auto &b = *blocks[k++ & 3];
    auto s = b.find("grpc-status");
    auto code = s ? grpc::parse_status(*s) : std::nullopt;
    benchmark::DoNotOptimize(code);
  }
}
BENCHMARK(BM_trailers_parse_status);

const std::string ascii_message =
  "no reachable endpoint among 4 of cluster echo (last error: connect 10.0.0.7:50051: "
  "Connection refused)";
const std::string utf8_message = "délai dépassé: l'amont n'a pas répondu à temps ✗ (10.0.0.7)";

// grpc-message of a status meshlet makes itself (UNAVAILABLE with the reason).
void BM_percent_encode(benchmark::State &state) {
  const auto &msg = state.range(0) == 0 ? ascii_message : utf8_message;
  state.SetLabel(state.range(0) == 0 ? "ascii" : "utf8");
  for (auto _ : state) {
    auto e = grpc::percent_encode(msg);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(msg.size()));
}
BENCHMARK(BM_percent_encode)->Arg(0)->Arg(1);

void BM_percent_decode(benchmark::State &state) {
  const auto encoded = grpc::percent_encode(state.range(0) == 0 ? ascii_message : utf8_message);
  state.SetLabel(state.range(0) == 0 ? "ascii" : "utf8");
  for (auto _ : state) {
    auto d = grpc::percent_decode(encoded);
    benchmark::DoNotOptimize(d.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(encoded.size()));
}
BENCHMARK(BM_percent_decode)->Arg(0)->Arg(1);

// An upstream HTTP error without grpc-status: the status meshlet answers with.
void BM_status_from_http(benchmark::State &state) {
  const int codes[] = {503, 404, 200, 429};
  size_t k = 0;
  for (auto _ : state) {
    auto c = grpc::status_from_http(codes[k++ & 3]);
    auto name = grpc::status_name(c);
    benchmark::DoNotOptimize(name.data());
  }
}
BENCHMARK(BM_status_from_http);

} // namespace
