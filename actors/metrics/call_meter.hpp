// call_meter: one call's view of its thread's counters, held by the stream actor. It resolves
// the cluster slot once per call and the endpoint slot once per attempt (no lookup per message),
// and turns the stream's events into the counts metrics_snapshot.hpp defines. Every method is
// a no-op when the thread's metrics are disabled.
#pragma once

#include "actors/metrics/thread_metrics.hpp"
#include "transport/clock.hpp"
#include "transport/grpc/status.hpp"

#include <string>

namespace meshlet::metrics {

class call_meter {
public:
  // The call started at `started`; it counts in streams_active until destroyed.
  call_meter(thread_metrics& m, time_point started);
  // A call destroyed before end() (its client connection went away) ends CANCELLED.
  ~call_meter();
  call_meter(const call_meter&) = delete;
  call_meter& operator=(const call_meter&) = delete;

  // The route named this cluster.
  void route(const std::string& cluster);
  // The call is committed to this endpoint (of the routed cluster): an attempt starts. Again
  // for the endpoint of the open attempt (another connection of it) counts nothing; another
  // endpoint while one is open ends the open one UNAVAILABLE first (it had no room).
  void attempt(const std::string& endpoint);
  // The open attempt ended with `code`; `ejected` when its failure ejected the endpoint.
  void attempt_ended(grpc::status_code code, bool ejected = false);
  // meshlet ends the call with `code`: the open attempt (if any) ends with it too.
  void failed(grpc::status_code code);
  // The retry policy and budget allowed another attempt.
  void retried();
  // The call is over (response complete or failed): latency, and calls with no attempt.
  void end(time_point now);

private:
  void close_attempt(grpc::status_code code);

  thread_metrics* m_;
  gauge_token active_;
  time_point started_;
  cluster_counters* cluster_ = nullptr;
  endpoint_stats* attempt_ = nullptr;
  time_point attempt_started_{};
  grpc::status_code status_ = grpc::status_code::unknown;
  bool attempted_ = false;
  bool ended_ = false;
};

} // namespace meshlet::metrics
