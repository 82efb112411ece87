// call_meter and thread_metrics: what a call's events count (attempts, statuses, errors,
// ejections, retries, calls with no attempt, cancelled calls, latency) and that nothing is
// counted when the thread's metrics are off.
#include "actors/metrics/call_meter.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace meshlet::metrics;
using meshlet::grpc::status_code;
using std::chrono::milliseconds;

namespace {
const meshlet::time_point t0{std::chrono::seconds{100}};

const endpoint_stats& ep(const metrics_snapshot& s, const std::string& cluster,
                         const std::string& address) {
  return s.clusters.at(cluster).endpoints.at(address).stats;
}
} // namespace

TEST_SUITE("call_meter") {

  TEST_CASE("an OK call: one request, one OK response, latency observed") {
    thread_metrics m;
    {
      call_meter c{m, t0};
      c.route("web");
      c.attempt("10.0.0.1:80");
      CHECK(m.snapshot().streams_active == 1);
      CHECK(ep(m.snapshot(), "web", "10.0.0.1:80").in_flight() == 1);
      c.attempt_ended(status_code::ok);
      c.end(t0 + milliseconds{3});
    }
    auto s = m.snapshot();
    auto& e = ep(s, "web", "10.0.0.1:80");
    CHECK(e.requests == 1);
    CHECK(e.ended == 1);
    CHECK(e.in_flight() == 0);
    CHECK(e.errors == 0);
    CHECK(e.responses[0] == 1);
    CHECK(s.streams_active == 0);
    auto& h = s.clusters.at("web").latency;
    CHECK(h.count == 1);
    CHECK(h.sum == doctest::Approx(0.003));
    CHECK(h.counts[3] == 1); // 2.5 ms < 3 ms <= 5 ms
  }

  TEST_CASE("a status from the endpoint counts under its code and as an error") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.attempt_ended(status_code::not_found);
    c.end(t0);
    auto e = ep(m.snapshot(), "web", "a:1");
    CHECK(e.responses[5] == 1);
    CHECK(e.errors == 1);
  }

  TEST_CASE("a connect failure, then another endpoint: two attempts, one error") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.attempt_ended(status_code::unavailable); // connect failure (outcome::connect_failure)
    c.attempt("b:1");
    c.attempt_ended(status_code::ok);
    c.end(t0);
    auto s = m.snapshot();
    CHECK(ep(s, "web", "a:1").requests == 1);
    CHECK(ep(s, "web", "a:1").errors == 1);
    CHECK(ep(s, "web", "a:1").responses[14] == 1);
    CHECK(ep(s, "web", "b:1").responses[0] == 1);
    CHECK(s.clusters.at("web").unattempted.requests == 0);
  }

  TEST_CASE("re-opening on another connection of the same endpoint is the same attempt") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.attempt("a:1"); // open_busy: another connection
    c.attempt_ended(status_code::ok);
    c.end(t0);
    CHECK(ep(m.snapshot(), "web", "a:1").requests == 1);
  }

  TEST_CASE("an open attempt left for another endpoint ends UNAVAILABLE") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.attempt("b:1");
    c.attempt_ended(status_code::ok);
    c.end(t0);
    auto s = m.snapshot();
    CHECK(ep(s, "web", "a:1").ended == 1);
    CHECK(ep(s, "web", "a:1").responses[14] == 1);
    CHECK(ep(s, "web", "b:1").responses[0] == 1);
  }

  TEST_CASE("a retry counts in the cluster and its attempt as a request") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.attempt_ended(status_code::unavailable);
    c.retried();
    c.attempt("b:1");
    c.attempt_ended(status_code::ok);
    c.end(t0);
    auto s = m.snapshot();
    CHECK(s.clusters.at("web").retries == 1);
    CHECK(ep(s, "web", "a:1").requests + ep(s, "web", "b:1").requests == 2);
  }

  TEST_CASE("an ejection is counted on the endpoint whose failure caused it") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.attempt_ended(status_code::unavailable, true);
    c.end(t0);
    CHECK(ep(m.snapshot(), "web", "a:1").ejections == 1);
  }

  TEST_CASE("meshlet's own failure ends the open attempt with its status (HTTP error, deadline)") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.failed(status_code::deadline_exceeded);
    c.end(t0);
    auto e = ep(m.snapshot(), "web", "a:1");
    CHECK(e.responses[4] == 1);
    CHECK(e.ended == 1);
  }

  TEST_CASE("a response without grpc-status ends UNKNOWN") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.end(t0);
    CHECK(ep(m.snapshot(), "web", "a:1").responses[2] == 1);
  }

  TEST_CASE("calls that reached no endpoint count once as unattempted, with the client's status") {
    thread_metrics m;
    {
      call_meter c{m, t0}; // no route
      c.failed(status_code::unimplemented);
      c.end(t0);
    }
    {
      call_meter c{m, t0}; // no endpoint
      c.route("web");
      c.failed(status_code::unavailable);
      c.end(t0);
    }
    auto s = m.snapshot();
    CHECK(s.clusters.at("").unattempted.requests == 1);
    CHECK(s.clusters.at("").unattempted.responses[12] == 1);
    CHECK(s.clusters.at("web").unattempted.responses[14] == 1);
    CHECK(s.clusters.at("web").endpoints.empty());
  }

  TEST_CASE("a call destroyed before it ended (client gone) ends CANCELLED, once") {
    thread_metrics m;
    {
      call_meter c{m, t0};
      c.route("web");
      c.attempt("a:1");
    }
    auto s = m.snapshot();
    auto e = ep(s, "web", "a:1");
    CHECK(e.ended == 1);
    CHECK(e.responses[1] == 1);
    CHECK(s.clusters.at("web").latency.count == 1);
    CHECK(s.streams_active == 0);
  }

  TEST_CASE("end() twice counts once; events after the end are ignored") {
    thread_metrics m;
    call_meter c{m, t0};
    c.route("web");
    c.attempt("a:1");
    c.attempt_ended(status_code::ok);
    c.end(t0);
    c.end(t0);
    c.failed(status_code::cancelled);
    c.attempt("a:1");
    auto s = m.snapshot();
    CHECK(ep(s, "web", "a:1").requests == 1);
    CHECK(ep(s, "web", "a:1").ended == 1);
    CHECK(s.clusters.at("web").latency.count == 1);
  }

  TEST_CASE("disabled: nothing is counted, nothing is allocated") {
    thread_metrics m{false};
    {
      call_meter c{m, t0};
      c.route("web");
      c.attempt("a:1");
      c.retried();
      c.attempt_ended(status_code::ok, true);
      c.end(t0);
      gauge_token conn{m.downstream_connections()};
    }
    auto s = m.snapshot();
    CHECK(s.clusters.empty());
    CHECK(s.streams_active == 0);
    CHECK(m.cluster("web") == nullptr);
  }

  TEST_CASE("gauge tokens count lifetimes") {
    thread_metrics m;
    {
      gauge_token a{m.downstream_connections()};
      gauge_token b{m.upstream_connections()};
      gauge_token c{m.upstream_connections()};
      auto s = m.snapshot();
      CHECK(s.downstream_connections == 1);
      CHECK(s.upstream_connections == 2);
    }
    CHECK(m.snapshot().upstream_connections == 0);
  }

  TEST_CASE("slots are stable: one per cluster and endpoint") {
    thread_metrics m;
    auto* c = m.cluster("web");
    CHECK(m.cluster("web") == c);
    auto* e = c->endpoint("a:1");
    for (int i = 0; i < 100; ++i)
      c->endpoint("x:" + std::to_string(i));
    CHECK(c->endpoint("a:1") == e);
  }
}
