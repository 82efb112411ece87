// endpoint_table: the balancer's immutable snapshot of a cluster's endpoints, published to
// every I/O thread; streams pick from their thread's copy without locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meshlet::lb {

struct endpoint {
  uint32_t id = 0;      // stable across snapshots while the address stays in the cluster
  std::string address; // "host:port" as configured: the endpoint's identity
  std::string ip;      // resolved address to connect to
  uint16_t port = 0;
  uint32_t weight = 1;
  bool eligible = true; // healthy, not ejected, not draining
};

struct endpoint_table {
  uint64_t version = 0;
  std::string cluster;
  std::vector<endpoint> endpoints;
};

using endpoint_table_ptr = std::shared_ptr<const endpoint_table>;

} // namespace meshlet::lb
