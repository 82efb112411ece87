// interop_server: a grpc++ server for grpc.testing.TestService (tests/integration/proto/interop.proto),
// following the gRPC interop spec (doc/interop-test-descriptions.md, "Server" section). meshlet's
// integration tests put it behind the proxy as a backend and point interop_client (or python grpcio)
// at meshlet.
//
// This file owns: flag parsing, the TestService implementation, port-file writing and signal-driven
// shutdown of the interop server. Nothing else in the repo depends on its internals.
//
// Flags:  --port N        listen on 127.0.0.1:N (0 = pick a free port)
//         --port-file F   after listening, write the port to F atomically (F.tmp + rename)
//         --id NAME       SimpleResponse.server_id when the request sets fill_server_id
// Features: EmptyCall, UnaryCall, StreamingOutputCall, StreamingInputCall, FullDuplexCall,
//   HalfDuplexCall; response_size / ResponseParameters.size (zero-filled COMPRESSABLE payloads),
//   interval_us (sleep before each response, cumulative), response_status (Echo Status),
//   x-grpc-test-echo-initial -> initial metadata, x-grpc-test-echo-trailing-bin -> trailing metadata,
//   response_compressed (gzip). expect_compressed is not checked (grpc++ hides the request's
//   compressed flag). UnimplementedCall is deliberately not implemented: it returns UNIMPLEMENTED.
// Exit: SIGTERM / SIGINT -> Shutdown (in-flight calls get 2 s, then are cancelled) -> exit 0.
#include <grpcpp/grpcpp.h>

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "interop.grpc.pb.h"

namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;
namespace gt = grpc::testing;

const char kEchoInitialKey[] = "x-grpc-test-echo-initial";
const char kEchoTrailingKey[] = "x-grpc-test-echo-trailing-bin";

struct Options {
  int port = 0;
  std::string port_file;
  std::string id = "interop_server";
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "interop_server: %s\nusage: interop_server [--port N] [--port-file FILE] [--id NAME]\n",
               why.c_str());
  std::exit(2);
}

Options parse_flags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    auto eq = arg.find('=');
    bool has_value = false;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) usage("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--port") {
      std::string v = take();
      char* end = nullptr;
      long p = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || p < 0 || p > 65535) usage("--port: not a port number: " + v);
      o.port = static_cast<int>(p);
    } else if (arg == "--port-file" || arg == "--port_file") {
      o.port_file = take();
    } else if (arg == "--id") {
      o.id = take();
    } else if (arg == "--use_tls" || arg == "--use-tls") {
      if (take() != "false") usage("TLS is not supported");
    } else {
      usage("unknown flag " + arg);
    }
  }
  return o;
}

// Copies the echo metadata the client sent into this call's initial / trailing metadata.
// Must run before anything is written on the call (initial metadata goes out with the first write).
void echo_metadata(ServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find(kEchoInitialKey);
  if (it != md.end()) ctx->AddInitialMetadata(kEchoInitialKey, std::string(it->second.data(), it->second.size()));
  it = md.find(kEchoTrailingKey);
  // grpc++ hands us -bin values decoded; AddTrailingMetadata re-encodes them on the wire.
  if (it != md.end()) ctx->AddTrailingMetadata(kEchoTrailingKey, std::string(it->second.data(), it->second.size()));
}

// A COMPRESSABLE payload of `size` zero bytes, or an error status for bad parameters.
Status fill_payload(gt::PayloadType type, int32_t size, gt::Payload* payload) {
  if (type != gt::COMPRESSABLE) return Status(StatusCode::INVALID_ARGUMENT, "unsupported response_type");
  if (size < 0) return Status(StatusCode::INVALID_ARGUMENT, "negative response size");
  payload->set_type(gt::COMPRESSABLE);
  payload->mutable_body()->assign(static_cast<size_t>(size), '\0');
  return Status::OK;
}

bool has_error_status(const gt::EchoStatus& s) { return s.code() != 0; }
Status to_status(const gt::EchoStatus& s) { return Status(static_cast<StatusCode>(s.code()), s.message()); }

// Sleeps `us` microseconds in slices so a cancelled call stops promptly. False if cancelled.
bool sleep_unless_cancelled(ServerContext* ctx, int64_t us) {
  auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (true) {
    if (ctx->IsCancelled()) return false;
    auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(10)));
  }
}

// Writes one response per ResponseParameters of `req` (honouring interval_us and compressed).
// Returns OK, the status to end the call with, or CANCELLED if the client went away.
template <class Stream>
Status write_responses(ServerContext* ctx, const gt::StreamingOutputCallRequest& req, Stream* stream) {
  for (const auto& p : req.response_parameters()) {
    if (p.interval_us() > 0 && !sleep_unless_cancelled(ctx, p.interval_us()))
      return Status(StatusCode::CANCELLED, "client cancelled");
    gt::StreamingOutputCallResponse resp;
    Status s = fill_payload(req.response_type(), p.size(), resp.mutable_payload());
    if (!s.ok()) return s;
    grpc::WriteOptions opts;
    if (!(p.has_compressed() && p.compressed().value())) opts.set_no_compression();
    else ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
    if (!stream->Write(resp, opts)) return Status(StatusCode::CANCELLED, "write failed: client gone");
  }
  return Status::OK;
}

