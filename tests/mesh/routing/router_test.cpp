// Tests for the router: matching on gRPC service, method, :path prefix and headers, first
// match wins, no match, and weighted splits by the random number passed in.
#include "mesh/routing/router.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>

using meshlet::routing::request_view;
using meshlet::routing::router;

namespace {

meshlet::config::config load(const std::string& yaml) {
  auto r = meshlet::config::parse(yaml, "router_test.yaml");
  for (const auto& e : r.errors)
    FAIL_CHECK(e);
  REQUIRE(r.value);
  return *r.value;
}

const std::string clusters = "clusters:\n"
                             "  - {name: a, endpoints: [h:1]}\n"
                             "  - {name: b, endpoints: [h:2]}\n"
                             "  - {name: c, endpoints: [h:3]}\n"
                             "  - {name: d, endpoints: [h:4]}\n";

// A request with a :path and headers.
struct request {
  std::string path;
  std::map<std::string, std::string, std::less<>> headers;
  request_view view() const {
    return request_view{path,
                        [this](std::string_view name) -> std::optional<std::string_view> {
                          auto it = headers.find(name);
                          if (it == headers.end())
                            return std::nullopt;
                          return it->second;
                        }};
  }
};

std::string pick(const router& rt, const request& r, double u = 0.5) {
  auto c = rt.route(r.view(), u);
  return c ? *c : "<none>";
}

} // namespace

