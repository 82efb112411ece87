// Tests for the config validator: each kind of problem, with the exact FILE:LINE:COLUMN line it
// must produce (one table row per case), and several problems reported together.
#include "mesh/config/config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using meshlet::config::parse;

namespace {

// Three lines: one valid cluster 'c'.
const std::string cluster_c = "clusters:\n"
                              "  - name: c\n"
                              "    endpoints: [127.0.0.1:1]\n";
// Six lines: cluster 'c' and route 'r' to it.
const std::string route_r = cluster_c
                            + "routes:\n"
                              "  - name: r\n"
                              "    cluster: c\n";
// A cluster 'c' whose 4th line is `lb_line`.
std::string with_lb(const std::string& lb_line) {
  return cluster_c + lb_line + "\n";
}
// A cluster 'c' whose 4th line is `block` (health:, outlier:, retry:).
std::string with_block(const std::string& block) {
  return cluster_c + block + "\n";
}
// A cluster 'c' whose only endpoint is the 4th line.
std::string with_endpoint(const std::string& endpoint) {
  return "clusters:\n  - name: c\n    endpoints:\n      - " + endpoint + "\n";
}
// Route 'r' (lines 5-) with these extra lines after its name.
std::string with_route(const std::string& body) {
  return cluster_c + "routes:\n  - name: r\n" + body;
}
// Listener 'l' (lines 8-) after route 'r', with these lines after its name.
std::string with_listener(const std::string& body) {
  return route_r + "listeners:\n  - name: l\n" + body;
}

// One error per line, so that doctest prints a readable difference.
std::string lines(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors)
    out += e + "\n";
  return out;
}

struct error_case {
  std::string what;
  std::string yaml;
  std::vector<std::string> errors;
};

// Every status name but OK, as "unknown status" messages list them.
const std::string statuses =
  "(expected: CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, "
  "PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, "
  "UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, UNAUTHENTICATED)";

const std::string policies =
  "(expected: round_robin, weighted_round_robin, least_request, peak_ewma, ring_hash, random)";

