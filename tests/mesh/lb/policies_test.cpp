// Tests every load-balancing policy against the policy contract: names and factory, only
// eligible and usable endpoints picked (and something picked whenever one can be), nullopt when
// none can, `usable` asked only about eligible endpoints and at most once per pick, and survival
// of new, empty and missing snapshots and of feedback for endpoints that are gone.
#include "mesh/lb/policy.hpp"

#include "tests/mesh/lb/policy_test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace meshlet::lb;
using namespace meshlet::lb::testing;

TEST_SUITE_BEGIN("lb/policies");

TEST_CASE("is_policy_name accepts the six policy names and nothing else") {
  for (const char* name : all_policy_names) {
    CAPTURE(name);
    CHECK(is_policy_name(name));
  }
  for (const char* name : {"", "Round_Robin", "round_robin ", "least_conn", "maglev", "rr"}) {
    CAPTURE(name);
    CHECK_FALSE(is_policy_name(name));
  }
}

TEST_CASE("make_policy builds every named policy and nothing for an unknown name") {
  for (const char* name : all_policy_names) {
    CAPTURE(name);
    policy_config cfg;
    cfg.name = name;
    CHECK(make_policy(cfg, 7) != nullptr);
  }
  policy_config bad;
  bad.name = "least_conn";
  CHECK(make_policy(bad, 7) == nullptr);
  CHECK(make_policy(policy_config{}, 7) != nullptr); // the default name, round_robin
}

TEST_CASE("every policy picks only eligible, usable endpoints, and one whenever one can") {
  for (const char* name : all_policy_names) {
    CAPTURE(name);
    auto p = make(name, 3);
    std::mt19937_64 rng{42};
    std::bernoulli_distribution coin{0.5};
    auto t = table_of(8, {1, 2, 3, 1, 1000, 5, 1, 7});
    int picked = 0, none = 0;
    for (int round = 0; round < 200; ++round) {
      auto next = std::make_shared<endpoint_table>(*t);
      for (auto& e : next->endpoints)
        e.eligible = coin(rng);
      p->update(next);
      for (int k = 0; k < 20; ++k) {
        std::vector<bool> ok(8);
        for (size_t i = 0; i < 8; ++i)
          ok[i] = coin(rng);
        bool any = false;
        for (size_t i = 0; i < 8; ++i)
          any = any || (ok[i] && next->endpoints[i].eligible);
        const std::string key = k % 3 == 0 ? "" : "user-" + std::to_string(round * 20 + k);
        auto r = request(at_ms(round * 20 + k), key, [&](size_t i) { return ok.at(i); });
        auto i = p->pick(r);
        CHECK(i.has_value() == any);
        if (i) {
          REQUIRE(*i < 8);
          CHECK(next->endpoints[*i].eligible);
          CHECK(ok[*i]);
          p->on_start(next->endpoints[*i].id);
          p->on_finish(next->endpoints[*i].id, std::chrono::milliseconds{1 + k},
                       at_ms(round * 20 + k + 1));
          ++picked;
        } else {
          ++none;
        }
      }
    }
    CHECK(picked > 1000); // both branches were exercised
    CHECK(none > 100);
  }
}

TEST_CASE("every policy asks `usable` only about eligible endpoints, each at most once a pick") {
  for (const char* name : all_policy_names) {
    for (const char* key : {"", "user-7"}) {
      CAPTURE(name);
      CAPTURE(key);
      auto p = make(name);
      auto t = table_of(6, {1, 2, 3, 4, 5, 6});
      t->endpoints[2].eligible = false;
      t->endpoints[4].eligible = false;
      p->update(t);
      std::vector<size_t> asked;
      auto none = request(at_ms(1), key, [&](size_t i) {
        asked.push_back(i);
        return false;
      });
      CHECK_FALSE(p->pick(none).has_value());
      std::sort(asked.begin(), asked.end());
      CHECK(asked == std::vector<size_t>{0, 1, 3, 5});
    }
  }
}

TEST_CASE("every policy returns nullopt when no endpoint can take the call") {
  for (const char* name : all_policy_names) {
    CAPTURE(name);
    auto p = make(name);
    CHECK_FALSE(p->pick(request(at_ms(0), "k")).has_value()); // before any snapshot

    p->update(nullptr);
    CHECK_FALSE(p->pick(request(at_ms(0), "k")).has_value());

    p->update(std::make_shared<endpoint_table>());
    CHECK_FALSE(p->pick(request(at_ms(0), "k")).has_value());
    CHECK_FALSE(p->pick(request(at_ms(0), "")).has_value());

    auto t = table_of(3);
    for (auto& e : t->endpoints)
      e.eligible = false;
    p->update(t);
    CHECK_FALSE(p->pick(request(at_ms(0), "k")).has_value());
    CHECK_FALSE(p->pick(request(at_ms(0), "")).has_value());

    p->update(table_of(3));
    CHECK_FALSE(p->pick(request(at_ms(0), "k", [](size_t) { return false; })).has_value());
    CHECK(p->pick(request(at_ms(0), "k")).has_value());
  }
}

TEST_CASE("every policy survives shrinking, emptying and regrowing snapshots with feedback "
          "for endpoints that are gone") {
  for (const char* name : all_policy_names) {
    CAPTURE(name);
    auto p = make(name);
    p->update(table_of(5));
    for (uint32_t id = 100; id < 105; ++id)
      p->on_start(id);
    p->on_start(7); // never in any snapshot
    p->on_finish(7, std::chrono::milliseconds{3}, at_ms(1));

    auto small = table_of(2);
    p->update(small);
    for (uint32_t id = 100; id < 105; ++id) // three of these are gone: ignored
      p->on_finish(id, std::chrono::milliseconds{2}, at_ms(2));
    CHECK(tally(*p, *small, 100, request(at_ms(3), "k")).size() >= 1);

    p->update(std::make_shared<endpoint_table>());
    p->on_start(100);
    p->on_finish(100, std::chrono::milliseconds{2}, at_ms(4));
    CHECK_FALSE(p->pick(request(at_ms(4))).has_value());

    auto big = table_of(7);
    p->update(big);
    for (uint32_t id = 100; id < 107; ++id) { // finishes without starts: counts stay >= 0
      p->on_finish(id, std::chrono::milliseconds{1}, at_ms(5));
      p->on_finish(id, std::chrono::milliseconds{1}, at_ms(5));
    }
    CHECK(tally(*p, *big, 700, request(at_ms(6))).size() == 7);
  }
}

TEST_SUITE_END();
