// health_probe_actor: one endpoint's grpc.health.v1 Check loop.
#include "actors/health/health_probe_actor.hpp"

#include "actors/balancer/balancer_protocol.hpp"
#include "actors/mesh/mesh_protocol.hpp"
#include "mesh/health/health_wire.hpp"
#include "transport/grpc/timeout.hpp"

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

namespace meshlet::actors {

namespace {
h2::settings probe_settings() {
  auto s = h2::client_settings();
  s.initial_window_size = 64 * 1024;
  s.connection_window_size = 1 << 20;
  return s;
}
} // namespace

health_probe_actor::health_probe_actor(io_worker& w, const lb::endpoint& ep,
                                       config::health_check cfg, caf::actor balancer)
  : hosted_actor(w.host()), worker_(w), address_(ep.address), cfg_(std::move(cfg)),
    balancer_(std::move(balancer)),
    // A status the server pushes on a Watch is its own verdict, not a sample: it counts at once.
    state_(cfg_.watch ? health::health_thresholds{1, 1} : cfg_.thresholds),
    interval_timer_(w.context()),
    timeout_timer_(w.context()) {
  asio::error_code ec;
  target_ = asio::ip::tcp::endpoint{asio::ip::make_address(ep.ip, ec), ep.port};
  set_behavior({[](caf::unit_t) {}});
  tick();
}

health_probe_actor::~health_probe_actor() {
  if (channel_)
    channel_->close();
}

void health_probe_actor::tick() {
  interval_timer_.arm(cfg_.interval, [this] { tick(); });
  if (in_check_ || watching_)
    return; // the previous check's timeout will end it; a Watch pushes its own results
  in_check_ = true;
  timeout_timer_.arm(cfg_.timeout, [this] { finish(health::probe_result::timeout); });
  if (connected_) {
    send_check();
    return;
  }
  drop_connection();
  session_ = std::make_unique<h2::session>(h2::role::client, probe_settings());
  channel_ = net::tcp_channel::make(worker_.context(), this);
  channel_->connect(target_, cfg_.timeout);
}

void health_probe_actor::on_connected(const asio::error_code& ec) {
  if (ec) {
    finish(health::probe_result::connect_failure);
    return;
  }
  connected_ = true;
  channel_->start_reading();
  send_check();
}

void health_probe_actor::send_check() {
  h2::header_block h;
  h.add(":method", "POST");
  h.add(":scheme", "http");
  h.add(":path", std::string{cfg_.watch ? health::watch_path : health::check_path});
  h.add(":authority", address_);
  h.add("content-type", "application/grpc");
  h.add("te", "trailers");
  if (!cfg_.watch) // a Watch lives as long as the server keeps it; the first answer is timed
    h.add("grpc-timeout", grpc::format_timeout(cfg_.timeout));
  h.add("user-agent", "meshlet-health");
  body_.clear();
  grpc_status_.reset();
  sid_ = session_->submit_request(h, false);
  if (sid_ <= 0) {
    drop_connection();
    finish(health::probe_result::connect_failure);
    return;
  }
  session_->queue_data(sid_, health::encode_check_request(cfg_.service), true);
  flush();
}

void health_probe_actor::on_bytes(const uint8_t* data, size_t n) {
  bool ok = session_->recv(data, n);
  auto events = std::move(session_->events());
  session_->events().clear();
  for (auto& e : events) {
    if (e.stream_id != sid_ || sid_ == 0)
      continue;
    if (e.kind == h2::ev::headers) {
      if (auto s = e.block->find("grpc-status"))
        grpc_status_ = std::string{*s};
    } else if (e.kind == h2::ev::data) {
      body_.append(e.data);
      session_->consume(sid_, e.data.size());
      if (cfg_.watch)
        take_watch_messages();
    } else if (e.kind == h2::ev::stream_close) {
      session_->forget(sid_);
      sid_ = 0;
      if (cfg_.watch && watching_) {
        // The server ended the Watch: UNIMPLEMENTED means no health service (healthy, and
        // asked again next interval); anything else is a failure.
        watching_ = false;
        in_check_ = true;
        finish(grpc_status_ && *grpc_status_ == "12" ? health::probe_result::unimplemented
                                                      : health::probe_result::not_serving);
        continue;
      }
      if (!grpc_status_) {
        finish(health::probe_result::connect_failure);
      } else if (*grpc_status_ == "12") {
        finish(health::probe_result::unimplemented);
      } else if (*grpc_status_ != "0") {
        finish(health::probe_result::not_serving);
      } else {
        auto r = health::decode_check_response(body_);
        finish(r.status ? health::to_probe_result(*r.status) : health::probe_result::not_serving);
      }
    }
  }
  if (!ok) {
    drop_connection();
    return;
  }
  flush();
}

void health_probe_actor::take_watch_messages() {
  size_t at = 0;
  while (body_.size() - at >= 5) {
    uint32_t len = (uint32_t(uint8_t(body_[at + 1])) << 24) | (uint32_t(uint8_t(body_[at + 2])) << 16)
                   | (uint32_t(uint8_t(body_[at + 3])) << 8) | uint32_t(uint8_t(body_[at + 4]));
    if (len > health::max_health_response) {
      body_.clear();
      drop_connection();
      in_check_ = in_check_ || watching_;
      watching_ = false;
      finish(health::probe_result::not_serving);
      return;
    }
    if (body_.size() - at < 5 + len)
      break;
    auto r = health::decode_check_response(std::string_view{body_}.substr(at, 5 + len));
    at += 5 + len;
    // Each pushed status is a result of its own: the first one ends the timed phase.
    in_check_ = true;
    watching_ = true;
    finish(r.status ? health::to_probe_result(*r.status) : health::probe_result::not_serving);
  }
  body_.erase(0, at);
}

void health_probe_actor::flush() {
  if (!channel_ || !session_)
    return;
  if (!session_->send(out_)) {
    drop_connection();
    return;
  }
  channel_->write(out_);
  session_->events().clear(); // data_sent etc. of our own request: nothing to hand on
  if (session_->finished())
    drop_connection();
}

void health_probe_actor::on_closed(const asio::error_code&) {
  connected_ = false;
  if (watching_) {
    watching_ = false;
    in_check_ = true;
  }
  if (in_check_)
    finish(health::probe_result::connect_failure);
}

void health_probe_actor::drop_connection() {
  connected_ = false;
  if (channel_)
    channel_->close();
  channel_.reset();
}

void health_probe_actor::finish(health::probe_result r) {
  if (!in_check_)
    return;
  in_check_ = false;
  timeout_timer_.cancel();
  if (r == health::probe_result::timeout || r == health::probe_result::connect_failure) {
    drop_connection();
    sid_ = 0;
    watching_ = false;
  }
  state_.record(r);
  bool routable = state_.routable();
  if (routable != reported_routable_) {
    reported_routable_ = routable;
    caf::anon_send(balancer_, health_atom::value, address_, routable);
  } else if (routable
             && (r == health::probe_result::serving || r == health::probe_result::unimplemented)) {
    // A passed check is local evidence against another sidecar's "unhealthy" rumour.
    caf::anon_send(balancer_, evidence_atom::value, address_);
  }
}

} // namespace meshlet::actors