const std::vector<error_case> cases = {
  // YAML syntax and shape.
  {"syntax error",
   "clusters: [a, b\n",
   {"m.yaml:2:1: YAML syntax error: end of sequence flow not found"}},
  {"bad indentation", "- a\n b: c\n", {"m.yaml:2:3: YAML syntax error: illegal map value"}},
  {"empty file",
   "",
   {"m.yaml:1:1: empty config: expected a map with keys listeners, clusters, routes"}},
  {"only a comment",
   "# nothing\n",
   {"m.yaml:1:1: empty config: expected a map with keys listeners, clusters, routes"}},
  {"top level is a list",
   "- a\n",
   {"m.yaml:1:1: the config must be a map with keys listeners, clusters, routes; got a list"}},
  {"two documents",
   cluster_c + "---\nclusters: []\n",
   {"m.yaml:5:1: expected one YAML document, found 2"}},

  // Unknown keys at every level.
  {"unknown top-level key",
   cluster_c + "listners: []\n",
   {"m.yaml:4:1: unknown key 'listners' in config (expected: listeners, clusters, routes)"}},
  {"unknown cluster key",
   "clusters:\n  - name: c\n    endpoint: [127.0.0.1:1]\n",
   {"m.yaml:2:5: missing required key 'endpoints' in cluster 'c'",
    "m.yaml:3:5: unknown key 'endpoint' in cluster 'c' (expected: name, endpoints, lb, "
    "dns_refresh_ms, health, outlier, retry, runtime_endpoints)"}},
  {"unknown endpoint key",
   with_endpoint("{address: 127.0.0.1:1, weigth: 3}"),
   {"m.yaml:4:32: unknown key 'weigth' in endpoint (expected: address, weight)"}},
  {"unknown lb key",
   with_lb("    lb: {policy: random, choise: 2}"),
   {"m.yaml:4:26: unknown key 'choise' in lb (expected: policy, choice_count, default_rtt_ms, "
    "decay_ms, hash_header, ring_size)"}},
  {"unknown route key",
   route_r + "    clusters: [c]\n",
   {"m.yaml:7:5: unknown key 'clusters' in route 'r' (expected: name, match, cluster, split)"}},
  {"unknown match key",
   with_route("    match: {sevice: a.B}\n    cluster: c\n"),
   {"m.yaml:6:13: unknown key 'sevice' in match (expected: service, method, path_prefix, "
    "headers)"}},
  {"unknown split entry key",
   with_route("    split:\n      - {cluster: c, wieght: 2}\n"),
   {"m.yaml:7:22: unknown key 'wieght' in split entry (expected: cluster, weight)"}},
  {"unknown listener key",
   with_listener("    address: 127.0.0.1:15001\n    routes: [r]\n    port: 1\n"),
   {"m.yaml:11:5: unknown key 'port' in listener 'l' (expected: name, address, routes)"}},
  {"key given twice",
   cluster_c + "    name: d\n",
   {"m.yaml:4:5: duplicate key 'name' in cluster 'c' (first at line 2)"}},

  // Wrong types.
  {"word for a number",
   with_endpoint("{address: 127.0.0.1:1, weight: abc}"),
   {"m.yaml:4:40: 'weight' in endpoint must be an integer from 1 to 1000, got 'abc'"}},
  {"quoted number",
   with_endpoint("{address: 127.0.0.1:1, weight: \"3\"}"),
   {"m.yaml:4:40: 'weight' in endpoint must be an integer from 1 to 1000, got the string \"3\""}},
  {"fraction for an integer",
   with_endpoint("{address: 127.0.0.1:1, weight: 2.5}"),
   {"m.yaml:4:40: 'weight' in endpoint must be an integer from 1 to 1000, got '2.5'"}},
  {"map for a list",
   "clusters:\n  - name: c\n    endpoints: {address: 127.0.0.1:1}\n",
   {"m.yaml:3:16: 'endpoints' in cluster 'c' must be a list, got a map"}},
  {"list for a string",
   with_listener("    address: [127.0.0.1:15001]\n    routes: [r]\n"),
   {"m.yaml:9:14: 'address' in listener 'l' must be a string, got a list"}},
  {"clusters as a map",
   "clusters: {name: c}\n",
   {"m.yaml:1:11: 'clusters' in config must be a list, got a map"}},
  {"cluster as a string", "clusters:\n  - c\n", {"m.yaml:2:5: a cluster must be a map, got 'c'"}},
  {"lb as a string",
   with_lb("    lb: least_request"),
   {"m.yaml:4:9: 'lb' in cluster 'c' must be a map, got 'least_request'"}},
  {"endpoint as a list",
   with_endpoint("[127.0.0.1:1]"),
   {"m.yaml:4:9: an endpoint must be an address or a map with address and weight, got a list"}},
  {"route reference as a map",
   with_listener("    address: 127.0.0.1:15001\n    routes: [{r: 1}]\n"),
   {"m.yaml:10:14: route names in listener 'l' must be strings, got a map"}},
  {"empty value",
   "clusters:\n  - name:\n    endpoints: [127.0.0.1:1]\n",
   {"m.yaml:2:5: 'name' in cluster must be a string, got nothing"}},
  {"header value as a list",
   with_route("    match: {headers: {x-a: [1]}}\n    cluster: c\n"),
   {"m.yaml:6:28: value of header 'x-a' in match must be a string, got a list"}},

  // Missing required fields.
  {"no clusters key", "routes: []\n", {"m.yaml:1:1: missing required key 'clusters' in config"}},
  {"no clusters", "clusters: []\n", {"m.yaml:1:11: 'clusters' must list at least one cluster"}},
  {"listener without address",
   with_listener("    routes: [r]\n"),
   {"m.yaml:8:5: missing required key 'address' in listener 'l'"}},
  {"listener without name",
   route_r + "listeners:\n  - address: 127.0.0.1:15001\n    routes: [r]\n",
   {"m.yaml:8:5: missing required key 'name' in listener"}},
  {"listener without routes",
   with_listener("    address: 127.0.0.1:15001\n"),
   {"m.yaml:8:5: missing required key 'routes' in listener 'l'"}},
  {"listener with no routes",
   with_listener("    address: 127.0.0.1:15001\n    routes: []\n"),
   {"m.yaml:10:13: 'routes' in listener 'l' must name at least one route"}},
  {"cluster without name",
   "clusters:\n  - endpoints: [127.0.0.1:1]\n",
   {"m.yaml:2:5: missing required key 'name' in cluster"}},
  {"cluster without endpoints",
   "clusters:\n  - name: c\n",
   {"m.yaml:2:5: missing required key 'endpoints' in cluster 'c'"}},
  {"cluster with no endpoints",
   "clusters:\n  - name: c\n    endpoints: []\n",
   {"m.yaml:3:16: 'endpoints' in cluster 'c' must list at least one endpoint"}},
  {"endpoint without address",
   with_endpoint("{weight: 2}"),
   {"m.yaml:4:9: missing required key 'address' in endpoint"}},
  {"route without target",
   with_route("    match: {method: M}\n"),
   {"m.yaml:5:5: route 'r' needs a target: 'cluster' or 'split'"}},
  {"route without name",
   cluster_c + "routes:\n  - cluster: c\n",
   {"m.yaml:5:5: missing required key 'name' in route"}},
  {"split entry without cluster",
   with_route("    split:\n      - {weight: 2}\n"),
   {"m.yaml:7:9: missing required key 'cluster' in split entry"}},
  {"route with two targets",
   route_r + "    split: [{cluster: c}]\n",
   {"m.yaml:7:5: route 'r' has both 'cluster' and 'split' (use one)"}},

  // Duplicates.
  {"duplicate listener",
   with_listener("    address: 127.0.0.1:15001\n    routes: [r]\n"
                 "  - name: l\n    address: 127.0.0.1:15002\n    routes: [r]\n"),
   {"m.yaml:11:11: duplicate listener name 'l' (first defined at line 8)"}},
  {"duplicate cluster",
   cluster_c + "  - name: c\n    endpoints: [127.0.0.1:2]\n",
   {"m.yaml:4:11: duplicate cluster name 'c' (first defined at line 2)"}},
  {"duplicate route",
   route_r + "  - name: r\n    cluster: c\n",
   {"m.yaml:7:11: duplicate route name 'r' (first defined at line 5)"}},
  {"duplicate endpoint",
   "clusters:\n  - name: c\n    endpoints: [127.0.0.1:1, 127.0.0.1:1]\n",
   {"m.yaml:3:30: duplicate endpoint '127.0.0.1:1' in cluster 'c' (first at line 3)"}},
  {"duplicate listener address",
   with_listener("    address: 127.0.0.1:15001\n    routes: [r]\n"
                 "  - name: m\n    address: 127.0.0.1:15001\n    routes: [r]\n"),
   {"m.yaml:12:14: duplicate listener address '127.0.0.1:15001' (first at line 9)"}},
  {"route listed twice",
   with_listener("    address: 127.0.0.1:15001\n    routes: [r, r]\n"),
   {"m.yaml:10:17: route 'r' is listed twice in listener 'l'"}},
  {"cluster twice in a split",
   with_route("    split:\n      - {cluster: c}\n      - {cluster: c}\n"),
   {"m.yaml:8:19: cluster 'c' appears twice in the split of route 'r' (first at line 7)"}},

  // References.
  {"route to a missing cluster",
   with_route("    cluster: d\n"),
   {"m.yaml:6:14: route 'r' names unknown cluster 'd'"}},
  {"split to a missing cluster",
   with_route("    split:\n      - {cluster: c, weight: 1}\n      - {cluster: d, weight: 1}\n"),
   {"m.yaml:8:19: route 'r' names unknown cluster 'd'"}},
  {"listener to a missing route",
   with_listener("    address: 127.0.0.1:15001\n    routes: [r, q]\n"),
   {"m.yaml:10:17: listener 'l' names unknown route 'q'"}},

  // Weights.
  {"endpoint weight 0",
   with_endpoint("{address: 127.0.0.1:1, weight: 0}"),
   {"m.yaml:4:40: 'weight' in endpoint must be an integer from 1 to 1000, got 0"}},
  {"endpoint weight 1001",
   with_endpoint("{address: 127.0.0.1:1, weight: 1001}"),
   {"m.yaml:4:40: 'weight' in endpoint must be an integer from 1 to 1000, got 1001"}},
  {"split weight 0",
   with_route("    split:\n      - {cluster: c, weight: 0}\n"),
   {"m.yaml:7:30: 'weight' in split entry must be an integer from 1 to 1000, got 0"}},
  {"split weight 1001",
   with_route("    split:\n      - {cluster: c, weight: 1001}\n"),
   {"m.yaml:7:30: 'weight' in split entry must be an integer from 1 to 1000, got 1001"}},
  {"empty split",
   with_route("    split: []\n"),
   {"m.yaml:6:12: 'split' in route 'r' needs at least one entry"}},
  {"split as a map",
   with_route("    split: {cluster: c}\n"),
   {"m.yaml:6:12: 'split' in route 'r' must be a list, got a map"}},

  // Addresses.
  {"endpoint without port",
   "clusters:\n  - name: c\n    endpoints: [127.0.0.1]\n",
   {"m.yaml:3:17: invalid endpoint address '127.0.0.1': expected HOST:PORT"}},
  {"endpoint port 0",
   "clusters:\n  - name: c\n    endpoints: [backend:0]\n",
   {"m.yaml:3:17: invalid endpoint address 'backend:0': port must be a number from 1 to 65535"}},
  {"IPv6 endpoint without brackets",
   "clusters:\n  - name: c\n    endpoints: [\"::1:80\"]\n",
   {"m.yaml:3:17: invalid endpoint address '::1:80': IPv6 addresses need brackets: "
    "[ADDR]:PORT"}},
  {"listener on a DNS name",
   with_listener("    address: localhost:15001\n    routes: [r]\n"),
   {"m.yaml:9:14: listener address 'localhost:15001' must be an IP address and port, e.g. "
    "127.0.0.1:15001"}},
  {"listener port out of range",
   with_listener("    address: 127.0.0.1:99999\n    routes: [r]\n"),
   {"m.yaml:9:14: invalid listener address '127.0.0.1:99999': port must be a number from 1 to "
    "65535"}},

  // Load-balancing policies and their parameters.
  {"unknown policy",
   with_lb("    lb: {policy: fastest}"),
   {"m.yaml:4:18: unknown lb policy 'fastest' " + policies}},
  {"choice_count for round_robin",
   with_lb("    lb: {choice_count: 3}"),
   {"m.yaml:4:10: 'choice_count' applies only to lb policy least_request, not round_robin"}},
  {"hash_header for least_request",
   with_lb("    lb: {policy: least_request, hash_header: x-id}"),
   {"m.yaml:4:33: 'hash_header' applies only to lb policy ring_hash, not least_request"}},
  {"decay_ms for ring_hash",
   with_lb("    lb: {policy: ring_hash, hash_header: x-id, decay_ms: 5}"),
   {"m.yaml:4:48: 'decay_ms' applies only to lb policy peak_ewma, not ring_hash"}},
  {"ring_hash without a header",
   with_lb("    lb: {policy: ring_hash}"),
   {"m.yaml:4:9: lb policy ring_hash needs 'hash_header' (the request header to hash)"}},
  {"choice_count 1",
   with_lb("    lb: {policy: least_request, choice_count: 1}"),
   {"m.yaml:4:47: 'choice_count' in lb must be an integer from 2 to 100, got 1"}},
  {"bad hash header",
   with_lb("    lb: {policy: ring_hash, hash_header: \"x id\"}"),
   {"m.yaml:4:42: 'hash_header' in lb must be a header name, got 'x id'"}},

  // Durations.
  {"zero dns_refresh_ms",
   with_lb("    dns_refresh_ms: 0"),
   {"m.yaml:4:21: 'dns_refresh_ms' in cluster 'c' must be an integer from 1 to 86400000, got 0"}},
  {"negative dns_refresh_ms",
   with_lb("    dns_refresh_ms: -5"),
   {"m.yaml:4:21: 'dns_refresh_ms' in cluster 'c' must be an integer from 1 to 86400000, got -5"}},
  {"zero default_rtt_ms",
   with_lb("    lb: {policy: peak_ewma, default_rtt_ms: 0}"),
   {"m.yaml:4:45: 'default_rtt_ms' in lb must be an integer from 1 to 86400000, got 0"}},
  {"negative decay_ms",
   with_lb("    lb: {policy: peak_ewma, decay_ms: -1}"),
   {"m.yaml:4:39: 'decay_ms' in lb must be an integer from 1 to 86400000, got -1"}},

  // Health checks.
  {"unknown health key",
   with_block("    health: {interval_ms: 5000, intervl: 1}"),
   {"m.yaml:4:33: unknown key 'intervl' in health (expected: enabled, interval_ms, timeout_ms, "
    "unhealthy_threshold, healthy_threshold, service, watch)"}},
  {"health as a bool",
   with_block("    health: true"),
   {"m.yaml:4:13: 'health' in cluster 'c' must be a map, got 'true'"}},
  {"health enabled: yes",
   with_block("    health: {enabled: yes}"),
   {"m.yaml:4:23: 'enabled' in health must be true or false, got 'yes'"}},
  {"health enabled quoted",
   with_block("    health: {enabled: \"false\"}"),
   {"m.yaml:4:23: 'enabled' in health must be true or false, got the string \"false\""}},
  {"zero interval_ms",
   with_block("    health: {interval_ms: 0}"),
   {"m.yaml:4:27: 'interval_ms' in health must be an integer from 1 to 86400000, got 0"}},
  {"interval_ms over a day",
   with_block("    health: {interval_ms: 86400001, timeout_ms: 1000}"),
   {"m.yaml:4:27: 'interval_ms' in health must be an integer from 1 to 86400000, got 86400001"}},
  {"zero timeout_ms",
   with_block("    health: {timeout_ms: 0}"),
   {"m.yaml:4:26: 'timeout_ms' in health must be an integer from 1 to 86400000, got 0"}},
  {"timeout equal to interval",
   with_block("    health: {interval_ms: 1000, timeout_ms: 1000}"),
   {"m.yaml:4:45: 'timeout_ms' in health must be less than interval_ms (1000), got 1000"}},
  {"timeout above the default interval",
   with_block("    health: {timeout_ms: 6000}"),
   {"m.yaml:4:26: 'timeout_ms' in health must be less than interval_ms (5000 by default), got "
    "6000"}},
  {"interval below the default timeout",
   with_block("    health: {interval_ms: 200}"),
   {"m.yaml:4:27: 'interval_ms' in health must be greater than timeout_ms (1000 by default; set "
    "timeout_ms), got 200"}},
  {"a bad interval is reported once, not also against the timeout",
   with_block("    health: {interval_ms: abc, timeout_ms: 6000}"),
   {"m.yaml:4:27: 'interval_ms' in health must be an integer from 1 to 86400000, got 'abc'"}},
  {"unhealthy_threshold 0",
   with_block("    health: {unhealthy_threshold: 0}"),
   {"m.yaml:4:35: 'unhealthy_threshold' in health must be an integer from 1 to 100, got 0"}},
  {"healthy_threshold 101",
   with_block("    health: {healthy_threshold: 101}"),
   {"m.yaml:4:33: 'healthy_threshold' in health must be an integer from 1 to 100, got 101"}},
  {"health service as a list",
   with_block("    health: {service: [a]}"),
   {"m.yaml:4:23: 'service' in health must be a string, got a list"}},

  // Outlier detection.
  {"unknown outlier key",
   with_block("    outlier: {consecutive_failure: 5}"),
   {"m.yaml:4:15: unknown key 'consecutive_failure' in outlier (expected: enabled, "
    "consecutive_failures, failure_statuses, base_ejection_ms, max_ejection_ms, "
    "max_ejection_percent, panic_threshold_percent)"}},
  {"outlier enabled: off",
   with_block("    outlier: {enabled: off}"),
   {"m.yaml:4:24: 'enabled' in outlier must be true or false, got 'off'"}},
  {"unknown failure status",
   with_block("    outlier: {failure_statuses: [UNAVAILABLE, UNAVAILBLE]}"),
   {"m.yaml:4:47: unknown status 'UNAVAILBLE' in 'failure_statuses' of outlier " + statuses}},
  {"status code number for a name",
   with_block("    outlier: {failure_statuses: [14]}"),
   {"m.yaml:4:34: unknown status '14' in 'failure_statuses' of outlier " + statuses}},
  {"OK as a failure status",
   with_block("    outlier: {failure_statuses: [ok]}"),
   {"m.yaml:4:34: 'failure_statuses' in outlier cannot include OK"}},
  {"failure status listed twice, in two cases",
   with_block("    outlier: {failure_statuses: [UNAVAILABLE, unavailable]}"),
   {"m.yaml:4:47: 'UNAVAILABLE' is listed twice in 'failure_statuses' of outlier"}},
  {"failure status as a map",
   with_block("    outlier: {failure_statuses: [{code: 14}]}"),
   {"m.yaml:4:34: status names in 'failure_statuses' of outlier must be strings, got a map"}},
  {"failure_statuses as a string",
   with_block("    outlier: {failure_statuses: UNAVAILABLE}"),
   {"m.yaml:4:33: 'failure_statuses' in outlier must be a list, got 'UNAVAILABLE'"}},
  {"consecutive_failures 0",
   with_block("    outlier: {consecutive_failures: 0}"),
   {"m.yaml:4:37: 'consecutive_failures' in outlier must be an integer from 1 to 1000, got 0"}},
  {"consecutive_failures 1001",
   with_block("    outlier: {consecutive_failures: 1001}"),
   {"m.yaml:4:37: 'consecutive_failures' in outlier must be an integer from 1 to 1000, got "
    "1001"}},
  {"zero base_ejection_ms",
   with_block("    outlier: {base_ejection_ms: 0}"),
   {"m.yaml:4:33: 'base_ejection_ms' in outlier must be an integer from 1 to 86400000, got 0"}},
  {"base ejection above max ejection",
   with_block("    outlier: {base_ejection_ms: 60000, max_ejection_ms: 30000}"),
   {"m.yaml:4:57: 'max_ejection_ms' in outlier must be at least base_ejection_ms (60000), got "
    "30000"}},
  {"base ejection above the default max",
   with_block("    outlier: {base_ejection_ms: 400000}"),
   {"m.yaml:4:33: 'base_ejection_ms' in outlier must be at most max_ejection_ms (300000 by "
    "default), got 400000"}},
  {"max ejection below the default base",
   with_block("    outlier: {max_ejection_ms: 1000}"),
   {"m.yaml:4:32: 'max_ejection_ms' in outlier must be at least base_ejection_ms (30000 by "
    "default), got 1000"}},
  {"max_ejection_percent 101",
   with_block("    outlier: {max_ejection_percent: 101}"),
   {"m.yaml:4:37: 'max_ejection_percent' in outlier must be an integer from 0 to 100, got 101"}},
  {"negative panic_threshold_percent",
   with_block("    outlier: {panic_threshold_percent: -1}"),
   {"m.yaml:4:40: 'panic_threshold_percent' in outlier must be an integer from 0 to 100, got "
    "-1"}},

  // Retries and their budget.
  {"unknown retry key",
   with_block("    retry: {max_attempt: 3}"),
   {"m.yaml:4:13: unknown key 'max_attempt' in retry (expected: max_attempts, retry_on, methods, "
    "buffer_limit_bytes, initial_backoff_ms, max_backoff_ms, backoff_multiplier, budget)"}},
  {"retry as a list",
   with_block("    retry: [UNAVAILABLE]"),
   {"m.yaml:4:12: 'retry' in cluster 'c' must be a map, got a list"}},
  {"max_attempts 0",
   with_block("    retry: {max_attempts: 0}"),
   {"m.yaml:4:27: 'max_attempts' in retry must be an integer from 1 to 10, got 0"}},
  {"max_attempts 11",
   with_block("    retry: {max_attempts: 11}"),
   {"m.yaml:4:27: 'max_attempts' in retry must be an integer from 1 to 10, got 11"}},
  {"unknown retry_on status",
   with_block("    retry: {retry_on: [Unavailable, BUSY]}"),
   {"m.yaml:4:37: unknown status 'BUSY' in 'retry_on' of retry " + statuses}},
  {"OK in retry_on",
   with_block("    retry: {retry_on: [OK]}"),
   {"m.yaml:4:24: 'retry_on' in retry cannot include OK"}},
  {"retry_on status listed twice",
   with_block("    retry: {retry_on: [ABORTED, aborted]}"),
   {"m.yaml:4:33: 'ABORTED' is listed twice in 'retry_on' of retry"}},
  {"method pattern without '/'",
   with_block("    retry: {methods: [meshtest.Echo/Unary]}"),
   {"m.yaml:4:23: method pattern 'meshtest.Echo/Unary' in retry must be /package.Service/Method "
    "or /package.Service/*"}},
  {"method pattern with no method",
   with_block("    retry: {methods: [/meshtest.Echo]}"),
   {"m.yaml:4:23: method pattern '/meshtest.Echo' in retry must be /package.Service/Method or "
    "/package.Service/*"}},
  {"method pattern with a partial wildcard",
   with_block("    retry: {methods: [\"/meshtest.Echo/Un*\"]}"),
   {"m.yaml:4:23: method pattern '/meshtest.Echo/Un*' in retry must be /package.Service/Method "
    "or /package.Service/*"}},
  {"method pattern listed twice",
   with_block("    retry: {methods: [/a.B/C, /a.B/C]}"),
   {"m.yaml:4:31: '/a.B/C' is listed twice in 'methods' of retry"}},
  {"method pattern as a number",
   with_block("    retry: {methods: [[1]]}"),
   {"m.yaml:4:23: method patterns in 'methods' of retry must be strings, got a list"}},
  {"buffer_limit_bytes over 16 MiB",
   with_block("    retry: {buffer_limit_bytes: 16777217}"),
   {"m.yaml:4:33: 'buffer_limit_bytes' in retry must be an integer from 0 to 16777216, got "
    "16777217"}},
  {"negative buffer_limit_bytes",
   with_block("    retry: {buffer_limit_bytes: -1}"),
   {"m.yaml:4:33: 'buffer_limit_bytes' in retry must be an integer from 0 to 16777216, got -1"}},
  {"zero initial_backoff_ms",
   with_block("    retry: {initial_backoff_ms: 0}"),
   {"m.yaml:4:33: 'initial_backoff_ms' in retry must be an integer from 1 to 86400000, got 0"}},
  {"initial backoff above max backoff",
   with_block("    retry: {initial_backoff_ms: 100, max_backoff_ms: 50}"),
   {"m.yaml:4:54: 'max_backoff_ms' in retry must be at least initial_backoff_ms (100), got 50"}},
  {"initial backoff above the default max",
   with_block("    retry: {initial_backoff_ms: 500}"),
   {"m.yaml:4:33: 'initial_backoff_ms' in retry must be at most max_backoff_ms (250 by "
    "default), got 500"}},
  {"backoff_multiplier below 1",
   with_block("    retry: {backoff_multiplier: 0.5}"),
   {"m.yaml:4:33: 'backoff_multiplier' in retry must be a number from 1 to 10, got 0.5"}},
  {"backoff_multiplier a word",
   with_block("    retry: {backoff_multiplier: fast}"),
   {"m.yaml:4:33: 'backoff_multiplier' in retry must be a number from 1 to 10, got 'fast'"}},
  {"backoff_multiplier infinite",
   with_block("    retry: {backoff_multiplier: inf}"),
   {"m.yaml:4:33: 'backoff_multiplier' in retry must be a number from 1 to 10, got 'inf'"}},
  {"unknown budget key",
   with_block("    retry: {budget: {ratio: 20}}"),
   {"m.yaml:4:22: unknown key 'ratio' in retry budget (expected: ratio_percent, "
    "min_retries_per_second)"}},
  {"budget as a number",
   with_block("    retry: {budget: 20}"),
   {"m.yaml:4:21: 'budget' in retry must be a map, got '20'"}},
  {"ratio_percent 101",
   with_block("    retry: {budget: {ratio_percent: 101}}"),
   {"m.yaml:4:37: 'ratio_percent' in retry budget must be an integer from 0 to 100, got 101"}},
  {"negative min_retries_per_second",
   with_block("    retry: {budget: {min_retries_per_second: -3}}"),
   {"m.yaml:4:46: 'min_retries_per_second' in retry budget must be an integer from 0 to 10000, "
    "got -3"}},

  // Matches and names.
  {"path_prefix without '/'",
   with_route("    match: {path_prefix: meshtest}\n    cluster: c\n"),
   {"m.yaml:6:26: 'path_prefix' in match must start with '/', got 'meshtest'"}},
  {"service with '/'",
   with_route("    match: {service: /a.B}\n    cluster: c\n"),
   {"m.yaml:6:22: 'service' in match must be a non-empty name without '/', got '/a.B'"}},
  {"bad header name",
   with_route("    match: {headers: {\"x a\": \"1\"}}\n    cluster: c\n"),
   {"m.yaml:6:23: invalid header name 'x a' in match"}},
  {"bad cluster name",
   "clusters:\n  - name: \"my c\"\n    endpoints: [127.0.0.1:1]\n",
   {"m.yaml:2:11: cluster name 'my c' is invalid: use letters, digits, '.', '_' and '-'"}},
};

} // namespace

