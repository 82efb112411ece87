// node: one member driven by hand through a recording transport: probes, indirect probes and
// nacks, relays, suspicion timers, refutation, leave, endpoint rumours, push-pull and packing.
#include "node_fixture.hpp"

#include "mesh/membership/message_size.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace meshlet::membership;
using namespace meshlet::membership::testing;
using ms = std::chrono::milliseconds;

namespace {
const std::vector<std::string> four = {"a", "b", "c", "d"};
}

TEST_SUITE("membership") {

  TEST_CASE("node: a probe answered in time leaves the target alive") {
    node_fixture f{four};
    auto p = f.run_until_sent<ping>();
    REQUIRE(p);
    const std::string target = p->first.target;
    CHECK(p->second == addr_of(target));
    CHECK(p->first.source == "me");
    CHECK(p->first.source_addr == addr_of("me"));
    std::size_t mark = f.net.packets.size();
    f.run_for(ms{10});
    f.deliver(target, {ack{p->first.seq}});
    f.run_for(ms{980});
    CHECK(f.sent<ping_req>(mark).empty());
    CHECK(f.net.streams.empty());
    CHECK(f.state_of(target) == member_state::alive);
    CHECK(f.n->health_score() == 0);
  }

  TEST_CASE("node: staggered schedule probes once per round at a fixed phase near its start, "
            "the ring's target for that round") {
    node_fixture f{{"a", "b", "c", "d", "e", "f", "g"}};
    f.auto_ack = true;
    auto round_ms = [](meshlet::time_point t) {
      return std::chrono::duration_cast<ms>(t.time_since_epoch()).count();
    };
    std::vector<long long> at;
    std::set<std::string> targets;
    for (int i = 0; i < 7; ++i) {
      auto p = f.run_until_sent<ping>();
      REQUIRE(p);
      at.push_back(round_ms(f.t));
      targets.insert(p->first.target);
      // The phase: this node's hash, within the first probe_phase_spread of the round.
      CHECK(at.back() % 1000 == static_cast<long long>(ring_key("me") % 100));
    }
    for (std::size_t i = 1; i < at.size(); ++i)
      CHECK(at[i] - at[i - 1] == 1000); // one probe per round, none skipped
    CHECK(targets.size() == 7); // seven consecutive rounds: each other member once
  }

  TEST_CASE("node: staggered rounds follow the round clock (the node's clock plus its offset)") {
    membership_config c;
    c.round_clock_offset = ms{123'456'789'012}; // e.g. wall minus steady time
    node_fixture f{{"a", "b", "c"}, c};
    f.auto_ack = true;
    for (int i = 0; i < 3; ++i) {
      auto p = f.run_until_sent<ping>();
      REQUIRE(p);
      auto local = std::chrono::duration_cast<ms>(f.t.time_since_epoch()).count();
      CHECK((local + c.round_clock_offset.count()) % 1000
            == static_cast<long long>(ring_key("me") % 100));
    }
  }

  TEST_CASE("node: shuffled schedule (memberlist's) probes each member once per pass too") {
    membership_config c;
    c.schedule = membership_config::probe_schedule::shuffled;
    node_fixture f{{"a", "b", "c", "d"}, c};
    f.auto_ack = true;
    std::set<std::string> targets;
    for (int i = 0; i < 4; ++i) {
      auto p = f.run_until_sent<ping>();
      REQUIRE(p);
      targets.insert(p->first.target);
    }
    CHECK(targets.size() == 4);
  }

  TEST_CASE("node: an unanswered probe goes indirect at the timeout and suspects at the interval") {
    node_fixture f{four};
    auto p = f.run_until_sent<ping>();
    REQUIRE(p);
    const auto tp = f.t;
    const std::string target = p->first.target;
    std::size_t mark = f.net.packets.size();
    f.run_to(tp + ms{499});
    CHECK(f.sent<ping_req>(mark).empty());
    f.run_to(tp + ms{500});
    auto reqs = f.sent<ping_req>(mark);
    REQUIRE(reqs.size() == 3);
    std::set<std::string> via;
    for (const auto &[r, to] : reqs) {
      CHECK(r.seq == p->first.seq);
      CHECK(r.target == target);
      CHECK(r.target_addr == addr_of(target));
      CHECK(r.want_nack);
      CHECK(to != addr_of(target));
      via.insert(to);
    }
    CHECK(via.size() == 3);
    // The fallback ping over the stream transport, due by the end of the interval.
    REQUIRE(f.net.streams.size() == 1);
    CHECK(f.net.streams[0].to == addr_of(target));
    CHECK(std::holds_alternative<ping>(f.net.streams[0].request));
    CHECK(f.net.streams[0].timeout == ms{500});
    // Two of the three intermediaries nack: the third one's silence counts against us.
    f.run_to(tp + ms{900});
    f.deliver("x", {nack{p->first.seq}, nack{p->first.seq}});
    f.run_to(tp + ms{999});
    CHECK(f.state_of(target) == member_state::alive);
    f.run_to(tp + ms{1000});
    CHECK(f.state_of(target) == member_state::suspect);
    CHECK(f.n->health_score() == 1);
    CHECK(f.n->stats().probes_failed == 1);
    auto s = f.run_until_sent<suspect>();
    REQUIRE(s);
    CHECK(s->first.node == target);
    CHECK(s->first.from == "me");
  }

  TEST_CASE("node: a missed probe with every nack in costs no health") {
    node_fixture f{four};
    auto p = f.run_until_sent<ping>();
    REQUIRE(p);
    const auto tp = f.t;
    f.run_to(tp + ms{900});
    f.deliver("x", {nack{p->first.seq}, nack{p->first.seq}, nack{p->first.seq}});
    f.run_to(tp + ms{1000});
    CHECK(f.state_of(p->first.target) == member_state::suspect);
    CHECK(f.n->health_score() == 0);
  }

  TEST_CASE("node: an ack relayed by an intermediary rescues the probe") {
    node_fixture f{four};
    auto p = f.run_until_sent<ping>();
    REQUIRE(p);
    const auto tp = f.t;
    f.run_to(tp + ms{700});
    f.deliver("b", {ack{p->first.seq}});
    f.run_to(tp + ms{1000});
    CHECK(f.state_of(p->first.target) == member_state::alive);
    CHECK(f.n->stats().probes_failed == 0);
  }

  TEST_CASE("node: the fallback stream ping rescues the probe") {
    node_fixture f{four};
    auto p = f.run_until_sent<ping>();
    REQUIRE(p);
    const auto tp = f.t;
    f.run_to(tp + ms{600});
    REQUIRE(f.net.streams.size() == 1);
    f.net.streams[0].on_reply(stream_message{ack{p->first.seq}}, f.t);
    f.run_to(tp + ms{1000});
    CHECK(f.state_of(p->first.target) == member_state::alive);
    CHECK(f.n->stats().stream_probe_rescues == 1);
  }

  TEST_CASE("node: a suspect is told why it is probed") {
    node_fixture f{four};
    f.auto_ack = true;
    f.deliver("b", {suspect{"a", 1, "b"}});
    CHECK(f.state_of("a") == member_state::suspect);
    bool told = false;
    for (int i = 0; i < 8 && !told; ++i) {
      std::size_t mark = f.net.packets.size();
      f.run_for(ms{1000});
      for (std::size_t k = mark; k < f.net.packets.size(); ++k) {
        const auto &msgs = f.net.packets[k].p.messages;
        if (msgs.empty() || !std::holds_alternative<ping>(msgs[0]))
          continue;
        if (std::get<ping>(msgs[0]).target != "a")
          continue;
        REQUIRE(msgs.size() >= 2);
        REQUIRE(std::holds_alternative<suspect>(msgs[1]));
        CHECK(std::get<suspect>(msgs[1]).node == "a");
        CHECK(std::get<suspect>(msgs[1]).from == "me");
        told = true;
      }
    }
    CHECK(told);
  }

  TEST_CASE("node: relaying a ping-req forwards the ack, or nacks before the prober's deadline") {
    node_fixture f{four};
    std::size_t mark = f.net.packets.size();
    f.deliver("a", {ping_req{77, "b", addr_of("b"), "a", addr_of("a"), true}});
    auto pings = f.sent<ping>(mark);
    REQUIRE(pings.size() == 1);
    CHECK(pings[0].second == addr_of("b"));
    CHECK(pings[0].first.target == "b");
    CHECK(pings[0].first.source == "me");
    mark = f.net.packets.size();
    f.deliver("b", {ack{pings[0].first.seq}});
    auto acks = f.sent<ack>(mark);
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].first.seq == 77);
    CHECK(acks[0].second == addr_of("a"));

    // Silence: a nack at 80% of the probe timeout, and a late ack still relayed until 100%.
    const auto t0 = f.t;
    mark = f.net.packets.size();
    f.deliver("a", {ping_req{78, "c", addr_of("c"), "a", addr_of("a"), true}});
    auto relay_seq = f.sent<ping>(mark).at(0).first.seq;
    f.run_to(t0 + ms{399});
    CHECK(f.sent<nack>(mark).empty());
    f.run_to(t0 + ms{400});
    auto nacks = f.sent<nack>(mark);
    REQUIRE(nacks.size() == 1);
    CHECK(nacks[0].first.seq == 78);
    CHECK(nacks[0].second == addr_of("a"));
    f.run_to(t0 + ms{450});
    f.deliver("c", {ack{relay_seq}});
    CHECK(f.sent<ack>(mark).size() == 1);
    f.run_to(t0 + ms{600});
    f.deliver("c", {ack{relay_seq}}); // too late now: dropped
    CHECK(f.sent<ack>(mark).size() == 1);
  }

  TEST_CASE("node: a ping for another name is not answered") {
    node_fixture f{four};
    std::size_t mark = f.net.packets.size();
    f.deliver("a", {ping{5, "someone-else", "a", addr_of("a")}});
    CHECK(f.sent<ack>(mark).empty());
    CHECK(f.n->stats().rejected == 1);
    f.deliver("a", {ping{6, "me", "a", addr_of("a")}});
    auto acks = f.sent<ack>(mark);
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].first.seq == 6);
  }

  TEST_CASE("node: rumours of its death are refuted with a higher incarnation") {
    node_fixture f{four};
    CHECK(f.n->incarnation() == 1);
    struct row {
      message rumour;
      std::uint64_t incarnation_after;
    };
    const row rows[] = {
      {suspect{"me", 1, "a"}, 2},           // suspected: outbid our own
      {suspect{"me", 5, "a"}, 6},           // accused at 5: outbid the accusation
      {dead{"me", 9, "b"}, 10},             // declared dead
      {alive{"me", addr_of("me"), 3}, 10},  // stale news about us: nothing to do
      {alive{"me", addr_of("me"), 12}, 13}, // an earlier life claims more: outbid it
      {suspect{"me", 4, "a"}, 13},          // stale accusation
    };
    for (const auto &r : rows) {
      f.deliver("a", {r.rumour});
      CHECK(f.n->incarnation() == r.incarnation_after);
      CHECK(f.state_of("me") == member_state::alive);
    }
    CHECK(f.n->stats().refutations == 4);
    CHECK(f.n->health_score() == 4); // Lifeguard: each refutation hints we are the slow one
    auto a = f.run_until_sent<alive>();
    REQUIRE(a);
    CHECK(a->first.node == "me");
    CHECK(a->first.incarnation == 13);
  }

  TEST_CASE("node: suspicion runs for the maximum alone, the minimum with k confirmations") {
    // Five members: k = 4 - 2 = 2 wanted confirmations; min = 4 x max(1, log10 5) s = 4 s,
    // max = 6 x min = 24 s.
    SUBCASE("no confirmations") {
      node_fixture f{four};
      f.auto_ack = true;
      const auto t0 = f.t;
      f.deliver("b", {suspect{"a", 1, "b"}});
      f.deliver("b", {suspect{"a", 1, "b"}}); // the same accuser again is no confirmation
      f.run_to(t0 + ms{23999});
      CHECK(f.state_of("a") == member_state::suspect);
      f.run_to(t0 + ms{24000});
      CHECK(f.state_of("a") == member_state::dead);
      CHECK(f.n->stats().deaths == 1);
    }
    SUBCASE("two independent confirmations") {
      node_fixture f{four};
      f.auto_ack = true;
      const auto t0 = f.t;
      f.deliver("b", {suspect{"a", 1, "b"}});
      f.run_to(t0 + ms{1000});
      f.deliver("c", {suspect{"a", 1, "c"}});
      f.deliver("d", {suspect{"a", 1, "d"}});
      f.run_to(t0 + ms{3999});
      CHECK(f.state_of("a") == member_state::suspect);
      f.run_to(t0 + ms{4000});
      CHECK(f.state_of("a") == member_state::dead);
      auto d = f.run_until_sent<dead>();
      REQUIRE(d);
      CHECK(d->first.node == "a");
      CHECK(d->first.from == "me");
    }
    SUBCASE("refuted in time") {
      node_fixture f{four};
      f.auto_ack = true;
      const auto t0 = f.t;
      f.deliver("b", {suspect{"a", 1, "b"}});
      f.run_to(t0 + ms{2000});
      f.deliver("a", {alive{"a", addr_of("a"), 2}});
      f.run_to(t0 + ms{30000});
      CHECK(f.state_of("a") == member_state::alive);
      CHECK(f.n->find_member("a")->incarnation == 2);
    }
  }

  TEST_CASE("node: the dead are forgotten after gossip_to_the_dead, the left too") {
    node_fixture f{four};
    f.auto_ack = true;
    const auto t0 = f.t;
    f.deliver("b", {dead{"a", 1, "b"}, dead{"c", 1, "c"}});
    CHECK(f.state_of("a") == member_state::dead);
    CHECK(f.state_of("c") == member_state::left);
    f.run_to(t0 + ms{29999});
    CHECK(f.n->find_member("a") != nullptr);
    f.run_to(t0 + ms{30000});
    CHECK(f.n->find_member("a") == nullptr);
    CHECK(f.n->find_member("c") == nullptr);
    // Forgotten, so it may join again at any incarnation.
    f.deliver("a", {alive{"a", addr_of("a"), 1}});
    CHECK(f.state_of("a") == member_state::alive);
  }

  TEST_CASE("node: a graceful leave is announced, then probing stops") {
    node_fixture f{four};
    f.n->leave(f.t);
    CHECK(f.n->has_left());
    CHECK_FALSE(f.n->leave_announced());
    auto d = f.run_until_sent<dead>();
    REQUIRE(d);
    CHECK(d->first.node == "me");
    CHECK(d->first.from == "me"); // from == node: left, not failed
    CHECK(f.n->leave_announced());
    std::size_t mark = f.net.packets.size();
    f.run_for(ms{5000});
    CHECK(f.sent<ping>(mark).empty());
    f.deliver("a", {suspect{"me", 1, "a"}}); // no refuting after leaving
    CHECK(f.n->stats().refutations == 0);
    f.deliver("a", {ping{9, "me", "a", addr_of("a")}}); // still polite until it is gone
    CHECK(f.sent<ack>(mark).size() == 1);
  }

  TEST_CASE("node: endpoint rumours, newest version per reporter, none from the dead") {
    node_fixture f{four};
    std::vector<std::pair<endpoint_rumour, bool>> seen;
    f.n->set_observer(
      {{}, [&](const endpoint_rumour &r, bool removed) { seen.emplace_back(r, removed); }, {}});
    // Our own: versioned by the observation time, spread at once.
    std::size_t mark = f.net.packets.size();
    f.n->publish_endpoint_health("pay", "10.1.0.1:50051", endpoint_state::unhealthy, 1000, f.t);
    auto own = f.sent<endpoint_rumour>(mark);
    REQUIRE(own.size() == 3); // one gossip round to gossip_nodes peers right away
    CHECK(own[0].first.reporter == "me");
    CHECK(own[0].first.version == 1000);
    f.n->publish_endpoint_health("pay", "10.1.0.1:50051", endpoint_state::healthy, 1000, f.t);
    CHECK(f.n->endpoint_views().at(0).version == 1001); // same millisecond: still newer

    // A peer's.
    endpoint_rumour r{"pay", "10.1.0.2:50051", endpoint_state::unhealthy, 5, "a", 77};
    f.deliver("a", {r});
    r.version = 4;
    r.state = endpoint_state::healthy;
    f.deliver("b", {r}); // older: ignored
    auto views = f.n->endpoint_views();
    REQUIRE(views.size() == 2);
    CHECK(views[1].reporter == "a");
    CHECK(views[1].state == endpoint_state::unhealthy);
    CHECK(views[1].version == 5);
    // The reporter dies: its rumours go, and the observer hears of it.
    seen.clear();
    f.deliver("b", {dead{"a", 1, "b"}});
    CHECK(f.n->endpoint_views().size() == 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].second); // removed
    CHECK(seen[0].first.reporter == "a");
    // Rumours from a dead reporter are dropped.
    r.version = 9;
    f.deliver("c", {r});
    CHECK(f.n->endpoint_views().size() == 1);
    CHECK(f.n->stats().rumours_dropped == 1);
    // Malformed ones are rejected.
    f.deliver("c", {endpoint_rumour{"", "x", endpoint_state::healthy, 1, "b", 0}});
    CHECK(f.n->stats().rejected == 1);
  }

  TEST_CASE("node: packets are packed with broadcasts up to the limit, never beyond") {
    std::vector<std::string> many;
    for (int i = 0; i < 150; ++i)
      many.push_back("peer-" + std::to_string(i));
    node_fixture f{many};
    f.run_for(ms{3000});
    REQUIRE(f.net.packets.size() > 10);
    std::size_t biggest = 0, compound = 0, bytes = 0;
    for (const auto &sp : f.net.packets) {
      std::size_t size = packet_size(sp.p);
      biggest = std::max(biggest, size);
      compound += sp.p.messages.size() > 1 ? 1 : 0;
      bytes += size;
    }
    CHECK(biggest <= 1400 - 48);
    CHECK(biggest > 1300); // 150 alive rumours queued: gossip packets are full
    CHECK(compound > 10);
    CHECK(f.n->stats().sent.packets == f.net.packets.size());
    CHECK(f.n->stats().sent.bytes == bytes);
  }

  TEST_CASE("node: join and push-pull exchange full state; a peer's verdict is only suspicion") {
    recording_transport net;
    membership_config cfg;
    cfg.name = "me";
    cfg.address = addr_of("me");
    meshlet::time_point t{std::chrono::hours{1}};
    node n{cfg, net, 1, t};
    std::vector<std::pair<std::string, bool>> joins;
    n.set_observer(
      {{}, {}, [&](const std::string &seed, bool ok) { joins.emplace_back(seed, ok); }});
    n.join({"seed:7946", "gone:7946", addr_of("me")}, t);
    REQUIRE(net.streams.size() == 2); // not ourselves
    const auto *req = std::get_if<push_pull>(&net.streams[0].request);
    REQUIRE(req);
    CHECK(req->join);
    REQUIRE(req->members.size() == 1);
    CHECK(req->members[0].name == "me");
    push_pull reply;
    reply.members = {{"seed", "seed:7946", 3, member_state::alive},
                     {"x", addr_of("x"), 2, member_state::alive},
                     {"y", addr_of("y"), 2, member_state::dead},  // their verdict: our suspicion
                     {"z", addr_of("z"), 2, member_state::left}}; // a leave is final
    reply.rumours = {{"pay", "e1", endpoint_state::unhealthy, 3, "x", 0}};
    net.streams[0].on_reply(stream_message{reply}, t);
    net.streams[1].on_reply(std::nullopt, t);
    REQUIRE(joins.size() == 2);
    CHECK(joins[0] == std::make_pair(std::string{"seed:7946"}, true));
    CHECK(joins[1] == std::make_pair(std::string{"gone:7946"}, false));
    CHECK(n.member_count() == 3); // me, seed, x
    CHECK(n.find_member("x")->state == member_state::alive);
    CHECK(n.find_member("y") == nullptr); // unknown here: nothing to suspect
    CHECK(n.find_member("z") == nullptr);
    CHECK(n.endpoint_views().size() == 1);

    // A peer that thinks we are dead gets our refutation in the same exchange.
    push_pull claim;
    claim.members = {{"me", addr_of("me"), 4, member_state::dead},
                     {"x", addr_of("x"), 2, member_state::dead}};
    auto answer = n.on_stream(addr_of("x"), claim, t);
    REQUIRE(answer);
    const auto &state = std::get<push_pull>(*answer);
    bool found = false;
    for (const auto &m : state.members)
      if (m.name == "me") {
        found = true;
        CHECK(m.incarnation == 5);
        CHECK(m.state == member_state::alive);
      }
    CHECK(found);
    CHECK(n.find_member("x")->state == member_state::suspect);
    CHECK(state.rumours.size() == 1);

    // Periodic push-pull with a live member: "seed" answers every probe, so it stays alive
    // whatever the probe order, until the push-pull timer (30 s, random phase) fires.
    net.streams.clear();
    for (int i = 0; i < 400; ++i) {
      t += std::chrono::milliseconds{100};
      std::size_t mark = net.packets.size();
      n.tick(t);
      for (std::size_t k = mark; k < net.packets.size(); ++k) {
        if (net.packets[k].to != "seed:7946")
          continue;
        for (const auto &m : net.packets[k].p.messages)
          if (const auto *pg = std::get_if<ping>(&m))
            n.on_packet("seed:7946", packet{{ack{pg->seq}}}, t);
      }
    }
    CHECK(n.find_member("seed")->state == member_state::alive);
    bool periodic = false;
    for (const auto &s : net.streams)
      if (const auto *pp = std::get_if<push_pull>(&s.request))
        periodic = periodic || !pp->join;
    CHECK(periodic);
  }

  TEST_CASE("node: many failed members coming back start two extra push-pulls") {
  node_fixture f{{"a", "b", "c", "d", "e", "f"}};
  f.auto_ack = true;
  auto periodic_push_pulls = [&] {
    int n = 0;
    for (const auto &s : f.net.streams)
      if (const auto *pp = std::get_if<push_pull>(&s.request))
        n += pp->join ? 0 : 1;
    return n;
  };
  while (periodic_push_pulls() == 0) // find the periodic phase: the next one is 30 s away
    f.run_for(ms{100});
  const auto synced = f.t;
  f.deliver("x", {dead{"a", 1, "x"}, dead{"b", 1, "x"}, dead{"c", 1, "x"}});
  f.run_to(synced + ms{1000});
  f.deliver("a", {alive{"a", addr_of("a"), 2}}); // one restart: nothing special
  f.run_to(synced + ms{6000});
  CHECK(periodic_push_pulls() == 1);
  const auto healed = f.t;
  f.deliver("b", {alive{"b", addr_of("b"), 2}, alive{"c", addr_of("c"), 2}}); // a partition heals
  f.run_to(healed + ms{1999});
  CHECK(periodic_push_pulls() == 1);
  f.run_to(healed + ms{4000});
  CHECK(periodic_push_pulls() == 2); // the first round, 2-4 s after
  const auto first = f.t;
  f.run_to(first + ms{7999 - 2000});
  CHECK(periodic_push_pulls() == 2);
  f.run_to(healed + ms{4000 + 8000 + 2000});
  CHECK(periodic_push_pulls() == 3); // the second, 8-10 s after the first
  f.run_to(synced + ms{29800}); // (synced is up to 100 ms after the periodic one)
  CHECK(periodic_push_pulls() == 3); // the periodic one keeps its phase
  f.run_to(synced + ms{30000});
  CHECK(periodic_push_pulls() == 4);
}

TEST_CASE("node: a stream ping is answered with an ack, for us only") {
    node_fixture f{four};
    auto r = f.n->on_stream(addr_of("a"), ping{7, "me", "a", addr_of("a")}, f.t);
    REQUIRE(r);
    CHECK(std::get<ack>(*r).seq == 7);
    CHECK_FALSE(f.n->on_stream(addr_of("a"), ping{8, "other", "a", addr_of("a")}, f.t));
    CHECK_FALSE(f.n->on_stream(addr_of("a"), ack{8}, f.t));
  }

  TEST_CASE("node: malformed rumours are rejected and change nothing") {
    node_fixture f{four};
    f.deliver("a", {alive{"", "x:1", 5}, alive{"q", "", 5}, suspect{"a", 9, ""}, dead{"", 1, "x"}});
    CHECK(f.n->stats().rejected == 4);
    CHECK(f.n->member_count() == 5);
    CHECK(f.state_of("a") == member_state::alive);
    f.deliver("a", {ping_req{1, "b", "", "a", addr_of("a"), true},
                    ping_req{1, "me", "x:1", "a", "", true}});
    CHECK(f.n->stats().rejected == 6);
  }

} // TEST_SUITE
