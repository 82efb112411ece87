// wire_codec: byte-exact encodings, round trips, sizes that match message_size exactly, and
// untrusted bytes that are rejected without harm.
#include "mesh/membership/wire_codec.hpp"

#include "mesh/membership/message_size.hpp"
#include "meshlet/mesh/v1/gossip.pb.h"

#include <doctest/doctest.h>

#include <random>

using namespace meshlet::membership;
namespace pb = meshlet::mesh::v1;

namespace {

std::vector<message> every_kind() {
  const std::string long_name(300, 'x'); // a two-byte length prefix
  return {
    ping{1, "n2", "n1", "10.0.0.1:7946"},
    ping{}, // all defaults: nothing but the oneof tag
    ack{300},
    nack{0xffffffffu},
    ping_req{7, "n3", "10.0.0.3:7946", "n1", "10.0.0.1:7946", true},
    alive{"n1", "10.0.0.1:7946", 1},
    alive{long_name, "10.0.0.1:7946", ~0ull},
    suspect{"n2", 5, "n1"},
    dead{"n2", 6, "n2"},
    endpoint_rumour{"payments", "10.9.0.1:50051", endpoint_state::unhealthy, 1700000000123ull, "n1",
                    1700000000123},
    endpoint_rumour{"c", "e", endpoint_state::healthy, 0, "r", -5},
  };
}

} // namespace

TEST_SUITE("membership") {

  TEST_CASE("wire: a packet's bytes, byte for byte") {
    // Packet{messages: [Message{ack: Ack{seq: 300}}]}
    CHECK(encode_packet(packet{{ack{300}}}) == std::string("\x0a\x05\x12\x03\x08\xac\x02", 7));
    // Packet{messages: [Message{nack: Nack{}}]}: an empty sub-message still marks the kind.
    CHECK(encode_packet(packet{{nack{}}}) == std::string("\x0a\x02\x1a\x00", 4));
    CHECK(encode_packet(packet{}).empty());
  }

  TEST_CASE("wire: every message kind survives a round trip, and message_size is exact") {
    for (const auto &m : every_kind()) {
      CAPTURE(kind_name(m.index()));
      packet p{{m}};
      std::string bytes = encode_packet(p);
      CHECK(bytes.size() == packet_size(p));
      std::string error;
      auto back = decode_packet(bytes, error);
      REQUIRE(back);
      REQUIRE(back->messages.size() == 1);
      CHECK(back->messages[0].index() == m.index());
      CHECK(encode_packet(*back) == bytes);
    }
    packet all{every_kind()};
    std::string bytes = encode_packet(all);
    CHECK(bytes.size() == packet_size(all));
    std::string error;
    auto back = decode_packet(bytes, error);
    REQUIRE(back);
    const auto &r = std::get<endpoint_rumour>(back->messages[9]);
    CHECK(r.cluster == "payments");
    CHECK(r.state == endpoint_state::unhealthy);
    CHECK(r.version == 1700000000123ull);
    CHECK(r.observed_at_ms == 1700000000123);
    CHECK(std::get<ping_req>(back->messages[4]).want_nack);
    CHECK(std::get<alive>(back->messages[6]).incarnation == ~0ull);
  }

  TEST_CASE("wire: stream messages round trip with exact sizes") {
    push_pull s;
    s.join = true;
    for (int i = 0; i < 50; ++i)
      s.members.push_back(
        member_record{"n" + std::to_string(i), "10.0.0." + std::to_string(i) + ":7946",
                      static_cast<std::uint64_t>(i), static_cast<member_state>(i % 4)});
    s.rumours.push_back(endpoint_rumour{"c", "e1", endpoint_state::unhealthy, 3, "n1", 99});
    for (const stream_message &m : {stream_message{s}, stream_message{ping{4, "n1", "n2", "a:1"}},
                                    stream_message{ack{4}}, stream_message{push_pull{}}}) {
      std::string bytes = encode_stream(m);
      CHECK(bytes.size() == stream_message_size(m));
      std::string error;
      auto back = decode_stream(bytes, error);
      REQUIRE(back);
      CHECK(back->index() == m.index());
      CHECK(encode_stream(*back) == bytes);
    }
    std::string error;
    auto back = decode_stream(encode_stream(s), error);
    const auto &state = std::get<push_pull>(*back);
    CHECK(state.join);
    REQUIRE(state.members.size() == 50);
    CHECK(state.members[7].state == member_state::left);
    CHECK(state.members[7].incarnation == 7);
  }

  TEST_CASE("wire: malformed, unknown and oversized input is rejected with a reason") {
    std::string error;
    CHECK_FALSE(decode_packet(std::string("\xff\xff\xff\xff", 4), error));
    CHECK_FALSE(error.empty());

    pb::Packet empty_kind;
    empty_kind.add_messages(); // a Message with no kind set
    error.clear();
    CHECK_FALSE(decode_packet(empty_kind.SerializeAsString(), error));
    CHECK(error.find("kind") != std::string::npos);

    pb::Packet bad_enum;
    bad_enum.add_messages()->mutable_endpoint_health()->set_state(
      static_cast<pb::EndpointState>(7));
    error.clear();
    CHECK_FALSE(decode_packet(bad_enum.SerializeAsString(), error));
    CHECK(error.find("endpoint state") != std::string::npos);

    pb::StreamMessage bad_member;
    bad_member.mutable_push_pull()->add_members()->set_state(static_cast<pb::MemberState>(9));
    error.clear();
    CHECK_FALSE(decode_stream(bad_member.SerializeAsString(), error));
    CHECK(error.find("member state") != std::string::npos);

    error.clear();
    CHECK_FALSE(decode_stream(std::string(100, '\0'), error, 10));
    CHECK(error.find("limit") != std::string::npos);
    error.clear();
    CHECK_FALSE(decode_stream("", error)); // no kind
  }

  TEST_CASE("wire: random garbage never crashes the decoder") {
    std::mt19937_64 rng{2024};
    std::string valid = encode_packet(packet{every_kind()});
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string bytes;
      if (i % 2 == 0) { // pure noise
        bytes.resize(rng() % 64);
        for (auto &c : bytes)
          c = static_cast<char>(rng());
      } else { // a valid packet with a few bytes flipped or cut
        bytes = valid.substr(0, rng() % (valid.size() + 1));
        for (int k = 0; k < 3 && !bytes.empty(); ++k)
          bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
      std::string error;
      auto p = decode_packet(bytes, error);
      if (p) {
        ++accepted;
        CHECK(encode_packet(*p).size() == packet_size(*p)); // whatever parsed is well formed
      } else {
        CHECK_FALSE(error.empty());
      }
      std::string serror;
      (void)decode_stream(bytes, serror);
    }
    CHECK(accepted < 20000);
  }

} // TEST_SUITE
