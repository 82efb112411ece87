// interop_client: a grpc++ client running the standard gRPC interop cases (doc/interop-test-descriptions.md)
// against grpc.testing.TestService (tests/integration/proto/interop.proto), directly or through meshlet.
//
// This file owns: flag parsing, the test cases and their assertions, and the PASS/FAIL report.
//
// Flags: --server_host H (default 127.0.0.1) --server_port N (required)
//        --test_case NAME|all|NAME,NAME,...  (default all)
// Every case of one run uses ONE channel (insecure credentials), as a proxy sees one long-lived connection.
// Output: one line per case, "PASS <case>" or "FAIL <case> <reason>"; exit 1 if any case failed, 2 on bad flags.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "interop.grpc.pb.h"

namespace {

using grpc::ClientContext;
using grpc::Status;
using grpc::StatusCode;
namespace gt = grpc::testing;

const char kEchoInitialKey[] = "x-grpc-test-echo-initial";
const char kEchoInitialValue[] = "test_initial_metadata_value";
const char kEchoTrailingKey[] = "x-grpc-test-echo-trailing-bin";
const std::string kEchoTrailingValue("\xab\xab\xab", 3);
const char kStatusMessage[] = "test status message";
const char kSpecialStatusMessage[] = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001F608\t\n";
const int kRequestSizes[] = {27182, 8, 1828, 45904};
const int kResponseSizes[] = {31415, 9, 2653, 58979};
// A safety net so a broken proxy cannot hang a run; the spec's cases finish in milliseconds.
const auto kCallDeadline = std::chrono::seconds(20);

// A failed assertion: its text becomes the FAIL reason.
struct Failure {
  std::string reason;
};

std::string status_str(const Status& s) {
  std::ostringstream o;
  o << "status " << static_cast<int>(s.error_code()) << " \"" << s.error_message() << "\"";
  return o.str();
}

void check(bool cond, const std::string& what) {
  if (!cond) throw Failure{what};
}
void check_ok(const Status& s, const std::string& what) {
  if (!s.ok()) throw Failure{what + ": expected OK, got " + status_str(s)};
}
void check_status(const Status& s, StatusCode code, const std::string& what) {
  if (s.error_code() != code)
    throw Failure{what + ": expected status " + std::to_string(static_cast<int>(code)) + ", got " + status_str(s)};
}

// The payload must be COMPRESSABLE, exactly `size` bytes, all zero.
void check_payload(const gt::Payload& p, int size, const std::string& what) {
  check(p.type() == gt::COMPRESSABLE, what + ": payload type is not COMPRESSABLE");
  check(p.body().size() == static_cast<size_t>(size),
        what + ": payload size " + std::to_string(p.body().size()) + ", expected " + std::to_string(size));
  check(p.body().find_first_not_of('\0') == std::string::npos, what + ": payload body is not all zeros");
}

void zeros(gt::Payload* p, int size) {
  p->set_type(gt::COMPRESSABLE);
  p->mutable_body()->assign(static_cast<size_t>(size), '\0');
}

void set_deadline(ClientContext* ctx) { ctx->set_deadline(std::chrono::system_clock::now() + kCallDeadline); }

// The key must appear exactly once in `md`, with exactly this (decoded) value.
void check_metadata(const std::multimap<grpc::string_ref, grpc::string_ref>& md, const std::string& key,
                    const std::string& want, const std::string& what) {
  auto range = md.equal_range(key);
  int n = 0;
  for (auto it = range.first; it != range.second; ++it) {
    ++n;
    std::string got(it->second.data(), it->second.size());
    check(got == want, what + ": " + key + " has a different value (" + std::to_string(got.size()) + " bytes)");
  }
  check(n == 1, what + ": " + key + " appears " + std::to_string(n) + " times, expected once");
}

class Client {
 public:
  explicit Client(const std::shared_ptr<grpc::Channel>& ch)
      : stub_(gt::TestService::NewStub(ch)), unimpl_(gt::UnimplementedService::NewStub(ch)) {}

