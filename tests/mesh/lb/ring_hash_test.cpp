// Tests for the ring_hash policy: a key always reaches the same endpoint (whatever the seed or
// instance), an endpoint leaving or failing moves only its own keys, weights shape the shares,
// an empty key spreads, and the hash is pinned so it cannot change between builds unnoticed.
#include "mesh/lb/ring_hash.hpp"

#include "mesh/lb/stable_hash.hpp"
#include "tests/mesh/lb/policy_test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace meshlet::lb;
using namespace meshlet::lb::testing;

namespace {

std::vector<std::string> keys(int n) {
  std::vector<std::string> out;
  for (int k = 0; k < n; ++k)
    out.push_back("user-" + std::to_string(k));
  return out;
}

// The endpoint id each key goes to (0 for none).
std::vector<uint32_t> owners(policy& p, const endpoint_table& t, const std::vector<std::string>& ks,
                             std::function<bool(size_t)> usable = {}) {
  std::vector<uint32_t> out;
  for (const auto& k : ks) {
    auto i = p.pick(request({}, k, usable));
    out.push_back(i ? t.endpoints.at(*i).id : 0);
  }
  return out;
}

} // namespace

TEST_SUITE_BEGIN("lb/ring_hash");

TEST_CASE("stable_hash values are pinned") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL); // the published FNV-1a 64 test vector
  CHECK(stable_hash("") == 0xefd01f60ba992926ULL);
  CHECK(stable_hash("user-1") == 0x41a2fca5c68401c5ULL);
  CHECK(stable_hash("10.0.0.1:50051") == 0x281bd423f10206a3ULL);
  CHECK(stable_hash(fnv1a64("10.0.0.1:50051"), 0) == 0x83e408b98de35209ULL); // its first vnode
}

TEST_CASE("ring_hash sends a key to the same endpoint every time, whatever the seed") {
  auto t = table_of(10);
  auto copy = std::make_shared<endpoint_table>(*t); // another thread's copy of the snapshot
  ring_hash a{1024, 1};
  ring_hash b{1024, 987654321};
  a.update(t);
  b.update(copy);
  auto ks = keys(2000);
  auto first = owners(a, *t, ks);
  CHECK(owners(a, *t, ks) == first);
  CHECK(owners(b, *copy, ks) == first);
}

TEST_CASE("ring_hash puts at least ring_size virtual nodes on the ring") {
  ring_hash p{1024, 1};
  p.update(table_of(10));
  CHECK(p.ring_nodes() >= 1024);
  CHECK(p.ring_nodes() <= 2048);
  p.update(table_of(3, {1000, 1000, 1000}));
  CHECK(p.ring_nodes() >= 1024);
  CHECK(p.ring_nodes() <= 2048 + 3);
  ring_hash small{1, 1};
  small.update(table_of(2));
  CHECK(small.ring_nodes() == 2);
}

TEST_CASE("ring_hash spreads 10,000 keys over 10 endpoints") {
  auto t = table_of(10);
  ring_hash p{1024, 1};
  p.update(t);
  std::map<uint32_t, int> counts;
  for (uint32_t id : owners(p, *t, keys(10000)))
    ++counts[id];
  CHECK(counts.size() == 10);
  for (auto [id, n] : counts) {
    CAPTURE(id);
    CHECK(n > 700);
    CHECK(n < 1300);
  }
}

TEST_CASE("ring_hash: removing 1 of 10 endpoints moves only that endpoint's keys") {
  auto t = table_of(10);
  ring_hash p{1024, 1};
  p.update(t);
  auto ks = keys(10000);
  auto before = owners(p, *t, ks);

  auto without = std::make_shared<endpoint_table>(*t);
  without->endpoints.erase(without->endpoints.begin() + 3); // id 103; the indices after it shift
  p.update(without);
  auto after = owners(p, *without, ks);

  int moved = 0;
  std::map<uint32_t, int> moved_to;
  for (size_t k = 0; k < ks.size(); ++k) {
    if (before[k] == after[k])
      continue;
    ++moved;
    CHECK(before[k] == 103);
    ++moved_to[after[k]];
  }
  CHECK(moved <= 1000 + 300);
  CHECK(moved > 0);
  CHECK(moved_to.size() >= 5); // spread over the others, not dumped on one neighbour

  p.update(t); // back: every key returns home
  CHECK(owners(p, *t, ks) == before);
}

TEST_CASE("ring_hash: adding an 11th endpoint moves only keys to it, about 1/11 of them") {
  auto t = table_of(10);
  ring_hash p{1024, 1};
  p.update(t);
  auto ks = keys(10000);
  auto before = owners(p, *t, ks);
  auto grown = table_of(11);
  p.update(grown);
  auto after = owners(p, *grown, ks);
  int moved = 0;
  for (size_t k = 0; k < ks.size(); ++k)
    if (before[k] != after[k]) {
      ++moved;
      CHECK(after[k] == 110);
    }
  CHECK(moved <= 10000 / 11 + 300);
  CHECK(moved > 10000 / 11 - 300);
}

TEST_CASE("ring_hash: an ineligible or unusable endpoint's keys move, nobody else's") {
  auto t = table_of(10);
  ring_hash p{1024, 1};
  p.update(t);
  auto ks = keys(5000);
  auto before = owners(p, *t, ks);

  auto sick = std::make_shared<endpoint_table>(*t);
  sick->endpoints[5].eligible = false;
  p.update(sick);
  auto during = owners(p, *sick, ks);
  auto tried = owners(p, *t, ks, [](size_t i) { return i != 5; }); // as a retry would
  for (size_t k = 0; k < ks.size(); ++k) {
    CHECK(during[k] != 105);
    CHECK(during[k] == tried[k]);
    if (before[k] != 105)
      CHECK(during[k] == before[k]);
  }
  p.update(t); // healthy again
  CHECK(owners(p, *t, ks) == before);
}

TEST_CASE("ring_hash gives keys in proportion to weight") {
  auto t = table_of(2, {3, 1});
  ring_hash p{1024, 1};
  p.update(t);
  int first = 0;
  for (uint32_t id : owners(p, *t, keys(10000)))
    first += id == 100;
  CHECK(first > 7000);
  CHECK(first < 8000);
}

TEST_CASE("ring_hash spreads calls without a key at random") {
  auto t = table_of(4);
  ring_hash p{1024, 3};
  p.update(t);
  auto counts = tally(p, *t, 10000, request({}, ""));
  for (size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(count_of(counts, i) >= 2250);
    CHECK(count_of(counts, i) <= 2750);
  }
}

TEST_SUITE_END();