TEST_SUITE("routing/router") {

  TEST_CASE("routes match on service, method, path prefix and headers, first match wins") {
    auto cfg = load(clusters + R"(
routes:
  - {name: canary, match: {service: pkg.Echo, headers: {x-canary: "1", x-zone: eu}}, cluster: d}
  - {name: unary, match: {service: pkg.Echo, method: Unary}, cluster: a}
  - {name: echo, match: {service: pkg.Echo}, cluster: b}
  - {name: admin, match: {path_prefix: /pkg.Admin/}, cluster: c}
  - {name: get, match: {method: Get}, cluster: d}
listeners:
  - {name: out, address: 127.0.0.1:0, routes: [canary, unary, echo, admin, get]}
)");
    router rt{cfg, "out"};
    CHECK(rt.size() == 5);
    CHECK(pick(rt, {"/pkg.Echo/Unary", {}}) == "a");
    CHECK(pick(rt, {"/pkg.Echo/Stream", {}}) == "b");
    CHECK(pick(rt, {"/pkg.Admin/Stream", {}}) == "c");
    CHECK(pick(rt, {"/other.Svc/Get", {}}) == "d");
    // Service is exact: neither a prefix nor a suffix of it matches.
    CHECK(pick(rt, {"/pkg.EchoX/Stream", {}}) == "<none>");
    CHECK(pick(rt, {"/x.pkg.Echo/Stream", {}}) == "<none>");
    // Method is exact too.
    CHECK(pick(rt, {"/other.Svc/GetAll", {}}) == "<none>");
    // All headers must match exactly; the header route comes first so it wins over 'unary'.
    CHECK(pick(rt, {"/pkg.Echo/Unary", {{"x-canary", "1"}, {"x-zone", "eu"}}}) == "d");
    CHECK(pick(rt, {"/pkg.Echo/Unary", {{"x-canary", "1"}}}) == "a");
    CHECK(pick(rt, {"/pkg.Echo/Unary", {{"x-canary", "1"}, {"x-zone", "eu-west"}}}) == "a");
    CHECK(pick(rt, {"/pkg.Echo/Unary", {{"x-canary", "0"}, {"x-zone", "eu"}}}) == "a");
    // The path prefix is a plain prefix.
    CHECK(pick(rt, {"/pkg.Admin", {}}) == "<none>");
    // Paths that are not /service/method match no service or method.
    CHECK(pick(rt, {"Unary", {}}) == "<none>");
    CHECK(pick(rt, {"/Unary", {}}) == "<none>");
    CHECK(pick(rt, {"", {}}) == "<none>");
  }

  TEST_CASE("service is what lies between the leading and the last '/'") {
    // Built by hand: the validator rejects a service with '/', the router still splits correctly.
    meshlet::config::config cfg;
    meshlet::config::route nested;
    nested.name = "nested";
    nested.match.service = "a/b";
    nested.match.method = "M";
    nested.clusters = {{"a", 1}};
    cfg.routes.push_back(nested);
    cfg.listeners.push_back({"out", "127.0.0.1:0", {"nested"}});
    router rt{cfg, "out"};
    CHECK(pick(rt, {"/a/b/M", {}}) == "a");
    CHECK(pick(rt, {"/a/b/N", {}}) == "<none>");
    CHECK(pick(rt, {"/b/M", {}}) == "<none>");
  }

  TEST_CASE("the listener's order decides, not the order of the routes section") {
    auto cfg = load(clusters + R"(
routes:
  - {name: any-a, cluster: a}
  - {name: any-b, cluster: b}
listeners:
  - {name: first-b, address: 127.0.0.1:0, routes: [any-b, any-a]}
  - {name: first-a, address: 127.0.0.1:0, routes: [any-a, any-b]}
)");
    CHECK(pick(router{cfg, "first-b"}, {"/p.S/M", {}}) == "b");
    CHECK(pick(router{cfg, "first-a"}, {"/p.S/M", {}}) == "a");
  }

  TEST_CASE("a route without match takes every call; no matching route gives nullptr") {
    auto cfg = load(clusters + R"(
routes:
  - {name: echo, match: {service: pkg.Echo}, cluster: a}
  - {name: default, cluster: b}
listeners:
  - {name: out, address: 127.0.0.1:0, routes: [echo, default]}
  - {name: strict, address: 127.0.0.1:0, routes: [echo]}
)");
    router out{cfg, "out"};
    CHECK(pick(out, {"/pkg.Echo/X", {}}) == "a");
    CHECK(pick(out, {"/anything.Else/Y", {}}) == "b");
    CHECK(pick(out, {"", {}}) == "b");
    CHECK(out.route(request_view{"/x.Y/Z", nullptr}, 0.5) != nullptr); // no header callback

    router strict{cfg, "strict"};
    CHECK(strict.route(request{"/anything.Else/Y", {}}.view(), 0.5) == nullptr);
    router missing{cfg, "no-such-listener"};
    CHECK(missing.size() == 0);
    CHECK(missing.route(request{"/pkg.Echo/X", {}}.view(), 0.5) == nullptr);
  }

  TEST_CASE("a header route without a header callback does not match") {
    auto cfg = load(clusters + R"(
routes:
  - {name: h, match: {headers: {x-a: "1"}}, cluster: a}
listeners:
  - {name: out, address: 127.0.0.1:0, routes: [h]}
)");
    router rt{cfg, "out"};
    CHECK(rt.route(request_view{"/p.S/M", nullptr}, 0.5) == nullptr);
    CHECK(pick(rt, {"/p.S/M", {{"x-a", "1"}}}) == "a");
  }

  TEST_CASE("a 90/10 split sends 90% +-1% of 10,000 evenly spaced draws to the first cluster") {
    auto cfg = load(clusters + R"(
routes:
  - name: split
    split: [{cluster: a, weight: 90}, {cluster: b, weight: 10}]
listeners:
  - {name: out, address: 127.0.0.1:0, routes: [split]}
)");
    router rt{cfg, "out"};
    std::map<std::string, int> counts;
    const int n = 10000;
    for (int i = 0; i < n; ++i)
      counts[pick(rt, {"/p.S/M", {}}, (i + 0.5) / n)]++;
    CHECK(counts.size() == 2);
    CHECK(counts["a"] >= 8900);
    CHECK(counts["a"] <= 9100);
    CHECK(counts["a"] + counts["b"] == n);
  }

  TEST_CASE("split boundaries follow cumulative weights, and u outside [0,1) is clamped") {
    auto cfg = load(clusters + R"(
routes:
  - name: split
    split: [{cluster: a, weight: 1}, {cluster: b, weight: 2}, {cluster: c, weight: 1}]
  - {name: single, cluster: d}
listeners:
  - {name: out, address: 127.0.0.1:0, routes: [split]}
  - {name: one, address: 127.0.0.1:0, routes: [single]}
)");
    router rt{cfg, "out"};
    CHECK(pick(rt, {"/p.S/M", {}}, 0.0) == "a");
    CHECK(pick(rt, {"/p.S/M", {}}, 0.249) == "a");
    CHECK(pick(rt, {"/p.S/M", {}}, 0.25) == "b");
    CHECK(pick(rt, {"/p.S/M", {}}, 0.749) == "b");
    CHECK(pick(rt, {"/p.S/M", {}}, 0.75) == "c");
    CHECK(pick(rt, {"/p.S/M", {}}, 0.999999) == "c");
    CHECK(pick(rt, {"/p.S/M", {}}, 1.0) == "c");
    CHECK(pick(rt, {"/p.S/M", {}}, 7.0) == "c");
    CHECK(pick(rt, {"/p.S/M", {}}, -1.0) == "a");
    CHECK(pick(rt, {"/p.S/M", {}}, std::nan("")) == "a");
    // One cluster: always it, whatever u.
    router one{cfg, "one"};
    CHECK(pick(one, {"/p.S/M", {}}, 0.0) == "d");
    CHECK(pick(one, {"/p.S/M", {}}, 0.99) == "d");
  }

} // TEST_SUITE