  void empty_unary() {
    ClientContext ctx;
    set_deadline(&ctx);
    gt::Empty req, resp;
    check_ok(stub_->EmptyCall(&ctx, req, &resp), "EmptyCall");
    check(resp.ByteSizeLong() == 0, "EmptyCall: response is not empty");
  }

  void large_unary() {
    ClientContext ctx;
    set_deadline(&ctx);
    gt::SimpleRequest req;
    gt::SimpleResponse resp;
    req.set_response_size(314159);
    zeros(req.mutable_payload(), 271828);
    check_ok(stub_->UnaryCall(&ctx, req, &resp), "UnaryCall");
    check_payload(resp.payload(), 314159, "UnaryCall");
  }

  void client_streaming() {
    ClientContext ctx;
    set_deadline(&ctx);
    gt::StreamingInputCallResponse resp;
    auto stream = stub_->StreamingInputCall(&ctx, &resp);
    for (int size : kRequestSizes) {
      gt::StreamingInputCallRequest req;
      zeros(req.mutable_payload(), size);
      if (!stream->Write(req)) break;  // Finish reports why
    }
    stream->WritesDone();
    check_ok(stream->Finish(), "StreamingInputCall");
    check(resp.aggregated_payload_size() == 74922,
          "aggregated_payload_size " + std::to_string(resp.aggregated_payload_size()) + ", expected 74922");
  }

  void server_streaming() {
    ClientContext ctx;
    set_deadline(&ctx);
    gt::StreamingOutputCallRequest req;
    for (int size : kResponseSizes) req.add_response_parameters()->set_size(size);
    auto stream = stub_->StreamingOutputCall(&ctx, req);
    gt::StreamingOutputCallResponse resp;
    size_t n = 0;
    while (stream->Read(&resp)) {
      check(n < 4, "more than 4 responses");
      check_payload(resp.payload(), kResponseSizes[n], "response " + std::to_string(n));
      ++n;
    }
    check_ok(stream->Finish(), "StreamingOutputCall");
    check(n == 4, "got " + std::to_string(n) + " responses, expected 4");
  }

  void ping_pong() {
    ClientContext ctx;
    set_deadline(&ctx);
    auto stream = stub_->FullDuplexCall(&ctx);
    gt::StreamingOutputCallResponse resp;
    for (int i = 0; i < 4; ++i) {
      gt::StreamingOutputCallRequest req;
      req.add_response_parameters()->set_size(kResponseSizes[i]);
      zeros(req.mutable_payload(), kRequestSizes[i]);
      if (!stream->Write(req)) throw Failure{"write " + std::to_string(i) + " failed: " + status_str(stream->Finish())};
      if (!stream->Read(&resp)) throw Failure{"no response " + std::to_string(i) + ": " + status_str(stream->Finish())};
      check_payload(resp.payload(), kResponseSizes[i], "response " + std::to_string(i));
    }
    stream->WritesDone();
    check(!stream->Read(&resp), "unexpected 5th response");
    check_ok(stream->Finish(), "FullDuplexCall");
  }

  void empty_stream() {
    ClientContext ctx;
    set_deadline(&ctx);
    auto stream = stub_->FullDuplexCall(&ctx);
    stream->WritesDone();
    gt::StreamingOutputCallResponse resp;
    check(!stream->Read(&resp), "got a response, expected none");
    check_ok(stream->Finish(), "FullDuplexCall");
  }

