// sim::network: latency bounds, random loss, partitions, downed hosts and the stream model,
// observed through lone nodes (which send nothing on their own).
#include "mesh/membership/sim/network.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace meshlet::membership;
using namespace meshlet::membership::sim;
using us = std::chrono::microseconds;
using ms = std::chrono::milliseconds;

namespace {

struct two_hosts {
  network net;
  std::vector<std::unique_ptr<node>> nodes;
  explicit two_hosts(network_config cfg) : net(cfg, 9, meshlet::time_point{}) {
    for (int i = 0; i < 2; ++i) {
      int h = net.add_host("h" + std::to_string(i) + ":7946");
      membership_config c;
      c.name = "h" + std::to_string(i);
      c.address = net.address(h);
      nodes.push_back(std::make_unique<node>(c, net.transport_of(h), i, net.now()));
      net.attach(h, nodes.back().get());
    }
  }
  void send(int n) {
    for (int i = 0; i < n; ++i)
      net.transport_of(0).send_packet("h1:7946", packet{{ack{1}}});
  }
  std::uint64_t received() const { return nodes[1]->stats().received.packets; }
};

} // namespace

TEST_SUITE("membership") {

  TEST_CASE("sim network: datagrams arrive after latency plus jitter, never sooner or later") {
    network_config cfg;
    cfg.latency = us{2000};
    cfg.jitter = us{3000};
    two_hosts h{cfg};
    const auto t0 = h.net.now();
    h.send(1000);
    h.net.run_until(t0 + us{1999});
    CHECK(h.received() == 0);
    h.net.run_until(t0 + us{3500});
    CHECK(h.received() > 200);
    CHECK(h.received() < 800);
    h.net.run_until(t0 + us{5000});
    CHECK(h.received() == 1000);
  }

  TEST_CASE("sim network: random loss drops about the configured share") {
    network_config cfg;
    cfg.loss = 0.3;
    two_hosts h{cfg};
    h.send(10000);
    h.net.run_until(h.net.now() + ms{10});
    CHECK(h.received() > 6700);
    CHECK(h.received() < 7300);
    CHECK(h.net.stats().lost + h.received() == 10000);
  }

  TEST_CASE("sim network: partitions cut, healing restores; a downed host hears nothing") {
    two_hosts h{network_config{}};
    h.net.set_groups({0, 1});
    h.send(10);
    h.net.run_until(h.net.now() + ms{10});
    CHECK(h.received() == 0);
    CHECK(h.net.stats().cut == 10);
    h.net.heal();
    h.send(10);
    h.net.run_until(h.net.now() + ms{10});
    CHECK(h.received() == 10);
    h.net.set_up(1, false);
    h.send(10);
    h.net.run_until(h.net.now() + ms{10});
    CHECK(h.received() == 10);
    CHECK(h.net.stats().to_down == 10);
  }

  TEST_CASE("sim network: streams answer, are refused by a downed host, time out across a cut") {
    two_hosts h{network_config{}};
    std::optional<bool> ok;
    meshlet::time_point done{};
    auto call = [&](millis timeout) {
      ok.reset();
      h.net.transport_of(0).send_stream(
        "h1:7946", ping{3, "h1", "h0", "h0:7946"}, timeout,
        [&](std::optional<stream_message> r, meshlet::time_point t) {
          ok = r && std::holds_alternative<ack>(*r);
          done = t;
        });
    };
    auto t0 = h.net.now();
    call(ms{1000});
    h.net.run_until(t0 + ms{20});
    REQUIRE(ok);
    CHECK(*ok);
    CHECK(done - t0 < ms{10}); // SYN, SYN-ACK, request, reply: four one-way trips

    h.net.set_groups({0, 1});
    t0 = h.net.now();
    call(ms{500});
    h.net.run_until(t0 + ms{499});
    CHECK_FALSE(ok);
    h.net.run_until(t0 + ms{500});
    REQUIRE(ok);
    CHECK_FALSE(*ok);

    h.net.heal();
    h.net.set_up(1, false);
    t0 = h.net.now();
    call(ms{500});
    h.net.run_until(t0 + ms{10});
    REQUIRE(ok); // refused at once
    CHECK_FALSE(*ok);
  }

  TEST_CASE("sim network: under loss a stream pays retransmission timeouts") {
    network_config cfg;
    cfg.loss = 0.5;
    two_hosts h{cfg};
    int slow = 0, failed = 0, total = 200;
    for (int i = 0; i < total; ++i) {
      std::optional<bool> ok;
      auto t0 = h.net.now();
      meshlet::time_point done{};
      h.net.transport_of(0).send_stream(
        "h1:7946", ping{3, "h1", "h0", "h0:7946"}, ms{1500},
        [&](std::optional<stream_message> r, meshlet::time_point t) {
          ok = r.has_value();
          done = t;
        });
      h.net.run_until(t0 + ms{2000});
      REQUIRE(ok);
      failed += *ok ? 0 : 1;
      slow += (*ok && done - t0 >= ms{200}) ? 1 : 0;
    }
    CHECK(failed > 20); // a lost SYN alone costs a second
    CHECK(slow > 20);   // a lost data segment costs 200 ms
    CHECK(failed + slow < total);
  }

} // TEST_SUITE
