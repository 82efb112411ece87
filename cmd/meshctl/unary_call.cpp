// unary_call: request headers and body out; response headers, body and trailers in; the gRPC
// status (trailers, or the headers of a Trailers-Only response) decides the outcome.
#include "cmd/meshctl/unary_call.hpp"

#include "transport/grpc/message.hpp"
#include "transport/grpc/timeout.hpp"

#include <nghttp2/nghttp2.h>

#include <optional>
#include <string_view>
#include <utility>

namespace meshlet::meshctl {

namespace {

std::optional<std::string_view> find_in(const h2::header_block_ptr& h, std::string_view name) {
  return h ? h->find(name) : std::nullopt;
}

} // namespace

unary_call::unary_call(const call_request& r) : session_(h2::role::client, h2::client_settings()) {
  h2::header_block h;
  h.add(":method", "POST");
  h.add(":scheme", "http");
  h.add(":path", r.path);
  h.add(":authority", r.authority);
  h.add("content-type", "application/grpc");
  h.add("te", "trailers");
  h.add("grpc-timeout", grpc::format_timeout(r.timeout));
  h.add("user-agent", "meshctl");
  if (!r.token.empty())
    h.add("authorization", "Bearer " + r.token);
  sid_ = session_.submit_request(h, false);
  if (sid_ <= 0) {
    fail("could not open a stream");
    return;
  }
  session_.queue_data(sid_, grpc::frame_message(r.message), true);
}

std::string unary_call::take_output() {
  std::string out;
  if (!session_.send(out) && !done())
    fail("HTTP/2 failed: " + session_.last_error());
  check_finished(); // a GOAWAY nghttp2 just sent for a connection error ends the call
  return out;
}

void unary_call::on_bytes(const uint8_t* data, size_t n) {
  if (done())
    return;
  if (!received_ && n >= 5 && std::string_view{reinterpret_cast<const char*>(data), 5} == "HTTP/") {
    fail("answered in HTTP/1, not HTTP/2 (h2c); is this meshlet's admin address?");
    return;
  }
  received_ = true;
  bool ok = session_.recv(data, n);
  handle_events();
  if (!ok && !done())
    fail("HTTP/2 failed: " + session_.last_error());
  check_finished();
}

void unary_call::check_finished() {
  if (done() || !session_.finished())
    return;
  const auto& why = session_.last_error();
  fail(why.empty() ? "ended the connection before the response" : "HTTP/2 failed: " + why);
}

void unary_call::on_closed(const std::string& why) {
  if (!done())
    fail("closed the connection before the response" + (why.empty() ? "" : " (" + why + ")"));
}

void unary_call::handle_events() {
  auto events = std::move(session_.events());
  session_.events().clear();
  for (auto& e : events) {
    if (done())
      break;
    if (e.stream_id != sid_ || sid_ <= 0)
      continue;
    switch (e.kind) {
      case h2::ev::headers:
        if (!headers_) {
          auto st = e.block->find(":status");
          if (st && !st->empty() && (*st)[0] == '1' && !e.end_stream)
            break; // informational (1xx): the real headers follow
          headers_ = std::move(e.block);
        } else {
          trailers_ = std::move(e.block);
        }
        break;
      case h2::ev::data:
        if (body_.size() + e.data.size() > max_response_bytes) {
          session_.submit_rst(sid_, NGHTTP2_CANCEL);
          fail("sent a response larger than " + std::to_string(max_response_bytes >> 20)
               + " MiB");
          break;
        }
        body_.append(e.data);
        session_.consume(sid_, e.data.size());
        break;
      case h2::ev::stream_close:
        on_stream_closed(e.error_code);
        break;
      case h2::ev::data_sent:
      case h2::ev::goaway:
      case h2::ev::settings:
        break;
    }
  }
}

void unary_call::on_stream_closed(uint32_t h2_error) {
  session_.forget(sid_);
  std::string reset = h2_error == 0 ? std::string{}
                                    : std::string{" ("} + nghttp2_http2_strerror(h2_error) + ")";
  if (!headers_) {
    fail(h2_error != 0 ? "reset the call" + reset : "ended the call without a response");
    return;
  }
  auto status = find_in(trailers_, "grpc-status");
  auto message = find_in(trailers_, "grpc-message");
  if (!status) {
    status = headers_->find("grpc-status");
    message = headers_->find("grpc-message");
  }
  if (!status) {
    auto http = headers_->find(":status");
    if (http && *http != "200") {
      int code = 0;
      for (char c : *http)
        code = (c >= '0' && c <= '9' && code < 1000) ? code * 10 + (c - '0') : 1000;
      result_.outcome = call_outcome::rpc_error;
      result_.code = grpc::status_from_http(code);
      result_.message = "HTTP status " + std::string{*http} + " without grpc-status";
      return;
    }
    fail(h2_error != 0 ? "reset the call" + reset : "answered without grpc-status");
    return;
  }
  auto code = grpc::parse_status(*status);
  if (!code || *code != grpc::status_code::ok) {
    result_.outcome = call_outcome::rpc_error;
    result_.code = code.value_or(grpc::status_code::unknown);
    if (message)
      result_.message = grpc::percent_decode(*message);
    else if (!code)
      result_.message = "malformed grpc-status '" + std::string{*status} + "'";
    return;
  }
  if (body_.empty()) {
    fail("answered OK without a response message");
    return;
  }
  auto unframed = grpc::unframe_message(body_, max_response_bytes);
  if (!unframed.body) {
    fail("bad response: " + std::string{unframed.error});
    return;
  }
  result_.outcome = call_outcome::ok;
  result_.response = std::string{*unframed.body};
}

void unary_call::fail(std::string why) {
  result_.outcome = call_outcome::broken;
  result_.code = grpc::status_code::unknown;
  result_.message = std::move(why);
}

} // namespace meshlet::meshctl
