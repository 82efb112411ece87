// admin_call: request collection, routing by :path, access checks, answers and Watch streams.
#include "actors/admin/admin_call.hpp"

#include "actors/admin/access.hpp"
#include "actors/admin/admin_protocol.hpp"
#include "actors/stream/stream_protocol.hpp"
#include "transport/grpc/message.hpp"

#include "grpc/health/v1/health.pb.h"

#include <spdlog/spdlog.h>

namespace meshlet::actors {

namespace {
constexpr std::string_view admin_prefix = "/meshlet.admin.v1.Admin/";
constexpr std::string_view health_check = "/grpc.health.v1.Health/Check";
constexpr std::string_view health_watch = "/grpc.health.v1.Health/Watch";
} // namespace

admin_call::admin_call(io_worker& w, const admin_context& ctx, caf::actor connection, int32_t sid,
                       h2::header_block_ptr request, std::string&& body, bool end,
                       std::string peer_ip)
  : hosted_actor(w.host()), ctx_(ctx), connection_(std::move(connection)), sid_(sid),
    request_(std::move(request)), peer_ip_(std::move(peer_ip)) {
  set_behavior({
    [this](req_data_atom, std::string& chunk, bool end) { on_body(std::move(chunk), end); },
    [this](reset_atom, uint32_t) { finish(); },
    [](resp_sent_atom, uint64_t) {},
    [this](admin_resp_atom, int32_t code, const std::string& message, const std::string& body) {
      answer(code, message, body);
    },
    [this](health_update_atom, int32_t status) {
      if (finished_ || !watching_)
        return;
      response_part p;
      if (!headers_sent_) {
        headers_sent_ = true;
        p.headers = grpc::response_headers();
      }
      ::grpc::health::v1::HealthCheckResponse r;
      r.set_status(static_cast<::grpc::health::v1::HealthCheckResponse_ServingStatus>(status));
      p.data = grpc::frame_message(r.SerializeAsString());
      p.has_data = true;
      respond(std::move(p));
    },
  });
  if (!body.empty() || end)
    on_body(std::move(body), end);
}

void admin_call::on_body(std::string&& chunk, bool end) {
  if (finished_)
    return;
  if (!chunk.empty())
    tell(connection_, consume_atom::value, sid_, static_cast<uint64_t>(chunk.size()));
  if (ended_) // a Watch sends nothing after its request
    return;
  if (body_.size() + chunk.size() > max_request + grpc::message_prefix_size) {
    fail(grpc::status_code::resource_exhausted, "admin request larger than 1 MiB");
    return;
  }
  body_ += chunk;
  if (end)
    on_request_end();
}

void admin_call::respond(response_part&& p) {
  if (p.end)
    finished_ = true; // the connection forgets this call when it reads the part
  tell(connection_, resp_atom::value, sid_, std::move(p));
}

admin_call::~admin_call() {
  if (watching_)
    tell(ctx_.service, unwatch_atom::value);
}

void admin_call::on_request_end() {
  ended_ = true;
  std::string_view p = request_->find(":path").value_or(std::string_view{});
  auto m = grpc::unframe_message(body_, max_request);
  if (!m.body) {
    // Clients compress only when told the server accepts it; meshlet never says so.
    bool compressed = m.error.find("compressed message") != std::string_view::npos;
    fail(compressed ? grpc::status_code::unimplemented : grpc::status_code::invalid_argument,
         "request: " + std::string{m.error});
    return;
  }
  std::string body{*m.body};
  if (p == health_watch) {
    start_watch(body);
    return;
  }
  std::string method;
  if (p == health_check)
    method = "health.Check";
  else if (p.substr(0, admin_prefix.size()) == admin_prefix)
    method = std::string{p.substr(admin_prefix.size())};
  else {
    fail(grpc::status_code::unimplemented, "unknown method " + std::string{p});
    return;
  }
  auto denied = check_access(method, peer_ip_, request_->find("authorization"), ctx_.token);
  if (!denied.empty()) {
    spdlog::warn("admin: {} from {} refused: {}", method, peer_ip_, denied);
    fail(grpc::status_code::permission_denied, denied);
    return;
  }
  tell(ctx_.service, admin_req_atom::value, std::move(method), std::move(body),
       is_mutating(method));
}

void admin_call::start_watch(const std::string& body) {
  ::grpc::health::v1::HealthCheckRequest req;
  if (!req.ParseFromString(body)) {
    fail(grpc::status_code::invalid_argument, "request: malformed HealthCheckRequest");
    return;
  }
  watching_ = true;
  tell(ctx_.service, watch_atom::value, req.service());
}

void admin_call::answer(int32_t code, const std::string& message, const std::string& body) {
  if (finished_)
    return;
  if (code != 0) {
    fail(static_cast<grpc::status_code>(code), message);
    return;
  }
  response_part p;
  p.headers = grpc::response_headers();
  p.data = grpc::frame_message(body);
  p.has_data = true;
  p.trailers = grpc::status_block(grpc::status_code::ok, {}, false);
  p.end = true;
  respond(std::move(p));
}

void admin_call::fail(grpc::status_code code, const std::string& message) {
  if (finished_)
    return;
  response_part p;
  if (headers_sent_)
    p.trailers = grpc::status_block(code, message, false);
  else
    p.headers = grpc::status_block(code, message, true); // Trailers-Only
  p.end = true;
  respond(std::move(p));
}

void admin_call::finish() {
  if (finished_)
    return;
  finished_ = true;
  tell(connection_, done_atom::value, sid_);
}

} // namespace meshlet::actors
