// call_meter: a call's events into its thread's counters.
#include "actors/metrics/call_meter.hpp"

namespace meshlet::metrics {

namespace {
size_t status_index(grpc::status_code code) {
  auto i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(status_count)
           ? static_cast<size_t>(i)
           : static_cast<size_t>(grpc::status_code::unknown);
}

void count_end(endpoint_stats& e, grpc::status_code code) {
  ++e.ended;
  ++e.responses[status_index(code)];
  if (code != grpc::status_code::ok)
    ++e.errors;
}
} // namespace

call_meter::call_meter(thread_metrics& m, time_point started)
  : m_(m.enabled() ? &m : nullptr), active_(m.streams_active()), started_(started) {}

call_meter::~call_meter() {
  if (ended_ || m_ == nullptr)
    return;
  failed(grpc::status_code::cancelled);
  end(now());
}

void call_meter::route(const std::string& cluster) {
  if (m_ != nullptr && cluster_ == nullptr)
    cluster_ = m_->cluster(cluster);
}

void call_meter::attempt(const std::string& endpoint) {
  if (cluster_ == nullptr || ended_)
    return;
  auto* e = cluster_->endpoint(endpoint);
  if (e == attempt_)
    return;
  if (attempt_ != nullptr)
    close_attempt(grpc::status_code::unavailable);
  attempt_ = e;
  attempt_started_ = now();
  attempted_ = true;
  ++e->requests;
}

void call_meter::close_attempt(grpc::status_code code) {
  double ms = std::chrono::duration<double, std::milli>(now() - attempt_started_).count();
  attempt_->latency_ewma_ms =
    attempt_->ended == 0 ? ms : 0.8 * attempt_->latency_ewma_ms + 0.2 * ms;
  count_end(*attempt_, code);
  attempt_ = nullptr;
}

void call_meter::attempt_ended(grpc::status_code code, bool ejected) {
  if (attempt_ == nullptr)
    return;
  status_ = code;
  if (ejected)
    ++attempt_->ejections;
  close_attempt(code);
}

void call_meter::failed(grpc::status_code code) {
  if (ended_)
    return;
  status_ = code;
  if (attempt_ != nullptr)
    close_attempt(code);
}

void call_meter::retried() {
  if (cluster_ != nullptr)
    ++cluster_->retries;
}

void call_meter::end(time_point now) {
  if (ended_ || m_ == nullptr)
    return;
  ended_ = true;
  if (attempt_ != nullptr) // the response ended without a grpc-status
    close_attempt(grpc::status_code::unknown);
  if (cluster_ == nullptr) // no route matched
    cluster_ = m_->cluster("");
  if (!attempted_) {
    ++cluster_->unattempted.requests;
    count_end(cluster_->unattempted, status_);
  }
  cluster_->latency.observe(now - started_);
}

} // namespace meshlet::metrics
