// Tests for the config loader: a full config parses into the expected model, defaults,
// to_yaml round trips, the example in deploy/ is valid, and garbage never crashes it.
#include "mesh/config/config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace meshlet::config;
using std::chrono::milliseconds;

namespace {

const std::string full_yaml = R"(# every feature
listeners:
  - name: outbound
    address: 127.0.0.1:15001
    routes: [echo, default]
  - name: inbound
    address: "[::1]:0"
    routes: [default]
clusters:
  - name: echo
    lb: {policy: least_request, choice_count: 3}
    dns_refresh_ms: 2500
    runtime_endpoints: true
    health: {interval_ms: 200, timeout_ms: 100, unhealthy_threshold: 3, healthy_threshold: 2,
             service: meshtest.Echo}
    outlier:
      consecutive_failures: 4
      failure_statuses: [unavailable, INTERNAL]
      base_ejection_ms: 500
      max_ejection_ms: 4000
      max_ejection_percent: 34
      panic_threshold_percent: 20
    retry:
      max_attempts: 4
      retry_on: [UNAVAILABLE, aborted]
      methods: ["/meshtest.Echo/Unary", "/pkg.Svc/*"]
      buffer_limit_bytes: 1024
      initial_backoff_ms: 10
      max_backoff_ms: 80
      backoff_multiplier: 1.5
      budget: {ratio_percent: 10, min_retries_per_second: 5}
    endpoints:
      - {address: 127.0.0.1:50051, weight: 3}
      - 127.0.0.1:50052
  - name: slow
    lb: {policy: peak_ewma, default_rtt_ms: 40, decay_ms: 2000}
    health: {enabled: false, interval_ms: 2000}
    outlier: {enabled: false}
    endpoints: [slow.svc.cluster.local:50051]
  - name: sticky
    lb: {policy: ring_hash, hash_header: X-User-Id, ring_size: 2048}
    endpoints: ["[::1]:50061"]
  - name: plain
    endpoints: [10.0.0.1:80]
routes:
  - name: echo
    match: {service: meshtest.Echo, method: Unary, path_prefix: /meshtest., headers: {x-canary: "1", X-Zone: a}}
    split: [{cluster: echo, weight: 90}, {cluster: slow, weight: 10}]
  - name: default
    cluster: plain
)";

bool same_blocks(const cluster& x, const cluster& y) {
  const auto &h = x.health, &k = y.health;
  const auto &o = x.outlier, &p = y.outlier;
  const auto &r = x.retry, &s = y.retry;
  return h.enabled == k.enabled && h.interval == k.interval && h.timeout == k.timeout
         && h.thresholds.unhealthy == k.thresholds.unhealthy
         && h.thresholds.healthy == k.thresholds.healthy && h.service == k.service && h.watch == k.watch
         && x.outlier_enabled == y.outlier_enabled && o.failure_statuses == p.failure_statuses
         && o.consecutive_failures == p.consecutive_failures && o.base_ejection == p.base_ejection
         && o.max_ejection == p.max_ejection && o.max_ejection_percent == p.max_ejection_percent
         && o.panic_threshold_percent == p.panic_threshold_percent
         && r.max_attempts == s.max_attempts && r.retry_on == s.retry_on && r.methods == s.methods
         && r.buffer_limit == s.buffer_limit && r.initial_backoff == s.initial_backoff
         && r.backoff_multiplier == s.backoff_multiplier && r.max_backoff == s.max_backoff
         && x.retry_budget.ratio_percent == y.retry_budget.ratio_percent
         && x.retry_budget.min_retries_per_second == y.retry_budget.min_retries_per_second;
}