  void custom_metadata() {
    {
      ClientContext ctx;
      set_deadline(&ctx);
      ctx.AddMetadata(kEchoInitialKey, kEchoInitialValue);
      ctx.AddMetadata(kEchoTrailingKey, kEchoTrailingValue);
      gt::SimpleRequest req;
      gt::SimpleResponse resp;
      req.set_response_size(314159);
      zeros(req.mutable_payload(), 271828);
      check_ok(stub_->UnaryCall(&ctx, req, &resp), "UnaryCall");
      check_payload(resp.payload(), 314159, "UnaryCall");
      check_metadata(ctx.GetServerInitialMetadata(), kEchoInitialKey, kEchoInitialValue, "UnaryCall initial");
      check_metadata(ctx.GetServerTrailingMetadata(), kEchoTrailingKey, kEchoTrailingValue, "UnaryCall trailing");
    }
    {
      ClientContext ctx;
      set_deadline(&ctx);
      ctx.AddMetadata(kEchoInitialKey, kEchoInitialValue);
      ctx.AddMetadata(kEchoTrailingKey, kEchoTrailingValue);
      auto stream = stub_->FullDuplexCall(&ctx);
      gt::StreamingOutputCallRequest req;
      req.add_response_parameters()->set_size(314159);
      zeros(req.mutable_payload(), 271828);
      gt::StreamingOutputCallResponse resp;
      if (!stream->Write(req)) throw Failure{"FullDuplexCall write failed: " + status_str(stream->Finish())};
      stream->WritesDone();
      if (!stream->Read(&resp)) throw Failure{"FullDuplexCall: no response: " + status_str(stream->Finish())};
      check_payload(resp.payload(), 314159, "FullDuplexCall");
      check(!stream->Read(&resp), "FullDuplexCall: unexpected 2nd response");
      check_ok(stream->Finish(), "FullDuplexCall");
      check_metadata(ctx.GetServerInitialMetadata(), kEchoInitialKey, kEchoInitialValue, "FullDuplexCall initial");
      check_metadata(ctx.GetServerTrailingMetadata(), kEchoTrailingKey, kEchoTrailingValue, "FullDuplexCall trailing");
    }
  }

  // Asks for status 2 + `msg` on UnaryCall and (if duplex) FullDuplexCall; both must come back byte-exact.
  void echo_status(const std::string& msg, bool duplex) {
    {
      ClientContext ctx;
      set_deadline(&ctx);
      gt::SimpleRequest req;
      gt::SimpleResponse resp;
      req.mutable_response_status()->set_code(2);
      req.mutable_response_status()->set_message(msg);
      Status s = stub_->UnaryCall(&ctx, req, &resp);
      check_status(s, StatusCode::UNKNOWN, "UnaryCall");
      check(s.error_message() == msg, "UnaryCall: status message differs: got \"" + s.error_message() + "\"");
    }
    if (!duplex) return;
    ClientContext ctx;
    set_deadline(&ctx);
    auto stream = stub_->FullDuplexCall(&ctx);
    gt::StreamingOutputCallRequest req;
    req.mutable_response_status()->set_code(2);
    req.mutable_response_status()->set_message(msg);
    stream->Write(req);
    stream->WritesDone();
    gt::StreamingOutputCallResponse resp;
    check(!stream->Read(&resp), "FullDuplexCall: unexpected response");
    Status s = stream->Finish();
    check_status(s, StatusCode::UNKNOWN, "FullDuplexCall");
    check(s.error_message() == msg, "FullDuplexCall: status message differs: got \"" + s.error_message() + "\"");
  }
  void status_code_and_message() { echo_status(kStatusMessage, true); }
  void special_status_message() { echo_status(kSpecialStatusMessage, false); }

  void unimplemented_method() {
    ClientContext ctx;
    set_deadline(&ctx);
    gt::Empty req, resp;
    check_status(stub_->UnimplementedCall(&ctx, req, &resp), StatusCode::UNIMPLEMENTED, "TestService/UnimplementedCall");
  }

  void unimplemented_service() {
    ClientContext ctx;
    set_deadline(&ctx);
    gt::Empty req, resp;
    check_status(unimpl_->UnimplementedCall(&ctx, req, &resp), StatusCode::UNIMPLEMENTED,
                 "UnimplementedService/UnimplementedCall");
  }

  void cancel_after_begin() {
    ClientContext ctx;
    set_deadline(&ctx);
    gt::StreamingInputCallResponse resp;
    auto stream = stub_->StreamingInputCall(&ctx, &resp);
    ctx.TryCancel();
    check_status(stream->Finish(), StatusCode::CANCELLED, "StreamingInputCall");
  }

