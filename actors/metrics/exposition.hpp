// exposition: a merged metrics_snapshot as Prometheus metric families, the names DESIGN.md
// gives. Label conventions:
//  - grpc_status is the code's canonical name ("OK", "UNAVAILABLE", ...), as gRPC's own
//    metrics spell it (grpc.status) and as meshlet's config names codes;
//  - classification is "success" for OK and "failure" for every other status (Linkerd's
//    rule for gRPC), whatever the outlier detector makes of it;
//  - endpoint is the address as configured ("host:port"); calls that never reached an endpoint
//    count with endpoint "" (absent in PromQL), those no route matched with cluster "" too;
//  - meshlet_endpoint_health has one series per listed endpoint and state
//    (eligible | ejected | ineligible), exactly one of them 1.
#pragma once

#include "actors/metrics/metrics_snapshot.hpp"

#include <prometheus/metric_family.h>

#include <vector>

namespace meshlet::metrics {

std::vector<prometheus::MetricFamily> to_families(const metrics_snapshot& s);

} // namespace meshlet::metrics
