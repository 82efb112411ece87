// config: meshlet's configuration model (listeners, clusters, routes) and its YAML loader.
// parse() reports every problem as one "FILE:LINE:COLUMN: message" line and never throws.
#pragma once

#include "mesh/health/health_state.hpp"
#include "mesh/lb/policy.hpp"
#include "mesh/outlier/outlier_detector.hpp"
#include "mesh/retry/retry_policy.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshlet::config {

struct endpoint {
  std::string address; // "host:port" (IP or DNS name)
  uint32_t weight = 1; // 1..1000
};

// Active health checking with grpc.health.v1 (off unless configured).
struct health_check {
  bool enabled = false;
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds timeout{1000};
  health::health_thresholds thresholds; // unhealthy 2, healthy 1
  std::string service;                  // "" = the whole server
  bool watch = false;                   // Watch stream instead of a Check every interval
};

struct cluster {
  std::string name;
  std::vector<endpoint> endpoints; // never empty
  lb::policy_config lb;
  std::chrono::milliseconds dns_refresh{5000};
  health_check health;
  bool outlier_enabled = true; // passive ejection on failure streaks (linkerd-style default)
  outlier::outlier_config outlier;
  retry::retry_config retry;
  retry::budget_config retry_budget;
  // The admin API may add endpoints at runtime (AddEndpoint); the flag-made "default" has it on.
  bool runtime_endpoints = false;
};

struct header_match {
  std::string name; // lower case (HTTP/2 header names are)
  std::string exact;
};

// Every field that is set must match; an empty route_match matches every call.
struct route_match {
  std::string service;     // "package.Service" of ":path" = /package.Service/Method
  std::string method;      // "Method"
  std::string path_prefix; // plain prefix of ":path", starts with '/'
  std::vector<header_match> headers;
};

struct weighted_cluster {
  std::string cluster;
  uint32_t weight = 1; // 1..1000
};

struct route {
  std::string name;
  route_match match;
  std::vector<weighted_cluster> clusters; // one cluster: its weight is ignored
};

struct listener {
  std::string name;
  std::string address;             // IP:port (port 0 = any free port)
  std::vector<std::string> routes; // tried in order
};

struct config {
  std::vector<listener> listeners;
  std::vector<cluster> clusters;
  std::vector<route> routes;
  std::string source; // the file it came from
};

struct load_result {
  std::optional<config> value; // set iff errors is empty
  std::vector<std::string> errors;
};

// No listeners and no routes is valid (the flag-driven mode adds them); at least one cluster
// is required.
load_result parse(std::string_view yaml_text, std::string_view file_name);
// "cannot read FILE: why" on I/O errors.
load_result load_file(const std::string& path);
// The effective config, defaults spelled out; parse(to_yaml(c)) gives c back.
std::string to_yaml(const config& c);

} // namespace meshlet::config