  void cancel_after_first_response() {
    ClientContext ctx;
    set_deadline(&ctx);
    auto stream = stub_->FullDuplexCall(&ctx);
    gt::StreamingOutputCallRequest req;
    req.add_response_parameters()->set_size(31415);
    zeros(req.mutable_payload(), 27182);
    if (!stream->Write(req)) throw Failure{"write failed: " + status_str(stream->Finish())};
    gt::StreamingOutputCallResponse resp;
    if (!stream->Read(&resp)) throw Failure{"no first response: " + status_str(stream->Finish())};
    check_payload(resp.payload(), 31415, "first response");
    ctx.TryCancel();
    check_status(stream->Finish(), StatusCode::CANCELLED, "FullDuplexCall");
  }

  void timeout_on_sleeping_server() {
    ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1));
    auto stream = stub_->FullDuplexCall(&ctx);
    gt::StreamingOutputCallRequest req;
    zeros(req.mutable_payload(), 27182);
    stream->Write(req);  // may already fail: the deadline is 1 ms
    gt::StreamingOutputCallResponse resp;
    check(!stream->Read(&resp), "got a response, expected none");
    check_status(stream->Finish(), StatusCode::DEADLINE_EXCEEDED, "FullDuplexCall");
  }

 private:
  std::unique_ptr<gt::TestService::Stub> stub_;
  std::unique_ptr<gt::UnimplementedService::Stub> unimpl_;
};

using Case = std::pair<const char*, void (Client::*)()>;
const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = {
      {"empty_unary", &Client::empty_unary},
      {"large_unary", &Client::large_unary},
      {"client_streaming", &Client::client_streaming},
      {"server_streaming", &Client::server_streaming},
      {"ping_pong", &Client::ping_pong},
      {"empty_stream", &Client::empty_stream},
      {"custom_metadata", &Client::custom_metadata},
      {"status_code_and_message", &Client::status_code_and_message},
      {"special_status_message", &Client::special_status_message},
      {"unimplemented_method", &Client::unimplemented_method},
      {"unimplemented_service", &Client::unimplemented_service},
      {"cancel_after_begin", &Client::cancel_after_begin},
      {"cancel_after_first_response", &Client::cancel_after_first_response},
      {"timeout_on_sleeping_server", &Client::timeout_on_sleeping_server},
  };
  return cases;
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "interop_client: %s\nusage: interop_client --server_port N [--server_host H] "
               "[--test_case NAME|all|NAME,NAME]\ncases:",
               why.c_str());
  for (const auto& c : all_cases()) std::fprintf(stderr, " %s", c.first);
  std::fprintf(stderr, "\n");
  std::exit(2);
}

// Printable reason: newlines and other control bytes escaped so each report stays on one line.
std::string one_line(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", port, test_case = "all";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      usage("missing value for " + arg);
    }
    if (arg == "--server_host") host = value;
    else if (arg == "--server_port") port = value;
    else if (arg == "--test_case") test_case = value;
    else if (arg == "--use_tls") {
      if (value != "false") usage("TLS is not supported");
    } else usage("unknown flag " + arg);
  }
  if (port.empty()) usage("--server_port is required");

  std::vector<Case> selected;
  if (test_case == "all") {
    selected = all_cases();
  } else {
    std::stringstream ss(test_case);
    std::string name;
    while (std::getline(ss, name, ',')) {
      bool found = false;
      for (const auto& c : all_cases())
        if (name == c.first) selected.push_back(c), found = true;
      if (!found) usage("unknown test case " + name);
    }
  }

  auto channel = grpc::CreateChannel(host + ":" + port, grpc::InsecureChannelCredentials());
  Client client(channel);
  int failed = 0;
  for (const auto& c : selected) {
    try {
      (client.*c.second)();
      std::printf("PASS %s\n", c.first);
    } catch (const Failure& f) {
      ++failed;
      std::printf("FAIL %s %s\n", c.first, one_line(f.reason).c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s exception: %s\n", c.first, one_line(e.what()).c_str());
    }
    std::fflush(stdout);
  }
  return failed == 0 ? 0 : 1;
}
