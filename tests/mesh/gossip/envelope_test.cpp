// envelope: sign/verify, key rotation, tampering, wrong key, garbage, oversize, replay (time
// window and seen-before), and the insecure mode's size/format checks. Time is a value here.
#include "mesh/gossip/envelope.hpp"

#include "mesh/membership/config.hpp"
#include "mesh/membership/wire_codec.hpp"

#include "meshlet/mesh/v1/gossip.pb.h"

#include <doctest/doctest.h>

#include <memory>
#include <random>
#include <string>

using namespace meshlet::gossip;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const keyring> ring(std::vector<std::string> keys) {
  return std::make_shared<const keyring>(std::move(keys));
}

const std::string key_a(32, 'a');
const std::string key_b(16, 'b');
const std::string key_c(24, 'c');
constexpr std::int64_t t0 = 1'700'000'000'000; // unix ms
constexpr std::size_t limit = 1400;

} // namespace

TEST_SUITE("gossip") {

  TEST_CASE("sealed under the first key, opened under any key of the ring (rotation)") {
    envelope old_only{ring({key_a}), 30s};
    envelope rotating{ring({key_b, key_a}), 30s}; // signs with b, still accepts a
    envelope new_only{ring({key_b}), 30s};

    auto from_old = old_only.seal(channel::packet, "hello", t0);
    auto o = rotating.open(channel::packet, from_old, limit, t0);
    CHECK(o.result == verdict::ok);
    CHECK(o.payload == "hello");

    auto from_rotating = rotating.seal(channel::packet, "world", t0);
    CHECK(new_only.open(channel::packet, from_rotating, limit, t0).result == verdict::ok);
    // The node that only has the old key refuses the new signer: why the new key goes second
    // everywhere before it goes first anywhere.
    CHECK(old_only.open(channel::packet, from_rotating, limit, t0).result == verdict::bad_mac);
  }

  TEST_CASE("a wrong key, a flipped bit anywhere, a cut MAC: bad_mac, never ok") {
    envelope sender{ring({key_a}), 30s};
    envelope wrong{ring({key_c}), 30s};
    auto sealed = sender.seal(channel::packet, std::string(200, 'p'), t0);
    CHECK(wrong.open(channel::packet, sealed, limit, t0).result == verdict::bad_mac);

    envelope receiver{ring({key_a}), 30s};
    int refused = 0;
    for (std::size_t i = 0; i < sealed.size(); ++i) {
      auto tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
      auto v = receiver.open(channel::packet, tampered, limit, t0).result;
      CAPTURE(i);
      CHECK(v != verdict::ok);
      refused += v != verdict::ok;
    }
    CHECK(refused == static_cast<int>(sealed.size()));

    meshlet::mesh::v1::Envelope e;
    REQUIRE(e.ParseFromString(sealed));
    e.set_mac(e.mac().substr(0, 16));
    CHECK(receiver.open(channel::packet, e.SerializeAsString(), limit, t0).result
          == verdict::bad_mac);
    e.clear_mac();
    CHECK(receiver.open(channel::packet, e.SerializeAsString(), limit, t0).result
          == verdict::missing_mac);
  }

  TEST_CASE("the channel is part of the MAC: a datagram is no stream frame") {
    envelope a{ring({key_a}), 30s};
    envelope b{ring({key_a}), 30s};
    auto sealed = a.seal(channel::packet, "x", t0);
    CHECK(b.open(channel::stream, sealed, 1 << 20, t0).result == verdict::bad_mac);
  }

  TEST_CASE("garbage is malformed, oversize is refused before parsing") {
    envelope secure{ring({key_a}), 30s};
    envelope insecure{nullptr, 30s};
    std::mt19937 rng{7};
    for (int i = 0; i < 200; ++i) {
      std::string junk(1 + rng() % 600, '\0');
      for (auto &c : junk)
        c = static_cast<char>(rng());
      CHECK(secure.open(channel::packet, junk, limit, t0).result != verdict::ok);
    }
    CHECK(secure.open(channel::packet, std::string("\xff\xff\xff", 3), limit, t0).result
          == verdict::malformed);
    CHECK(insecure.open(channel::packet, std::string("\x0a\x05hi", 4), limit, t0).result
          == verdict::malformed); // says 5 bytes follow, 2 do

    auto big = secure.seal(channel::packet, std::string(limit, 'p'), t0);
    CHECK(secure.open(channel::packet, big, limit, t0).result == verdict::oversize);
    CHECK(insecure.open(channel::packet, std::string(limit + 1, '\0'), limit, t0).result
          == verdict::oversize);
  }

  TEST_CASE("outside the replay window, or seen before: replay") {
    envelope sender{ring({key_a}), 30s};
    envelope receiver{ring({key_a}), 30s};
    auto now = sender.seal(channel::packet, "a", t0);
    auto old = sender.seal(channel::packet, "b", t0 - 30'001);
    auto edge = sender.seal(channel::packet, "c", t0 - 30'000);
    auto future = sender.seal(channel::packet, "d", t0 + 30'001);
    CHECK(receiver.open(channel::packet, old, limit, t0).result == verdict::replay);
    CHECK(receiver.open(channel::packet, future, limit, t0).result == verdict::replay);
    CHECK(receiver.open(channel::packet, edge, limit, t0).result == verdict::ok);
    CHECK(receiver.open(channel::packet, now, limit, t0).result == verdict::ok);
    CHECK(receiver.open(channel::packet, now, limit, t0 + 5'000).result == verdict::replay);
    // Once the window has passed it is refused for its age.
    CHECK(receiver.open(channel::packet, now, limit, t0 + 31'000).result == verdict::replay);
  }

  TEST_CASE("insecure: no MAC sent, a MAC'd envelope refused (misconfigured peer)") {
    envelope insecure{nullptr, 30s};
    envelope other{nullptr, 30s};
    envelope secure{ring({key_a}), 30s};
    auto sealed = insecure.seal(channel::packet, "plain", t0);
    meshlet::mesh::v1::Envelope e;
    REQUIRE(e.ParseFromString(sealed));
    CHECK(e.mac().empty());
    auto o = other.open(channel::packet, sealed, limit, t0 + 3'600'000); // no clock check
    CHECK(o.result == verdict::ok);
    CHECK(o.payload == "plain");
    CHECK(secure.open(channel::packet, sealed, limit, t0).result == verdict::missing_mac);
    CHECK(other.open(channel::packet, secure.seal(channel::packet, "m", t0), limit, t0).result
          == verdict::unexpected_mac);
  }

  TEST_CASE("the envelope fits the core's reserve: a full packet sealed is <= 1400 bytes") {
    meshlet::membership::membership_config cfg;
    envelope sender{ring({key_a}), 30s};
    std::string payload(cfg.packet_limit - cfg.envelope_overhead, 'p');
    auto sealed = sender.seal(channel::packet, payload, INT64_MAX / 2);
    CHECK(sealed.size() <= cfg.packet_limit);
    envelope receiver{ring({key_a}), 30s};
    CHECK(receiver.open(channel::packet, sealed, cfg.packet_limit, INT64_MAX / 2).result
          == verdict::ok);
  }

} // TEST_SUITE
