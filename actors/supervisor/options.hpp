// options: meshlet's command line (CLI11), validated into typed values. Bad input yields one
// line naming the flag and why; the caller exits 2 with nothing started.
#pragma once

#include "transport/net/address.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace meshlet::actors {

struct options {
  std::optional<net::address> listen;  // --listen: listener "default"
  std::vector<net::address> upstreams; // --upstream: cluster "default" (empty: not given)
  std::optional<std::string> lb;       // --lb: policy of cluster "default"
  std::string hash_header;             // --hash-header: ring_hash key of cluster "default"
  // Health / outlier knobs for cluster "default" (0 / empty: not given).
  long health_interval_ms = 0; // --health-interval-ms: enables grpc.health.v1 checks
  long health_timeout_ms = 0;
  std::string health_service;
  bool health_watch = false;
  long outlier_consecutive = 0;
  long outlier_base_ms = 0;
  bool no_outlier = false;
  std::string retry_on;        // --retry-on: status names, comma-separated
  long max_attempts = 0;
  std::string config_file;             // --config
  std::string check_config;            // --check-config FILE: validate and exit
  unsigned threads = 1;
  // --accept-balance: "exact" (a new connection goes to the thread with the fewest) or
  // "kernel" (each thread keeps what its SO_REUSEPORT socket accepts).
  std::string accept_balance = "exact";
  std::chrono::milliseconds drain_grace{10000};
  std::string log_level = "info";
  // Admin gRPC API and Prometheus metrics (nullopt: "off").
  std::optional<net::address> admin = net::address{"127.0.0.1", 15000};   // --admin
  std::string admin_token_file;                                           // --admin-token-file
  std::optional<net::address> metrics = net::address{"127.0.0.1", 15090}; // --metrics
  // Gossip (issue 5): off unless --gossip-bind is given.
  std::optional<net::address> gossip_bind; // --gossip-bind IP:PORT
  std::vector<std::string> gossip_join;    // --gossip-join HOST:PORT[,...] (repeatable)
  std::string gossip_key_file;             // --gossip-key FILE: the HMAC key ring
  bool gossip_insecure = false;            // --gossip-insecure: no authentication
  std::string node_name;                   // --node-name ("" = hostname:gossip port)
};

struct parse_result {
  std::optional<options> value;
  int exit_code = 0;   // when !value: 0 for --help/--version, 2 for bad input
  std::string message; // what to print (usage, version or the error line)
};

parse_result parse_options(int argc, char** argv);

} // namespace meshlet::actors
