// exposition: snapshot → prometheus::MetricFamily (counters, gauges, the latency histogram).
#include "actors/metrics/exposition.hpp"

#include "transport/grpc/status.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace meshlet::metrics {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

ClientMetric counter(std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = v;
  return m;
}

ClientMetric gauge(std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  return m;
}

void add_endpoint(MetricFamily& requests, MetricFamily& responses, const std::string& cluster,
                  const std::string& endpoint, const endpoint_stats& e) {
  requests.metric.push_back(
    counter({{"cluster", cluster}, {"endpoint", endpoint}}, static_cast<double>(e.requests)));
  for (size_t code = 0; code < e.responses.size(); ++code) {
    if (e.responses[code] == 0)
      continue;
    auto name = grpc::status_name(static_cast<grpc::status_code>(code));
    responses.metric.push_back(counter({{"cluster", cluster},
                                        {"endpoint", endpoint},
                                        {"grpc_status", std::string{name}},
                                        {"classification", code == 0 ? "success" : "failure"}},
                                       static_cast<double>(e.responses[code])));
  }
}

ClientMetric histogram(const std::string& cluster, const latency_histogram& h) {
  ClientMetric m;
  m.label = {{"cluster", cluster}};
  m.histogram.sample_count = h.count;
  m.histogram.sample_sum = h.sum;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    ClientMetric::Bucket b;
    b.cumulative_count = cumulative;
    b.upper_bound = i < latency_histogram::bounds.size() ? latency_histogram::bounds[i]
                                                         : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back(b);
  }
  return m;
}

} // namespace

std::vector<MetricFamily> to_families(const metrics_snapshot& s) {
  auto requests =
    family("meshlet_requests_total",
           "Call attempts sent to an endpoint (endpoint \"\": calls that reached none)",
           MetricType::Counter);
  auto responses = family("meshlet_responses_total",
                          "Call attempts ended, by grpc-status name; classification success = OK",
                          MetricType::Counter);
  auto latency =
    family("meshlet_response_latency_seconds",
           "Call latency: request headers in to the end of the response", MetricType::Histogram);
  auto health = family("meshlet_endpoint_health",
                       "1 for the endpoint's state: eligible, ejected (outlier, some thread) or "
                       "ineligible (health check, drain)",
                       MetricType::Gauge);
  auto ejections =
    family("meshlet_outlier_ejections_total",
           "Outlier ejections of the endpoint (counted per I/O thread)", MetricType::Counter);
  auto retries =
    family("meshlet_retries_total", "Retry attempts allowed by the retry policy and budget",
           MetricType::Counter);
  for (auto& [name, c] : s.clusters) {
    for (auto& [address, e] : c.endpoints) {
      add_endpoint(requests, responses, name, address, e.stats);
      ejections.metric.push_back(counter({{"cluster", name}, {"endpoint", address}},
                                         static_cast<double>(e.stats.ejections)));
      if (!e.listed)
        continue;
      std::string state = e.health_state();
      for (const char* st : {"eligible", "ejected", "ineligible"})
        health.metric.push_back(
          gauge({{"cluster", name}, {"endpoint", address}, {"state", st}}, state == st ? 1 : 0));
    }
    if (c.unattempted.requests > 0)
      add_endpoint(requests, responses, name, "", c.unattempted);
    latency.metric.push_back(histogram(name, c.latency));
    retries.metric.push_back(counter({{"cluster", name}}, static_cast<double>(c.retries)));
  }
  auto streams = family("meshlet_streams_active", "Calls in progress", MetricType::Gauge);
  streams.metric.push_back(gauge({}, static_cast<double>(s.streams_active)));
  auto conns = family("meshlet_connections_active",
                      "Open HTTP/2 connections: downstream (clients), upstream (to endpoints, "
                      "connecting included)",
                      MetricType::Gauge);
  conns.metric.push_back(
    gauge({{"side", "downstream"}}, static_cast<double>(s.downstream_connections)));
  conns.metric.push_back(
    gauge({{"side", "upstream"}}, static_cast<double>(s.upstream_connections)));

  auto per_thread = family("meshlet_io_thread_connections",
                           "Open client connections per I/O thread (see --accept-balance)",
                           MetricType::Gauge);
  auto by_thread = s.thread_connections;
  std::sort(by_thread.begin(), by_thread.end());
  for (auto& [thread, n] : by_thread)
    per_thread.metric.push_back(
      gauge({{"thread", std::to_string(thread)}}, static_cast<double>(n)));

  std::vector<MetricFamily> out;
  for (auto* f : {&requests, &responses, &latency, &streams, &conns, &health, &ejections, &retries,
                  &per_thread})
    out.push_back(std::move(*f));
  return out;
}

} // namespace meshlet::metrics