class TestServiceImpl final : public gt::TestService::Service {
 public:
  explicit TestServiceImpl(std::string id) : id_(std::move(id)) {}

  Status EmptyCall(ServerContext* ctx, const gt::Empty*, gt::Empty*) override {
    echo_metadata(ctx);
    return Status::OK;
  }

  Status UnaryCall(ServerContext* ctx, const gt::SimpleRequest* req, gt::SimpleResponse* resp) override {
    echo_metadata(ctx);
    if (has_error_status(req->response_status())) return to_status(req->response_status());
    if (req->has_response_compressed() && req->response_compressed().value())
      ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
    Status s = fill_payload(req->response_type(), req->response_size(), resp->mutable_payload());
    if (!s.ok()) return s;
    if (req->fill_server_id()) resp->set_server_id(id_);
    return Status::OK;
  }

  Status StreamingOutputCall(ServerContext* ctx, const gt::StreamingOutputCallRequest* req,
                             grpc::ServerWriter<gt::StreamingOutputCallResponse>* writer) override {
    echo_metadata(ctx);
    if (has_error_status(req->response_status())) return to_status(req->response_status());
    return write_responses(ctx, *req, writer);
  }

  Status StreamingInputCall(ServerContext* ctx, grpc::ServerReader<gt::StreamingInputCallRequest>* reader,
                            gt::StreamingInputCallResponse* resp) override {
    echo_metadata(ctx);
    gt::StreamingInputCallRequest req;
    int64_t total = 0;
    while (reader->Read(&req)) total += static_cast<int64_t>(req.payload().body().size());
    if (ctx->IsCancelled()) return Status(StatusCode::CANCELLED, "client cancelled");
    resp->set_aggregated_payload_size(static_cast<int32_t>(total));
    return Status::OK;
  }

  // Replies to each request as it arrives; OK after the client half-closes.
  Status FullDuplexCall(ServerContext* ctx,
                        grpc::ServerReaderWriter<gt::StreamingOutputCallResponse, gt::StreamingOutputCallRequest>*
                            stream) override {
    echo_metadata(ctx);
    gt::StreamingOutputCallRequest req;
    while (stream->Read(&req)) {
      if (has_error_status(req.response_status())) return to_status(req.response_status());
      Status s = write_responses(ctx, req, stream);
      if (!s.ok()) return s;
    }
    if (ctx->IsCancelled()) return Status(StatusCode::CANCELLED, "client cancelled");
    return Status::OK;
  }

  // Buffers every request until half-close, then replies to them in order.
  Status HalfDuplexCall(ServerContext* ctx,
                        grpc::ServerReaderWriter<gt::StreamingOutputCallResponse, gt::StreamingOutputCallRequest>*
                            stream) override {
    echo_metadata(ctx);
    std::vector<gt::StreamingOutputCallRequest> reqs;
    gt::StreamingOutputCallRequest req;
    while (stream->Read(&req)) {
      if (has_error_status(req.response_status())) return to_status(req.response_status());
      reqs.push_back(req);
    }
    if (ctx->IsCancelled()) return Status(StatusCode::CANCELLED, "client cancelled");
    for (const auto& r : reqs) {
      Status s = write_responses(ctx, r, stream);
      if (!s.ok()) return s;
    }
    return Status::OK;
  }
  // UnimplementedCall: not overridden, so grpc++ answers UNIMPLEMENTED.

 private:
  std::string id_;
};

bool write_port_file(const std::string& path, int port) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return false;
    f << port << "\n";
    f.flush();
    if (!f) return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_flags(argc, argv);

  // Block SIGTERM/SIGINT in every thread (grpc's threads inherit this mask); one thread sigwaits.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  TestServiceImpl service(opt.id);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(opt.port), grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "interop_server: cannot listen on 127.0.0.1:%d\n", opt.port);
    return 1;
  }
  if (!opt.port_file.empty() && !write_port_file(opt.port_file, bound_port)) {
    std::fprintf(stderr, "interop_server: cannot write port file %s: %s\n", opt.port_file.c_str(),
                 std::strerror(errno));
    server->Shutdown();
    return 1;
  }
  std::fprintf(stderr, "interop_server %s listening on 127.0.0.1:%d\n", opt.id.c_str(), bound_port);

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    std::fprintf(stderr, "interop_server %s: signal %d, shutting down\n", opt.id.c_str(), sig);
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  });
  server->Wait();
  waiter.join();
  return 0;
}
