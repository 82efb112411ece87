// upstream_actor: the client side of the call pipeline (one h2c connection to an endpoint).
#include "actors/upstream/upstream_actor.hpp"

#include "actors/stream/stream_protocol.hpp"
#include "actors/upstream/upstream_pool.hpp"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

namespace meshlet::actors {

upstream_actor::upstream_actor(io_worker& w, upstream_pool& pool, const lb::endpoint& ep)
  : hosted_actor(w.host()), worker_(w), pool_(pool), address_(ep.address),
    session_(h2::role::client, h2::client_settings()) {
  asio::error_code ec;
  target_ = asio::ip::tcp::endpoint{asio::ip::make_address(ep.ip, ec), ep.port};
  set_behavior({
    [this](open_atom, const caf::actor& stream, const h2::header_block_ptr& h, bool end) {
      if (reserved_ > 0)
        --reserved_;
      open(stream, h, end);
    },
    [this](req_data_atom, int32_t sid, std::string& chunk, bool end) {
      auto i = streams_.find(sid);
      if (state_ != state::ready || i == streams_.end())
        return;
      if (end)
        i->second.request_ended = true;
      session_.queue_data(sid, std::move(chunk), end);
      dirty();
    },
    [this](reset_atom, int32_t sid, uint32_t code) {
      if (state_ != state::ready || streams_.erase(sid) == 0)
        return;
      session_.submit_rst(sid, code);
      dirty();
    },
    [this](consume_atom, int32_t sid, uint64_t n) {
      if (state_ != state::ready)
        return;
      session_.consume(sid, n);
      dirty();
    },
  });
}

upstream_actor::~upstream_actor() {
  worker_.cancel_flush(this);
  if (channel_)
    channel_->close();
}

void upstream_actor::connect() {
  channel_ = net::tcp_channel::make(worker_.context(), this);
  channel_->connect(target_, worker_.config().connect_timeout);
}

bool upstream_actor::has_room() const {
  if (state_ == state::closed || goaway_)
    return false;
  auto limit = settings_seen_ ? session_.remote_max_concurrent_streams() : 100u;
  return load() < limit;
}

void upstream_actor::open(const caf::actor& stream, const h2::header_block_ptr& h, bool end) {
  if (state_ == state::connecting || (state_ == state::ready && !settings_seen_)) {
    pending_.push_back(pending_open{stream, h, end});
    return;
  }
  if (state_ == state::closed || goaway_) {
    tell(stream, open_fail_atom::value, "upstream " + address_ + " is closing", true);
    return;
  }
  if (streams_.size() >= session_.remote_max_concurrent_streams()) {
    tell(stream, open_busy_atom::value);
    return;
  }
  auto sid = session_.submit_request(*h, end);
  if (sid <= 0) {
    tell(stream, open_fail_atom::value, "upstream " + address_ + " has no stream ids left", true);
    return;
  }
  streams_.emplace(sid, call{stream, false, false, end});
  tell(stream, opened_atom::value, sid);
  dirty();
}

void upstream_actor::on_connected(const asio::error_code& ec) {
  if (ec) {
    auto why = "connect to " + address_ + " failed: " + ec.message();
    state_ = state::closed;
    for (auto& p : pending_)
      tell(p.stream, open_fail_atom::value, why, true);
    pending_.clear();
    spdlog::debug("{}", why);
    pool_.on_connect_failed(this, why);
    return;
  }
  state_ = state::ready;
  pool_.on_connected();
  channel_->start_reading();
  dirty(); // our preface and SETTINGS; calls go out once the endpoint's SETTINGS are in
}

void upstream_actor::on_bytes(const uint8_t* data, size_t n) {
  bool ok = session_.recv(data, n);
  handle_events();
  if (!ok) {
    close(0, "upstream " + address_ + " broke HTTP/2: " + session_.last_error());
    return;
  }
  dirty();
}

void upstream_actor::handle_events() {
  auto& events = session_.events();
  for (auto& e : events) {
    switch (e.kind) {
      case h2::ev::headers: {
        auto i = streams_.find(e.stream_id);
        if (i == streams_.end())
          break;
        auto& c = i->second;
        if (e.end_stream)
          c.ended = true;
        if (!c.headers_seen) {
          c.headers_seen = true;
          tell(c.stream, resp_hdrs_atom::value, std::move(e.block), e.end_stream);
        } else {
          tell(c.stream, resp_trl_atom::value, std::move(e.block));
        }
        break;
      }
      case h2::ev::data: {
        auto i = streams_.find(e.stream_id);
        if (i == streams_.end())
          break;
        if (e.end_stream)
          i->second.ended = true;
        tell(i->second.stream, resp_data_atom::value, std::string{e.data}, e.end_stream);
        break;
      }
      case h2::ev::data_sent: {
        auto i = streams_.find(e.stream_id);
        if (i != streams_.end() && !i->second.request_ended)
          tell(i->second.stream, req_sent_atom::value, static_cast<uint64_t>(e.length));
        break;
      }
      case h2::ev::stream_close: {
        session_.forget(e.stream_id);
        auto i = streams_.find(e.stream_id);
        if (i == streams_.end())
          break;
        if (!i->second.ended)
          tell(i->second.stream, up_lost_atom::value, e.error_code,
               std::string{"upstream "} + address_ + " reset the stream ("
                 + nghttp2_http2_strerror(e.error_code) + ")");
        streams_.erase(i);
        break;
      }
      case h2::ev::goaway:
        goaway_ = true;
        break;
      case h2::ev::settings:
        if (!settings_seen_) {
          settings_seen_ = true;
          auto pending = std::move(pending_);
          pending_.clear();
          for (auto& p : pending)
            open(p.stream, p.headers, p.end);
        }
        break;
    }
  }
  events.clear();
  if (goaway_ && streams_.empty() && pending_.empty() && reserved_ == 0)
    close(0, "");
}

void upstream_actor::lose_all(uint32_t h2_code, const std::string& why) {
  for (auto& [sid, c] : streams_)
    if (!c.ended)
      tell(c.stream, up_lost_atom::value, h2_code, why);
  streams_.clear();
  for (auto& p : pending_)
    tell(p.stream, open_fail_atom::value, why, true);
  pending_.clear();
}

void upstream_actor::close(uint32_t h2_code, const std::string& why) {
  if (state_ == state::closed)
    return;
  state_ = state::closed;
  lose_all(h2_code, why);
  if (!why.empty())
    spdlog::info("{}", why);
  if (channel_) {
    out_.clear();
    session_.send(out_);
    channel_->write(out_);
    channel_->close();
  }
  pool_.on_closed(this);
}

void upstream_actor::on_closed(const asio::error_code& ec) {
  close(0, streams_.empty() ? "" : "upstream " + address_ + " closed the connection ("
                                     + ec.message() + ")");
}

void upstream_actor::on_drained() {}

void upstream_actor::flush() {
  if (state_ != state::ready || !channel_)
    return;
  if (!session_.send(out_)) {
    close(0, "upstream " + address_ + ": " + session_.last_error());
    return;
  }
  channel_->write(out_);
  handle_events(); // data_sent / stream_close recorded while sending
  if (state_ == state::ready && session_.finished())
    close(0, session_.last_error().empty()
               ? ""
               : "upstream " + address_ + " connection ended: " + session_.last_error());
}

} // namespace meshlet::actors
