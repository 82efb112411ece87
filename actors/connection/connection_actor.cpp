// connection_actor: the server side of the call pipeline.
#include "actors/connection/connection_actor.hpp"

#include "actors/admin/admin_call.hpp"
#include "actors/stream/stream_actor.hpp"
#include "actors/stream/stream_protocol.hpp"
#include "transport/grpc/headers.hpp"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

namespace meshlet::actors {

namespace {
std::string_view value_or_empty(const h2::header_block& h, std::string_view name) {
  return h.find(name).value_or(std::string_view{});
}
} // namespace

connection_actor::connection_actor(io_worker& w, const std::string& listener,
                                   asio::ip::tcp::socket socket, const admin_context* admin)
  : hosted_actor(w.host()), worker_(w), listener_(listener), session_(h2::role::server, h2::settings{}),
    admin_(admin), goaway_timer_(w.context()) {
  asio::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (!ec)
    peer_ip_ = remote.address().to_string();
  channel_ = net::tcp_channel::make(std::move(socket), this);
  peer_ = channel_->peer();
  set_behavior({
    [this](resp_atom, int32_t sid, response_part& p) {
      bool headers_end = p.trailers_only();
      if (p.headers)
        session_.submit_response(sid, *p.headers, headers_end);
      bool data_end = p.end && !p.trailers && !headers_end;
      if (p.has_data || data_end)
        session_.queue_data(sid, std::move(p.data), data_end);
      if (p.trailers)
        session_.submit_trailers(sid, std::move(p.trailers));
      dirty();
      if (p.end) { // the stream's last word
        streams_.erase(sid);
        maybe_finish_drain();
      }
    },
    [this](consume_atom, int32_t sid, uint64_t n) {
      session_.consume(sid, n);
      dirty();
    },
    [this](done_atom, int32_t sid) {
      streams_.erase(sid);
      maybe_finish_drain();
    },
  });
}

connection_actor::~connection_actor() {
  worker_.cancel_flush(this);
  streams_.clear();
  if (channel_)
    channel_->close();
  if (!admin_)
    worker_.connection_closed(); // counted by io_worker::place_connection
}

void connection_actor::start() {
  channel_->start_reading();
  dirty(); // our SETTINGS
}

void connection_actor::on_bytes(const uint8_t* data, size_t n) {
  bool ok = session_.recv(data, n);
  handle_events();
  if (!ok) {
    spdlog::warn("closing connection from {}: {}", peer_, session_.last_error());
    flush();
    close();
    return;
  }
  dirty();
}

void connection_actor::handle_events() {
  // New requests wait until the events of this read are gone through, so each stream actor
  // starts with the body that arrived in the same read: a unary call's whole request, as a
  // rule, even from clients that send every stream's HEADERS before any DATA (nghttp2 does).
  // Any event but HEADERS and DATA starts them first, so each stream's order is kept.
  auto& events = session_.events();
  for (auto& e : events) {
    switch (e.kind) {
      case h2::ev::headers: {
        // A second HEADERS block is request trailers: gRPC has none; keep the end.
        if (auto i = streams_.find(e.stream_id); i != streams_.end()) {
          if (e.end_stream)
            tell(i->second->handle(), req_data_atom::value, std::string{}, true);
        } else if (auto* f = find_fresh(e.stream_id)) {
          f->end = f->end || e.end_stream;
        } else {
          fresh_.push_back(fresh_request{e.stream_id, std::move(e.block), {}, e.end_stream});
        }
        break;
      }
      case h2::ev::data: {
        if (auto i = streams_.find(e.stream_id); i != streams_.end()) {
          tell(i->second->handle(), req_data_atom::value, std::string{e.data}, e.end_stream);
        } else if (auto* f = find_fresh(e.stream_id)) {
          f->body.append(e.data);
          f->end = f->end || e.end_stream;
        }
        break;
      }
      case h2::ev::data_sent: {
        start_fresh();
        auto i = streams_.find(e.stream_id);
        if (i != streams_.end())
          tell(i->second->handle(), resp_sent_atom::value, static_cast<uint64_t>(e.length));
        break;
      }
      case h2::ev::stream_close: {
        start_fresh();
        session_.forget(e.stream_id);
        auto i = streams_.find(e.stream_id);
        if (i != streams_.end())
          tell(i->second->handle(), reset_atom::value, e.error_code);
        break;
      }
      case h2::ev::goaway:
      case h2::ev::settings:
        start_fresh();
        break;
    }
  }
  start_fresh();
  events.clear();
}

connection_actor::fresh_request* connection_actor::find_fresh(int32_t sid) {
  // DATA usually comes in the order its HEADERS did: look where the last match was first.
  size_t n = fresh_.size();
  for (size_t k = 0; k < n; ++k) {
    size_t i = (fresh_cursor_ + k) % n;
    if (fresh_[i].sid == sid) {
      fresh_cursor_ = i;
      return &fresh_[i];
    }
  }
  return nullptr;
}

void connection_actor::start_fresh() {
  for (auto& f : fresh_)
    on_request(f.sid, std::move(f.headers), std::move(f.body), f.end);
  fresh_.clear();
  fresh_cursor_ = 0;
}

void connection_actor::on_request(int32_t sid, h2::header_block_ptr h, std::string&& body,
                                  bool end) {
  auto check = grpc::check_grpc_request(value_or_empty(*h, ":method"),
                                        value_or_empty(*h, "content-type"),
                                        value_or_empty(*h, ":path"));
  if (check == grpc::request_check::not_grpc) {
    reject(sid, "415", "meshlet: this listener serves gRPC only (content-type application/grpc)\n");
    return;
  }
  if (check != grpc::request_check::ok) {
    reject(sid, "400", "meshlet: malformed request\n");
    return;
  }
  if (admin_)
    streams_.emplace(sid, std::make_unique<admin_call>(worker_, *admin_, handle(), sid, std::move(h),
                                                       std::move(body), end, peer_ip_));
  else
    streams_.emplace(sid, std::make_unique<stream_actor>(worker_, listener_, handle(), sid,
                                                         std::move(h), std::move(body), end));
}

void connection_actor::reject(int32_t sid, const char* http_status, const char* message) {
  h2::header_block h;
  h.add(":status", http_status);
  h.add("content-type", "text/plain");
  session_.submit_response(sid, h, false);
  session_.queue_data(sid, std::string{message}, true);
  dirty();
}

void connection_actor::drain() {
  if (draining_ || closed_)
    return;
  draining_ = true;
  session_.submit_shutdown_notice();
  dirty();
  // The final GOAWAY names the last stream we took, one round trip later.
  goaway_timer_.arm(std::chrono::milliseconds{100}, [this] {
    session_.submit_goaway(NGHTTP2_NO_ERROR);
    final_goaway_sent_ = true;
    dirty();
    maybe_finish_drain();
  });
}

void connection_actor::maybe_finish_drain() {
  if (draining_ && final_goaway_sent_ && streams_.empty()) {
    flush();
    if (!channel_->writing())
      close();
  }
}

void connection_actor::on_drained() {
  if (draining_ && final_goaway_sent_ && streams_.empty())
    close();
}

void connection_actor::on_closed(const asio::error_code& ec) {
  if (ec && ec != asio::error::eof && ec != asio::error::connection_reset)
    spdlog::debug("connection from {} closed: {}", peer_, ec.message());
  close();
}

void connection_actor::close() {
  if (closed_)
    return;
  closed_ = true;
  goaway_timer_.cancel();
  channel_->close();
  // Streams still open see their client go away: their destructors reset upstream.
  worker_.release(this);
}

void connection_actor::flush() {
  if (closed_)
    return;
  if (!session_.send(out_)) {
    spdlog::warn("closing connection from {}: {}", peer_, session_.last_error());
    close();
    return;
  }
  channel_->write(out_);
  // Sending fires callbacks too (data_sent, stream_close): hand them on now, not at the
  // next read, or flow-control acks wait for the peer to speak.
  handle_events();
  if (session_.finished() && !channel_->writing()) {
    if (!session_.last_error().empty())
      spdlog::warn("closing connection from {}: {}", peer_, session_.last_error());
    close();
  }
}

} // namespace meshlet::actors