// Field-by-field equality (the model has no operator==).
bool same(const config& a, const config& b) {
  auto same_lb = [](const meshlet::lb::policy_config& x, const meshlet::lb::policy_config& y) {
    return x.name == y.name && x.choice_count == y.choice_count && x.default_rtt == y.default_rtt
           && x.decay == y.decay && x.hash_header == y.hash_header && x.ring_size == y.ring_size;
  };
  if (a.listeners.size() != b.listeners.size() || a.clusters.size() != b.clusters.size()
      || a.routes.size() != b.routes.size() || a.source != b.source)
    return false;
  for (size_t i = 0; i < a.listeners.size(); ++i) {
    const auto &x = a.listeners[i], &y = b.listeners[i];
    if (x.name != y.name || x.address != y.address || x.routes != y.routes)
      return false;
  }
  for (size_t i = 0; i < a.clusters.size(); ++i) {
    const auto &x = a.clusters[i], &y = b.clusters[i];
    if (x.name != y.name || !same_lb(x.lb, y.lb) || x.dns_refresh != y.dns_refresh
        || x.runtime_endpoints != y.runtime_endpoints
        || !same_blocks(x, y) || x.endpoints.size() != y.endpoints.size())
      return false;
    for (size_t j = 0; j < x.endpoints.size(); ++j)
      if (x.endpoints[j].address != y.endpoints[j].address
          || x.endpoints[j].weight != y.endpoints[j].weight)
        return false;
  }
  for (size_t i = 0; i < a.routes.size(); ++i) {
    const auto &x = a.routes[i], &y = b.routes[i];
    if (x.name != y.name || x.match.service != y.match.service || x.match.method != y.match.method
        || x.match.path_prefix != y.match.path_prefix
        || x.match.headers.size() != y.match.headers.size()
        || x.clusters.size() != y.clusters.size())
      return false;
    for (size_t j = 0; j < x.match.headers.size(); ++j)
      if (x.match.headers[j].name != y.match.headers[j].name
          || x.match.headers[j].exact != y.match.headers[j].exact)
        return false;
    for (size_t j = 0; j < x.clusters.size(); ++j)
      if (x.clusters[j].cluster != y.clusters[j].cluster
          || x.clusters[j].weight != y.clusters[j].weight)
        return false;
  }
  return true;
}

using meshlet::grpc::status_code;
using codes = std::set<status_code>;

// One cluster 'c' with this block line.
meshlet::config::cluster parse_cluster(const std::string& block) {
  auto r = parse("clusters:\n  - name: c\n    endpoints: [h:1]\n    " + block + "\n", "b.yaml");
  CAPTURE(block);
  REQUIRE(r.errors.empty());
  REQUIRE(r.value);
  return r.value->clusters.front();
}

// The repository root, from this file's path (CMake compiles it by absolute path).
// The repository root: MESHLET_SOURCE_DIR (set by ctest), else derived from this file's path
// (which ccache's base_dir makes relative to the build directory).
std::string repo_root() {
  if (const char* dir = std::getenv("MESHLET_SOURCE_DIR"))
    return std::string{dir} + "/";
  std::string f = __FILE__;
  return f.substr(0, f.rfind("tests/mesh/config/"));
}

} // namespace

