// stream_actor: one gRPC call, between its downstream connection and an upstream
// connection. It picks an endpoint from its thread's snapshot, opens the call upstream
// (re-picking another endpoint when a connect fails before anything was sent), relays
// bodies both ways under flow control, enforces grpc-timeout, maps upstream failures to
// gRPC statuses, and tells its connection when it is done.
#pragma once

#include "actors/host/hosted_actor.hpp"
#include "actors/io/io_worker.hpp"
#include "actors/metrics/call_meter.hpp"
#include "actors/stream/stream_protocol.hpp"
#include "transport/clock.hpp"
#include "transport/grpc/status.hpp"
#include "transport/h2/headers.hpp"
#include "transport/io/timer.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace meshlet::actors {

class stream_actor : public hosted_actor {
public:
  // `request` holds the request's headers, `body` the request body that came with them;
  // `end` when they ended the request.
  stream_actor(io_worker& w, const std::string& listener, caf::actor connection, int32_t sid,
               h2::header_block_ptr request, std::string&& body, bool end);
  ~stream_actor() override;

private:
  static const char behavior_key; // its address names the shared behaviour
  static caf::behavior shared_behavior(actor_host* h);
  // Handlers (shared_behavior); messages of an earlier attempt (another `call`) are dropped.
  void on_client_reset();
  void on_response_sent(uint64_t n);
  void on_opened(uint64_t call);
  void on_open_fail(uint64_t call, const std::string& why, bool retryable, std::string&& body);
  void on_open_busy(uint64_t call, std::string&& body);
  void on_request_sent(uint64_t call, uint64_t n);
  // Routes the call to a cluster (listener's routes), then try_open().
  void route(const std::string& listener);
  void try_open();
  // Asks the picked endpoint's pool for a connection with room and opens the call on it,
  // with the request body held so far; false when the pool has none (the endpoint is in
  // backoff or at its connection cap).
  bool open_on_picked();
  void on_open_failed(const std::string& why, bool retryable);
  void on_response(response_part&& p);
  // Checks response headers; false when the call was failed or retried instead.
  bool accept_headers(h2::header_block& h, bool trailers_only);
  void on_upstream_lost(uint32_t h2_code, const std::string& why);
  // Passive outlier detection: this call's outcome on the endpoint it picked.
  void report(const outlier::outcome& o);
  void report_status(const h2::header_block& h);
  // gRPC A6: tries the call again (after a jittered backoff, preferring another endpoint) when
  // nothing reached the client yet, the failure allows it and the budget has room.
  bool maybe_retry(const retry::attempt_failure& f);
  void reset_attempt();
  // Ends the call with a status meshlet generates (Trailers-Only when no response
  // headers went out yet, trailers otherwise) and resets the upstream stream.
  void fail(grpc::status_code code, const std::string& message);
  // Ends the call: timers, load; tells the connection `done` unless it was told already (a
  // response part with `end`).
  void finish(bool told_connection = false);
  // Resets the upstream stream (if one was opened) and forgets the upstream.
  void cancel_upstream();
  // The current attempt is over (answered, lost, refused or reset): no upstream, no token.
  void forget_attempt() {
    upstream_ = nullptr;
    call_ = 0;
  }
  // An open that failed or found no room: undoes its load, takes its body back to resend.
  void take_back(std::string&& body);
  // Load accounting: the call leaves the cluster's active count, the attempt the policy's.
  void release_load();
  void end_attempt_load();
  void forward_request(std::string&& chunk, bool end);
  // Counts request body bytes and keeps them for a replay while they fit.
  void account(const std::string& chunk);
  // Sends a response part to the connection; with `end` it is the call's last word.
  void respond(response_part&& p);

  io_worker& worker_;
  caf::actor connection_;
  int32_t sid_;
  h2::header_block_ptr request_;
  time_point started_;
  std::optional<time_point> deadline_;
  io::lazy_timer deadline_timer_;

  // upstream side
  caf::actor upstream_;
  uint64_t call_ = 0;            // the current attempt's token (0: none open)
  bool confirmed_ = false;       // request body may go to the attempt (see stream_protocol)
  std::string endpoint_;
  cluster_runtime_ptr cluster_;  // the cluster (and policy instance) this call uses
  lb::endpoint_table_ptr table_; // the snapshot the endpoint was picked from
  size_t picked_ = 0;
  uint32_t started_id_ = 0;      // endpoint id reported to the policy with on_start
  time_point opened_at_{};
  // Endpoint ids this call tried, oldest first (a call rarely tries more than a few, so
  // they live inline; more go to the heap).
  struct tried_ids {
    bool contains(uint32_t id) const {
      for (size_t i = 0; i < size(); ++i)
        if (at(i) == id)
          return true;
      return false;
    }
    void add(uint32_t id) {
      if (n_ < inline_.size())
        inline_[n_++] = id;
      else
        more_.push_back(id);
    }
    size_t size() const { return n_ + more_.size(); }
    uint32_t at(size_t i) const { return i < n_ ? inline_[i] : more_[i - n_]; }
    void keep_last() {
      if (size() == 0)
        return;
      uint32_t last = at(size() - 1);
      more_.clear();
      inline_[0] = last;
      n_ = 1;
    }

  private:
    std::array<uint32_t, 4> inline_{};
    size_t n_ = 0;
    std::vector<uint32_t> more_;
  };
  tried_ids tried_;
  std::string last_error_;
  std::string held_;             // request body received while no attempt was open
  bool request_ended_ = false;    // the client finished its request
  // Retries: the request body kept for replay (up to the cluster's buffer limit).
  std::string replay_;
  bool replay_overflow_ = false;
  uint64_t req_received_ = 0; // request body bytes from the client
  uint64_t req_acked_ = 0;    // of which the client's window was re-opened for
  uint32_t attempt_ = 1;
  bool counted_active_ = false;
  io::lazy_timer retry_timer_;

  // downstream side
  bool response_started_ = false;
  bool finished_ = false;

  metrics::call_meter meter_; // this call in its thread's counters
};

} // namespace meshlet::actors
