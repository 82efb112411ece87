// exposition: the families' names, types and labels (grpc_status by name, classification),
// the histogram's cumulative buckets, and one health series per state.
#include "actors/metrics/exposition.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>

using namespace meshlet::metrics;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {
const MetricFamily& find(const std::vector<MetricFamily>& fs, const std::string& name) {
  for (auto& f : fs)
    if (f.name == name)
      return f;
  FAIL("no family " << name);
  return fs.front();
}

std::map<std::string, std::string> labels(const prometheus::ClientMetric& m) {
  std::map<std::string, std::string> out;
  for (auto& l : m.label)
    out[l.name] = l.value;
  return out;
}

metrics_snapshot sample() {
  metrics_snapshot s;
  auto& c = s.clusters["web"];
  c.name = "web";
  auto& e = c.endpoints["a:1"];
  e.address = "a:1";
  e.listed = true;
  e.eligible = true;
  e.stats.requests = 10;
  e.stats.ended = 10;
  e.stats.responses[0] = 7;
  e.stats.responses[14] = 3;
  e.stats.ejections = 1;
  c.unattempted.requests = 2;
  c.unattempted.responses[14] = 2;
  c.latency.observe(std::chrono::microseconds{200});
  c.latency.observe(std::chrono::milliseconds{20});
  c.retries = 4;
  s.streams_active = 1;
  s.downstream_connections = 2;
  s.upstream_connections = 3;
  return s;
}
} // namespace

TEST_CASE("exposition: DESIGN.md's names and types") {
  auto fs = to_families(sample());
  CHECK(find(fs, "meshlet_requests_total").type == MetricType::Counter);
  CHECK(find(fs, "meshlet_responses_total").type == MetricType::Counter);
  CHECK(find(fs, "meshlet_response_latency_seconds").type == MetricType::Histogram);
  CHECK(find(fs, "meshlet_streams_active").type == MetricType::Gauge);
  CHECK(find(fs, "meshlet_connections_active").type == MetricType::Gauge);
  CHECK(find(fs, "meshlet_endpoint_health").type == MetricType::Gauge);
  CHECK(find(fs, "meshlet_outlier_ejections_total").type == MetricType::Counter);
  CHECK(find(fs, "meshlet_retries_total").type == MetricType::Counter);
}

TEST_CASE("exposition: requests per endpoint, the unattempted ones under endpoint \"\"") {
  auto fs = to_families(sample());
  auto& f = find(fs, "meshlet_requests_total");
  REQUIRE(f.metric.size() == 2);
  CHECK(labels(f.metric[0])
        == std::map<std::string, std::string>{{"cluster", "web"}, {"endpoint", "a:1"}});
  CHECK(f.metric[0].counter.value == 10);
  CHECK(labels(f.metric[1]).at("endpoint") == "");
  CHECK(f.metric[1].counter.value == 2);
}

TEST_CASE("exposition: responses by grpc_status name with classification") {
  auto fs = to_families(sample());
  auto& f = find(fs, "meshlet_responses_total");
  std::map<std::string, double> by;
  for (auto& m : f.metric) {
    auto l = labels(m);
    by[l.at("endpoint") + "/" + l.at("grpc_status") + "/" + l.at("classification")] =
      m.counter.value;
  }
  CHECK(by
        == std::map<std::string, double>{
          {"a:1/OK/success", 7}, {"a:1/UNAVAILABLE/failure", 3}, {"/UNAVAILABLE/failure", 2}});
}

TEST_CASE("exposition: the histogram's buckets are cumulative and end with +Inf") {
  auto fs = to_families(sample());
  auto& f = find(fs, "meshlet_response_latency_seconds");
  REQUIRE(f.metric.size() == 1);
  auto& h = f.metric[0].histogram;
  CHECK(h.sample_count == 2);
  REQUIRE(h.bucket.size() == 15);
  CHECK(h.bucket[0].upper_bound == 0.0005);
  CHECK(h.bucket[0].cumulative_count == 1);
  CHECK(h.bucket[4].cumulative_count == 1); // le 10 ms
  CHECK(h.bucket[5].cumulative_count == 2); // le 25 ms
  CHECK(std::isinf(h.bucket[14].upper_bound));
  CHECK(h.bucket[14].cumulative_count == 2);
}

TEST_CASE("exposition: endpoint health, one series per state, exactly one at 1") {
  auto s = sample();
  s.clusters["web"].endpoints["a:1"].ejected_threads = 1;
  auto fs = to_families(s);
  auto& f = find(fs, "meshlet_endpoint_health");
  std::map<std::string, double> st;
  for (auto& m : f.metric)
    st[labels(m).at("state")] = m.gauge.value;
  CHECK(st == std::map<std::string, double>{{"eligible", 0}, {"ejected", 1}, {"ineligible", 0}});
}

TEST_CASE("exposition: gauges, ejections and retries") {
  auto fs = to_families(sample());
  CHECK(find(fs, "meshlet_streams_active").metric.at(0).gauge.value == 1);
  auto& conns = find(fs, "meshlet_connections_active");
  REQUIRE(conns.metric.size() == 2);
  CHECK(labels(conns.metric[0]).at("side") == "downstream");
  CHECK(conns.metric[0].gauge.value == 2);
  CHECK(conns.metric[1].gauge.value == 3);
  CHECK(find(fs, "meshlet_outlier_ejections_total").metric.at(0).counter.value == 1);
  CHECK(find(fs, "meshlet_retries_total").metric.at(0).counter.value == 4);
}