TEST_SUITE("config/config") {

  TEST_CASE("a full config parses into the expected model") {
    auto r = parse(full_yaml, "full.yaml");
    REQUIRE(r.errors.empty());
    REQUIRE(r.value);
    const config& c = *r.value;
    CHECK(c.source == "full.yaml");

    REQUIRE(c.listeners.size() == 2);
    CHECK(c.listeners[0].name == "outbound");
    CHECK(c.listeners[0].address == "127.0.0.1:15001");
    CHECK(c.listeners[0].routes == std::vector<std::string>{"echo", "default"});
    CHECK(c.listeners[1].address == "[::1]:0"); // port 0: any free port

    REQUIRE(c.clusters.size() == 4);
    const auto& echo = c.clusters[0];
    CHECK(echo.name == "echo");
    CHECK(echo.lb.name == "least_request");
    CHECK(echo.dns_refresh == milliseconds{2500});
    CHECK(echo.runtime_endpoints);
    CHECK(echo.dns_refresh == milliseconds{2500});
    REQUIRE(echo.endpoints.size() == 2);
    CHECK(echo.endpoints[0].address == "127.0.0.1:50051");
    CHECK(echo.endpoints[0].weight == 3);
    CHECK(echo.endpoints[1].address == "127.0.0.1:50052");
    CHECK(echo.endpoints[1].weight == 1);

    const auto& slow = c.clusters[1];
    CHECK(slow.lb.name == "peak_ewma");
    CHECK(slow.lb.default_rtt == milliseconds{40});
    CHECK(slow.lb.decay == milliseconds{2000});
    CHECK(slow.endpoints[0].address == "slow.svc.cluster.local:50051");

    const auto& sticky = c.clusters[2];
    CHECK(sticky.lb.name == "ring_hash");
    CHECK(sticky.lb.hash_header == "x-user-id"); // header names are case-insensitive
    CHECK(sticky.lb.ring_size == 2048);

    CHECK(echo.health.enabled);
    CHECK(echo.health.interval == milliseconds{200});
    CHECK(echo.outlier.failure_statuses == codes{status_code::unavailable, status_code::internal});
    CHECK(echo.retry.methods == std::vector<std::string>{"/meshtest.Echo/Unary", "/pkg.Svc/*"});
    CHECK_FALSE(slow.health.enabled);
    CHECK(slow.health.interval == milliseconds{2000});
    CHECK_FALSE(slow.outlier_enabled);

    const auto& plain = c.clusters[3]; // defaults
    CHECK(plain.lb.name == "round_robin");
    CHECK(plain.dns_refresh == milliseconds{5000});
    CHECK_FALSE(plain.runtime_endpoints);

    REQUIRE(c.routes.size() == 2);
    const auto& route = c.routes[0];
    CHECK(route.name == "echo");
    CHECK(route.match.service == "meshtest.Echo");
    CHECK(route.match.method == "Unary");
    CHECK(route.match.path_prefix == "/meshtest.");
    REQUIRE(route.match.headers.size() == 2);
    CHECK(route.match.headers[0].name == "x-canary");
    CHECK(route.match.headers[0].exact == "1");
    CHECK(route.match.headers[1].name == "x-zone");
    CHECK(route.match.headers[1].exact == "a");
    REQUIRE(route.clusters.size() == 2);
    CHECK(route.clusters[0].cluster == "echo");
    CHECK(route.clusters[0].weight == 90);
    CHECK(route.clusters[1].cluster == "slow");
    CHECK(route.clusters[1].weight == 10);

    const auto& def = c.routes[1];
    CHECK(def.match.service.empty());
    CHECK(def.match.headers.empty());
    REQUIRE(def.clusters.size() == 1);
    CHECK(def.clusters[0].cluster == "plain");
  }

  TEST_CASE("every lb policy name is accepted, with the parameters it needs") {
  for (std::string lb : {"{policy: round_robin}", "{policy: weighted_round_robin}",
                         "{policy: least_request}", "{policy: peak_ewma}",
                         "{policy: ring_hash, hash_header: x-id}", "{policy: random}"}) {
    CAPTURE(lb);
    auto r = parse("clusters:\n  - {name: c, endpoints: [h:1], lb: " + lb + "}\n", "p.yaml");
    CHECK(r.errors.empty());
  }
}

  TEST_CASE("without health, outlier and retry blocks a cluster gets their defaults") {
    auto c = parse_cluster("dns_refresh_ms: 5000");
    CHECK_FALSE(c.health.enabled); // active checks only when configured
    CHECK(c.health.interval == milliseconds{5000});
    CHECK(c.health.timeout == milliseconds{1000});
    CHECK(c.health.thresholds.unhealthy == 2);
    CHECK(c.health.thresholds.healthy == 1);
    CHECK(c.health.service.empty());
    CHECK(c.outlier_enabled); // passive ejection is on by default
    CHECK(c.outlier.failure_statuses
          == codes{status_code::unavailable, status_code::resource_exhausted});
    CHECK(c.outlier.consecutive_failures == 5);
    CHECK(c.outlier.base_ejection == milliseconds{30'000});
    CHECK(c.outlier.max_ejection == milliseconds{300'000});
    CHECK(c.outlier.max_ejection_percent == 50);
    CHECK(c.outlier.panic_threshold_percent == 50);
    CHECK(c.retry.max_attempts == 3);
    CHECK(c.retry.retry_on.empty());
    CHECK(c.retry.methods.empty());
    CHECK(c.retry.buffer_limit == 65536);
    CHECK(c.retry.initial_backoff == milliseconds{25});
    CHECK(c.retry.max_backoff == milliseconds{250});
    CHECK(c.retry.backoff_multiplier == 2.0);
    CHECK(c.retry_budget.ratio_percent == 20);
    CHECK(c.retry_budget.min_retries_per_second == 3);
  }

  TEST_CASE("a full health block parses; its presence enables checks") {
    auto c = parse_cluster("health: {interval_ms: 200, timeout_ms: 150, unhealthy_threshold: 3, "
                           "healthy_threshold: 4, service: meshtest.Echo}");
    CHECK(c.health.enabled);
    CHECK(c.health.interval == milliseconds{200});
    CHECK(c.health.timeout == milliseconds{150});
    CHECK(c.health.thresholds.unhealthy == 3);
    CHECK(c.health.thresholds.healthy == 4);
    CHECK(c.health.service == "meshtest.Echo");

    auto empty = parse_cluster("health: {}");
    CHECK(empty.health.enabled);
    CHECK(empty.health.interval == milliseconds{5000});

    auto off = parse_cluster("health: {enabled: false, interval_ms: 300, timeout_ms: 200}");
    CHECK_FALSE(off.health.enabled);
    CHECK(off.health.interval == milliseconds{300}); // kept, for the effective config
    CHECK(parse_cluster("health: {enabled: True}").health.enabled);
  }

  TEST_CASE("a full outlier block parses") {
    auto c = parse_cluster(
      "outlier: {enabled: true, consecutive_failures: 7, failure_statuses: [UNAVAILABLE, "
      "internal, Deadline_Exceeded], base_ejection_ms: 100, max_ejection_ms: 100, "
      "max_ejection_percent: 0, panic_threshold_percent: 100}");
    CHECK(c.outlier_enabled);
    CHECK(c.outlier.consecutive_failures == 7);
    CHECK(c.outlier.failure_statuses
          == codes{status_code::unavailable, status_code::internal,
                   status_code::deadline_exceeded});
    CHECK(c.outlier.base_ejection == milliseconds{100});
    CHECK(c.outlier.max_ejection == milliseconds{100}); // base == max is allowed
    CHECK(c.outlier.max_ejection_percent == 0);
    CHECK(c.outlier.panic_threshold_percent == 100);

    // An empty list: only connect failures, resets and timeouts count.
    CHECK(parse_cluster("outlier: {failure_statuses: []}").outlier.failure_statuses.empty());
    auto off = parse_cluster("outlier: {enabled: false, consecutive_failures: 9}");
    CHECK_FALSE(off.outlier_enabled);
    CHECK(off.outlier.consecutive_failures == 9);
  }

  TEST_CASE("a full retry block parses, budget included") {
    auto c = parse_cluster(
      "retry: {max_attempts: 5, retry_on: [UNAVAILABLE, resource_exhausted], methods: "
      "[\"/meshtest.Echo/Unary\", \"/pkg.Svc/*\"], buffer_limit_bytes: 16777216, "
      "initial_backoff_ms: 25, max_backoff_ms: 250, backoff_multiplier: 1.5, budget: "
      "{ratio_percent: 0, min_retries_per_second: 10000}}");
    CHECK(c.retry.max_attempts == 5);
    CHECK(c.retry.retry_on == codes{status_code::unavailable, status_code::resource_exhausted});
    CHECK(c.retry.methods == std::vector<std::string>{"/meshtest.Echo/Unary", "/pkg.Svc/*"});
    CHECK(c.retry.buffer_limit == 16u << 20);
    CHECK(c.retry.initial_backoff == milliseconds{25});
    CHECK(c.retry.max_backoff == milliseconds{250});
    CHECK(c.retry.backoff_multiplier == 1.5);
    CHECK(c.retry_budget.ratio_percent == 0);
    CHECK(c.retry_budget.min_retries_per_second == 10000);

    auto edges = parse_cluster("retry: {max_attempts: 1, buffer_limit_bytes: 0, "
                               "backoff_multiplier: 1, budget: {}}");
    CHECK(edges.retry.max_attempts == 1); // no retries
    CHECK(edges.retry.buffer_limit == 0);
    CHECK(edges.retry.backoff_multiplier == 1.0);
    CHECK(edges.retry_budget.ratio_percent == 20);
    CHECK(parse_cluster("retry: {backoff_multiplier: 10}").retry.backoff_multiplier == 10.0);
  }

  TEST_CASE("every status name but OK is accepted, upper and lower case") {
    for (int i = 1; i <= 16; ++i) {
      auto code = static_cast<status_code>(i);
      std::string name{meshlet::grpc::status_name(code)};
      CAPTURE(name);
      CHECK(parse_cluster("retry: {retry_on: [" + name + "]}").retry.retry_on == codes{code});
      std::string lower;
      for (char ch : name)
        lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      CHECK(parse_cluster("outlier: {failure_statuses: [" + lower + "]}").outlier.failure_statuses
            == codes{code});
    }
  }

  TEST_CASE("clusters alone are a valid config (the flags add listener and routes)") {
    auto r = parse("clusters:\n  - name: c\n    endpoints: [backend:50051]\n", "c.yaml");
    REQUIRE(r.value);
    CHECK(r.value->listeners.empty());
    CHECK(r.value->routes.empty());
    CHECK(r.value->clusters.size() == 1);
  }

  TEST_CASE("to_yaml round-trips through parse") {
    auto first = parse(full_yaml, "full.yaml");
    REQUIRE(first.value);
    auto text = to_yaml(*first.value);
    auto second = parse(text, "full.yaml");
    CAPTURE(text);
    REQUIRE(second.errors.empty());
    REQUIRE(second.value);
    CHECK(same(*first.value, *second.value));
    CHECK(to_yaml(*second.value) == text);
    // Defaults are spelled out in the effective config.
    CHECK(text.find("lb: {policy: round_robin}") != std::string::npos);
    CHECK(text.find("dns_refresh_ms: 5000") != std::string::npos);
    CHECK(text.find("health: {enabled: false, interval_ms: 5000, timeout_ms: 1000, "
                    "unhealthy_threshold: 2, healthy_threshold: 1, service: \"\", watch: false}")
          != std::string::npos);
    CHECK(text.find("outlier: {enabled: true, consecutive_failures: 5, failure_statuses: "
                    "[RESOURCE_EXHAUSTED, UNAVAILABLE], base_ejection_ms: 30000, "
                    "max_ejection_ms: 300000, max_ejection_percent: 50, "
                    "panic_threshold_percent: 50}")
          != std::string::npos);
    CHECK(text.find("retry: {max_attempts: 3, retry_on: [], methods: [], buffer_limit_bytes: "
                    "65536, initial_backoff_ms: 25, max_backoff_ms: 250, backoff_multiplier: "
                    "2.0, budget: {ratio_percent: 20, min_retries_per_second: 3}}")
          != std::string::npos);
  }

  TEST_CASE("to_yaml keeps values YAML would misread, and a weighted one-cluster split") {
    config c;
    c.clusters.push_back(cluster{"c", {endpoint{"h:1", 1}}, {}, milliseconds{5000}});
    route r;
    r.name = "r";
    r.match.headers = {{"x-a", "null"}, {"x-b", ""}, {"x-c", "true"}, {"x-d", "a: b"}};
    r.match.service = "~";
    r.clusters = {{"c", 7}};
    c.routes.push_back(r);
    c.source = "m.yaml";
    auto back = parse(to_yaml(c), "m.yaml");
    CAPTURE(to_yaml(c));
    REQUIRE(back.value);
    CHECK(same(c, *back.value));
  }

  TEST_CASE("the example config in deploy/ is valid") {
    auto path = repo_root() + "deploy/meshlet.example.yaml";
    auto r = load_file(path);
    CHECK(r.errors.empty());
    REQUIRE(r.value);
    CHECK(r.value->source == path);
    CHECK(r.value->listeners.size() >= 1);
    CHECK(r.value->routes.size() >= 1);
  }

  TEST_CASE("load_file says why it cannot read a file") {
    auto r = load_file("/nonexistent/meshlet.yaml");
    CHECK_FALSE(r.value);
    CHECK(r.errors
          == std::vector<std::string>{
            "cannot read /nonexistent/meshlet.yaml: No such file or directory"});
    auto dir = load_file("/");
    CHECK(dir.errors == std::vector<std::string>{"cannot read /: Is a directory"});
  }

  TEST_CASE("garbage gives errors, never a crash or an exception") {
    const std::vector<std::string> inputs = {
      "",
      "   \n\n",
      "~",
      "42",
      "[",
      "{{{{",
      "]]]",
      ": : :",
      "clusters: [[[[[[[[",
      std::string("\0\1\2\3\xff\xfe", 6),
      "\t\tclusters:",
      "&a [*a]",
      "*undefined",
      "!!binary AAAA",
      "clusters: !!map {}",
      std::string(2000, '[') + std::string(2000, ']'),
      std::string(2000, '{'),
      "- " + std::string(100000, 'x'),
    };
    for (const auto& in : inputs) {
      CAPTURE(in.substr(0, 40));
      load_result r;
      CHECK_NOTHROW(r = parse(in, "g.yaml"));
      CHECK_FALSE(r.value);
      REQUIRE_FALSE(r.errors.empty());
      for (const auto& e : r.errors) {
        CHECK(e.rfind("g.yaml:", 0) == 0);
        CHECK(e.find('\n') == std::string::npos);
      }
    }
  }

  TEST_CASE("random mutations of a valid config never crash the loader") {
    std::mt19937 rng{12345};
    const std::string alphabet = "{}[]:,-#&*!|>'\"%@` \n\tabc019";
    for (int i = 0; i < 2000; ++i) {
      std::string text = full_yaml;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e)
        text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
      load_result r;
      CHECK_NOTHROW(r = parse(text, "f.yaml"));
      CHECK(r.value.has_value() == r.errors.empty());
    }
  }

} // TEST_SUITE
