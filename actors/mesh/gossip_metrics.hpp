// gossip_metrics: the mesh actor's counters as a Prometheus collectable (read on the exposer's
// thread from atomics): meshlet_gossip_members{state}, meshlet_gossip_packets_total{direction,
// result}, meshlet_gossip_streams_total{direction,result}, meshlet_gossip_stream_failures_total.
#pragma once

#include "mesh/gossip/gossip_counters.hpp"

#include <prometheus/collectable.h>

#include <memory>

namespace meshlet::actors {

std::shared_ptr<prometheus::Collectable>
make_gossip_metrics(std::shared_ptr<const gossip::gossip_counters> counters);

} // namespace meshlet::actors
