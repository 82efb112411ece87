// thread_metrics: slot creation and the on-thread copy a scrape takes.
#include "actors/metrics/thread_metrics.hpp"

namespace meshlet::metrics {

endpoint_stats* cluster_counters::endpoint(const std::string& address) {
  auto i = endpoints.find(address);
  if (i != endpoints.end())
    return i->second.get();
  return endpoints.emplace(address, std::make_unique<endpoint_stats>()).first->second.get();
}

cluster_counters* thread_metrics::cluster(const std::string& name) {
  if (!enabled_)
    return nullptr;
  auto i = clusters_.find(name);
  if (i != clusters_.end())
    return i->second.get();
  auto c = std::make_unique<cluster_counters>();
  c->name = name;
  return clusters_.emplace(name, std::move(c)).first->second.get();
}

metrics_snapshot thread_metrics::snapshot() const {
  metrics_snapshot s;
  s.threads = 1;
  s.streams_active = streams_active_;
  s.downstream_connections = downstream_;
  s.upstream_connections = upstream_;
  for (auto& [name, c] : clusters_) {
    auto& out = s.clusters[name];
    out.name = name;
    out.unattempted = c->unattempted;
    out.latency = c->latency;
    out.retries = c->retries;
    for (auto& [address, e] : c->endpoints) {
      auto& oe = out.endpoints[address];
      oe.address = address;
      oe.stats = *e;
    }
  }
  return s;
}

} // namespace meshlet::metrics
