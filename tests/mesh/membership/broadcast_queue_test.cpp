// broadcast_queue: transmit limits, invalidation by key, least-sent-first priority and budgets.
#include "mesh/membership/broadcast_queue.hpp"

#include "mesh/membership/message_size.hpp"

#include <doctest/doctest.h>

using namespace meshlet::membership;

namespace {

std::string node_of(const message &m) {
  if (auto *a = std::get_if<alive>(&m))
    return a->node;
  if (auto *s = std::get_if<suspect>(&m))
    return s->node;
  if (auto *d = std::get_if<dead>(&m))
    return d->node;
  return {};
}

void push_alive(broadcast_queue &q, const std::string &node, std::uint64_t inc = 1) {
  q.push(broadcast_queue::member_key(node), alive{node, "10.0.0.1:7946", inc});
}

} // namespace

TEST_SUITE("membership") {

  TEST_CASE("a broadcast goes out transmit-limit times, then is gone") {
    for (int limit : {1, 3, 16}) {
      broadcast_queue q;
      push_alive(q, "a");
      for (int i = 0; i < limit; ++i) {
        CHECK(q.transmits(broadcast_queue::member_key("a")) == i);
        CHECK(q.take(1400, limit).size() == 1);
      }
      CHECK(q.empty());
      CHECK(q.take(1400, limit).empty());
      CHECK(q.transmits(broadcast_queue::member_key("a")) == -1);
    }
  }

  TEST_CASE("a newer message about the same node replaces the older one") {
    broadcast_queue q;
    push_alive(q, "a", 1);
    q.take(1400, 10); // sent once
    q.push(broadcast_queue::member_key("a"), suspect{"a", 1, "b"});
    CHECK(q.size() == 1);
    CHECK(q.transmits(broadcast_queue::member_key("a")) == 0); // a fresh rumour starts over
    auto out = q.take(1400, 10);
    REQUIRE(out.size() == 1);
    CHECK(std::holds_alternative<suspect>(out[0]));
    q.push(broadcast_queue::member_key("a"), dead{"a", 1, "b"});
    q.push(broadcast_queue::member_key("b"), alive{"b", "x:1", 1}); // another node: kept apart
    CHECK(q.size() == 2);
  }

  TEST_CASE("endpoint rumours are keyed by (cluster, endpoint, reporter)") {
    broadcast_queue q;
    endpoint_rumour r{"c", "e:1", endpoint_state::unhealthy, 1, "n1", 0};
    q.push(broadcast_queue::endpoint_key(r), r);
    r.version = 2;
    q.push(broadcast_queue::endpoint_key(r), r); // same key: replaces
    r.reporter = "n2";
    q.push(broadcast_queue::endpoint_key(r), r); // another reporter: separate
    push_alive(q, "n1");                         // a node of the same name: separate
    CHECK(q.size() == 3);
    endpoint_rumour a{"c", "ab", endpoint_state::healthy, 1, "x", 0};
    endpoint_rumour b{"ca", "b", endpoint_state::healthy, 1, "x", 0};
    CHECK(broadcast_queue::endpoint_key(a) != broadcast_queue::endpoint_key(b));
  }

  TEST_CASE("least-sent broadcasts go first, then larger, then newer") {
    broadcast_queue q;
    push_alive(q, "old");
    q.take(1400, 10); // "old" has been sent once
    push_alive(q, "new1");
    push_alive(q, "new2");
    q.push(broadcast_queue::member_key("big"), alive{"big-node-name", "10.0.0.1:7946", 1});
    auto budget_for_one = packet_entry_size(alive{"big-node-name", "10.0.0.1:7946", 1});
    auto first = q.take(budget_for_one, 10);
    REQUIRE(first.size() == 1);
    CHECK(node_of(first[0]) == "big-node-name"); // unsent and largest
    auto second = q.take(packet_entry_size(alive{"new2", "10.0.0.1:7946", 1}), 10);
    REQUIRE(second.size() == 1);
    CHECK(node_of(second[0]) == "new2"); // unsent, same size as new1, newer
    auto rest = q.take(1400, 10);
    REQUIRE(rest.size() == 4);
    CHECK(node_of(rest[0]) == "new1");          // the last unsent one, then the once-sent ones:
    CHECK(node_of(rest[1]) == "big-node-name"); // larger first,
    CHECK(node_of(rest[2]) == "new2");          // then newer
    CHECK(node_of(rest[3]) == "old");
  }

  TEST_CASE("taken broadcasts fit the budget; what does not fit waits") {
    broadcast_queue q;
    for (int i = 0; i < 100; ++i)
      push_alive(q, "node-" + std::to_string(i));
    std::size_t budget = 1352;
    auto out = q.take(budget, 4);
    std::size_t used = 0;
    for (const auto &m : out)
      used += packet_entry_size(m);
    CHECK(used <= budget);
    CHECK(used + packet_entry_size(alive{"node-99", "10.0.0.1:7946", 1}) > budget); // full
    CHECK(out.size() < 100);
    CHECK(q.size() == 100);       // nothing reached its limit yet
    CHECK(q.take(10, 4).empty()); // nothing fits in 10 bytes
  }

  TEST_CASE("prune drops the most-sent broadcasts first") {
    broadcast_queue q;
    push_alive(q, "a");
    q.take(1400, 10);
    push_alive(q, "b");
    q.prune(1);
    CHECK(q.transmits(broadcast_queue::member_key("a")) == -1);
    CHECK(q.transmits(broadcast_queue::member_key("b")) == 0);
  }

} // TEST_SUITE
