// message_size: proto3 sizes, computed by hand, for packing packets up to the limit.
// (wire_codec_test checks them against protobuf's own encoder.)
#include "mesh/membership/message_size.hpp"

#include <doctest/doctest.h>

using namespace meshlet::membership;

TEST_SUITE("membership") {

  TEST_CASE("varint sizes") {
    const std::uint64_t rows[][2] = {{0, 1},     {1, 1},     {127, 1},          {128, 2},
                                     {16383, 2}, {16384, 3}, {(1ull << 32), 5}, {~0ull, 10}};
    for (const auto &r : rows)
      CHECK(varint_size(r[0]) == r[1]);
  }

  TEST_CASE("message sizes follow proto3: defaults cost nothing, a oneof field always counts") {
    // Message{ack{}}: tag(2) + len(0) = 2 bytes; in a Packet: tag(1) + len + 2 = 4.
    CHECK(message_size(ack{}) == 2);
    CHECK(packet_entry_size(ack{}) == 4);
    // ack{300}: seq = tag + 2-byte varint = 3; Message = 2 + 3 = 5; Packet entry = 2 + 5 = 7.
    CHECK(message_size(ack{300}) == 5);
    CHECK(packet_entry_size(ack{300}) == 7);
    // alive{"n1", "10.0.0.1:7946", 1}: (2+2) + (2+13) + (1+1) = 21; Message 23; entry 25.
    CHECK(message_size(alive{"n1", "10.0.0.1:7946", 1}) == 23);
    // A negative observed_at costs a 10-byte varint.
    endpoint_rumour r{"c", "e", endpoint_state::unhealthy, 1, "n", -1};
    CHECK(message_size(r) == 2 + 3 + 3 + 2 + 2 + 3 + 11);
    packet p{{ack{300}, alive{"n1", "10.0.0.1:7946", 1}}};
    CHECK(packet_size(p) == 7 + 25);
    CHECK(stream_message_size(ack{}) == 2);
    push_pull s{true, {member_record{"n1", "a:1", 2, member_state::dead}}, {}};
    // join (2) + one record (4 + 5 + 2 + 2 = 13, embedded 15) = 17; StreamMessage = 2 + 17.
    CHECK(stream_message_size(s) == 19);
  }

} // TEST_SUITE