TEST_SUITE("config/errors") {

  TEST_CASE("each invalid config gives exactly its FILE:LINE:COLUMN error") {
    for (const auto& c : cases) {
      CAPTURE(c.what);
      CAPTURE(c.yaml);
      auto r = parse(c.yaml, "m.yaml");
      CHECK_FALSE(r.value.has_value());
      CHECK(lines(r.errors) == lines(c.errors));
    }
  }

  TEST_CASE("the baselines the error cases start from are valid") {
    for (const auto& yaml :
         {cluster_c, route_r, with_listener("    address: 127.0.0.1:15001\n    routes: [r]\n")}) {
      auto r = parse(yaml, "m.yaml");
      CHECK(r.errors.empty());
      CHECK(r.value.has_value());
    }
  }

  TEST_CASE("every problem in a file is reported, in file order") {
    const std::string yaml = "listeners:\n"                                // 1
                             "  - name: out\n"                             // 2
                             "    address: localhost:1\n"                  // 3
                             "    routes: [nope]\n"                        // 4
                             "clusters:\n"                                 // 5
                             "  - name: echo\n"                            // 6
                             "    lb: {policy: fastest}\n"                 // 7
                             "    endpoints:\n"                            // 8
                             "      - {address: 127.0.0.1:1, weigth: 3}\n" // 9
                             "      - {address: 127.0.0.1:2, weight: 0}\n" // 10
                             "  - name: echo\n"                            // 11
                             "    endpoints: [127.0.0.1]\n"                // 12
                             "routes:\n"                                   // 13
                             "  - name: r\n"                               // 14
                             "    cluster: ecko\n";                        // 15
    auto r = parse(yaml, "meshlet.yaml");
    CHECK_FALSE(r.value.has_value());
    const std::vector<std::string> expected = {
      "meshlet.yaml:3:14: listener address 'localhost:1' must be an IP address and port, e.g. "
      "127.0.0.1:15001",
      "meshlet.yaml:4:14: listener 'out' names unknown route 'nope'",
      "meshlet.yaml:7:18: unknown lb policy 'fastest' " + policies,
      "meshlet.yaml:9:32: unknown key 'weigth' in endpoint (expected: address, weight)",
      "meshlet.yaml:10:40: 'weight' in endpoint must be an integer from 1 to 1000, got 0",
      "meshlet.yaml:11:11: duplicate cluster name 'echo' (first defined at line 6)",
      "meshlet.yaml:12:17: invalid endpoint address '127.0.0.1': expected HOST:PORT",
      "meshlet.yaml:15:14: route 'r' names unknown cluster 'ecko'",
    };
    CHECK(lines(r.errors) == lines(expected));
  }

  TEST_CASE("an unreadable section does not also report every reference into it") {
    // 'clusters' is not a list: only that is reported, not the route's reference to 'c'.
    auto r = parse("clusters: c\nroutes:\n  - name: r\n    cluster: c\n", "m.yaml");
    CHECK(r.errors
          == std::vector<std::string>{"m.yaml:1:11: 'clusters' in config must be a list, got 'c'"});
  }

  TEST_CASE("control characters in messages are escaped, so each error stays one line") {
    auto r = parse(cluster_c + "\"a\\nb\": 1\n", "m.yaml");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0]
          == "m.yaml:4:1: unknown key 'a\\x0ab' in config (expected: listeners, clusters, routes)");
  }

} // TEST_SUITE
