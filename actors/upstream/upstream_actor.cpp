// upstream_actor: the client side of the call pipeline (one h2c connection to an endpoint).
#include "actors/upstream/upstream_actor.hpp"

#include "actors/stream/stream_protocol.hpp"
#include "actors/upstream/upstream_pool.hpp"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace meshlet::actors {

upstream_actor::upstream_actor(io_worker& w, upstream_pool& pool, const lb::endpoint& ep)
  : hosted_actor(w.host()), worker_(w), pool_(pool), address_(ep.address),
    session_(h2::role::client, h2::client_settings()) {
  asio::error_code ec;
  target_ = asio::ip::tcp::endpoint{asio::ip::make_address(ep.ip, ec), ep.port};
  set_behavior({
    [this](open_atom, const caf::actor& stream, uint64_t token, const h2::header_block_ptr& h,
           std::string& body, bool end) {
      if (reserved_ > 0)
        --reserved_;
      open(stream, token, h, std::move(body), end);
    },
    [this](req_data_atom, uint64_t token, std::string& chunk, bool end) {
      auto t = sids_.find(token); // sent after `opened` only
      if (t == sids_.end())
        return;
      if (end)
        streams_[t->second].request_ended = true;
      session_.queue_data(t->second, std::move(chunk), end);
      dirty();
    },
    [this](reset_atom, uint64_t token, uint32_t code) {
      auto t = sids_.find(token);
      if (t == sids_.end()) {
        pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                      [token](const pending_open& p) { return p.token == token; }),
                       pending_.end());
        return;
      }
      auto sid = t->second;
      sids_.erase(t);
      streams_.erase(sid);
      session_.submit_rst(sid, code);
      dirty();
    },
    [this](consume_atom, uint64_t token, uint64_t n) {
      auto t = sids_.find(token);
      if (t == sids_.end())
        return;
      session_.consume(t->second, n);
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

void upstream_actor::open(const caf::actor& stream, uint64_t token, const h2::header_block_ptr& h,
                          std::string&& body, bool end) {
  if (state_ == state::connecting || (state_ == state::ready && !settings_seen_)) {
    pending_.push_back(pending_open{stream, token, h, std::move(body), end});
    return;
  }
  if (state_ == state::closed || goaway_) {
    tell(stream, open_fail_atom::value, token, "upstream " + address_ + " is closing", true,
         std::move(body));
    return;
  }
  if (streams_.size() >= session_.remote_max_concurrent_streams()) {
    tell(stream, open_busy_atom::value, token, std::move(body));
    return;
  }
  // Headers and the body that came with them go out together; END_STREAM on the HEADERS
  // frame when there is no body at all.
  bool headers_end = end && body.empty();
  auto sid = session_.submit_request(*h, headers_end);
  if (sid <= 0) {
    tell(stream, open_fail_atom::value, token, "upstream " + address_ + " has no stream ids left",
         true, std::move(body));
    return;
  }
  streams_.emplace(sid, call{stream, token, false, false, end});
  sids_.emplace(token, sid);
  if (!body.empty())
    session_.queue_data(sid, std::move(body), end);
  if (!end)
    tell(stream, opened_atom::value, token); // more of the body may follow now
  dirty();
}

void upstream_actor::on_connected(const asio::error_code& ec) {
  if (ec) {
    auto why = "connect to " + address_ + " failed: " + ec.message();
    state_ = state::closed;
    for (auto& p : pending_)
      tell(p.stream, open_fail_atom::value, p.token, why, true, std::move(p.body));
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
  // Frames of one call that arrive one after another (a unary response's HEADERS, DATA and
  // trailers usually do) go to its stream as one response_part.
  call* slot = nullptr;
  response_part part;
  auto hand_on = [&] {
    if (slot != nullptr)
      tell(slot->stream, resp_atom::value, slot->token, std::move(part));
    slot = nullptr;
    part = response_part{};
  };
  auto find = [this](int32_t sid) -> call* {
    auto i = streams_.find(sid);
    return i == streams_.end() ? nullptr : &i->second;
  };
  auto& events = session_.events();
  for (auto& e : events) {
    switch (e.kind) {
      case h2::ev::headers: {
        auto* c = find(e.stream_id);
        if (c == nullptr)
          break;
        if (slot != c)
          hand_on();
        slot = c;
        if (e.end_stream)
          c->ended = part.end = true;
        if (!c->headers_seen) {
          c->headers_seen = true;
          part.headers = std::move(e.block);
        } else {
          part.trailers = std::move(e.block);
        }
        break;
      }
      case h2::ev::data: {
        auto* c = find(e.stream_id);
        if (c == nullptr)
          break;
        if (slot != c)
          hand_on();
        slot = c;
        part.data.append(e.data);
        part.has_data = true;
        if (e.end_stream)
          c->ended = part.end = true;
        break;
      }
      case h2::ev::data_sent: {
        hand_on();
        auto i = streams_.find(e.stream_id);
        if (i != streams_.end() && !i->second.request_ended)
          tell(i->second.stream, req_sent_atom::value, i->second.token,
               static_cast<uint64_t>(e.length));
        break;
      }
      case h2::ev::stream_close: {
        hand_on();
        session_.forget(e.stream_id);
        auto i = streams_.find(e.stream_id);
        if (i == streams_.end())
          break;
        if (!i->second.ended)
          tell(i->second.stream, up_lost_atom::value, i->second.token, e.error_code,
               std::string{"upstream "} + address_ + " reset the stream ("
                 + nghttp2_http2_strerror(e.error_code) + ")");
        sids_.erase(i->second.token);
        streams_.erase(i);
        break;
      }
      case h2::ev::goaway:
        hand_on();
        goaway_ = true;
        break;
      case h2::ev::settings:
        hand_on();
        if (!settings_seen_) {
          settings_seen_ = true;
          auto pending = std::move(pending_);
          pending_.clear();
          for (auto& p : pending)
            open(p.stream, p.token, p.headers, std::move(p.body), p.end);
        }
        break;
    }
  }
  hand_on();
  events.clear();
  if (goaway_ && streams_.empty() && pending_.empty() && reserved_ == 0)
    close(0, "");
}

void upstream_actor::lose_all(uint32_t h2_code, const std::string& why) {
  for (auto& [sid, c] : streams_)
    if (!c.ended)
      tell(c.stream, up_lost_atom::value, c.token, h2_code, why);
  streams_.clear();
  sids_.clear();
  for (auto& p : pending_)
    tell(p.stream, open_fail_atom::value, p.token, why, true, std::move(p.body));
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
