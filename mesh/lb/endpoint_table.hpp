// endpoint_table: the balancer's immutable snapshot of a cluster's endpoints, published to
// every I/O thread; streams pick from their thread's copy without locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meshlet::lb {

// Where an endpoint came from (the admin API reports it).
enum class endpoint_source : uint8_t { config, dns, admin };

struct endpoint {
  uint32_t id = 0;      // stable across snapshots while the address stays in the cluster
  std::string address; // "host:port" as configured: the endpoint's identity
  std::string ip;      // resolved address to connect to
  uint16_t port = 0;
  uint32_t weight = 1;
  bool eligible = true; // healthy, not ejected, not draining
  endpoint_source source = endpoint_source::config;
  bool draining = false;    // the admin API drained it: no new calls, open ones finish
  bool health_down = false; // active health checks say it is down
  bool health_passed = false; // a health check passed at least once (readiness needs one)
  // Another sidecar's fresh "unhealthy" rumour marks it (mesh/gossip/rumour_marks): no new
  // calls until this sidecar's own evidence or the rumour's TTL says otherwise.
  bool gossip_unhealthy = false;
  std::string gossip_reporter; // the reporting sidecar's node name
};

struct endpoint_table {
  uint64_t version = 0;
  std::string cluster;
  std::vector<endpoint> endpoints;
};

using endpoint_table_ptr = std::shared_ptr<const endpoint_table>;

} // namespace meshlet::lb
