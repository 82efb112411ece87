// gossip_metrics: building the metric families at each scrape.
#include "actors/mesh/gossip_metrics.hpp"

#include "mesh/membership/messages.hpp"

#include <prometheus/metric_family.h>

namespace meshlet::actors {
namespace {

using gossip::direction;
using gossip::verdict;

class gossip_collectable : public prometheus::Collectable {
public:
  explicit gossip_collectable(std::shared_ptr<const gossip::gossip_counters> c)
    : c_(std::move(c)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    prometheus::MetricFamily members{"meshlet_gossip_members",
                                     "Gossip members this sidecar knows, by state (itself "
                                     "included)",
                                     prometheus::MetricType::Gauge,
                                     {}};
    for (std::size_t s = 0; s < c_->members.size(); ++s) {
      prometheus::ClientMetric m;
      m.label = {{"state", std::string{membership::to_string(
                             static_cast<membership::member_state>(s))}}};
      m.gauge.value = static_cast<double>(c_->members[s].load(std::memory_order_relaxed));
      members.metric.push_back(std::move(m));
    }
    out.push_back(std::move(members));
    out.push_back(traffic("meshlet_gossip_packets_total",
                          "Gossip UDP datagrams by direction and result (in: accepted or why "
                          "dropped)",
                          c_->packets));
    out.push_back(traffic("meshlet_gossip_streams_total",
                          "Gossip TCP frames (push-pull, join) by direction and result",
                          c_->streams));
    prometheus::MetricFamily failures{"meshlet_gossip_stream_failures_total",
                                      "Gossip stream exchanges this sidecar started that "
                                      "failed (connect, I/O, timeout, refused reply)",
                                      prometheus::MetricType::Counter,
                                      {}};
    prometheus::ClientMetric f;
    f.counter.value = static_cast<double>(c_->stream_failures.load(std::memory_order_relaxed));
    failures.metric.push_back(std::move(f));
    out.push_back(std::move(failures));
    return out;
  }

private:
  template <class Table>
  static prometheus::MetricFamily traffic(const char* name, const char* help, const Table& t) {
    prometheus::MetricFamily fam{name, help, prometheus::MetricType::Counter, {}};
    for (std::size_t d = 0; d < 2; ++d)
      for (std::size_t v = 0; v < gossip::verdict_count; ++v) {
        // Out is only ever ok or oversize: leave the other series out of the exposition.
        auto why = static_cast<verdict>(v);
        if (d == 1 && why != verdict::ok && why != verdict::oversize)
          continue;
        prometheus::ClientMetric m;
        m.label = {{"direction", d == 0 ? "in" : "out"},
                   {"result", std::string{gossip::to_string(why)}}};
        m.counter.value = static_cast<double>(t[d][v].load(std::memory_order_relaxed));
        fam.metric.push_back(std::move(m));
      }
    return fam;
  }

  std::shared_ptr<const gossip::gossip_counters> c_;
};

} // namespace

std::shared_ptr<prometheus::Collectable>
make_gossip_metrics(std::shared_ptr<const gossip::gossip_counters> counters) {
  return std::make_shared<gossip_collectable>(std::move(counters));
}

} // namespace meshlet::actors
