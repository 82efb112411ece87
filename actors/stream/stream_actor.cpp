// stream_actor: the per-call state machine of the pipeline.
#include "actors/stream/stream_actor.hpp"

#include "actors/stream/stream_protocol.hpp"
#include "actors/mesh/endpoint_events.hpp"
#include "transport/grpc/message.hpp"
#include "actors/upstream/upstream_actor.hpp"
#include "actors/upstream/upstream_pool.hpp"
#include "transport/grpc/headers.hpp"
#include "transport/grpc/timeout.hpp"
#include "mesh/routing/router.hpp"

#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace meshlet::actors {

namespace {

// Hop-by-hop headers (RFC 9113 §8.2.2) never cross the proxy, in either direction.
void strip_hop_by_hop(h2::header_block& h) {
  h.erase_if([](const h2::header_view& x) { return grpc::is_hop_by_hop(x.name); });
}

int http_status_of(const h2::header_block& h) {
  auto s = h.find(":status");
  if (!s || s->empty() || s->size() > 3)
    return 0;
  int v = 0;
  for (char c : *s) {
    if (c < '0' || c > '9')
      return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

} // namespace

// One behaviour for every stream actor of a thread, built once: each handler finds the actor
// its message is for as the running owner of the cell (actor_host::shared_behavior). Building
// nine handlers per call cost ~0.5 KiB per open call and ~500 instructions per call.
const char stream_actor::behavior_key = 0;

caf::behavior stream_actor::shared_behavior(actor_host* h) {
  auto self = [h] { return running<stream_actor>(*h); };
  return {
    // -- from the downstream connection ----------------------------------------
    [self](req_data_atom, std::string& chunk, bool end) {
      self()->forward_request(std::move(chunk), end);
    },
    [self](reset_atom, uint32_t) { self()->on_client_reset(); },
    [self](resp_sent_atom, uint64_t n) { self()->on_response_sent(n); },
    // -- from the upstream connection (about the current attempt only) ----------
    [self](opened_atom, uint64_t call) { self()->on_opened(call); },
    [self](open_fail_atom, uint64_t call, const std::string& why, bool retryable,
           std::string& body) { self()->on_open_fail(call, why, retryable, std::move(body)); },
    [self](open_busy_atom, uint64_t call, std::string& body) {
      self()->on_open_busy(call, std::move(body));
    },
    [self](resp_atom, uint64_t call, response_part& p) {
      auto* s = self();
      if (call == s->call_)
        s->on_response(std::move(p));
    },
    [self](up_lost_atom, uint64_t call, uint32_t code, const std::string& why) {
      auto* s = self();
      if (call == s->call_)
        s->on_upstream_lost(code, why);
    },
    [self](req_sent_atom, uint64_t call, uint64_t n) { self()->on_request_sent(call, n); },
  };
}

void stream_actor::on_client_reset() {
  // The client cancelled (or its connection went away).
  meter_.failed(grpc::status_code::cancelled);
  cancel_upstream();
  finish();
}

void stream_actor::on_response_sent(uint64_t n) {
  if (upstream_ && call_ != 0)
    tell(upstream_, consume_atom::value, call_, n);
}

void stream_actor::on_opened(uint64_t call) {
  if (call != call_ || finished_)
    return;
  confirmed_ = true;
  if (!held_.empty() || request_ended_)
    tell(upstream_, req_data_atom::value, call_, std::exchange(held_, {}), request_ended_);
}

void stream_actor::on_open_fail(uint64_t call, const std::string& why, bool retryable,
                                std::string&& body) {
  if (call != call_ || finished_)
    return;
  take_back(std::move(body));
  on_open_failed(why, retryable);
}

void stream_actor::on_open_busy(uint64_t call, std::string&& body) {
  // The connection hit the endpoint's MAX_CONCURRENT_STREAMS: same endpoint, another
  // connection (the pool opens one), or another endpoint when the pool is at its cap.
  if (call != call_ || finished_)
    return;
  take_back(std::move(body));
  if (!open_on_picked())
    try_open();
}

void stream_actor::on_request_sent(uint64_t call, uint64_t n) {
  if (call != call_)
    return;
  // A retry sends replayed bytes again: the client's window is re-opened only once.
  n = std::min<uint64_t>(n, req_received_ - req_acked_);
  req_acked_ += n;
  if (n > 0)
    tell(connection_, consume_atom::value, sid_, n);
}

stream_actor::stream_actor(io_worker& w, const std::string& listener, caf::actor connection,
                           int32_t sid, h2::header_block_ptr request, std::string&& body, bool end)
  // Pooled cell: the connection forgets this actor before it dies, and every upstream
  // message names its attempt (a later owner's token never matches).
  : hosted_actor(w.host(), true), worker_(w), connection_(std::move(connection)), sid_(sid),
    request_(std::move(request)), started_(now()), deadline_timer_(w.context()),
    held_(std::move(body)), request_ended_(end), retry_timer_(w.context()),
    meter_(w.metrics(), started_) {
  use_shared_behavior(&behavior_key, [h = &host()] { return shared_behavior(h); });

  // grpc-timeout: enforced here, forwarded minus the time already spent.
  if (auto t = request_->find("grpc-timeout")) {
    if (auto d = grpc::parse_timeout(*t)) {
      deadline_ = started_ + std::chrono::duration_cast<duration>(*d);
      deadline_timer_.arm(*d, [this] {
        if (call_ != 0)
          report(outlier::outcome::timeout());
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now() - started_);
        fail(grpc::status_code::deadline_exceeded,
             "deadline exceeded after " + std::to_string(ms.count()) + "ms (grpc-timeout "
               + std::string{request_->find("grpc-timeout").value_or("")} + ") at meshlet");
      });
    }
  }
  strip_hop_by_hop(*request_); // they stop here
  route(listener);
}

void stream_actor::route(const std::string& listener) {
  auto* r = worker_.router(listener);
  auto path = request_->find(":path");
  const std::string* target = nullptr;
  if (r != nullptr && path) {
    routing::request_view view;
    view.path = *path;
    view.header = [this](std::string_view name) { return request_->find(name); };
    target = r->route(view, worker_.uniform());
  }
  if (target == nullptr) {
    fail(grpc::status_code::unimplemented,
         "no route for " + std::string{path.value_or("?")} + " on listener " + listener);
    return;
  }
  meter_.route(*target);
  cluster_ = worker_.cluster(*target);
  if (!cluster_) {
    fail(grpc::status_code::unavailable, "cluster " + *target + " has no endpoints yet");
    return;
  }
  ++*cluster_->active_calls;
  counted_active_ = true;
  cluster_->budget->deposit(now());
  account(held_); // the body that came with the headers
  try_open();
}

stream_actor::~stream_actor() {
  if (finished_)
    return;
  cancel_upstream();
  release_load();
}

void stream_actor::cancel_upstream() {
  if (upstream_ && call_ != 0)
    tell(upstream_, reset_atom::value, call_, uint32_t{NGHTTP2_CANCEL});
  forget_attempt();
}

void stream_actor::take_back(std::string&& body) {
  // An attempt that never reached its endpoint: the load it was counted for is undone, the
  // body it carried goes before what was held since.
  if (started_id_ != 0)
    cluster_->policy->on_abandon(started_id_);
  started_id_ = 0;
  forget_attempt();
  body.append(held_);
  held_ = std::move(body);
}

void stream_actor::release_load() {
  if (counted_active_)
    --*cluster_->active_calls;
  counted_active_ = false;
  end_attempt_load();
}

void stream_actor::end_attempt_load() {
  if (started_id_ != 0) {
    auto t = now();
    cluster_->policy->on_finish(started_id_, t - opened_at_, t);
  }
  started_id_ = 0;
}

void stream_actor::try_open() {
  table_ = cluster_->table;
  if (!table_ || table_->endpoints.empty()) {
    fail(grpc::status_code::unavailable, "cluster " + cluster_->name + " has no endpoints");
    return;
  }
  lb::pick_request req;
  req.now = now();
  // req.hash_key views request_'s bytes: open_on_picked rewrites grpc-timeout (which may move
  // them) only once it opened the call, and req is not used after that.
  if (!cluster_->cfg.hash_header.empty())
    if (auto v = request_->find(cluster_->cfg.hash_header))
      req.hash_key = *v;
  // Outlier ejections apply unless so many endpoints are out that the cluster panics and
  // balances over all of them.
  auto* od = cluster_->outlier.get();
  bool skip_ejected = od != nullptr;
  if (od) {
    size_t total = table_->endpoints.size();
    size_t ejected = od->ejected_count(req.now);
    skip_ejected = ejected > 0 && !od->balance_over_all(total - ejected, total);
  }
  // One pointer captured, so std::function keeps the callable inline (no allocation).
  struct usable_context {
    stream_actor* self;
    outlier::outlier_detector* od;
    bool skip_ejected;
    time_point t;
  } ctx{this, od, skip_ejected, req.now};
  req.usable = [&ctx](size_t i) {
    auto& ep = ctx.self->table_->endpoints[i];
    if (ctx.self->tried_.contains(ep.id))
      return false;
    if (ctx.skip_ejected && ctx.od->is_ejected(ep.id, ctx.t))
      return false;
    return ctx.self->worker_.pool_for(ep).available();
  };
  for (;;) {
    auto choice = cluster_->policy->pick(req);
    if (!choice)
      break;
    picked_ = *choice;
    tried_.add(table_->endpoints[picked_].id);
    if (open_on_picked())
      return;
  }
  std::string why = "no reachable endpoint among " + std::to_string(table_->endpoints.size())
                    + " of cluster " + cluster_->name;
  if (!last_error_.empty())
    why += " (last error: " + last_error_ + ")";
  else
    for (auto& ep : table_->endpoints)
      if (auto& e = worker_.pool_for(ep).last_error(); !e.empty()) {
        why += " (last error: " + e + ")";
        break;
      }
  fail(grpc::status_code::unavailable, why);
}

bool stream_actor::open_on_picked() {
  auto& ep = table_->endpoints[picked_];
  auto* conn = worker_.pool_for(ep).acquire();
  if (conn == nullptr)
    return false;
  endpoint_ = ep.address;
  meter_.attempt(ep.address);
  if (deadline_) { // the request has a grpc-timeout: it set the deadline
    auto left = *deadline_ - now();
    request_->set("grpc-timeout",
                  grpc::format_timeout(std::chrono::duration_cast<std::chrono::nanoseconds>(left)));
  }
  upstream_ = conn->handle();
  call_ = worker_.next_call();
  started_id_ = ep.id;
  opened_at_ = now();
  cluster_->policy->on_start(started_id_);
  // With the request complete nothing more is sent for this attempt: no `opened` to wait for.
  confirmed_ = request_ended_;
  tell(upstream_, open_atom::value, handle(), call_, request_, std::exchange(held_, {}),
       request_ended_);
  return true;
}

void stream_actor::report(const outlier::outcome& o) {
  auto effect = outlier::report_effect::none;
  if (cluster_ && cluster_->outlier && table_ && picked_ < table_->endpoints.size())
    effect = cluster_->outlier->report(table_->endpoints[picked_].id, o, now());
  meter_.attempt_ended(o.status, effect == outlier::report_effect::ejected);
  if (cluster_) // gossip: an ejection, or a success that contradicts a rumour (rare)
    note_endpoint_outcome(worker_, *cluster_, table_, picked_, o, effect);
}

void stream_actor::report_status(const h2::header_block& h) {
  if (auto s = h.find("grpc-status")) {
    auto code = grpc::parse_status(*s);
    report(outlier::outcome::from_status(code ? *code : grpc::status_code::unknown));
  }
}

void stream_actor::on_open_failed(const std::string& why, bool retryable) {
  if (finished_)
    return;
  report(outlier::outcome::connect_failure());
  last_error_ = why;
  if (retryable) {
    try_open(); // nothing reached the endpoint: another one may take the call
    return;
  }
  fail(grpc::status_code::unavailable, why);
}

void stream_actor::account(const std::string& chunk) {
  req_received_ += chunk.size();
  if (replay_overflow_ || chunk.empty())
    return;
  size_t limit = cluster_ && cluster_->retry ? cluster_->retry->config().buffer_limit : 0;
  if (replay_.size() + chunk.size() <= limit) {
    replay_.append(chunk);
  } else {
    replay_overflow_ = true; // too large to replay: this call is not retried
    replay_.clear();
    replay_.shrink_to_fit();
  }
}

void stream_actor::forward_request(std::string&& chunk, bool end) {
  if (finished_)
    return;
  if (end)
    request_ended_ = true;
  account(chunk);
  if (call_ == 0 || !confirmed_) {
    held_.append(chunk);
    return;
  }
  tell(upstream_, req_data_atom::value, call_, std::move(chunk), end);
}

void stream_actor::on_response(response_part&& p) {
  if (finished_)
    return;
  if (p.headers && !accept_headers(*p.headers, p.trailers_only()))
    return; // failed or retried
  if (p.trailers)
    report_status(*p.trailers); // grpc-status in trailers counts like Trailers-Only
  if (p.headers)
    response_started_ = true;
  if (p.end)
    forget_attempt();
  respond(std::move(p));
}

bool stream_actor::accept_headers(h2::header_block& h, bool trailers_only) {
  int http = http_status_of(h);
  if (http != 200 && !h.find("grpc-status")) {
    // An HTTP error without gRPC status: map it (gRPC HTTP/2 spec) and stop the call.
    auto code = grpc::status_from_http(http);
    fail(code, "upstream " + endpoint_ + " answered HTTP " + std::to_string(http)
                 + " without grpc-status");
    return false;
  }
  strip_hop_by_hop(h);
  if (trailers_only) {
    report_status(h);
    if (auto st = h.find("grpc-status")) {
      auto code = grpc::parse_status(*st);
      if (code && *code != grpc::status_code::ok
          && maybe_retry(retry::attempt_failure::from_status(*code)))
        return false;
    }
  }
  return true;
}

void stream_actor::respond(response_part&& p) {
  bool end = p.end;
  tell(connection_, resp_atom::value, sid_, std::move(p));
  if (end)
    finish(true);
}

void stream_actor::on_upstream_lost(uint32_t h2_code, const std::string& why) {
  if (finished_)
    return;
  forget_attempt();
  report(outlier::outcome::reset());
  // REFUSED_STREAM (also a stream above a GOAWAY's last id): not processed, always safe. A
  // lost connection counts as UNAVAILABLE, retried only where configured.
  auto f = h2_code == NGHTTP2_REFUSED_STREAM ? retry::attempt_failure::refused_stream()
           : h2_code == 0 ? retry::attempt_failure::from_status(grpc::status_code::unavailable)
                          : retry::attempt_failure::reset(h2_code);
  if (maybe_retry(f))
    return;
  auto code = h2_code == 0 ? grpc::status_code::unavailable : grpc::status_from_h2_error(h2_code);
  fail(code, why);
}

void stream_actor::fail(grpc::status_code code, const std::string& message) {
  if (finished_)
    return;
  meter_.failed(code);
  spdlog::debug("call {} ends {}: {} (attempt {})", request_->find(":path").value_or("?"),
                grpc::status_name(code), message, attempt_);
  cancel_upstream();
  response_part p;
  if (!response_started_)
    p.headers = grpc::status_block(code, message, true); // Trailers-Only
  else
    p.trailers = grpc::status_block(code, message, false);
  p.end = true;
  respond(std::move(p));
}

void stream_actor::finish(bool told_connection) {
  if (finished_)
    return;
  finished_ = true;
  meter_.end(now());
  deadline_timer_.cancel();
  retry_timer_.cancel();
  release_load();
  if (!told_connection)
    tell(connection_, done_atom::value, sid_);
}

bool stream_actor::maybe_retry(const retry::attempt_failure& f) {
  if (finished_ || response_started_ || !cluster_ || !cluster_->retry)
    return false;
  retry::attempt_info info;
  info.when = retry::phase::before_headers_sent;
  info.failure = f;
  info.attempt = attempt_;
  info.request_bytes_buffered = replay_.size();
  info.request_exceeded_limit = replay_overflow_;
  if (auto p = request_->find(":path"))
    info.method = *p; // a view of request_: used by decide() only, before the set() below
  auto t = now();
  if (deadline_)
    info.deadline_left = std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline_ - t);
  auto d = cluster_->retry->decide(info, worker_.uniform());
  if (!d.retry)
    return false;
  if (!cluster_->budget->try_withdraw(t))
    return false; // the budget keeps retries from storming a sick cluster
  meter_.retried();
  reset_attempt();
  ++attempt_;
  request_->set("grpc-previous-rpc-attempts", std::to_string(attempt_ - 1));
  retry_timer_.arm(d.backoff, [this] {
    if (finished_)
      return;
    // Prefer an endpoint this call has not tried; if every one was, any will do.
    if (table_ && tried_.size() >= table_->endpoints.size())
      tried_.keep_last();
    try_open();
  });
  return true;
}

void stream_actor::reset_attempt() {
  cancel_upstream();
  end_attempt_load();
  held_ = replay_;
}

} // namespace meshlet::actors
