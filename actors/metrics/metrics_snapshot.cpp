// metrics_snapshot: merging threads' snapshots and adding a table's view of its endpoints.
#include "actors/metrics/metrics_snapshot.hpp"

#include <algorithm>

namespace meshlet::metrics {

void endpoint_stats::merge(const endpoint_stats& o) {
  if (ended + o.ended > 0)
    latency_ewma_ms = (latency_ewma_ms * static_cast<double>(ended)
                       + o.latency_ewma_ms * static_cast<double>(o.ended))
                      / static_cast<double>(ended + o.ended);
  requests += o.requests;
  ended += o.ended;
  errors += o.errors;
  ejections += o.ejections;
  for (size_t i = 0; i < responses.size(); ++i)
    responses[i] += o.responses[i];
}

void latency_histogram::observe(std::chrono::nanoseconds d) {
  double s = std::chrono::duration<double>(d).count();
  // Prometheus' `le`: the first bucket whose bound is >= the value.
  auto i = std::lower_bound(bounds.begin(), bounds.end(), s) - bounds.begin();
  ++counts[static_cast<size_t>(i)];
  ++count;
  sum += s;
}

void latency_histogram::merge(const latency_histogram& o) {
  for (size_t i = 0; i < counts.size(); ++i)
    counts[i] += o.counts[i];
  count += o.count;
  sum += o.sum;
}

const char* endpoint_snapshot::health_state() const {
  if (!eligible)
    return "ineligible";
  return ejected_threads > 0 ? "ejected" : "eligible";
}

void metrics_snapshot::merge(const metrics_snapshot& o) {
  threads += o.threads;
  streams_active += o.streams_active;
  downstream_connections += o.downstream_connections;
  upstream_connections += o.upstream_connections;
  thread_connections.insert(thread_connections.end(), o.thread_connections.begin(),
                            o.thread_connections.end());
  for (auto& [name, oc] : o.clusters) {
    auto& c = clusters[name];
    c.name = name;
    c.unattempted.merge(oc.unattempted);
    c.latency.merge(oc.latency);
    c.retries += oc.retries;
    for (auto& [address, oe] : oc.endpoints) {
      auto& e = c.endpoints[address];
      e.address = address;
      e.stats.merge(oe.stats);
      e.listed = e.listed || oe.listed;
      e.eligible = e.eligible || oe.eligible;
      e.weight = std::max(e.weight, oe.weight);
      e.ejected_threads += oe.ejected_threads;
    }
  }
}

void metrics_snapshot::add_table(const std::string& cluster, const lb::endpoint_table& table,
                                 const outlier::outlier_detector* outlier,
                                 outlier::time_point now) {
  auto& c = clusters[cluster];
  c.name = cluster;
  for (auto& ep : table.endpoints) {
    auto& e = c.endpoints[ep.address];
    e.address = ep.address;
    e.listed = true;
    e.eligible = e.eligible || ep.eligible;
    e.weight = std::max(e.weight, ep.weight);
    if (outlier != nullptr && outlier->is_ejected(ep.id, now))
      ++e.ejected_threads;
  }
}

} // namespace meshlet::metrics
