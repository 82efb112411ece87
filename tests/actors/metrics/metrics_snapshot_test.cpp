// metrics_snapshot: the latency buckets' edges, merging threads (counters sum, table flags
// OR) and what a table and an outlier detector say of each endpoint.
#include "actors/metrics/metrics_snapshot.hpp"

#include <doctest/doctest.h>

using namespace meshlet::metrics;
using meshlet::grpc::status_code;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {
meshlet::lb::endpoint_table table(std::vector<std::pair<std::string, bool>> eps) {
  meshlet::lb::endpoint_table t;
  t.cluster = "web";
  uint32_t id = 1;
  for (auto& [address, eligible] : eps) {
    meshlet::lb::endpoint e;
    e.id = id++;
    e.address = address;
    e.eligible = eligible;
    e.weight = 2;
    t.endpoints.push_back(e);
  }
  return t;
}
const meshlet::outlier::time_point t0{std::chrono::seconds{50}};
} // namespace

TEST_SUITE("metrics_snapshot") {

  TEST_CASE("latency buckets: a value on a bound falls in that bound's bucket (le)") {
    latency_histogram h;
    h.observe(microseconds{500});   // = 0.0005: first bucket
    h.observe(microseconds{501});   // second
    h.observe(milliseconds{10000}); // = 10 s: last finite bucket
    h.observe(milliseconds{10001}); // +Inf
    CHECK(h.counts[0] == 1);
    CHECK(h.counts[1] == 1);
    CHECK(h.counts[13] == 1);
    CHECK(h.counts[14] == 1);
    CHECK(h.count == 4);
  }

  TEST_CASE("merging two threads sums counters, buckets and gauges") {
    metrics_snapshot a, b;
    a.threads = b.threads = 1;
    a.streams_active = 2;
    b.streams_active = 3;
    b.upstream_connections = 4;
    auto& ea = a.clusters["web"].endpoints["x:1"].stats;
    ea.requests = 5;
    ea.ended = 4;
    ea.responses[0] = 4;
    auto& eb = b.clusters["web"].endpoints["x:1"].stats;
    eb.requests = 7;
    eb.ended = 7;
    eb.responses[0] = 6;
    eb.responses[14] = 1;
    eb.errors = 1;
    b.clusters["web"].endpoints["y:1"].stats.requests = 1;
    a.clusters["web"].latency.observe(milliseconds{1});
    b.clusters["web"].latency.observe(milliseconds{1});
    b.clusters["web"].retries = 2;
    a.merge(b);
    CHECK(a.threads == 2);
    CHECK(a.streams_active == 5);
    CHECK(a.upstream_connections == 4);
    auto& m = a.clusters["web"].endpoints["x:1"].stats;
    CHECK(m.requests == 12);
    CHECK(m.in_flight() == 1);
    CHECK(m.responses[0] == 10);
    CHECK(m.responses[14] == 1);
    CHECK(m.errors == 1);
    CHECK(a.clusters["web"].endpoints["y:1"].stats.requests == 1);
    CHECK(a.clusters["web"].latency.counts[1] == 2);
    CHECK(a.clusters["web"].retries == 2);
  }

  TEST_CASE("a table lists its endpoints with the balancer's flag; counters alone do not list") {
    metrics_snapshot s;
    s.clusters["web"].endpoints["gone:1"].stats.requests = 3; // left the cluster
    auto t = table({{"a:1", true}, {"b:1", false}});
    s.add_table("web", t, nullptr, t0);
    auto& eps = s.clusters["web"].endpoints;
    CHECK(eps["a:1"].listed);
    CHECK(eps["a:1"].weight == 2);
    CHECK(std::string{eps["a:1"].health_state()} == "eligible");
    CHECK(std::string{eps["b:1"].health_state()} == "ineligible");
    CHECK_FALSE(eps["gone:1"].listed);
  }

  TEST_CASE("an endpoint ejected by one thread's detector is 'ejected' once merged") {
    meshlet::outlier::outlier_config cfg;
    cfg.consecutive_failures = 1;
    meshlet::outlier::outlier_detector d{cfg};
    d.add_endpoint(1);
    d.add_endpoint(2);
    d.report(1, meshlet::outlier::outcome::connect_failure(), t0);
    auto t = table({{"a:1", true}, {"b:1", true}});
    metrics_snapshot one, two;
    one.add_table("web", t, &d, t0);
    two.add_table("web", t, nullptr, t0);
    one.merge(two);
    auto& eps = one.clusters["web"].endpoints;
    CHECK(eps["a:1"].ejected_threads == 1);
    CHECK(std::string{eps["a:1"].health_state()} == "ejected");
    CHECK(std::string{eps["b:1"].health_state()} == "eligible");
  }
}
